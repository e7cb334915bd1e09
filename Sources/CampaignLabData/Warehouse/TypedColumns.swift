/// A warehouse column typed where the contract (written for SQLite) has text or a number: a
/// date or a time, a UUID id, padded or enumerated text, a boolean, money.
///
/// Warehouses keep `opened_on` as DATE, `occurred_at` as TIMESTAMP or TIMESTAMP WITH TIME
/// ZONE, a month as the DATE of its first or last day, customer ids as UUID, arms as CHAR(n),
/// event names as an ENUM, flags as BOOLEAN and balances as MONEY. A remote engine reads such a column in the contract's form
/// (``expression(_:kind:dialect:)``), in a table of the same name that the engine's session puts
/// in front of the warehouse's (a common table expression on PostgreSQL, a temporary view on
/// Spark): every analysis, the check and SQL blocks then see 'YYYY-MM-DD', 'YYYY-MM' and ISO
/// 8601 text, ids as text and flags as 0/1 (as SQLite stores them), and nothing is written to
/// the warehouse.
public enum TypedColumn: String, Sendable, Equatable {
    /// A calendar date (PostgreSQL and Spark `date`).
    case date
    /// A wall-clock time without a zone (PostgreSQL `timestamp without time zone`, Spark `timestamp_ntz`).
    case localTimestamp
    /// An instant (PostgreSQL `timestamp with time zone`, Spark `timestamp`), written in UTC with 'Z'.
    case instant
    /// A text-like type read as plain text: PostgreSQL `uuid` (an id matches its text in another
    /// table; PostgreSQL neither orders nor collates UUIDs), `character(n)` (blank-padded: the
    /// arm 'control' came back as 'control   ') and enums or other user-defined types (which
    /// no text parameter equals); Spark `char(n)`, its padding trimmed.
    case text
    /// A boolean, read as the integer 0 or 1 (a flag of customer_months is then a metric, one
    /// of customers a dimension, as in SQLite; PostgreSQL cannot cast a boolean to a double).
    case boolean
    /// PostgreSQL `money`, read as its exact decimal (PostgreSQL cannot cast money to a double).
    case money

    /// The SQLite-style declared type the contract checks see for the column as it is read.
    public var declaredType: String {
        switch self {
        case .boolean: return "INTEGER"
        case .money: return "NUMERIC"
        default: return "TEXT"
        }
    }

    /// The typed column of an engine's type name, or nil for any other type.
    public static func of(engineType type: String, dialect: SQLDialect) -> TypedColumn? {
        let t = type.lowercased()
        switch dialect {
        case .sqlite: return nil
        case .postgres:
            if t == "date" { return .date }
            if t == "timestamp with time zone" || t == "timestamptz" { return .instant }
            if t == "timestamp without time zone" || t == "timestamp" { return .localTimestamp }
            if t == "uuid" || t == "character" || t == "user-defined" { return .text }
            if t == "boolean" { return .boolean }
            if t == "money" { return .money }
            return nil
        case .spark:
            if t == "date" { return .date }
            if t == "timestamp_ntz" { return .localTimestamp }
            if t == "timestamp" || t == "timestamp_ltz" { return .instant }
            if t.hasPrefix("char(") { return .text }
            if t == "boolean" { return .boolean }
            return nil
        }
    }

    /// The contract's kind of `column` of table `table` when it is a date, month or timestamp;
    /// nil for a column the contract does not name (read as a date, or as a timestamp).
    public static func contractKind(table: String, column: String) -> ColumnKind? {
        guard let kind = Contract.table(named: table)?.column(named: column)?.kind else { return nil }
        switch kind {
        case .date, .month, .timestamp: return kind
        default: return nil
        }
    }

    /// SQL reading the column `quoted` of this type as the contract's text for `kind`:
    /// - a month 'YYYY-MM' (the month of a date: the first or the last day of the month alike);
    /// - a date 'YYYY-MM-DD' (the date of a timestamp);
    /// - the date or month of an instant in the reporting zone (`Timestamp.reportingOffsetSeconds`,
    ///   set by `--time-zone` before the engine is opened), where the analyses put its events:
    ///   a month stored as '2024-03-01 00:00+08' is March for a bank reporting in UTC+08:00;
    /// - a timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]' (an instant in UTC, with 'Z'; a date at midnight);
    /// - a column the contract does not name: its date, or its timestamp.
    ///
    /// PostgreSQL writes dates in ISO order because the session sets `DateStyle` to 'ISO, YMD';
    /// Spark writes an instant in UTC because the session sets its time zone to UTC. A year
    /// beyond 9999, BC or infinity comes out as text the check calls unparsable.
    public func expression(_ quoted: String, kind: ColumnKind?, dialect: SQLDialect) -> String {
        if self == .text { return dialect == .spark ? "rtrim(CAST(\(quoted) AS STRING))" : dialect.asText(quoted) }
        if self == .boolean { return dialect == .sqlite ? quoted : "CAST(\(quoted) AS \(dialect == .spark ? "INT" : "INTEGER"))" }
        if self == .money { return "CAST(\(quoted) AS NUMERIC)" }
        guard dialect != .sqlite else { return quoted }
        let text = dialect.asText
        // An instant in UTC: PostgreSQL converts it; Spark's session writes it in UTC.
        var local = dialect == .postgres && self == .instant ? "(\(quoted) AT TIME ZONE 'UTC')" : quoted
        if self == .instant && (kind == .date || kind == .month) {
            let shift = Timestamp.reportingOffsetSeconds
            local = dialect == .postgres ? "(\(local) + INTERVAL '\(shift) seconds')" : "(\(local) + INTERVAL '\(shift)' SECOND)"
        }
        switch kind {
        case .month?: return dialect == .postgres ? "to_char(\(local), 'YYYY-MM')" : "date_format(\(local), 'yyyy-MM')"
        case .date?: return self == .date ? text(quoted) : text("CAST(\(local) AS DATE)")
        case .timestamp? where self == .date: return text(quoted) + " || ' 00:00:00'"
        default: return text(local) + (self == .instant ? " || 'Z'" : "")
        }
    }

    /// The select list reading the columns of a contract table (name and engine type, in
    /// order) with each typed column in the contract's form under its own name, and the typed
    /// columns; nil when no column is typed.
    public static func contractSelectList(
        table: String, columns: [(name: String, type: String)], dialect: SQLDialect
    ) -> (select: String, converted: [String: TypedColumn])? {
        var items: [String] = [], converted: [String: TypedColumn] = [:]
        for column in columns {
            let quoted = quoteIdentifier(column.name)
            if let typed = of(engineType: column.type, dialect: dialect) {
                items.append(
                    typed.expression(quoted, kind: contractKind(table: table, column: column.name), dialect: dialect) + " AS " + quoted)
                converted[column.name] = typed
            } else {
                items.append(quoted)
            }
        }
        return converted.isEmpty ? nil : (items.joined(separator: ", "), converted)
    }
}
