/// One way a database breaks the data contract, with where to look and how often it happens.
///
/// Row-level problems are counted: `affectedRows` rows share the same table, column and
/// kind, and `exampleRow` names the first of them by its key values (and its rowid when the
/// contract name is a table), e.g. `customer_id=17, month='2024-13' (rowid 5)`.
///
/// ```swift
/// for problem in report.problems where problem.severity == .error {
///     print(problem.table, problem.column ?? "", problem.exampleRow ?? "", problem.message)
/// }
/// ```
public struct ContractProblem: Sendable, Equatable, Hashable, Encodable {
    /// Whether analyses can proceed.
    public enum Severity: String, Sendable, Equatable, Hashable, Encodable, Comparable {
        /// The data breaks the contract; analyses would fail or be wrong.
        case error
        /// Suspicious data that analyses can use, but that the analyst should know about.
        case warning

        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }

    /// Which check found the problem (a stable name for tools and tests).
    public enum Kind: String, Sendable, Equatable, Hashable, Encodable, CaseIterable {
        // Schema
        case missingTable = "missing-table"
        case unreadableTable = "unreadable-table"
        case missingColumn = "missing-column"
        case wrongDeclaredType = "wrong-declared-type"
        case nonNumericColumn = "non-numeric-column"
        // Rows
        case nullValue = "null-value"
        case wrongStorageType = "wrong-storage-type"
        case unparsableValue = "unparsable-value"
        case valueNotAllowed = "value-not-allowed"
        case infiniteValue = "infinite-value"
        case nullMetric = "null-metric"
        case negativeBalance = "negative-balance"
        case mixedIdentifierTypes = "mixed-identifier-types"
        case campaignEndsBeforeStart = "campaign-ends-before-start"
        // Keys and references
        case duplicateKey = "duplicate-key"
        case orphanCustomer = "orphan-customer"
        case orphanCampaign = "orphan-campaign"
        // Campaigns
        case campaignWithoutAssignments = "campaign-without-assignments"
        case controlArmEmpty = "control-arm-empty"
        case singleArm = "single-arm"
        case customerInTwoArms = "customer-in-two-arms"
        case noPrePeriod = "no-pre-period"
        case mixedTimeZones = "mixed-time-zones"
        // Monthly snapshots
        case monthGaps = "month-gaps"
        case monthsBeforeOpening = "months-before-opening"
        // Metric definitions
        case invalidMetricDefinition = "invalid-metric-definition"
    }

    public var severity: Severity
    public var kind: Kind
    /// The contract table (or view) name.
    public var table: String
    /// The column to look at, when the problem is about one column.
    public var column: String?
    /// The first affected row, named by its key values (and rowid), when rows are involved.
    public var exampleRow: String?
    /// How many rows (or, per ``unit``, customers, campaigns or keys) are affected.
    public var affectedRows: Int
    /// What `affectedRows` counts: "rows", "customers", "campaigns" or "keys".
    public var unit: String
    /// What is wrong and what to do, in words an analyst can act on.
    public var message: String

    public init(
        _ severity: Severity, _ kind: Kind, table: String, column: String? = nil, exampleRow: String? = nil,
        affectedRows: Int = 1, unit: String = "rows", message: String
    ) {
        self.severity = severity
        self.kind = kind
        self.table = table
        self.column = column
        self.exampleRow = exampleRow
        self.affectedRows = affectedRows
        self.unit = unit
        self.message = message
    }

    /// "table.column" or "table".
    public var place: String { column.map { "\(table).\($0)" } ?? table }

    /// "3 rows", "1 customer".
    public var countText: String {
        let singular = unit.hasSuffix("s") ? String(unit.dropLast()) : unit
        return "\(formatCount(affectedRows)) \(affectedRows == 1 ? singular : unit)"
    }

    private enum CodingKeys: String, CodingKey {
        case severity, kind, table, column, exampleRow = "example_row", affectedRows = "affected", unit, message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(severity, forKey: .severity)
        try container.encode(kind, forKey: .kind)
        try container.encode(table, forKey: .table)
        try container.encode(column, forKey: .column)
        try container.encode(exampleRow, forKey: .exampleRow)
        try container.encode(affectedRows, forKey: .affectedRows)
        try container.encode(unit, forKey: .unit)
        try container.encode(message, forKey: .message)
    }
}
