import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The campaign funnel: customers reaching each ordered step, step and overall conversion,
/// and the time to convert by Kaplan–Meier, compared between segments with a log-rank test.
///
/// Rules (stated in the report):
/// - Entry is the customer's `assigned_at` when the first step is `assigned`, else the first
///   occurrence of the first step's event in the campaign window.
/// - A customer reaches step k at the first occurrence of its event at or after the time they
///   reached step k − 1, within their window (strictly ordered funnel); an event that happens
///   before the previous step, or again later, does not count again ("first" rule).
/// - Events count when their `campaign_id` is this campaign or NULL.
/// - The window ends at the earliest of entry + `window_days`, the end of the campaign's
///   last day, and the data cut-off (the latest `occurred_at` among the funnel's events).
/// - Time to convert = days from entry to the goal (the last step); customers who have not
///   reached it are censored at their window end.
public struct CampaignFunnelResult: Sendable {
    public var campaign: CampaignInfo
    public var steps: [String]
    public var reached: [Int]
    public var entered: Int
    public var windowDays: Double?
    public var cutoff: Double
    public var durations: [Double]
    public var converted: [Bool]
    public var segmentDimension: String?
    public var segmentOf: [String]
    public var curve: KaplanMeier?
    public var segments: [(level: String, customers: Int, converted: Int, median: SurvivalTime?)]
    public var logRank: LogRankTest?
}

/// Reads the funnel's events, optionally one rowid range, on its own connection.
private struct FunnelEventsJob: Sendable {
    var path: String
    var campaign: String
    /// Event name → its position in the funnel's steps.
    var stepOf: [String: Int]
    var from: String
    var until: String

    func read(rowids: (Int64, Int64)?, database shared: SQLiteDatabase?) throws -> [(customer: SQLiteValue, step: Int, time: Double)] {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        let events = stepOf.keys.sorted()
        var sql = """
            SELECT customer_id, event, occurred_at FROM events
            WHERE event IN (\(events.map { _ in "?" }.joined(separator: ", ")))
              AND (campaign_id = ? OR campaign_id IS NULL) AND occurred_at >= ? AND occurred_at < ?
            """
        var bindings: [SQLiteValue] = events.map { .text($0) } + [.text(campaign), .text(from), .text(until)]
        if let rowids {
            sql += " AND rowid >= ? AND rowid < ?"
            bindings += [.integer(rowids.0), .integer(rowids.1)]
        }
        let statement = try database.prepare(sql)
        try statement.bind(bindings)
        var found: [(customer: SQLiteValue, step: Int, time: Double)] = []
        while try statement.step() {
            guard let event = statement.text(1), let position = stepOf[event] else { continue }
            guard let time = statement.withUTF8(2, { Timestamp.parse($0) }) else {
                throw DataError.contract(table: "events", column: "occurred_at", row: "customer_id=\(statement.value(0)), event='\(event)'",
                                         message: "\(statement.value(2)) is not an ISO 8601 timestamp")
            }
            found.append((statement.value(0), position, time.secondsSinceEpoch))
        }
        return found
    }
}

public enum CampaignFunnel: Analysis {
    public static let name = "campaign.funnel"
    public static let summary = "The campaign funnel: customers per ordered step, step and overall conversion, time to convert (Kaplan–Meier) by segment with a log-rank test."
    /// Events tables with more rowids than this are scanned in two ranges at once.
    nonisolated(unsafe) static var parallelReadThreshold = 200_000
    public static let defaultSteps = ["assigned", "page_view", "click", "enroll", "task_complete", "reward"]
    public static let options: [AnalysisOption] = [
        AnalysisOption("campaign", "the campaign_id"),
        AnalysisOption("steps", "ordered steps: 'assigned' (first only) and event names", default: defaultSteps.joined(separator: ", ")),
        AnalysisOption("window_days", "days after entry a customer has to convert", default: "until the campaign ends"),
        AnalysisOption("arm", "the arm whose customers enter the funnel", default: "every arm but the control arm"),
        AnalysisOption("by", "a customers dimension to compare time to convert across", default: "the first dimension"),
    ]

    public static func compute(_ context: AnalysisContext, _ options: AnalysisOptions) throws -> CampaignFunnelResult {
        guard let id = options.optionalString("campaign") else {
            throw AnalysisError(option: "campaign", "name the campaign: campaign: <campaign_id>")
        }
        let campaign = try CampaignInfo.load(id, from: context.database)
        let steps = options.list("steps") ?? defaultSteps
        guard steps.count >= 2 else { throw AnalysisError(option: "steps", "a funnel needs at least two steps") }
        if let misplaced = steps.dropFirst().firstIndex(of: "assigned") {
            throw AnalysisError(option: "steps", "'assigned' can only be the first step (it is step \(misplaced + 1))")
        }
        try context.schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
        try context.schema.require(Contract.assignments, columns: ["campaign_id", "customer_id", "arm", "assigned_at"])
        // Each step's event must exist (a lookup that stops at the first row; the list of
        // events for the message is read only when one is missing).
        for step in steps where step != "assigned" {
            if try context.database.scalarInt("SELECT 1 FROM events WHERE event = ? LIMIT 1", [.text(step)]) == nil {
                let known = try context.database.rows("SELECT DISTINCT event FROM events ORDER BY event").compactMap { $0[0].textValue }
                throw AnalysisError(option: "steps", "no event '\(step)' in table events (events: \(known.joined(separator: ", ")))")
            }
        }
        let windowDays = try options.optionalString("window_days").map { _ in try options.number("window_days", default: 30, in: 0.001...3650) }
        let dimension = options.optionalString("by") ?? context.schema.dimensions.first
        if let dimension, !context.schema.dimensions.contains(dimension) {
            throw AnalysisError(option: "by", "'\(dimension)' is not a dimension of customers (dimensions: \(context.schema.dimensions.joined(separator: ", ")))")
        }

        // Customers entering: the campaign's arm(s), with their dimension level.
        let armFilter: String
        var bindings: [SQLiteValue] = [.text(id)]
        if let arm = options.optionalString("arm") {
            armFilter = "a.arm = ?"; bindings.append(.text(arm))
        } else {
            armFilter = "a.arm <> ?"; bindings.append(.text(campaign.controlArm))
        }
        context.progress("funnel of \(id): reading the customers")
        let level = dimension.map { ", c." + quoteIdentifier($0) } ?? ", NULL"
        let people = try context.database.prepare("""
            SELECT a.customer_id, a.assigned_at\(level) FROM assignments a LEFT JOIN customers c ON c.customer_id = a.customer_id
            WHERE a.campaign_id = ? AND \(armFilter) ORDER BY a.customer_id
            """)
        try people.bind(bindings)
        var index: [SQLiteValue: Int] = [:]
        var assignedAt: [Double] = []
        var segmentOf: [String] = []
        while try people.step() {
            let key = people.value(0)
            guard let text = people.text(1), let t = Timestamp(text) else {
                throw DataError.contract(table: "assignments", column: "assigned_at", row: "campaign_id='\(id)', customer_id=\(key)",
                                         message: "\(people.value(1)) is not an ISO 8601 timestamp")
            }
            index[key] = assignedAt.count
            assignedAt.append(t.secondsSinceEpoch)
            segmentOf.append(people.text(2) ?? context.text("(missing)", "（缺失）"))
        }
        guard !assignedAt.isEmpty else {
            throw AnalysisError(option: options.optionalString("arm") == nil ? "campaign" : "arm",
                                "campaign '\(id)' has no customers in \(options.optionalString("arm").map { "arm '\($0)'" } ?? "its non-control arms")")
        }

        // Events of the steps in the campaign window (plus the conversion window).
        let campaignEnd = Double(campaign.endsOn.adding(days: 1).daysSinceEpoch) * 86_400
        let eventSteps = steps.enumerated().filter { $0.element != "assigned" }
        context.progress("funnel of \(id): reading events \(eventSteps.map(\.element).joined(separator: ", "))")
        // A table with rowids is scanned in two rowid ranges on two connections at once.
        var rowidRanges: [(Int64, Int64)?] = [nil]
        if context.schema.table("events")?.hasRowID == true, context.database.isSharedFile,
           let maxRowid = try context.database.scalarInt("SELECT max(rowid) FROM events"), maxRowid > parallelReadThreshold {
            let middle = Int64(maxRowid / 2)
            rowidRanges = [(Int64.min, middle), (middle, Int64.max)]
        }
        let ranges = rowidRanges
        let job = FunnelEventsJob(path: context.database.path, campaign: id,
                                  stepOf: Dictionary(uniqueKeysWithValues: eventSteps.map { ($0.element, $0.offset) }),
                                  from: campaign.startsOn.description, until: campaign.endsOn.adding(days: 1).description)
        let parts = ResultSlots<[(customer: SQLiteValue, step: Int, time: Double)]>(count: ranges.count)
        let failures = ResultSlots<Error>(count: ranges.count)
        let singleConnection = UncheckedBox(context.database)
        DispatchQueue.concurrentPerform(iterations: ranges.count) { k in
            do {
                parts[k] = try job.read(rowids: ranges[k], database: ranges.count == 1 ? singleConnection.value : nil)
            } catch { failures[k] = error }
        }
        if let error = failures.values.compactMap({ $0 }).first { throw error }
        var times = [[(step: Int, time: Double)]](repeating: [], count: assignedAt.count)
        var cutoff = -Double.infinity
        for part in parts.values { for e in part ?? [] {
            cutoff = max(cutoff, e.time)
            guard let i = index[e.customer] else { continue }
            times[i].append((e.step, e.time))
        } }
        guard cutoff > -Double.infinity else {
            throw AnalysisError(option: "steps", "no events \(eventSteps.map(\.element).joined(separator: ", ")) of campaign '\(id)' between \(campaign.startsOn) and its end")
        }

        // Walk each customer's funnel.
        var reached = [Int](repeating: 0, count: steps.count)
        var durations: [Double] = [], converted: [Bool] = [], segments: [String] = []
        for i in 0..<assignedAt.count {
            let own = times[i].sorted { $0.time < $1.time || ($0.time == $1.time && $0.step < $1.step) }
            var entry: Double?
            var at: Double
            var next: Int
            if steps[0] == "assigned" {
                entry = assignedAt[i]; at = assignedAt[i]; next = 1
            } else {
                guard let first = own.first(where: { $0.step == 0 }) else { continue }
                entry = first.time; at = first.time; next = 1
            }
            guard let entered = entry else { continue }
            let windowEnd = min(windowDays.map { entered + $0 * 86_400 } ?? .infinity, campaignEnd, cutoff)
            reached[0] += 1
            for event in own where next < steps.count && event.step == next && event.time >= at && event.time <= windowEnd {
                at = event.time
                reached[next] += 1
                next += 1
            }
            let done = next == steps.count
            durations.append(max(0, ((done ? at : windowEnd) - entered) / 86_400))
            converted.append(done)
            segments.append(segmentOf[i])
        }
        var result = CampaignFunnelResult(campaign: campaign, steps: steps, reached: reached, entered: reached[0], windowDays: windowDays,
                                          cutoff: cutoff, durations: durations, converted: converted, segmentDimension: dimension,
                                          segmentOf: segments, curve: nil, segments: [], logRank: nil)
        if !durations.isEmpty {
            result.curve = KaplanMeier(durations: durations, eventObserved: converted)
            let levels = Array(Set(segments)).sorted()
            var tables: [SurvivalTable] = []
            for levelName in levels {
                let members = segments.indices.filter { segments[$0] == levelName }
                let d = members.map { durations[$0] }, c = members.map { converted[$0] }
                let km = KaplanMeier(durations: d, eventObserved: c)
                result.segments.append((levelName, members.count, c.filter { $0 }.count, c.contains(true) ? km.median : nil))
                tables.append(SurvivalTable(durations: d, eventObserved: c))
            }
            if levels.count > 1 && converted.contains(true) { result.logRank = LogRankTest(groups: tables) }
        }
        return result
    }

    public static func run(_ context: AnalysisContext, _ options: AnalysisOptions) throws -> [ReportBlock] {
        let f = try compute(context, options)
        let t = context.text
        var blocks: [ReportBlock] = []
        let window = f.windowDays.map { t("\(formatCount(Int($0))) days after entry, and no later than the campaign's end", "入口后 \(formatCount(Int($0))) 天内，且不晚于活动结束") }
            ?? t("until the campaign's end (\(f.campaign.endsOn))", "至活动结束（\(f.campaign.endsOn)）")
        blocks.append(.paragraph([.text(t(
            "Steps: \(f.steps.joined(separator: " → ")). Entry is the assignment time; each step counts once, at its first occurrence after the previous step, within the conversion window (\(window)); events of this campaign or without a campaign count. Time to convert runs from entry to '\(f.steps.last!)'; customers who have not reached it are censored at their window end (data cut-off \(Timestamp(secondsSinceEpoch: f.cutoff).description)).",
            "步骤：\(f.steps.joined(separator: " → "))。入口为分组时间；每个步骤只在上一步之后第一次出现时计数一次，须在转化窗口内（\(window)）；计入本活动或未标注活动的事件。转化时间从入口算到 '\(f.steps.last!)'；未转化客户在其窗口结束时删失（数据截止 \(Timestamp(secondsSinceEpoch: f.cutoff).description)）。"))]))
        var rows: [[Cell]] = []
        for (k, step) in f.steps.enumerated() {
            rows.append([.text(step), .integer(Int64(f.reached[k])),
                         k == 0 ? .null : .number(f.reached[k - 1] > 0 ? Double(f.reached[k]) / Double(f.reached[k - 1]) : .nan),
                         .number(f.entered > 0 ? Double(f.reached[k]) / Double(f.entered) : .nan)])
        }
        blocks.append(.chart(Chart(id: "funnel-\(slug(f.campaign.id))", title: t("Campaign funnel", "活动漏斗"), subtitle: f.campaign.name,
                                   xAxis: Axis(label: ""), yAxis: Axis(label: ""),
                                   kind: .funnel(f.steps.indices.map { FunnelStep(label: f.steps[$0], count: Double(f.reached[$0])) }))))
        blocks.append(.table(ReportTable(
            caption: t("Customers reaching each step", "各步骤到达客户数"),
            columns: [ReportTable.Column(t("Step", "步骤")), ReportTable.Column(t("Customers", "客户数"), style: .count),
                      ReportTable.Column(t("Step conversion", "环节转化率"), style: .percent(digits: 1)),
                      ReportTable.Column(t("Overall conversion", "累计转化率"), style: .percent(digits: 1))],
            rows: rows)))
        if let km = f.curve {
            let q25 = km.timeToEvent(quantile: 0.25), median = km.median, q75 = km.timeToEvent(quantile: 0.75)
            let by7 = km.eventProbability(by: 7), by30 = km.eventProbability(by: 30)
            func finite(_ x: Double) -> Double { x.isFinite ? x : .nan }
            blocks.append(.keyFigures([
                KeyFigure(label: t("Median days to convert", "转化时间中位数（天）"), value: finite(median.time), style: .decimal(digits: 1),
                          interval: median.interval.lower.isFinite && median.interval.upper.isFinite ? median.interval.lower...median.interval.upper : nil,
                          detail: median.time.isFinite ? nil : t("fewer than half converted", "转化者不足一半")),
                KeyFigure(label: t("Converted by day 7", "7 天内转化"), value: by7.estimate, style: .percent(digits: 1),
                          interval: by7.interval.lower...by7.interval.upper),
                KeyFigure(label: t("Converted by day 30", "30 天内转化"), value: by30.estimate, style: .percent(digits: 1),
                          interval: by30.interval.lower...by30.interval.upper),
            ]))
            blocks.append(.table(ReportTable(
                caption: t("Time to convert (days), Kaplan–Meier with log-log intervals; quantiles by Brookmeyer–Crowley",
                           "转化时间（天），Kaplan–Meier，log-log 区间；分位数区间按 Brookmeyer–Crowley"),
                columns: [ReportTable.Column(t("Quantile", "分位数")), ReportTable.Column(t("Days", "天数"), style: .decimal(digits: 1)),
                          ReportTable.Column(t("95% CI low", "95% 区间下限"), style: .decimal(digits: 1)),
                          ReportTable.Column(t("95% CI high", "95% 区间上限"), style: .decimal(digits: 1))],
                rows: [("25%", q25), (t("Median", "中位数"), median), ("75%", q75)].map { name, q in
                    [.text(name), .number(finite(q.time)), .number(finite(q.interval.lower)), .number(finite(q.interval.upper))]
                })))
            var series: [StepSeries] = []
            let overall = km.steps.map { (x: $0.time, y: 1 - $0.survival) }
            series.append(StepSeries(name: t("All", "全部"), points: [(x: 0, y: 0)] + overall))
            blocks.append(.chart(Chart(
                id: "funnel-time-\(slug(f.campaign.id))", title: t("Share converted over time", "随时间的累计转化率"),
                subtitle: t("Kaplan–Meier, non-converters censored at their window end", "Kaplan–Meier，未转化者在窗口结束时删失"),
                xAxis: Axis(label: t("Days since entry", "入口后天数")), yAxis: Axis(label: t("Converted", "已转化"), style: .percent(digits: 0)),
                kind: .steps(series))))
        }
        if let dimension = f.segmentDimension, !f.segments.isEmpty {
            blocks.append(.table(ReportTable(
                caption: t("Time to convert by \(dimension)", "按 \(dimension) 的转化时间")
                    + (f.logRank.map { t("; log-rank test p = ", "；log-rank 检验 p = ") + (Double($0.pValue) < 0.001 ? "< 0.001" : String(format: "%.3f", $0.pValue)) } ?? ""),
                columns: [ReportTable.Column(dimension), ReportTable.Column(t("Customers", "客户数"), style: .count),
                          ReportTable.Column(t("Converted", "已转化"), style: .count),
                          ReportTable.Column(t("Median days", "中位天数"), style: .decimal(digits: 1))],
                rows: f.segments.map { s in
                    [.text(s.level), .integer(Int64(s.customers)), .integer(Int64(s.converted)),
                     s.median.map { $0.time.isFinite ? .number($0.time) : .null } ?? .null]
                })))
        }
        return blocks
    }
}
