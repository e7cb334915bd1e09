/// The SQLite data contract: table and column names that a CampaignLab database must have.
///
/// These names are public and kept backward compatible. Users whose data lives elsewhere
/// create SQLite views with these names. Extra columns are allowed: on `customers` they
/// are dimensions (segment, age band, region, …), on `customer_months` numeric metrics
/// (aum, products_held, app_logins, …).
///
/// ```
/// customers(customer_id PRIMARY KEY, opened_on TEXT NOT NULL, ...dimensions)
/// customer_months(customer_id, month TEXT, ...metrics, PRIMARY KEY (customer_id, month))
/// events(customer_id, event TEXT, occurred_at TEXT, value REAL, campaign_id TEXT)
/// campaigns(campaign_id TEXT PRIMARY KEY, name, design, starts_on, ends_on, control_arm)
/// assignments(campaign_id, customer_id, arm, assigned_at, PRIMARY KEY (campaign_id, customer_id))
/// metric_definitions(metric TEXT PRIMARY KEY, label, unit, source, rollup, event,
///                    numerator, denominator, higher_is_better, label_zh)   -- optional
/// ```
public enum Contract {
    public static let customers = ContractTable(
        name: "customers",
        columns: [
            .init("customer_id", .identifier),
            .init("opened_on", .date),
        ],
        primaryKey: ["customer_id"],
        extraColumns: .dimensions
    )

    public static let customerMonths = ContractTable(
        name: "customer_months",
        columns: [
            .init("customer_id", .identifier),
            .init("month", .month),
        ],
        primaryKey: ["customer_id", "month"],
        extraColumns: .metrics
    )

    public static let events = ContractTable(
        name: "events",
        columns: [
            .init("customer_id", .identifier),
            .init("event", .text),
            .init("occurred_at", .timestamp),
            .init("value", .real, isRequired: false, isNotNull: false),
            .init("campaign_id", .text, isRequired: false, isNotNull: false),
        ],
        primaryKey: [],
        extraColumns: .allowed
    )

    public static let campaigns = ContractTable(
        name: "campaigns",
        columns: [
            .init("campaign_id", .text),
            .init("name", .text),
            .init("design", .oneOf(CampaignDesign.allCases.map(\.rawValue))),
            .init("starts_on", .date),
            .init("ends_on", .date),
            .init("control_arm", .text),
        ],
        primaryKey: ["campaign_id"],
        extraColumns: .allowed
    )

    public static let assignments = ContractTable(
        name: "assignments",
        columns: [
            .init("campaign_id", .text),
            .init("customer_id", .identifier),
            .init("arm", .text),
            .init("assigned_at", .timestamp),
        ],
        primaryKey: ["campaign_id", "customer_id"],
        extraColumns: .allowed
    )

    public static let metricDefinitions = ContractTable(
        name: "metric_definitions",
        columns: [
            .init("metric", .text),
            .init("label", .text, isRequired: false, isNotNull: false),
            .init("unit", .text, isRequired: false, isNotNull: false),
            .init("source", .oneOf(MetricSource.allCases.map(\.rawValue)), isRequired: false, isNotNull: false),
            .init("rollup", .oneOf(MetricRollup.allCases.map(\.rawValue)), isRequired: false, isNotNull: false),
            .init("event", .text, isRequired: false, isNotNull: false),
            .init("numerator", .text, isRequired: false, isNotNull: false),
            .init("denominator", .text, isRequired: false, isNotNull: false),
            .init("higher_is_better", .integer, isRequired: false, isNotNull: false),
            .init("label_zh", .text, isRequired: false, isNotNull: false),
        ],
        primaryKey: ["metric"],
        isOptional: true,
        extraColumns: .allowed
    )

    /// All contract tables, in dependency order (customers first).
    public static let tables: [ContractTable] = [
        customers, customerMonths, events, campaigns, assignments, metricDefinitions,
    ]

    /// The contract table called `name`, if any.
    public static func table(named name: String) -> ContractTable? {
        tables.first { $0.name == name }
    }
}

/// How a campaign assigned customers to arms.
public enum CampaignDesign: String, CaseIterable, Sendable {
    /// A randomized experiment (A/B test): arms are comparable by design.
    case randomized
    /// Customers chose to take part; the control arm is the non-participants.
    case observational
}

/// Where a metric's values come from (`metric_definitions.source`).
public enum MetricSource: String, CaseIterable, Sendable {
    /// A numeric column of `customer_months`.
    case months
    /// Counted or summed from `events`.
    case events
}

/// How a metric is rolled up over a window (`metric_definitions.rollup`).
public enum MetricRollup: String, CaseIterable, Sendable {
    // months
    case mean, sum, last, max
    // events
    case any, count
}

/// What values a contract column holds.
public enum ColumnKind: Sendable, Equatable {
    /// A customer or campaign key: INTEGER or TEXT, the same type in every table.
    case identifier
    /// A calendar date, 'YYYY-MM-DD'.
    case date
    /// A calendar month, 'YYYY-MM'.
    case month
    /// An ISO 8601 timestamp: 'YYYY-MM-DD HH:MM:SS' or with 'T', optional fraction,
    /// optional 'Z' or ±HH:MM offset.
    case timestamp
    /// Free text.
    case text
    /// A number (REAL or INTEGER).
    case real
    /// A whole number.
    case integer
    /// Text from a fixed list.
    case oneOf([String])

    /// A short phrase for messages: "a date 'YYYY-MM-DD'".
    public var expectation: String {
        switch self {
        case .identifier: return "an INTEGER or TEXT identifier"
        case .date: return "a date 'YYYY-MM-DD'"
        case .month: return "a month 'YYYY-MM'"
        case .timestamp: return "an ISO 8601 timestamp 'YYYY-MM-DD HH:MM:SS' (or with 'T', optional 'Z' or ±HH:MM)"
        case .text: return "text"
        case .real: return "a number"
        case .integer: return "a whole number"
        case .oneOf(let values): return "one of " + values.map { "'\($0)'" }.joined(separator: ", ")
        }
    }

    /// The SQLite column type used when CampaignLab creates the column.
    public var sqlType: String {
        switch self {
        case .identifier: return ""
        case .date, .month, .timestamp, .text, .oneOf: return "TEXT"
        case .real: return "REAL"
        case .integer: return "INTEGER"
        }
    }
}

/// One column the contract names.
public struct ContractColumn: Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// Whether the column must exist.
    public var isRequired: Bool
    /// Whether NULL is an error in this column.
    public var isNotNull: Bool

    public init(_ name: String, _ kind: ColumnKind, isRequired: Bool = true, isNotNull: Bool = true) {
        self.name = name
        self.kind = kind
        self.isRequired = isRequired
        self.isNotNull = isNotNull
    }
}

/// What the columns of a table beyond the contract's mean.
public enum ExtraColumns: Sendable, Equatable {
    /// Extra columns are dimensions for breakdowns (`customers`).
    case dimensions
    /// Extra columns are numeric metrics (`customer_months`).
    case metrics
    /// Extra columns are allowed and ignored.
    case allowed
}

/// One table of the data contract.
public struct ContractTable: Sendable, Equatable {
    public var name: String
    public var columns: [ContractColumn]
    public var primaryKey: [String]
    /// Whether the table may be absent (defaults apply).
    public var isOptional: Bool
    public var extraColumns: ExtraColumns

    public init(
        name: String, columns: [ContractColumn], primaryKey: [String],
        isOptional: Bool = false, extraColumns: ExtraColumns
    ) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.isOptional = isOptional
        self.extraColumns = extraColumns
    }

    /// The contract column called `name`, if any.
    public func column(named name: String) -> ContractColumn? {
        columns.first { $0.name == name }
    }

    /// `CREATE TABLE` for this table with the given extra columns.
    ///
    /// - Parameters:
    ///   - identifierType: the SQLite type of identifier columns ("INTEGER" or "TEXT").
    ///   - extra: additional columns and their SQLite types, in order.
    public func createSQL(identifierType: String = "INTEGER", extra: [(name: String, type: String)] = []) -> String {
        var parts: [String] = []
        for column in columns {
            var type = column.kind == .identifier ? identifierType : column.kind.sqlType
            if column.kind == .identifier && column.name == "campaign_id" { type = "TEXT" }
            var line = quoteIdentifier(column.name) + (type.isEmpty ? "" : " " + type)
            if column.isNotNull { line += " NOT NULL" }
            parts.append(line)
        }
        for column in extra {
            parts.append(quoteIdentifier(column.name) + (column.type.isEmpty ? "" : " " + column.type))
        }
        if !primaryKey.isEmpty {
            parts.append("PRIMARY KEY (" + primaryKey.map(quoteIdentifier).joined(separator: ", ") + ")")
        }
        return "CREATE TABLE \(quoteIdentifier(name)) (\n    " + parts.joined(separator: ",\n    ") + "\n)"
    }
}
