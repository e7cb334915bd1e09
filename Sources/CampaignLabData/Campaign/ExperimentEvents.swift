import Foundation

/// Per-customer values of events metrics in a randomized test, counted from each customer's
/// own assignment: the metric's events from `assigned_at` to the end of the readout (what the
/// variant could change), and the same rollup over a pre-period before the test (what CUPED
/// adjusts with).
///
/// One filtered pass over `events` (in two rowid ranges on two connections at once for large
/// tables), accumulated straight into per-customer arrays: memory is O(customers × metrics),
/// never O(events).
public enum ExperimentEvents {
    /// The time span of a readout, in seconds since 1970 (reporting zone).
    public struct Span: Sendable, Equatable {
        /// Events before this are not the test's (each customer's own start is its `assigned_at`).
        public var end: Double
        /// The pre-period [preStart, preEnd).
        public var preStart: Double
        public var preEnd: Double
        public init(end: Double, preStart: Double, preEnd: Double) {
            self.end = end
            self.preStart = preStart
            self.preEnd = preEnd
        }
    }

    /// Per metric, per customer: the value from assignment to `span.end` (`post`) and over the
    /// pre-period (`pre`). `any` is 1 or 0, `count` the number of events, `sum` the sum of
    /// `value` (NULL counts 0); a customer without events has 0. Events of `campaign` or of no
    /// campaign count (another campaign's events do not), when events has a campaign_id column.
    /// - Parameters: `definitions`: events metrics (source events, not ratios); `assignedAt`:
    ///   per customer, NaN for a customer left out.
    ///
    /// The same pass finds the customers with events of `campaign` (any event, any time) who
    /// are not among `ids` — exposure without assignment, a health check — when events has a
    /// campaign_id column (`unassigned` is nil otherwise).
    /// - Throws: `DataError.contract` for an unparsable `occurred_at` (unless bad rows are
    ///   excluded) or ids stored in forms that never match the assignments'.
    ///
    /// On a remote engine the values are one GROUP BY customer where the events are
    /// (`aggregateValues`): the times compared as the engine's reporting-zone microseconds.
    public static func values<Engine: QueryEngine>(
        _ definitions: [MetricDefinition], campaign: String, ids: [SQLiteValue], assignedAt: [Double], span: Span,
        schema: ContractSchema, database engine: Engine, badRows: BadRows = .refusing
    ) throws -> (post: [[Double]], pre: [[Double]], unassigned: (count: Int, example: SQLiteValue?)?) {
        precondition(definitions.allSatisfy { $0.source == .events && !$0.isRatio }, "ExperimentEvents: events metrics only")
        guard let database = engine as? SQLiteDatabase else {
            return try aggregateValues(definitions, campaign: campaign, ids: ids, span: span, schema: schema, database: engine)
        }
        let job = ExperimentEventsJob(
            path: database.path, campaign: schema.has(Contract.events, column: "campaign_id") ? campaign : nil,
            definitions: definitions, index: CustomerIndex(ids), assignedAt: assignedAt, span: span, policy: badRows.policy)
        let parts = try CampaignEvents.scanInRowidRanges(schema: schema, database: database) { try job.read(range: $0, database: $1) }
        var result = parts[0]
        var tally = result.bad
        for other in parts.dropFirst() {
            tally.merge(other.bad)
            result.unassigned.formUnion(other.unassigned)
            result.rows += other.rows
            result.matched += other.matched
            if result.example == .null { result.example = other.example }
            for (j, d) in definitions.enumerated() {
                for i in ids.indices {
                    if d.rollup == .any {
                        result.post[j][i] = max(result.post[j][i], other.post[j][i])
                        result.pre[j][i] = max(result.pre[j][i], other.pre[j][i])
                    } else {
                        result.post[j][i] += other.post[j][i]
                        result.pre[j][i] += other.pre[j][i]
                    }
                }
            }
        }
        try tally.report(to: badRows)
        let events = Array(Set(definitions.compactMap(\.event))).sorted()
        try CampaignEvents.requireMatches(
            result.matched, of: result.rows, example: result.example, assigned: ids.first,
            what: "events \(events.joined(separator: ", ")) read")
        let unassigned = job.campaign == nil ? nil : (result.unassigned.count, result.unassigned.min { "\($0)" < "\($1)" })
        return (result.post, result.pre, unassigned)
    }
}

/// Reads the test's events, optionally one rowid range, on its own connection.
private struct ExperimentEventsJob: Sendable {
    var path: String
    /// The campaign whose events count (with those of no campaign); nil: every event.
    var campaign: String?
    var definitions: [MetricDefinition]
    var index: CustomerIndex
    var assignedAt: [Double]
    var span: ExperimentEvents.Span

    var policy: BadRows.Policy

    struct Part: Sendable {
        var post: [[Double]]
        var pre: [[Double]]
        var rows = 0
        var matched = 0
        var example = SQLiteValue.null
        var bad: BadRows.Tally
        /// Customers with events of the campaign who are not assigned (keys).
        var unassigned: Set<SQLiteValue> = []
    }

    /// The error for a row (customer_id, event, occurred_at, value) whose value is not an amount.
    static func badValue(_ statement: SQLiteStatement, event: String, _ message: String) -> DataError {
        DataError.contract(
            table: "events", column: "value",
            row: "customer_id=\(statement.value(0)), event='\(event)', occurred_at='\(statement.text(2) ?? "")'", message: message)
    }

    func read(range: ScanRange?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        let events = Array(Set(definitions.compactMap(\.event))).sorted()
        let first = Timestamp(secondsSinceEpoch: span.preStart).date
        let last = Timestamp(secondsSinceEpoch: span.end - 1).date
        let texts = CampaignEvents.occurredAtRange(first, last)
        // The metrics' events in the time range (of the campaign or of none), and every event
        // of the campaign (for exposure without assignment): one scan.
        var metricRows = "event IN (\(events.map { _ in "?" }.joined(separator: ", "))) AND occurred_at >= ? AND occurred_at < ?"
        var bindings: [SQLiteValue] = events.map { .text($0) } + [.text(texts.from), .text(texts.until)]
        var sql: String
        // `value` is read only for a sum (the column is optional).
        let value = definitions.eventValue("value")
        if let campaign {
            metricRows += " AND (campaign_id = ? OR campaign_id IS NULL)"
            sql = "SELECT customer_id, event, occurred_at, \(value), campaign_id = ? FROM events WHERE ((\(metricRows)) OR campaign_id = ?)"
            bindings = [.text(campaign)] + bindings + [.text(campaign), .text(campaign)]
        } else {
            sql = "SELECT customer_id, event, occurred_at, \(value), 0 FROM events WHERE \(metricRows)"
        }
        if let range {
            sql += range.condition
            bindings += range.bindings
        }
        let statement = try database.prepare(sql)
        try statement.bind(bindings)
        let n = assignedAt.count
        var part = Part(
            post: [[Double]](repeating: [Double](repeating: 0, count: n), count: definitions.count),
            pre: [[Double]](repeating: [Double](repeating: 0, count: n), count: definitions.count),
            bad: BadRows.Tally(policy))
        // Event name → the metrics it feeds.
        var metricsOf: [String: [Int]] = [:]
        for (j, d) in definitions.enumerated() { metricsOf[d.event ?? "", default: []].append(j) }
        while try statement.step() {
            let position = index.position(statement, 0)
            if position == nil && statement.int64(4) == 1 { part.unassigned.insert(statement.value(0).customerKey) }
            guard let event = statement.text(1), let list = metricsOf[event] else { continue }
            part.rows += 1
            if part.rows == 1 { part.example = statement.value(0) }
            guard let i = position else { continue }
            part.matched += 1
            guard let time = statement.withUTF8(2, { Timestamp.parse($0) })?.secondsSinceEpoch else {
                try part.bad.add(
                    CampaignEvents.unparsableTime(statement, event: event), summary: "not an ISO 8601 timestamp",
                    treatment: "left out")
                continue
            }
            let inTest = time >= assignedAt[i] && time < span.end
            let inPre = time >= span.preStart && time < span.preEnd
            guard inTest || inPre else { continue }
            var amount = 0.0
            switch statement.storageClass(3) {
            case .integer, .real:
                amount = statement.double(3)
                if !amount.isFinite {
                    try part.bad.add(
                        Self.badValue(statement, event: event, "\(amount) is not a finite amount"), summary: "not a finite number",
                        treatment: "counted as 0")
                    amount = 0
                }
            case .text, .blob:
                // A word where an amount should be: refused, or counted as 0 when bad rows are excluded.
                if list.contains(where: { definitions[$0].rollup == .sum }) {
                    try part.bad.add(
                        Self.badValue(statement, event: event, "\(statement.value(3)) is not a number"), summary: "not a number",
                        treatment: "counted as 0")
                }
            case .null: break
            }
            for j in list {
                let add: Double
                switch definitions[j].rollup {
                case .sum: add = amount
                default: add = 1
                }
                if definitions[j].rollup == .any {
                    if inTest { part.post[j][i] = 1 }
                    if inPre { part.pre[j][i] = 1 }
                } else {
                    if inTest { part.post[j][i] += add }
                    if inPre { part.pre[j][i] += add }
                }
            }
        }
        return part
    }
}
