import CampaignLabData
import Foundation

/// Ctrl-C (SIGINT) and SIGTERM: the command stops promptly and leaves no partial output.
///
/// The signals are handled by a thread of their own, however busy the others are. On a signal:
/// - while a write to the user's database is in progress (an import), that work is asked
///   to stop (`Cancellation`), rolls back, and the command exits 130 by its own error path;
///   a second signal ends the process at once;
/// - otherwise the files being written (registered with ``writing(_:)``) are removed and
///   the process ends at once with status 128 + the signal number (130 for Ctrl-C).
enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var partial: [Int: [String]] = [:]
    nonisolated(unsafe) private static var nextToken = 0
    nonisolated(unsafe) private static var signals = 0

    /// Call first thing in `main`. The signal handler only writes the signal's number to a
    /// pipe (what a handler may safely do); a thread of its own reads the pipe and acts.
    static func install() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        interruptionPipe = fds[1]
        let reader = fds[0]
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if os(Linux)
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(interruptionPipe, &byte, 1)
            }
            #else
            action.__sigaction_u.__sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(interruptionPipe, &byte, 1)
            }
            #endif
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
        // A parent may have started us with these signals blocked (the mask is inherited).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(reader, &byte, 1)
                if count == 1 { handle(Int32(byte)) } else if count < 0 && errno != EINTR { return }
            }
        }
        thread.start()
    }

    /// Registers paths that are removed if the command is interrupted before
    /// ``finished(_:)`` is called with the returned token.
    static func writing(_ paths: [String]) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextToken += 1
        partial[nextToken] = paths
        return nextToken
    }

    static func finished(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        partial[token] = nil
    }

    private static func handle(_ signal: Int32) {
        lock.lock()
        signals += 1
        let first = signals == 1
        lock.unlock()
        if first && Cancellation.request() {
            printError("interrupted: stopping (rolling back the changes); press Ctrl-C again to stop at once")
            return
        }
        lock.lock()
        for path in partial.values.joined() {
            for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        printError("interrupted")
        _exit(128 + signal)
    }
}

/// The write end of the pipe the signal handler writes to (global: a C handler captures nothing).
nonisolated(unsafe) private var interruptionPipe: Int32 = -1
