import CSQLite
import Foundation

/// A request to stop (Ctrl-C) that write work must honour cleanly: a transaction that is
/// writing a user's database rolls back instead of being killed halfway, which would leave a
/// hot journal that read-only connections cannot open.
///
/// Reading work needs none of this: the command can end at once. Writing work runs inside
/// ``stoppingCleanly(_:_:)``; a ``request()`` meanwhile interrupts the connection's running
/// statement and makes the next ``checkpoint()`` throw, and the caller rolls back.
///
/// ```swift
/// try Cancellation.stoppingCleanly(db) {
///     for row in rows { try Cancellation.checkpoint(); try insert.run() }
/// }
/// ```
public enum Cancellation {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var requested = false
    nonisolated(unsafe) private static var writers: [ObjectIdentifier: SQLiteDatabase] = [:]

    /// Whether a stop was requested.
    public static var isRequested: Bool {
        lock.lock(); defer { lock.unlock() }
        return requested
    }

    /// Asks every clean-stopping piece of work to stop (interrupting its SQLite statement).
    /// - Returns: true when such work is running (the caller should let it roll back and
    ///   finish); false when nothing needs a clean stop and the process may end at once.
    @discardableResult
    public static func request() -> Bool {
        lock.lock(); defer { lock.unlock() }
        requested = true
        for database in writers.values { sqlite3_interrupt(database.handle) }
        return !writers.isEmpty
    }

    /// Runs `body`, which writes through `database`, as work that stops cleanly when asked.
    public static func stoppingCleanly<T>(_ database: SQLiteDatabase, _ body: () throws -> T) throws -> T {
        lock.lock()
        writers[ObjectIdentifier(database)] = database
        let alreadyRequested = requested
        lock.unlock()
        defer {
            lock.lock()
            writers[ObjectIdentifier(database)] = nil
            lock.unlock()
        }
        if alreadyRequested { throw DataError.interrupted }
        do {
            return try body()
        } catch DataError.sqlite(let code, _, _) where code & 0xFF == SQLITE_INTERRUPT && isRequested {
            throw DataError.interrupted
        }
    }

    /// Throws `DataError.interrupted` when a stop was requested.
    public static func checkpoint() throws {
        if isRequested { throw DataError.interrupted }
    }
}
