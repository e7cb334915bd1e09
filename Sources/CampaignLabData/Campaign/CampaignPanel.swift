import Foundation

/// Per-customer values of a campaign's eligible customers: arm, dimensions, and each
/// metric rolled up over the pre- and post-period months.
///
/// Built in two streamed passes ordered by customer (assignments with their customers' dimensions,
/// then their `customer_months` rows in the two windows, read by primary-key seeks): memory is
/// O(customers × metrics), never O(rows).
public struct CampaignPanel: Sendable {
    public var campaign: CampaignInfo
    public var windows: CampaignWindows
    public var metrics: [String]
    public var dimensions: [String]
    /// The control arm first, then the other arms by name.
    public var arms: [String]
    /// Per customer: index into `arms`.
    public var arm: [Int]
    /// Per dimension, per customer: index into `levels[d]`.
    public var dimensionCodes: [[Int32]]
    /// Per dimension: the level names, sorted ("(missing)" for NULL).
    public var levels: [[String]]
    /// Per metric, per customer: the rolled-up value over the pre-period (NaN without data).
    public var pre: [[Double]]
    /// Per metric, per customer: over the post-period.
    public var post: [[Double]]
    /// Further windows asked for (e.g. the same windows a year earlier).
    public var extraWindows: [ClosedRange<YearMonth>] = []
    /// Per extra window, per metric, per customer.
    public var extra: [[[Double]]] = []
    /// Events metrics of the default list left out because no customer has their event in
    /// the pre-period.
    public var metricsLeftOut: [String] = []
    /// Numeric customers columns (age, income): per column, per customer, the value (NaN for NULL).
    public var numericColumns: [String] = []
    public var numericValues: [[Double]] = []
    /// Months of the pre-period in which no customer of the campaign has a customer_months
    /// row (a pre-period reaching back before the data): the pre-period values are over the
    /// other months.
    public var preMonthsWithoutData: [YearMonth] = []

    public var count: Int { arm.count }

    /// Campaigns with at least this many customers are read in two slices at once.
    nonisolated(unsafe) public static var parallelReadThreshold = 100_000

    public var controlIndex: Int { 0 }

    /// Loads the panel.
    /// - Throws: `CampaignReadError` for a campaign without assignments, a control arm with no
    ///   customers, a campaign with one arm only, or no customer_months row in the pre-period
    ///   at all; `DataError` for contract problems.
    /// - Parameter assignments: the campaign's assignments as `CampaignAssignments.readAll`
    ///   returns them (read once and shared with other analyses); read here when nil.
    public static func load<Engine: QueryEngine>(
        _ campaign: CampaignInfo, windows: CampaignWindows, extraWindows: [ClosedRange<YearMonth>] = [],
        metrics requested: [String], optional: Set<String> = [], schema: ContractSchema,
        database: Engine, assignments given: CampaignAssignments? = nil, badRows: BadRows = .refusing,
        progress: (String) -> Void = { _ in }
    ) throws -> CampaignPanel {
        try schema.require(Contract.assignments, columns: ["campaign_id", "customer_id", "arm"])
        try schema.require(Contract.customers, columns: ["customer_id"])
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"])
        // Numeric customers columns are continuous covariates, not categories.
        let numericColumns = schema.numericDimensions
        let dimensions = schema.dimensions.filter { !numericColumns.contains($0) }
        var metrics = requested
        let definitions = try metrics.map { try schema.definition(of: $0) }
        for definition in definitions where definition.isRatio {
            throw CampaignReadError(
                .metrics,
                "'\(definition.metric)' is a ratio metric (\(definition.numerator ?? "")/\(definition.denominator ?? "")); the uplift takes months and events metrics, not ratios yet"
            )
        }
        let monthsMetrics = definitions.filter { $0.source == .months }.map(\.metric)
        let eventDefinitions = definitions.filter { $0.source == .events }
        if !eventDefinitions.isEmpty {
            try schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
            try schema.requireEventValue(for: eventDefinitions)
        }
        let rollups = definitions.filter { $0.source == .months }.map(\.rollup)

        if !database.isSQLite { try schema.requireOneIDType([Contract.customers, Contract.customerMonths, Contract.events]) }
        if given == nil { progress("reading the assignments of \(campaign.id)") }
        let assignments = try given ?? CampaignAssignments.readAll(campaign, schema: schema, database: database)
        precondition(
            assignments.dimensions == dimensions && assignments.numericColumns == numericColumns,
            "CampaignPanel.load: the assignments must be read by CampaignAssignments.readAll")
        try assignments.requireNumbers(badRows)
        try assignments.requireComparison()
        let ids = assignments.ids

        let allWindows = [windows.pre, windows.post] + extraWindows
        // Per window (pre, post, extra…), per metric, per customer.
        var seen = Set<YearMonth>()
        let months = try CampaignPanel.monthsMetrics(
            monthsMetrics, rollups: rollups, ids: ids, windows: allWindows, campaign: campaign.id, schema: schema,
            database: database, badRows: badRows, skipping: assignments.leftOutIDs, monthsSeen: &seen, progress: progress)
        for (j, metric) in monthsMetrics.enumerated() {
            if months[0][j].allSatisfy(\.isNaN) {
                throw CampaignReadError(
                    .campaign,
                    "no customer has a value of \(metric) in customer_months in the pre-period \(windows.pre.lowerBound)…\(windows.pre.upperBound) of campaign '\(campaign.id)'; there is no baseline"
                )
            }
            if months[1][j].allSatisfy(\.isNaN) {
                throw CampaignReadError(
                    .campaign,
                    "no customer has a value of \(metric) in customer_months in the campaign months \(windows.post.lowerBound)…\(windows.post.upperBound) of campaign '\(campaign.id)'"
                )
            }
        }
        // Events metrics: per customer and window, from one filtered pass over events.
        var eventValues: [String: [[Double]]] = [:]
        var leftOut: [String] = []
        if !eventDefinitions.isEmpty {
            if let sqlite = database as? SQLiteDatabase {
                eventValues = try readEventMetrics(
                    eventDefinitions, ids: ids, windows: allWindows, database: sqlite, badRows: badRows, progress: progress)
            } else {
                eventValues = try aggregateEventMetrics(
                    eventDefinitions, ids: ids, windows: allWindows, campaign: campaign.id, database: database, progress: progress)
            }
            for definition in eventDefinitions where eventValues[definition.metric]![0].allSatisfy({ $0 == 0 }) {
                // A metric nobody asked for by name is left out (and said so) rather than failing.
                if optional.contains(definition.metric) {
                    metrics.removeAll { $0 == definition.metric }
                    leftOut.append(definition.metric)
                    continue
                }
                throw CampaignReadError(
                    .metrics,
                    "no customer of campaign '\(campaign.id)' has a '\(definition.event ?? "")' event (metric \(definition.metric)) in the pre-period \(windows.pre.lowerBound)…\(windows.pre.upperBound); there is no baseline (do the events reach back that far?)"
                )
            }
        }
        // Assemble in the order asked for.
        func assemble(_ months: [[Double]], _ window: Int) -> [[Double]] {
            metrics.map { metric in
                if let j = monthsMetrics.firstIndex(of: metric) { return months[j] }
                return eventValues[metric]![window]
            }
        }
        var panel = CampaignPanel(
            campaign: campaign, windows: windows, metrics: metrics, dimensions: dimensions, arms: assignments.arms,
            arm: assignments.arm, dimensionCodes: assignments.dimensionCodes, levels: assignments.levels,
            pre: assemble(months[0], 0), post: assemble(months[1], 1),
            extraWindows: extraWindows, extra: extraWindows.indices.map { assemble(months[2 + $0], 2 + $0) })
        panel.metricsLeftOut = leftOut
        if !monthsMetrics.isEmpty {
            panel.preMonthsWithoutData = (windows.pre.lowerBound.index...windows.pre.upperBound.index).map { YearMonth(index: $0) }
                .filter { !seen.contains($0) }
        }
        panel.numericColumns = numericColumns
        panel.numericValues = assignments.numericValues
        return panel
    }

    /// The `customer_months` metrics of `ids` rolled up over each window: [window][metric][customer]
    /// (NaN for a customer without a value in the window): read in process from a SQLite file
    /// (`readMonthsMetrics`), one GROUP BY customer on a remote engine (`aggregateMonthsMetrics`).
    public static func monthsMetrics<Engine: QueryEngine>(
        _ monthsMetrics: [String], rollups: [MetricRollup], ids: [SQLiteValue], windows: [ClosedRange<YearMonth>],
        campaign: String, schema: ContractSchema, database: Engine, badRows: BadRows = .refusing,
        skipping leftOut: Set<SQLiteValue> = [], monthsSeen: inout Set<YearMonth>, progress: (String) -> Void
    ) throws -> [[[Double]]] {
        if let sqlite = database as? SQLiteDatabase {
            return try readMonthsMetrics(
                monthsMetrics, rollups: rollups, ids: ids, windows: windows, campaign: campaign, database: sqlite, badRows: badRows,
                skipping: leftOut, monthsSeen: &monthsSeen, progress: progress)
        }
        guard !monthsMetrics.isEmpty else { return Array(repeating: [], count: windows.count) }
        try schema.requireOneIDType([Contract.customerMonths])
        return try aggregateMonthsMetrics(
            monthsMetrics, rollups: rollups, ids: ids, windows: windows, campaign: campaign, schema: schema, database: database,
            skipping: leftOut, monthsSeen: &monthsSeen, progress: progress)
    }

    /// The `customer_months` metrics of `ids` rolled up over each window: [window][metric][customer]
    /// (NaN for a customer without a value in the window). Read by primary-key ranges in
    /// customer order, in two slices on two connections at once for large campaigns.
    static func readMonthsMetrics(
        _ monthsMetrics: [String], rollups: [MetricRollup], ids: [SQLiteValue],
        windows allWindows: [ClosedRange<YearMonth>], campaign: String, database: SQLiteDatabase,
        badRows: BadRows = .refusing, skipping leftOut: Set<SQLiteValue> = [], monthsSeen: inout Set<YearMonth>,
        progress: (String) -> Void
    ) throws -> [[[Double]]] {
        let w = allWindows.count
        var wanted: [YearMonth] = []
        for window in allWindows {
            for index in window.lowerBound.index...window.upperBound.index where !wanted.contains(YearMonth(index: index)) {
                wanted.append(YearMonth(index: index))
            }
        }
        wanted.sort()
        progress(
            "reading customer_months for \(formatCount(ids.count)) customers, months \(wanted.map(\.description).joined(separator: ", "))")
        let n = ids.count, k = monthsMetrics.count
        let metricColumns = monthsMetrics.map { ", m." + quoteIdentifier($0) }.joined()
        // Slots by month offset from the first wanted month (a table, not a hash, per row).
        let firstIndex = wanted.first!.index
        var slotsByOffset = [[Int]](repeating: [], count: wanted.last!.index - firstIndex + 1)
        for month in wanted { slotsByOffset[month.index - firstIndex] = allWindows.indices.filter { allWindows[$0].contains(month) } }
        // Two slices of customers read on two connections at once (SQLite's b-tree work is
        // the bottleneck, and each connection has its own cache): each slice's state is its own.
        let sliceCount = n >= parallelReadThreshold && database.isSharedFile ? 2 : 1
        let bounds = (0...sliceCount).map { $0 * n / sliceCount }
        let job = MonthsReadJob(
            path: database.path, campaign: campaign, metricColumns: metricColumns, metrics: monthsMetrics,
            wanted: wanted, firstIndex: firstIndex, slotsByOffset: slotsByOffset, windowCount: w,
            rollups: rollups, ids: ids, policy: badRows.policy, leftOut: leftOut)
        let slices = ResultSlots<MonthsSlice>(count: sliceCount)
        let failures = ResultSlots<Error>(count: sliceCount)
        withoutActuallyEscaping(progress) { progress in
            let report = UncheckedBox(progress)
            DispatchQueue.concurrentPerform(iterations: sliceCount) { s in
                do {
                    slices[s] = try job.read(customers: bounds[s]..<bounds[s + 1], progress: s == 0 ? report.value : { _ in })
                } catch {
                    failures[s] = error
                }
            }
        }
        if let error = failures.values.compactMap({ $0 }).first { throw error }
        // Each window's rolled-up values, straight from the slices (no concatenated copy).
        let parts = slices.values.map { $0! }
        var tally = BadRows.Tally(badRows.policy)
        for part in parts {
            tally.merge(part.bad)
            for (offset, seen) in part.seen.enumerated() where seen { monthsSeen.insert(YearMonth(index: firstIndex + offset)) }
        }
        try tally.report(to: badRows)
        var result = [[[Double]]](repeating: [[Double]](repeating: [], count: k), count: w)
        for j in 0..<k {
            for window in 0..<w {
                var values = [Double]()
                values.reserveCapacity(n)
                for slice in parts {
                    let lasts = slice.lasts[j], maxima = slice.maxima[j]
                    for customer in 0..<slice.counts.count / (w * k) {
                        let cell = customer * w + window
                        guard slice.counts[cell * k + j] > 0 else { values.append(.nan); continue }
                        switch rollups[j] {
                        case .sum: values.append(slice.sums[cell * k + j])
                        case .last: values.append(lasts[cell])
                        case .max: values.append(maxima[cell])
                        default: values.append(slice.sums[cell * k + j] / Double(slice.counts[cell * k + j]))
                        }
                    }
                }
                result[window][j] = values
            }
        }
        return result
    }

    /// Events metrics per window and customer: count, any (0/1) or sum of `value` of the
    /// metric's event between the first day of a window's first month and the last day of its
    /// last month (by the date written in `occurred_at`). Customers without events get 0.
    static func readEventMetrics(
        _ definitions: [MetricDefinition], ids: [SQLiteValue], windows: [ClosedRange<YearMonth>],
        database: SQLiteDatabase, badRows: BadRows, progress: (String) -> Void
    ) throws -> [String: [[Double]]] {
        let n = ids.count
        let position = CustomerIndex(ids)
        let events = Array(Set(definitions.compactMap(\.event))).sorted()
        let first = windows.map(\.lowerBound).min()!, last = windows.map(\.upperBound).max()!
        progress("reading events \(events.joined(separator: ", ")) from \(first) to \(last)")
        let statement = try database.prepare(
            """
            SELECT customer_id, event, occurred_at, \(definitions.eventValue("value")) FROM events
            WHERE event IN (\(events.map { _ in "?" }.joined(separator: ", "))) AND occurred_at >= ? AND occurred_at < ?
            """)
        // The month is that of the reporting-zone time.
        let range = CampaignEvents.occurredAtRange(first.firstDay, last.lastDay)
        try statement.bind(events.map { .text($0) } + [.text(range.from), .text(range.until)])
        var values = [String: [[Double]]]()
        for d in definitions { values[d.metric] = Array(repeating: [Double](repeating: 0, count: n), count: windows.count) }
        let byEvent = Dictionary(grouping: definitions, by: { $0.event ?? "" })
        var rows = 0, matched = 0, example = SQLiteValue.null
        var tally = BadRows.Tally(badRows.policy)
        while try statement.step() {
            rows += 1
            if rows == 1 { example = statement.value(0) }
            guard let i = position.position(statement, 0), let event = statement.text(1), let list = byEvent[event] else {
                continue
            }
            matched += 1
            guard let month = statement.withUTF8(2, { Timestamp.parse($0) })?.date.yearMonth else {
                try tally.add(
                    CampaignEvents.unparsableTime(statement, event: event), summary: "not an ISO 8601 timestamp",
                    treatment: "left out")
                continue
            }
            let amount = statement.storageClass(3) == .null ? 0 : statement.double(3)
            for (w, window) in windows.enumerated() where window.contains(month) {
                for d in list {
                    switch d.rollup {
                    case .sum: values[d.metric]![w][i] += amount
                    case .any: values[d.metric]![w][i] = 1
                    default: values[d.metric]![w][i] += 1
                    }
                }
            }
        }
        try tally.report(to: badRows)
        try CampaignEvents.requireMatches(
            matched, of: rows, example: example, assigned: ids.first, what: "events \(events.joined(separator: ", ")) read")
        return values
    }
}

/// Reads one slice of the campaign's customers' customer_months rows on its own connection.
private struct MonthsReadJob: Sendable {
    var path: String
    var campaign: String
    var metricColumns: String
    var metrics: [String]
    var wanted: [YearMonth]
    var firstIndex: Int
    var slotsByOffset: [[Int]]
    var windowCount: Int
    var rollups: [MetricRollup]
    var ids: [SQLiteValue]
    var policy: BadRows.Policy
    /// Assigned customers left out as bad rows: their rows still come from the join; skipped.
    var leftOut: Set<SQLiteValue>

    func read(customers range: Range<Int>, progress: (String) -> Void) throws -> MonthsSlice {
        let k = metrics.count, w = windowCount, n = range.count
        var slice = MonthsSlice(
            sums: [Double](repeating: 0, count: n * w * k), counts: [Int32](repeating: 0, count: n * w * k),
            lasts: rollups.map { $0 == .last ? [Double](repeating: .nan, count: n * w) : [] },
            maxima: rollups.map { $0 == .max ? [Double](repeating: -.infinity, count: n * w) : [] }, bad: BadRows.Tally(policy),
            seen: [Bool](repeating: false, count: slotsByOffset.count))
        guard n > 0 else { return slice }
        let database = try SQLiteDatabase.open(readOnlyAt: path)
        var filter = "a.customer_id >= ?"
        var bounds: [SQLiteValue] = [.text(campaign), ids[range.lowerBound]]
        if range.upperBound < ids.count { filter += " AND a.customer_id < ?"; bounds.append(ids[range.upperBound]) }
        // Integer customer ids (the usual case) are compared without building values.
        let local = Array(ids[range])
        let integerIDs: [Int64]? =
            local.allSatisfy({ if case .integer = $0 { return true } else { return false } })
            ? local.map { if case .integer(let v) = $0 { return v } else { return 0 } } : nil
        var rows = 0
        // The windows each month offset counts in, flat: slots[slotStart[o]..<slotStart[o + 1]].
        let slots = slotsByOffset.flatMap { $0 }
        let slotStart = slotsByOffset.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let keepsLast = (0..<k).map { !slice.lasts[$0].isEmpty }, keepsMaximum = (0..<k).map { !slice.maxima[$0].isEmpty }
        var sums = slice.sums, counts = slice.counts
        (slice.sums, slice.counts) = ([], [])
        // One query per run of consecutive wanted months: SQLite seeks each customer's first
        // month of the run by primary key and steps through the rest (a seek per wanted month,
        // as `month IN (…)` does, costs 1.6× more on the 1M demo). The runs come in month
        // order, so a `last` rollup still ends on the latest month of its window.
        /// A bad month row: refused, or left out and counted.
        func badMonth(_ row: String, _ message: String, _ summary: String, _ treatment: String) throws {
            try slice.bad.add(
                DataError.contract(table: "customer_months", column: "month", row: row, message: message), summary: summary,
                treatment: treatment)
        }
        for run in CampaignPanel.consecutiveRuns(wanted) {
            let months = try database.prepare(
                """
                SELECT a.customer_id, m.month\(metricColumns)
                FROM assignments a JOIN customer_months m ON m.customer_id = a.customer_id AND m.month BETWEEN ? AND ?
                WHERE a.campaign_id = ? AND \(filter) ORDER BY a.customer_id, m.month
                """)
            try months.bind([.text(run.lowerBound.description), .text(run.upperBound.description)] + bounds)
            var cursor = 0, previous = (cursor: -1, month: -1)
            while try months.step() {
                if !leftOut.isEmpty, leftOut.contains(months.value(0)) { continue }
                if let integerIDs, months.storageClass(0) == .integer {
                    let id = months.int64(0)
                    while cursor < n && integerIDs[cursor] != id { cursor += 1 }
                } else {
                    let id = months.value(0)
                    while cursor < n && local[cursor] != id { cursor += 1 }
                }
                guard cursor < n else {
                    throw DataError.contract(
                        table: "customer_months", column: "customer_id", row: "customer_id=\(months.value(0))",
                        message: "rows arrived out of customer order; is customer_id stored with mixed types?")
                }
                guard months.storageClass(1) == .text, let month = months.withUTF8(1, { YearMonth.parse($0) }) else {
                    try badMonth(
                        "customer_id=\(months.value(0))", "\(months.value(1)) is not a month 'YYYY-MM'", "not a month 'YYYY-MM'", "left out"
                    )
                    continue
                }
                // A customer's month twice (a view, a table without its key) would count twice.
                if previous == (cursor, month.index) {
                    try badMonth(
                        "customer_id=\(months.value(0)), month='\(month)'",
                        "the customer has more than one row for this month (a view, or a table without its primary key?)",
                        "repeating a customer's month", "left out (the first row kept)")
                    continue
                }
                previous = (cursor, month.index)
                let offset = month.index - firstIndex
                guard offset >= 0 && offset < slotsByOffset.count else { continue }
                slice.seen[offset] = true
                let slotRange = slotStart[offset]..<slotStart[offset + 1]
                if slotRange.isEmpty { continue }
                for j in 0..<k {
                    switch months.storageClass(2 + j) {
                    case .null: continue
                    case .integer, .real:
                        let v = months.double(2 + j)
                        guard v.isFinite else {
                            try slice.bad.add(
                                DataError.contract(
                                    table: "customer_months", column: metrics[j], row: "customer_id=\(months.value(0)), month='\(month)'",
                                    message: "the value is not finite (\(v))"),
                                summary: "not a finite number", treatment: "treated as missing")
                            continue
                        }
                        for position in slotRange {
                            let cell = cursor * w + slots[position], at = cell * k + j
                            sums[at] += v
                            counts[at] += 1
                        }
                        if keepsLast[j] || keepsMaximum[j] {
                            for position in slotRange {
                                let cell = cursor * w + slots[position]
                                if keepsLast[j] { slice.lasts[j][cell] = v }
                                if keepsMaximum[j] { slice.maxima[j][cell] = max(slice.maxima[j][cell], v) }
                            }
                        }
                    default:
                        try slice.bad.add(
                            DataError.contract(
                                table: "customer_months", column: metrics[j], row: "customer_id=\(months.value(0)), month='\(month)'",
                                message: "\(months.value(2 + j)) is not a number"),
                            summary: "not a number", treatment: "treated as missing")
                    }
                }
                rows += 1
                if rows % 1_000_000 == 0 { progress("customer_months: \(formatCount(rows)) rows in the first slice") }
            }
        }
        (slice.sums, slice.counts) = (sums, counts)
        return slice
    }
}

extension CampaignPanel {
    /// Sorted distinct months grouped into runs of consecutive months.
    public static func consecutiveRuns(_ months: [YearMonth]) -> [ClosedRange<YearMonth>] {
        var runs: [ClosedRange<YearMonth>] = []
        for month in months {
            if let last = runs.last, last.upperBound.index + 1 == month.index {
                runs[runs.count - 1] = last.lowerBound...month
            } else {
                runs.append(month...month)
            }
        }
        return runs
    }
}

private struct MonthsSlice: Sendable {
    var sums: [Double]
    var counts: [Int32]
    var lasts: [[Double]]
    var maxima: [[Double]]
    var bad: BadRows.Tally
    /// Per month offset: whether any row of the slice is in that month.
    var seen: [Bool]
}

/// Hands a non-Sendable value to concurrent code that uses it from one thread only.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Results written by concurrent iterations, one slot each.
public final class ResultSlots<T>: @unchecked Sendable {
    public private(set) var values: [T?]
    private let lock = NSLock()
    public init(count: Int) { values = Array(repeating: nil, count: count) }
    public subscript(index: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return values[index] }
        set { lock.lock(); values[index] = newValue; lock.unlock() }
    }
}
