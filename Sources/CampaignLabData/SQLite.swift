import CSQLite
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Every SQLite C call of the project lives in this file: `Int` becomes `Int32` here,
// strings are bound with SQLITE_TRANSIENT, and status codes become `DataError`s.

/// The storage class of one SQLite value (`typeof()` in SQL).
public enum SQLiteStorageClass: Sendable, Equatable {
    case integer, real, text, blob, null

    /// "INTEGER", "REAL", … as SQLite's `typeof()` would say it, upper-cased for messages.
    public var name: String {
        switch self {
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text: return "TEXT"
        case .blob: return "BLOB"
        case .null: return "NULL"
        }
    }
}

/// How to open a database file.
public enum SQLiteOpenMode: Sendable, Equatable {
    /// Read-only: opened with `SQLITE_OPEN_READONLY` and `PRAGMA query_only`, so that no
    /// statement — not even a hand-written one — can change the user's file.
    case readOnly
    /// Read-write; `create` makes the file when it does not exist.
    case readWrite(create: Bool)
}

/// A connection to one SQLite database file.
///
/// Analyses only ever see read-only connections: ``open(readOnlyAt:)`` checks the file
/// first (missing, directory, empty, not SQLite, corrupt) so that each of those gets a
/// one-line message instead of an SQLite error code.
///
/// ```swift
/// let db = try SQLiteDatabase.open(readOnlyAt: "bank.sqlite")
/// let n = try db.scalarInt("SELECT count(*) FROM customers")
/// ```
public final class SQLiteDatabase {
    /// The path the connection was opened with.
    public let path: String
    /// The mode the connection was opened with.
    public let mode: SQLiteOpenMode
    /// Whether other connections can open the same database by ``path`` (not for an in-memory
    /// or temporary database): what reading on several connections at once needs.
    public var isSharedFile: Bool { !path.isEmpty && path != ":memory:" && !path.hasPrefix("file::memory:") }
    let handle: OpaquePointer

    /// Opens `path` in `mode`.
    ///
    /// Prefer ``open(readOnlyAt:)`` for anything that reads a user's data.
    /// - Throws: `DataError.sqlite` when SQLite cannot open the file.
    public init(path: String, mode: SQLiteOpenMode) throws {
        var flags: Int32 = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite(let create):
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw DataError.sqlite(code: rc, message: "\(message): \(path)", sql: nil)
        }
        self.path = path
        self.mode = mode
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        if mode == .readOnly {
            try execute("PRAGMA query_only = ON")
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Opens a user's database file read-only, after checking that it is a readable
    /// SQLite file.
    ///
    /// - Throws: `DataError.fileNotFound`, `.isDirectory`, `.emptyFile`, `.notSQLite` or
    ///   `.corrupt`, each naming the path.
    public static func open(readOnlyAt path: String) throws -> SQLiteDatabase {
        try checkDatabaseFile(at: path)
        let db = try SQLiteDatabase(path: path, mode: .readOnly)
        do {
            // Reading the schema makes SQLite look at the file's pages.
            _ = try db.scalarInt("SELECT count(*) FROM sqlite_schema")
        } catch DataError.sqlite(let code, let message, _) {
            switch code & 0xff {
            case SQLITE_BUSY, SQLITE_LOCKED: throw DataError.locked(path: path)
            case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH:
                throw DataError.cannotOpen(path: path, detail: "SQLite error \(code): \(message)")
            default: throw DataError.corrupt(path: path, detail: "SQLite error \(code): \(message)")
            }
        }
        return db
    }

    /// Checks that `path` names a non-empty regular file that starts with the SQLite header.
    public static func checkDatabaseFile(at path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw DataError.fileNotFound(path: path) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw DataError.isDirectory(path: path) }
        if info.st_size == 0 { throw DataError.emptyFile(path: path) }
        guard let file = fopen(path, "rb") else {
            throw DataError.sqlite(code: SQLITE_CANTOPEN, message: "cannot read \(path)", sql: nil)
        }
        defer { fclose(file) }
        var header = [UInt8](repeating: 0, count: 16)
        let read = fread(&header, 1, 16, file)
        let magic = Array("SQLite format 3".utf8) + [0]
        guard read == 16, header == magic else { throw DataError.notSQLite(path: path) }
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw DataError.sqlite(code: rc, message: message, sql: sql)
        }
    }

    /// Prepares one statement.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw DataError.sqlite(code: rc, message: lastErrorMessage, sql: sql)
        }
        return SQLiteStatement(statement, database: self, sql: sql)
    }

    /// Runs `body` with a time limit on what SQLite does on this connection meanwhile: past
    /// `seconds`, the running statement is interrupted (through SQLite's progress handler,
    /// checked every few thousand virtual-machine steps) and the call throws.
    ///
    /// ```swift
    /// try db.withTimeLimit(seconds: 120) { while try statement.step() { … } }
    /// ```
    /// - Throws: `DataError.timeLimitExceeded(seconds:)` when the limit stopped a statement;
    ///   whatever `body` throws otherwise.
    public func withTimeLimit<T>(seconds: Double, _ body: () throws -> T) throws -> T {
        precondition(seconds > 0, "withTimeLimit: the limit must be positive")
        let deadline = QueryDeadline(end: monotonicNanoseconds() &+ UInt64(min(seconds, 1e9) * 1e9))
        sqlite3_progress_handler(
            handle, 4_096,
            { context in
                let deadline = Unmanaged<QueryDeadline>.fromOpaque(context!).takeUnretainedValue()
                if monotonicNanoseconds() >= deadline.end { deadline.expired = true }
                return deadline.expired ? 1 : 0
            }, Unmanaged.passUnretained(deadline).toOpaque())
        defer { sqlite3_progress_handler(handle, 0, nil, nil) }
        do {
            return try withExtendedLifetime(deadline) { try body() }
        } catch DataError.sqlite(let code, _, _) where deadline.expired && code & 0xFF == SQLITE_INTERRUPT {
            throw DataError.timeLimitExceeded(seconds: seconds)
        }
    }

    /// Prepares one statement written by a user (a notebook's SQL block) that may only read.
    ///
    /// Three independent guards: while preparing, an authorizer denies every action but
    /// reading tables, selecting, calling functions and recursive CTEs (so INSERT, UPDATE,
    /// DELETE, CREATE, DROP, ATTACH, DETACH, PRAGMA, VACUUM, transactions are refused before
    /// they run); SQLite must consider the statement read-only; and nothing but whitespace or
    /// comments may follow the first statement. The connection itself is also opened
    /// read-only with `PRAGMA query_only`.
    /// - Throws: `DataError.refusedQuery` naming the refused action, or `DataError.sqlite`
    ///   for a syntax error or a missing table or column.
    public func prepareReadOnlyQuery(_ sql: String) throws -> SQLiteStatement {
        final class Denied { var action: Int32? }
        let denied = Denied()
        let context = Unmanaged.passUnretained(denied).toOpaque()
        sqlite3_set_authorizer(
            handle,
            { context, action, _, _, _, _ in
                switch action {
                case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
                    return SQLITE_OK
                default:
                    let box = Unmanaged<Denied>.fromOpaque(context!).takeUnretainedValue()
                    if box.action == nil { box.action = action }
                    return SQLITE_DENY
                }
            }, context)
        defer { sqlite3_set_authorizer(handle, nil, nil) }
        var statement: OpaquePointer?
        var rest = ""
        let rc = sql.withCString { start -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(handle, start, -1, &statement, &tail)
            if let tail { rest = String(cString: tail) }
            return rc
        }
        if let action = denied.action {
            sqlite3_finalize(statement)
            throw DataError.refusedQuery(reason: "the statement would \(Self.describe(action: action))")
        }
        guard rc == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw DataError.sqlite(code: rc, message: lastErrorMessage, sql: sql)
        }
        guard let statement else { throw DataError.refusedQuery(reason: "the block contains no SQL statement") }
        let prepared = SQLiteStatement(statement, database: self, sql: sql)
        guard sqlite3_stmt_readonly(statement) != 0 else {
            throw DataError.refusedQuery(reason: "the statement would write to the database")
        }
        if !Self.isOnlyCommentsOrWhitespace(rest) {
            throw DataError.refusedQuery(reason: "more than one statement")
        }
        return prepared
    }

    private static func describe(action: Int32) -> String {
        switch action {
        case SQLITE_INSERT: return "insert rows"
        case SQLITE_UPDATE: return "update rows"
        case SQLITE_DELETE: return "delete rows"
        case SQLITE_ATTACH: return "attach another database"
        case SQLITE_DETACH: return "detach a database"
        case SQLITE_PRAGMA: return "run a PRAGMA"
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT: return "control a transaction"
        case SQLITE_CREATE_TABLE, SQLITE_CREATE_INDEX, SQLITE_CREATE_VIEW, SQLITE_CREATE_TRIGGER,
            SQLITE_CREATE_TEMP_TABLE, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_VIEW,
            SQLITE_CREATE_TEMP_TRIGGER, SQLITE_CREATE_VTABLE:
            return "create a schema object"
        case SQLITE_DROP_TABLE, SQLITE_DROP_INDEX, SQLITE_DROP_VIEW, SQLITE_DROP_TRIGGER,
            SQLITE_DROP_TEMP_TABLE, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_VIEW,
            SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_VTABLE:
            return "drop a schema object"
        case SQLITE_ALTER_TABLE: return "alter a table"
        case SQLITE_REINDEX: return "reindex"
        case SQLITE_ANALYZE: return "analyze"
        default: return "do something other than read (SQLite action \(action))"
        }
    }

    private static func isOnlyCommentsOrWhitespace(_ text: String) -> Bool {
        var rest = Substring(text)
        while let first = rest.first {
            if first.isWhitespace || first == ";" {
                rest = rest.dropFirst()
            } else if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                guard let end = rest.firstRange(of: "*/") else { return true }
                rest = rest[end.upperBound...]
            } else {
                return false
            }
        }
        return true
    }

    /// The first column of the first row of `sql` as an integer, or nil when there is no
    /// row or the value is NULL.
    public func scalarInt(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int? {
        let statement = try prepare(sql)
        try statement.bind(bindings)
        guard try statement.step(), statement.storageClass(0) != .null else { return nil }
        return Int(statement.int64(0))
    }

    /// The first column of the first row of `sql` as text, or nil.
    public func scalarText(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> String? {
        let statement = try prepare(sql)
        try statement.bind(bindings)
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    /// All rows of `sql`, each as an array of values. For small results only (schema
    /// queries, summaries); stream anything that grows with the data.
    public func rows(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(bindings)
        var result: [[SQLiteValue]] = []
        while try statement.step() {
            result.append((0..<statement.columnCount).map { statement.value($0) })
        }
        return result
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// How long a statement waits for another connection's lock before failing with
    /// SQLITE_BUSY (`sqlite3_busy_timeout`); 0 fails at once (the default).
    public func setBusyTimeout(milliseconds: Int) {
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
    }

    /// Whether the connection is inside an open transaction.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    // MARK: Schema

    /// Whether the database has a table or view called `name` ("table", "view"), or nil.
    public func objectKind(of name: String) throws -> String? {
        try scalarText("SELECT type FROM sqlite_schema WHERE name = ?1 AND type IN ('table','view')", [.text(name)])
    }

    /// The columns of table or view `name`, in order (`PRAGMA table_info`); empty when it does not exist.
    public func columns(of name: String) throws -> [ColumnInfo] {
        let statement = try prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)")
        try statement.bind(name, at: 1)
        var result: [ColumnInfo] = []
        while try statement.step() {
            result.append(
                ColumnInfo(
                    name: statement.text(0) ?? "", declaredType: statement.text(1) ?? "",
                    isNotNull: statement.int64(2) != 0, primaryKeyPosition: Int(statement.int64(3))))
        }
        return result
    }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// The version of the SQLite library in use, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// One column of a table or view, as `PRAGMA table_info` describes it.
public struct ColumnInfo: Sendable, Equatable {
    public var name: String
    /// The declared type ("INTEGER", "TEXT", "REAL", … or "" — views often have none).
    public var declaredType: String
    public var isNotNull: Bool
    /// 1-based position in the primary key, 0 when not part of it.
    public var primaryKeyPosition: Int

    public init(name: String, declaredType: String, isNotNull: Bool, primaryKeyPosition: Int) {
        self.name = name
        self.declaredType = declaredType
        self.isNotNull = isNotNull
        self.primaryKeyPosition = primaryKeyPosition
    }

    /// SQLite's type affinity of the declared type (section 3.1 of the SQLite datatype docs).
    public var affinity: String {
        let t = declaredType.uppercased()
        if t.contains("INT") { return "INTEGER" }
        if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") { return "TEXT" }
        if t.contains("BLOB") || t.isEmpty { return "BLOB" }
        if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") { return "REAL" }
        return "NUMERIC"
    }
}

/// One SQLite value, as read from or bound to a statement.
public enum SQLiteValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return "'\(v)'"
        case .blob(let v): return "<blob \(v.count) bytes>"
        case .null: return "NULL"
        }
    }

    /// The value as a Double when it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        default: return nil
        }
    }

    /// The value as an Int when it is an integer (or a whole real).
    public var intValue: Int? {
        switch self {
        case .integer(let v): return Int(v)
        case .real(let v) where v.rounded() == v && abs(v) < 9e15: return Int(v)
        default: return nil
        }
    }

    /// The value as text when it is text.
    public var textValue: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    /// The customer an id stands for, whatever its storage class: 17, 17.0 and '17' are one
    /// customer (a bank's tables often store the id as INTEGER in one and TEXT in another), so
    /// ids matched in Swift use this key. Text that is not the plain decimal of an integer
    /// ('0017', ' 17', 'C17') stays text: it names another customer than 17.
    public var customerKey: SQLiteValue {
        switch self {
        case .text(let text):
            guard let number = Int64(text), String(number) == text else { return self }
            return .integer(number)
        case .real(let v) where v.rounded() == v && abs(v) < 9e15: return .integer(Int64(v))
        default: return self
        }
    }

    /// The value's storage class.
    public var storageClass: SQLiteStorageClass {
        switch self {
        case .integer: return .integer
        case .real: return .real
        case .text: return .text
        case .blob: return .blob
        case .null: return .null
        }
    }
}

/// A prepared statement. Step it, read columns by index, reset it to run it again.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let database: SQLiteDatabase
    /// The SQL text, for error messages.
    public let sql: String

    init(_ handle: OpaquePointer, database: SQLiteDatabase, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// The names of the statement's parameters (`:name`, `@name`, `$name`, or nil for `?`),
    /// in binding order (index 0 is parameter 1).
    public var parameterNames: [String?] {
        (0..<Int(sqlite3_bind_parameter_count(handle))).map { i in
            sqlite3_bind_parameter_name(handle, Int32(i + 1)).map { String(cString: $0) }
        }
    }

    /// Advances to the next row; returns false when the statement is done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw DataError.sqlite(code: rc, message: database.lastErrorMessage, sql: sql)
        }
    }

    /// Steps a statement that returns no rows (INSERT, UPDATE, …) and resets it.
    public func run() throws {
        defer { reset() }
        while try step() {}
    }

    /// Resets the statement so it can run again; bindings are kept.
    public func reset() { sqlite3_reset(handle) }

    /// Clears all bindings to NULL.
    public func clearBindings() { sqlite3_clear_bindings(handle) }

    // MARK: Binding (1-based parameter index, as in SQLite)

    public func bind(_ value: Int64, at index: Int) throws {
        try check(sqlite3_bind_int64(handle, Int32(index), value))
    }

    public func bind(_ value: Int, at index: Int) throws {
        try bind(Int64(value), at: index)
    }

    public func bind(_ value: Double, at index: Int) throws {
        try check(sqlite3_bind_double(handle, Int32(index), value))
    }

    public func bind(_ value: String, at index: Int) throws {
        try check(sqlite3_bind_text(handle, Int32(index), value, -1, campaignlab_sqlite_transient()))
    }

    /// Binds `bytes` (UTF-8, copied by SQLite) as TEXT, without making a String first.
    public func bindText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) throws {
        precondition(bytes.count <= Int(Int32.max), "SQLiteStatement: text longer than 2 GiB")
        // A non-nil pointer even for empty text, so that SQLite binds '' and not NULL.
        let empty: UInt8 = 0
        try withUnsafePointer(to: empty) { emptyPointer in
            let pointer = bytes.baseAddress ?? emptyPointer
            try check(
                sqlite3_bind_text(
                    handle, Int32(index), UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self),
                    Int32(bytes.count), campaignlab_sqlite_transient()))
        }
    }

    public func bindNull(at index: Int) throws {
        try check(sqlite3_bind_null(handle, Int32(index)))
    }

    public func bind(_ value: SQLiteValue, at index: Int) throws {
        switch value {
        case .integer(let v): try bind(v, at: index)
        case .real(let v): try bind(v, at: index)
        case .text(let v): try bind(v, at: index)
        case .null: try bindNull(at: index)
        case .blob(let bytes):
            try bytes.withUnsafeBytes { buffer in
                try check(
                    sqlite3_bind_blob(
                        handle, Int32(index), buffer.baseAddress, Int32(buffer.count),
                        campaignlab_sqlite_transient()))
            }
        }
    }

    /// Binds `values` to parameters 1…n.
    public func bind(_ values: [SQLiteValue]) throws {
        for (i, value) in values.enumerated() { try bind(value, at: i + 1) }
    }

    private func check(_ rc: Int32) throws {
        if rc != SQLITE_OK {
            throw DataError.sqlite(code: rc, message: database.lastErrorMessage, sql: sql)
        }
    }

    // MARK: Reading columns (0-based column index, as in SQLite)

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func columnName(_ index: Int) -> String {
        String(cString: sqlite3_column_name(handle, Int32(index)))
    }

    /// The declared type of a result column that comes straight from a table column.
    public func declaredType(_ index: Int) -> String? {
        sqlite3_column_decltype(handle, Int32(index)).map { String(cString: $0) }
    }

    public func storageClass(_ index: Int) -> SQLiteStorageClass {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer
        case SQLITE_FLOAT: return .real
        case SQLITE_TEXT: return .text
        case SQLITE_BLOB: return .blob
        default: return .null
        }
    }

    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }

    public func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    /// The column as text (numbers are converted by SQLite), or nil when NULL.
    public func text(_ index: Int) -> String? {
        guard let pointer = sqlite3_column_text(handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// Calls `body` with the column's UTF-8 bytes without copying them (empty for NULL).
    /// The buffer is valid only during the call.
    public func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_text(handle, Int32(index))
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    public func value(_ index: Int) -> SQLiteValue {
        switch storageClass(index) {
        case .integer: return .integer(int64(index))
        case .real: return .real(double(index))
        case .text: return .text(text(index) ?? "")
        case .null: return .null
        case .blob:
            let count = Int(sqlite3_column_bytes(handle, Int32(index)))
            guard count > 0, let pointer = sqlite3_column_blob(handle, Int32(index)) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        }
    }
}

/// Quotes an SQL identifier (table or column name) with double quotes.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Quotes an SQL string literal with single quotes.
public func quoteLiteral(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
}

extension DataError {
    /// Whether this is an SQLite constraint failure (PRIMARY KEY, UNIQUE, NOT NULL, CHECK, …):
    /// the statement failed, the transaction around it goes on.
    public var isConstraintViolation: Bool {
        if case .sqlite(let code, _, _) = self { return code & 0xFF == SQLITE_CONSTRAINT }
        return false
    }

    /// Whether this is a PRIMARY KEY or UNIQUE constraint failure (a duplicate key).
    public var isDuplicateKey: Bool {
        if case .sqlite(let code, _, _) = self {
            // SQLITE_CONSTRAINT_PRIMARYKEY = SQLITE_CONSTRAINT | (6 << 8), SQLITE_CONSTRAINT_UNIQUE =
            // SQLITE_CONSTRAINT | (8 << 8) (sqlite3.h; function-like macros do not reach Swift).
            return code == SQLITE_CONSTRAINT | (6 << 8) || code == SQLITE_CONSTRAINT | (8 << 8)
        }
        return false
    }

    /// Whether SQLite reported the database as locked by another connection.
    public var isBusy: Bool {
        if case .sqlite(let code, _, _) = self { return code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
        return false
    }
}

/// The end of a time limit, read by SQLite's progress handler.
private final class QueryDeadline {
    let end: UInt64
    var expired = false
    init(end: UInt64) { self.end = end }
}

/// A monotonic clock in nanoseconds (for time limits; unaffected by changes of the wall clock).
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
