import Foundation

/// A row of a result being read, whichever engine it comes from: the readers of the data layer
/// call these on SQLite's statements and on the rows of a remote engine alike.
public protocol ResultRow {
    func storageClass(_ index: Int) -> SQLiteStorageClass
    func int64(_ index: Int) -> Int64
    func double(_ index: Int) -> Double
    /// The column as text, or nil when NULL.
    func text(_ index: Int) -> String?
    func value(_ index: Int) -> SQLiteValue
    /// Calls `body` with the column's UTF-8 bytes (empty for NULL), valid only during the call.
    func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T
}

extension SQLiteStatement: ResultRow {}

/// The SQL of one engine family, where the engines differ. CampaignLab's queries are written
/// once, in the portable subset (GROUP BY with count/sum/min/max, CASE, substr, ||); only types,
/// text ordering and parameters differ.
public enum SQLDialect: String, Sendable {
    case sqlite, postgres, spark

    /// The type a floating-point aggregate is cast to, so that every engine returns a double
    /// (PostgreSQL's sum of bigint is numeric, Spark's sum of decimals a decimal).
    public var doubleType: String {
        switch self {
        case .sqlite: return "REAL"
        case .postgres: return "DOUBLE PRECISION"
        case .spark: return "DOUBLE"
        }
    }

    /// The type a count or an integer sum is cast to.
    public var integerType: String { self == .sqlite ? "INTEGER" : "BIGINT" }

    /// `expression` as a double: an aggregate of a metric column.
    public func asDouble(_ expression: String) -> String { "CAST(\(expression) AS \(doubleType))" }

    /// `expression` as an integer.
    public func asInteger(_ expression: String) -> String { "CAST(\(expression) AS \(integerType))" }

    /// Appended inside a derived table (a subquery in FROM, a CTE) whose columns are expressions
    /// the outer query uses many times. PostgreSQL would inline the subquery and evaluate each
    /// expression at every use — the checkup's months pass, its month check in each of 40
    /// aggregates, took 183 s for 100k customers, 42 s with the fence; `OFFSET 0` keeps one
    /// evaluation per row. Spark does not collapse projections that would repeat costly
    /// expressions; SQLite runs these queries in tests only.
    public var fence: String { self == .postgres ? " OFFSET 0" : "" }

    /// The integer quotient of two non-negative integer expressions (Spark's `/` gives a double).
    public func integerDivision(_ dividend: String, _ divisor: String) -> String {
        self == .spark ? "((\(dividend)) div (\(divisor)))" : "((\(dividend)) / (\(divisor)))"
    }

    /// `expression` as text (a DATE or TIMESTAMP column of a warehouse, read as the contract's text).
    public func asText(_ expression: String) -> String {
        switch self {
        case .sqlite: return expression
        case .postgres: return "CAST(\(expression) AS TEXT)"
        case .spark: return "CAST(\(expression) AS STRING)"
        }
    }

    /// `expression` ordered by its bytes, as SQLite orders text (BINARY): PostgreSQL's database
    /// collation may order 'a' and 'B' otherwise, and the readers rely on customer order.
    public func byteOrder(_ expression: String, isText: Bool) -> String {
        guard isText, self == .postgres else { return expression }
        return "\(expression) COLLATE \"C\""
    }

    /// An ORDER BY term for `expression` ascending in SQLite's order on every engine: NULL
    /// first (PostgreSQL puts it last), then the values, texts by their bytes (`byteOrder`).
    public func ascending(_ expression: String, isText: Bool = false) -> String {
        "CASE WHEN \(expression) IS NULL THEN 0 ELSE 1 END, \(byteOrder(expression, isText: isText))"
    }
}

/// Something that runs CampaignLab's read-only SQL and hands back small results: the SQLite file
/// in process, or a remote engine (PostgreSQL wire, Spark Connect) that aggregates where the data
/// live. The analyses that run on remote engines send aggregate queries only (one row per group:
/// arm, segment, window, customer where an estimator needs it), never the rows of customer_months
/// or events.
public protocol QueryEngine: AnyObject {
    associatedtype Row: ResultRow
    /// "SQLite", "PostgreSQL", "Spark": for messages.
    var engineName: String { get }
    /// Where the data are, without secrets: a file path or `postgres://user@host:port/db`.
    var location: String { get }
    var dialect: SQLDialect { get }
    /// Runs `sql` with `?` parameters bound to `bindings` and calls `body` with each row, in order.
    /// A row is valid only during the call.
    func forEachRow(_ sql: String, _ bindings: [SQLiteValue], _ body: (Row) throws -> Void) throws
    /// The table or view `name` (a contract name): its kind and columns with SQLite-style declared
    /// types (INTEGER, REAL, TEXT, NUMERIC for decimals, DATE…), or nil when the engine has none.
    func describeTable(_ name: String) throws -> ContractSchema.Table?
    /// Runs a user's read-only query (a notebook's SQL block, `UserQuery`, `?` bound to
    /// `bindings`): `columns` gets the result's column names first, also for an empty result,
    /// then `body` each row's values. Stopped after `timeLimit` seconds where the engine can
    /// (`DataError.timeLimitExceeded`).
    func runUserQuery(
        _ sql: String, _ bindings: [SQLiteValue], timeLimit: Double, columns: ([String]) throws -> Void,
        _ body: ([SQLiteValue]) throws -> Void) throws
}

extension QueryEngine {
    /// Every row of `sql` as values: for small results (one row per group).
    public func allRows(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        var result: [[SQLiteValue]] = []
        try forEachRow(sql, bindings) { row in result.append(row.values) }
        return result
    }

    /// Calls `body` with each row of `sql` as `columns` values: for results streamed by an
    /// existential engine (`any QueryEngine`).
    public func forEachValues(
        _ sql: String, _ bindings: [SQLiteValue] = [], columns: Int, _ body: ([SQLiteValue]) throws -> Void
    ) throws {
        try forEachRow(sql, bindings) { row in try body((0..<columns).map { row.value($0) }) }
    }

    /// Whether this is the in-process SQLite engine.
    public var isSQLite: Bool { dialect == .sqlite }
}

extension ResultRow {
    /// Only for rows whose column count the caller knows; `SQLiteStatement` and `ValuesRow` say it.
    fileprivate var values: [SQLiteValue] {
        if let statement = self as? SQLiteStatement { return (0..<statement.columnCount).map { statement.value($0) } }
        if let row = self as? ValuesRow { return row.values }
        preconditionFailure("ResultRow.values: unknown row type")
    }
}

extension SQLiteDatabase: QueryEngine {
    public var engineName: String { "SQLite" }
    public var location: String { path }
    public var dialect: SQLDialect { .sqlite }

    public func forEachRow(_ sql: String, _ bindings: [SQLiteValue], _ body: (SQLiteStatement) throws -> Void) throws {
        let statement = try prepare(sql)
        try statement.bind(bindings)
        while try statement.step() { try body(statement) }
    }

    public func describeTable(_ name: String) throws -> ContractSchema.Table? {
        try ContractSchema.discoverTable(name, in: self)
    }

    public func runUserQuery(
        _ sql: String, _ bindings: [SQLiteValue], timeLimit: Double, columns: ([String]) throws -> Void,
        _ body: ([SQLiteValue]) throws -> Void
    ) throws {
        let statement = try prepareReadOnlyQuery(sql)
        try statement.bind(bindings)
        try columns((0..<statement.columnCount).map { statement.columnName($0) })
        try withTimeLimit(seconds: timeLimit) {
            while try statement.step() { try body((0..<statement.columnCount).map { statement.value($0) }) }
        }
    }
}

/// A row held as values: what a remote engine's reader hands to the readers.
public struct ValuesRow: ResultRow {
    public var values: [SQLiteValue]

    public init(_ values: [SQLiteValue]) { self.values = values }

    public func storageClass(_ index: Int) -> SQLiteStorageClass { values[index].storageClass }

    public func int64(_ index: Int) -> Int64 {
        switch values[index] {
        case .integer(let v): return v
        case .real(let v): return v.isFinite && abs(v) < 9.2e18 ? Int64(v) : 0
        case .text(let t): return Int64(t) ?? 0
        default: return 0
        }
    }

    public func double(_ index: Int) -> Double {
        switch values[index] {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        case .text(let t): return Double(t) ?? 0
        default: return 0
        }
    }

    public func text(_ index: Int) -> String? {
        switch values[index] {
        case .null: return nil
        case .text(let t): return t
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        default: return values[index].description
        }
    }

    public func value(_ index: Int) -> SQLiteValue { values[index] }

    public func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        var text = self.text(index) ?? ""
        return try text.withUTF8 { try body($0) }
    }
}
