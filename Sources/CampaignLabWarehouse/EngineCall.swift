import Foundation

/// The remote engines' clients are asynchronous; the analyses are synchronous code on their
/// own threads. `blocking` runs an operation on Swift's concurrency pool and waits for it on
/// the calling thread (never a pool thread: the CLI's and the notebook runner's threads).
enum EngineCall {
    static func blocking<T>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { outcome.result = .success(try await operation()) } catch { outcome.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome.result!.get()
    }
}

/// The result of a task, handed to the thread that waits for it.
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
