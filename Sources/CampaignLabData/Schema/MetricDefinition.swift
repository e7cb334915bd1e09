/// How one metric is defined: where its values come from and how they roll up over a window.
///
/// Definitions come from the optional `metric_definitions` table; every numeric column of
/// `customer_months` that the table does not define gets a default definition
/// (label = column name, source = months, rollup = mean, higher is better).
///
/// ```swift
/// let schema = try ContractSchema.discover(in: db)
/// let aum = try schema.definition(of: "aum")      // source .months, rollup .mean by default
/// let conversion = try schema.definition(of: "conversion")
/// if conversion.isRatio { print(conversion.numerator!, "/", conversion.denominator!) }
/// ```
///
/// Rules, applied when a row of `metric_definitions` is read (a row that breaks one is
/// reported by `campaignlab check` and refused by ``ContractSchema/definition(of:)``):
/// - `source` is 'months' or 'events'; NULL means 'events' when `event` is set, else 'months'.
/// - `rollup` is mean|sum|last|max for months and any|count|sum for events; NULL means
///   'mean' for months and 'count' for events.
/// - a months metric names a numeric `customer_months` column;
/// - an events metric names its `event`;
/// - a ratio metric sets both `numerator` and `denominator`, each a defined metric that is
///   not itself a ratio (this rules out cycles); its own `source`/`rollup` are not used.
/// - `higher_is_better` is 0 or 1; NULL means 1.
public struct MetricDefinition: Sendable, Equatable, Hashable, Encodable {
    /// The metric's name (a `customer_months` column for months metrics).
    public var metric: String
    /// The name shown in reports.
    public var label: String
    /// The name shown in Chinese reports (`label_zh`; nil: `label`).
    public var labelZh: String?
    /// The unit shown in reports ("CNY", "logins"), if any.
    public var unit: String?
    /// Where the values come from.
    public var source: MetricSource
    /// How values roll up over a window.
    public var rollup: MetricRollup
    /// The `events.event` value counted or summed, for events metrics.
    public var event: String?
    /// For a ratio metric: the metric divided…
    public var numerator: String?
    /// …by this one.
    public var denominator: String?
    /// Whether an increase is good news (guardrails and decisions use it).
    public var higherIsBetter: Bool
    /// Whether the definition comes from defaults rather than a `metric_definitions` row.
    public var isDefault: Bool

    /// Whether the metric is the ratio `numerator / denominator` of two other metrics.
    public var isRatio: Bool { numerator != nil && denominator != nil }

    private enum CodingKeys: String, CodingKey {
        case metric, label, labelZh = "label_zh", unit, source, rollup, event, numerator, denominator,
            higherIsBetter = "higher_is_better", isDefault = "is_default"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(label, forKey: .label)
        try c.encode(labelZh, forKey: .labelZh)
        try c.encode(unit, forKey: .unit)
        try c.encode(source.rawValue, forKey: .source)
        try c.encode(rollup.rawValue, forKey: .rollup)
        try c.encode(event, forKey: .event)
        try c.encode(numerator, forKey: .numerator)
        try c.encode(denominator, forKey: .denominator)
        try c.encode(higherIsBetter, forKey: .higherIsBetter)
        try c.encode(isDefault, forKey: .isDefault)
    }

    public init(
        metric: String, label: String? = nil, unit: String? = nil, source: MetricSource = .months,
        rollup: MetricRollup? = nil, event: String? = nil, numerator: String? = nil,
        denominator: String? = nil, higherIsBetter: Bool = true, isDefault: Bool = false
    ) {
        self.metric = metric
        self.label = label ?? metric
        self.unit = unit
        self.source = source
        self.rollup = rollup ?? MetricDefinition.defaultRollup(for: source)
        self.event = event
        self.numerator = numerator
        self.denominator = denominator
        self.higherIsBetter = higherIsBetter
        self.isDefault = isDefault
    }

    /// The definition a `customer_months` column gets when `metric_definitions` does not
    /// define it: label = column name, source = months, rollup = mean, higher is better.
    public static func defaultDefinition(forMonthsColumn column: String) -> MetricDefinition {
        MetricDefinition(metric: column, source: .months, rollup: .mean, isDefault: true)
    }

    /// The rollup used when `rollup` is NULL: mean for months, count for events.
    public static func defaultRollup(for source: MetricSource) -> MetricRollup {
        source == .months ? .mean : .count
    }

    /// The rollups allowed for `source`.
    public static func rollups(for source: MetricSource) -> [MetricRollup] {
        switch source {
        case .months: return [.mean, .sum, .last, .max]
        case .events: return [.any, .count, .sum]
        }
    }
}

extension Sequence where Element == MetricDefinition {
    /// The first events metric that sums `events.value`: only such a metric reads the column,
    /// which the contract makes optional (counts and conversions do without it).
    public var summingEventValue: MetricDefinition? { first { $0.source == .events && $0.rollup == .sum } }

    /// What a query selects for an event's value: `expression` when a metric sums it, else NULL
    /// (the column may not be there).
    func eventValue(_ expression: String) -> String { summingEventValue != nil ? expression : "NULL" }
}

/// A row of `metric_definitions` that breaks a rule, with the column to look at.
public struct MetricDefinitionIssue: Error, Sendable, Equatable, Hashable {
    /// The metric named by the row (may be empty when `metric` itself is the problem).
    public var metric: String
    /// The `metric_definitions` column to fix.
    public var column: String
    /// The row, as "metric='x'" (with the rowid where the table has one).
    public var exampleRow: String
    /// What is wrong, for the analyst.
    public var message: String

    /// The issue as the error an analysis throws when it needs the metric.
    public var error: DataError {
        .contract(table: Contract.metricDefinitions.name, column: column, row: exampleRow, message: message)
    }
}

/// One `metric_definitions` row as read, before the rules are applied.
struct MetricDefinitionRow {
    var rowDescription: String
    var metric: SQLiteValue
    var label: SQLiteValue = .null
    var labelZh: SQLiteValue = .null
    var unit: SQLiteValue = .null
    var source: SQLiteValue = .null
    var rollup: SQLiteValue = .null
    var event: SQLiteValue = .null
    var numerator: SQLiteValue = .null
    var denominator: SQLiteValue = .null
    var higherIsBetter: SQLiteValue = .null

    /// Applies the rules that need only this row; the cross-row rules (months column exists,
    /// ratio parts are defined) are applied by ``ContractSchema``.
    func parse() -> Result<MetricDefinition, MetricDefinitionIssue> {
        func issue(_ column: String, _ message: String) -> Result<MetricDefinition, MetricDefinitionIssue> {
            .failure(
                MetricDefinitionIssue(
                    metric: metric.textValue ?? "", column: column,
                    exampleRow: rowDescription, message: message))
        }
        guard let name = metric.textValue, !name.isEmpty else {
            return issue(
                "metric", "the metric name is \(metric == .null ? "NULL" : "\(metric), not a name"); every row needs a metric name (text)")
        }
        let event = nonEmptyText(event)
        let numerator = nonEmptyText(numerator), denominator = nonEmptyText(denominator)
        if (numerator == nil) != (denominator == nil) {
            return issue(
                numerator == nil ? "numerator" : "denominator",
                "a ratio metric needs both numerator and denominator; this row sets only one")
        }
        let source: MetricSource
        switch self.source {
        case .null: source = event == nil ? .months : .events
        case .text(let text):
            guard let parsed = MetricSource(rawValue: text) else {
                return issue("source", "unknown source '\(text)'; use 'months' (a customer_months column) or 'events'")
            }
            source = parsed
        default:
            return issue("source", "source is \(self.source), not text; use 'months' or 'events'")
        }
        let allowed = MetricDefinition.rollups(for: source)
        let allowedText = allowed.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let rollup: MetricRollup
        switch self.rollup {
        case .null: rollup = MetricDefinition.defaultRollup(for: source)
        case .text(let text):
            guard let parsed = MetricRollup(rawValue: text), allowed.contains(parsed) else {
                let known = MetricRollup(rawValue: text) != nil
                return issue(
                    "rollup",
                    known
                        ? "rollup '\(text)' does not apply to source '\(source.rawValue)'; use one of \(allowedText)"
                        : "unknown rollup '\(text)'; for source '\(source.rawValue)' use one of \(allowedText)")
            }
            rollup = parsed
        default:
            return issue("rollup", "rollup is \(self.rollup), not text; use one of \(allowedText)")
        }
        if numerator == nil && source == .events && event == nil {
            return issue("event", "an events metric must name the event it counts or sums (column event is empty)")
        }
        let higherIsBetter: Bool
        switch self.higherIsBetter {
        case .null: higherIsBetter = true
        case .integer(0), .real(0): higherIsBetter = false
        case .integer(1), .real(1): higherIsBetter = true
        default:
            return issue("higher_is_better", "higher_is_better is \(self.higherIsBetter); use 1 (higher is better) or 0")
        }
        var definition = MetricDefinition(
            metric: name, label: nonEmptyText(label), unit: nonEmptyText(unit), source: source, rollup: rollup,
            event: event, numerator: numerator, denominator: denominator, higherIsBetter: higherIsBetter)
        definition.labelZh = nonEmptyText(labelZh)
        return .success(definition)
    }

    private func nonEmptyText(_ value: SQLiteValue) -> String? {
        switch value {
        case .text(let t): return t.isEmpty ? nil : t
        case .integer, .real: return value.description
        default: return nil
        }
    }
}
