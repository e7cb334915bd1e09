/// The result of checking a database against the data contract: every problem found and
/// a summary of what the database holds.
///
/// ```swift
/// let report = try ContractChecker(database: db).run()
/// if report.hasErrors { print(report.errorCount, "errors") }
/// ```
public struct ContractCheckReport: Sendable, Equatable, Encodable {
    /// Errors first, then warnings; within each, in the order the checks found them
    /// (table by table, in contract order).
    public var problems: [ContractProblem]
    public var summary: DatabaseSummary

    public init(problems: [ContractProblem], summary: DatabaseSummary) {
        self.problems = problems
        self.summary = summary
    }

    public var errorCount: Int { problems.filter { $0.severity == .error }.count }
    public var warningCount: Int { problems.filter { $0.severity == .warning }.count }
    /// Whether any problem is an error (the CLI then exits with status 1).
    public var hasErrors: Bool { errorCount > 0 }

    private enum CodingKeys: String, CodingKey { case errors, warnings, problems, summary }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(errorCount, forKey: .errors)
        try container.encode(warningCount, forKey: .warnings)
        try container.encode(problems, forKey: .problems)
        try container.encode(summary, forKey: .summary)
    }
}

/// A value and how many rows have it (a dimension value, an event type, an arm).
public struct ValueCount: Sendable, Equatable, Hashable, Encodable {
    public var value: String
    public var count: Int

    public init(_ value: String, _ count: Int) {
        self.value = value
        self.count = count
    }
}

/// What a database holds, in a few numbers: the summary part of `campaignlab check`.
public struct DatabaseSummary: Sendable, Equatable, Encodable {
    public struct Customers: Sendable, Equatable, Encodable {
        public var count: Int
        /// The earliest and latest valid `opened_on`, 'YYYY-MM-DD'.
        public var firstOpenedOn: String?
        public var lastOpenedOn: String?

        public init(count: Int, firstOpenedOn: String?, lastOpenedOn: String?) {
            self.count = count
            self.firstOpenedOn = firstOpenedOn
            self.lastOpenedOn = lastOpenedOn
        }

        private enum CodingKeys: String, CodingKey { case count, firstOpenedOn = "first_opened_on", lastOpenedOn = "last_opened_on" }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(count, forKey: .count)
            try c.encode(firstOpenedOn, forKey: .firstOpenedOn)
            try c.encode(lastOpenedOn, forKey: .lastOpenedOn)
        }
    }

    public struct CustomerMonths: Sendable, Equatable, Encodable {
        public var rows: Int
        /// The earliest and latest valid `month`, 'YYYY-MM'.
        public var firstMonth: String?
        public var lastMonth: String?
        /// The numeric columns (metrics), in table order.
        public var metrics: [String]

        public init(rows: Int, firstMonth: String?, lastMonth: String?, metrics: [String]) {
            self.rows = rows
            self.firstMonth = firstMonth
            self.lastMonth = lastMonth
            self.metrics = metrics
        }

        private enum CodingKeys: String, CodingKey { case rows, firstMonth = "first_month", lastMonth = "last_month", metrics }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rows, forKey: .rows)
            try c.encode(firstMonth, forKey: .firstMonth)
            try c.encode(lastMonth, forKey: .lastMonth)
            try c.encode(metrics, forKey: .metrics)
        }
    }

    public struct Dimension: Sendable, Equatable, Encodable {
        public var name: String
        /// Distinct values, NULL counted as one value.
        public var distinctValues: Int
        /// The most frequent values (at most ``DatabaseSummary/listedValues``), most frequent first.
        public var topValues: [ValueCount]

        public init(name: String, distinctValues: Int, topValues: [ValueCount]) {
            self.name = name
            self.distinctValues = distinctValues
            self.topValues = topValues
        }

        private enum CodingKeys: String, CodingKey { case name, distinctValues = "distinct_values", topValues = "top_values" }
    }

    public struct Events: Sendable, Equatable, Encodable {
        public var rows: Int
        public var distinctTypes: Int
        /// Rows per event type, most frequent first (at most ``DatabaseSummary/listedEventTypes``).
        public var types: [ValueCount]

        public init(rows: Int, distinctTypes: Int, types: [ValueCount]) {
            self.rows = rows
            self.distinctTypes = distinctTypes
            self.types = types
        }

        private enum CodingKeys: String, CodingKey { case rows, distinctTypes = "distinct_types", types }
    }

    public struct Campaign: Sendable, Equatable, Encodable {
        public var campaignID: String
        public var name: String
        public var design: String
        public var startsOn: String
        public var endsOn: String
        public var controlArm: String
        /// Customers per arm, in arm order.
        public var arms: [ValueCount]

        public init(
            campaignID: String, name: String, design: String, startsOn: String, endsOn: String,
            controlArm: String, arms: [ValueCount]
        ) {
            self.campaignID = campaignID
            self.name = name
            self.design = design
            self.startsOn = startsOn
            self.endsOn = endsOn
            self.controlArm = controlArm
            self.arms = arms
        }

        private enum CodingKeys: String, CodingKey {
            case campaignID = "campaign_id", name, design, startsOn = "starts_on", endsOn = "ends_on",
                controlArm = "control_arm", arms
        }
    }

    /// How many values of a dimension the summary lists.
    public static let listedValues = 5
    /// How many event types the summary lists.
    public static let listedEventTypes = 12

    public var customers: Customers?
    public var customerMonths: CustomerMonths?
    public var dimensions: [Dimension]
    public var events: Events?
    public var campaigns: [Campaign]
    /// Defined metrics (from metric_definitions and defaults).
    public var metricDefinitions: [MetricDefinition]

    public init(
        customers: Customers? = nil, customerMonths: CustomerMonths? = nil, dimensions: [Dimension] = [],
        events: Events? = nil, campaigns: [Campaign] = [], metricDefinitions: [MetricDefinition] = []
    ) {
        self.customers = customers
        self.customerMonths = customerMonths
        self.dimensions = dimensions
        self.events = events
        self.campaigns = campaigns
        self.metricDefinitions = metricDefinitions
    }

    private enum CodingKeys: String, CodingKey {
        case customers, customerMonths = "customer_months", dimensions, events, campaigns,
            metricDefinitions = "metric_definitions"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(customers, forKey: .customers)
        try c.encode(customerMonths, forKey: .customerMonths)
        try c.encode(dimensions, forKey: .dimensions)
        try c.encode(events, forKey: .events)
        try c.encode(campaigns, forKey: .campaigns)
        try c.encode(metricDefinitions, forKey: .metricDefinitions)
    }
}
