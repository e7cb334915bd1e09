import CampaignLabData
import Foundation

/// The remote engines' clients are asynchronous; the analyses are synchronous code on their
/// own threads. `blocking` runs an operation on Swift's concurrency pool and waits for it on
/// the calling thread (never a pool thread: the CLI's and the notebook runner's threads).
enum EngineCall {
    /// - Throws: `DataError.engine` when called from a task: waiting there takes one of the
    ///   pool's threads, and calls waiting on every thread of the pool (two on a 2-core machine)
    ///   would wait for ever. Call the engine from a thread of its own.
    static func blocking<T>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        try requireOwnThread()
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { outcome.result = .success(try await operation()) } catch { outcome.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome.result!.get()
    }

    /// Refuses a caller inside a task (before a connection is set up, so nothing is left running).
    static func requireOwnThread() throws {
        guard withUnsafeCurrentTask(body: { $0 == nil }) else {
            throw DataError.engine(
                name: "CampaignLab", location: "",
                message:
                    "an engine was called from a Swift task, where waiting for it could take the last thread of the pool; call it from a thread of its own"
            )
        }
    }
}

/// The result of a task, handed to the thread that waits for it.
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
