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
    /// Default steps left out because table events has none of them.
    public var omittedSteps: [String] = []
}

public enum CampaignFunnel: Analysis {
    public static let name = "campaign.funnel"
    public static let summary =
        "The campaign funnel: customers per ordered step, step and overall conversion, time to convert (Kaplan–Meier) by segment with a log-rank test."
    public static let defaultSteps = ["assigned", "page_view", "click", "enroll", "task_complete", "reward"]

    public struct Options: AnalysisOptionSet {
        public var campaign: String
        /// Ordered steps: 'assigned' (first only) and event names.
        public var steps: [String] = CampaignFunnel.defaultSteps
        /// Days after entry a customer has to convert (nil: until the campaign ends).
        public var windowDays: Double?
        /// The arm whose customers enter (nil: every arm but the control).
        public var arm: String?
        /// A customers dimension to compare (nil: the first dimension).
        public var by: String?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("campaign", "the campaign_id"),
            AnalysisOption(
                "steps", "ordered steps: 'assigned' (first only) and event names", default: defaultSteps.joined(separator: ", ")),
            AnalysisOption("window_days", "days after entry a customer has to convert", default: "until the campaign ends"),
            AnalysisOption("arm", "the arm whose customers enter the funnel", default: "every arm but the control arm"),
            AnalysisOption("by", "a customers dimension to compare time to convert across", default: "the first dimension"),
        ]
        public init(
            campaign: String, steps: [String] = CampaignFunnel.defaultSteps, windowDays: Double? = nil,
            arm: String? = nil, by: String? = nil
        ) {
            self.campaign = campaign
            self.steps = steps
            self.windowDays = windowDays
            self.arm = arm
            self.by = by
        }
        public init(_ values: OptionValues) throws {
            campaign = try values.required("campaign")
            steps = values.list("steps") ?? CampaignFunnel.defaultSteps
            windowDays = try values.optionalNumber("window_days")
            arm = values.optionalString("arm")
            by = values.optionalString("by")
        }
        public func validate() throws {
            guard steps.count >= 2 else { throw AnalysisError(option: "steps", "a funnel needs at least two steps") }
            if let misplaced = steps.dropFirst().firstIndex(of: "assigned") {
                throw AnalysisError(option: "steps", "'assigned' can only be the first step (it is step \(misplaced + 1))")
            }
            if let repeated = steps.indices.first(where: { steps[..<$0].contains(steps[$0]) }) {
                throw AnalysisError(
                    option: "steps",
                    "'\(steps[repeated])' is a step twice (steps \(steps.firstIndex(of: steps[repeated])! + 1) and \(repeated + 1)); name each step once"
                )
            }
            if let windowDays, !(0.001...3650).contains(windowDays) {
                throw AnalysisError(option: "window_days", "expected a number from 0.001 to 3650, found '\(formatPlain(windowDays))'")
            }
        }
        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = [("campaign", campaign)]
            if steps != CampaignFunnel.defaultSteps { list.append(("steps", steps.joined(separator: ","))) }
            if let windowDays { list.append(("window_days", String(windowDays))) }
            if let arm { list.append(("arm", arm)) }
            if let by { list.append(("by", by)) }
            return list
        }
    }

    /// The customers entering the funnel: entry time and segment level, in customer order.
    struct Entrants {
        var ids: [SQLiteValue] = []
        var entry: [Double] = []
        var segment: [String] = []
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> CampaignFunnelResult {
        try AnalysisError.namingReadErrors {
            let id = options.campaign
            var steps = options.steps, omitted: [String] = []
            let engine = context.engine
            let campaign = try CampaignInfo.load(id, from: engine, schema: context.schema)
            try context.schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
            try context.schema.require(Contract.assignments, columns: ["campaign_id", "customer_id", "arm", "assigned_at"])
            if steps == CampaignFunnel.defaultSteps {
                // The default steps are a common shape, not every bank's events: those it has.
                let wanted = steps.filter { $0 != "assigned" }
                let present = try CampaignEvents.presentEvents(wanted, database: engine)
                omitted = wanted.filter { !present.contains($0) }
                steps = steps.filter { $0 == "assigned" || present.contains($0) }
                guard steps.count >= 2 else {
                    let known = try CampaignEvents.knownEvents(engine)
                    throw AnalysisError(
                        option: "steps",
                        "none of the default steps (\(wanted.joined(separator: ", "))) is in table events (events: \(known.joined(separator: ", "))); name the funnel's steps"
                    )
                }
            } else {
                try CampaignEvents.requireEvents(steps.filter { $0 != "assigned" }, database: engine)
            }
            let dimension = options.by ?? context.schema.dimensions.first
            if let dimension, !context.schema.dimensions.contains(dimension) {
                throw AnalysisError(
                    option: "by",
                    "'\(dimension)' is not a dimension of customers (dimensions: \(context.schema.dimensions.joined(separator: ", ")))")
            }
            let eventSteps = steps.enumerated().filter { $0.element != "assigned" }
            var first: (Int, Int, Double) -> Double?
            var cutoff = -Double.infinity
            var entrants: Entrants
            if let database = engine as? SQLiteDatabase {
                // The events first: they do not depend on the assignments, which the uplift's panel
                // is reading at the same time for both.
                context.progress("funnel of \(id): reading events \(eventSteps.map(\.element).joined(separator: ", "))")
                let events = try CampaignEvents.stepEvents(
                    of: campaign, steps: Dictionary(uniqueKeysWithValues: eventSteps.map { ($0.element, $0.offset) }),
                    schema: context.schema, database: database, badRows: context.badRows)
                entrants = try readEntrants(campaign, arm: options.arm, dimension: dimension, context)
                let index = CustomerIndex(entrants.ids)
                var times = FunnelWalk.EventTimes(customers: entrants.entry.count)
                var matched = 0
                for e in events {
                    cutoff = max(cutoff, e.time)
                    guard let i = index.position(of: e.customer) else { continue }
                    times.add(customer: i, step: e.step, time: e.time)
                    matched += 1
                }
                times.sort()
                if let example = events.first?.customer {
                    try CampaignEvents.requireMatches(
                        matched, of: events.count, example: example, assigned: entrants.ids.first,
                        what: "funnel events of campaign '\(id)'")
                }
                first = { [times] in times.first($0, $1, $2) }
            } else {
                // On a remote engine the engine walks the steps (first occurrence not before the
                // previous step) and sends each campaign customer's step times.
                try context.schema.requireOneIDType([Contract.events])
                let found = try CampaignEvents.aggregateStepTimes(of: campaign, steps: steps, database: engine, progress: context.progress)
                entrants = try readEntrants(campaign, arm: options.arm, dimension: dimension, context)
                let index = CustomerIndex(entrants.ids)
                var times = [[Double?]](repeating: [Double?](repeating: nil, count: steps.count), count: entrants.entry.count)
                for (j, customer) in found.ids.enumerated() {
                    guard let i = index.position(of: customer) else { continue }
                    times[i] = found.times[j]
                    // The entry as the engine compared it (to the microsecond), so that a step at
                    // the window's edge counts as the engine counted it.
                    if steps[0] == "assigned", let entered = found.times[j][0] { entrants.entry[i] = entered }
                }
                if let example = found.example {
                    try CampaignEvents.requireMatches(
                        found.matched, of: found.events, example: example, assigned: entrants.ids.first,
                        what: "funnel events of campaign '\(id)'")
                }
                cutoff = found.latest ?? -.infinity
                // The engine's step k is already the first not before step k − 1.
                first = { [times] customer, step, _ in times[customer][step] }
            }
            // The data's end, not the funnel's last event: a bank whose goal events stop early
            // (a reward paid out weekly) still has customers at risk until its data end.
            if cutoff > -Double.infinity,
                let end = try CampaignEvents.dataEnd(
                    from: campaign.startsOn, through: campaign.endsOn, schema: context.schema, engine: engine)
            {
                cutoff = max(cutoff, end)
            }
            guard cutoff > -Double.infinity else {
                throw AnalysisError(
                    option: "steps",
                    "no events \(eventSteps.map(\.element).joined(separator: ", ")) of campaign '\(id)' between \(campaign.startsOn) and its end"
                )
            }
            var result = walk(
                campaign, steps: steps, entrants: entrants, first: first, cutoff: cutoff, windowDays: options.windowDays,
                dimension: dimension)
            result.omittedSteps = omitted
            return result
        }
    }

    /// The customers of `arm` (or of every arm but the control) with their entry time.
    static func readEntrants(_ campaign: CampaignInfo, arm: String?, dimension: String?, _ context: AnalysisContext) throws -> Entrants {
        // The run's shared read, unless the dimension is a numeric column (read there as numbers).
        var assignments = try CampaignAssignments.shared(campaign, context)
        var d = dimension.map { assignments.dimensions.firstIndex(of: $0) } ?? nil
        if let dimension, d == nil {
            context.progress("funnel of \(campaign.id): reading the customers")
            assignments = try CampaignAssignments.read(
                campaign, dimensions: [dimension], withAssignedAt: true, deferringValueProblems: true, badRows: context.badRows,
                database: context.engine)
            d = 0
        }
        try assignments.requireAssignedAt(context.badRows)
        let code = arm.map { assignments.arms.firstIndex(of: $0) ?? -1 }
        var entrants = Entrants()
        let missing = context.text("(missing)", "（缺失）")
        // (An unparsable assigned_at is NaN here only when bad rows are left out.)
        for i in 0..<assignments.count
        where code.map({ assignments.arm[i] == $0 }) ?? (assignments.arm[i] != 0) && !assignments.assignedAt[i].isNaN {
            entrants.ids.append(assignments.ids[i])
            entrants.entry.append(assignments.assignedAt[i])
            if dimension == nil {
                entrants.segment.append(missing)
            } else {
                let level = assignments.dimensionCodes[d!][i]
                entrants.segment.append(level == assignments.missingLevel[d!] ? missing : assignments.levels[d!][Int(level)])
            }
        }
        guard !entrants.entry.isEmpty else {
            throw AnalysisError(
                option: arm == nil ? "campaign" : "arm",
                "campaign '\(campaign.id)' has no customers in \(arm.map { "arm '\($0)'" } ?? "its non-control arms")")
        }
        return entrants
    }

    /// Each customer's way through the steps (first occurrence after the previous step,
    /// within the window), then Kaplan–Meier of the time to the last step, by segment.
    static func walk(
        _ campaign: CampaignInfo, steps: [String], entrants: Entrants, first: (Int, Int, Double) -> Double?,
        cutoff: Double, windowDays: Double?, dimension: String?
    ) -> CampaignFunnelResult {
        let campaignEnd = Double(campaign.endsOn.adding(days: 1).daysSinceEpoch) * 86_400
        let assigned = steps[0] == "assigned"
        let paths = FunnelWalk.walk(
            customers: entrants.entry.count, steps: steps.count,
            entry: { assigned ? entrants.entry[$0] : first($0, 0, -.infinity) }, segment: { entrants.segment[$0] },
            windowEnd: { entered in min(windowDays.map { entered + $0 * 86_400 } ?? .infinity, campaignEnd, cutoff) },
            first: first)
        let summary = paths.toGoal.summarized()
        return CampaignFunnelResult(
            campaign: campaign, steps: steps, reached: paths.reached, entered: paths.reached[0], windowDays: windowDays,
            cutoff: cutoff, durations: paths.toGoal.durations, converted: paths.toGoal.converted, segmentDimension: dimension,
            segmentOf: paths.toGoal.segments, curve: summary.curve, segments: summary.segments, logRank: summary.logRank)
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let f = try compute(context, options)
        return steps(f, context) + (f.curve.map { timeToConvert(f, $0, context) } ?? []) + segments(f, context)
    }

    /// The rules, then customers, step and overall conversion per step (table and funnel chart).
    static func steps(_ f: CampaignFunnelResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        let window =
            f.windowDays.map {
                t(
                    "\(formatCount(Int($0))) days after entry, and no later than the campaign's end",
                    "进入漏斗后 \(formatCount(Int($0))) 天内，且不晚于活动结束")
            }
            ?? t("until the campaign's end (\(f.campaign.endsOn))", "至活动结束（\(f.campaign.endsOn)）")
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "Steps: \(f.steps.joined(separator: " → ")). Entry is the assignment time; each step counts once, at its first occurrence after the previous step, within the conversion window (\(window)); events of this campaign or without a campaign count. Time to convert runs from entry to '\(f.steps.last!)'; customers who have not reached it are censored at their window end (data cut-off \(Timestamp(secondsSinceEpoch: f.cutoff).description)).",
                        "步骤：\(f.steps.joined(separator: " → "))。客户在分组时进入漏斗；每个步骤只在上一步之后第一次出现时计数一次，须在转化窗口内（\(window)）；计入本活动或未标注活动的事件。转化时间从进入漏斗算到 '\(f.steps.last!)'；未转化客户在其窗口结束时删失（数据截止 \(Timestamp(secondsSinceEpoch: f.cutoff).description)）。"
                    ))
            ]))
        if !f.omittedSteps.isEmpty {
            let names = f.omittedSteps.joined(separator: ", ")
            blocks.append(
                .callout(
                    .note,
                    [
                        .text(
                            t(
                                "Default steps this bank has no events of were left out: \(names). Name the funnel's steps (option steps, or the review's steps parameter) to choose others.",
                                "本行事件表中没有的默认步骤已略去：\(names)。可用 steps 选项（或复盘报告的 steps 参数）指定其他步骤。"))
                    ]))
        }
        blocks += FunnelWalk.flowBlocks(
            labels: f.steps, reached: f.reached, chartID: "funnel-\(slug(f.campaign.id))", title: t("Campaign funnel", "活动漏斗"),
            subtitle: f.campaign.name, caption: t("Customers reaching each step", "各步骤到达客户数"), context)
        return blocks
    }

    /// Quartiles of the days to convert, the share converted by day 7 and 30, and the curve.
    static func timeToConvert(_ f: CampaignFunnelResult, _ km: KaplanMeier, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        let q25 = km.timeToEvent(quantile: 0.25), median = km.median, q75 = km.timeToEvent(quantile: 0.75)
        let by7 = km.eventProbability(by: 7), by30 = km.eventProbability(by: 30)
        func finite(_ x: Double) -> Double { x.isFinite ? x : .nan }
        blocks.append(
            .keyFigures([
                KeyFigure(
                    label: t("Median days to convert", "转化时间中位数（天）"), value: finite(median.time), style: .decimal(digits: 1),
                    interval: median.interval.lower.isFinite && median.interval.upper.isFinite
                        ? median.interval.lower...median.interval.upper : nil,
                    detail: median.time.isFinite ? nil : t("fewer than half converted", "转化者不足一半")),
                KeyFigure(
                    label: t("Converted by day 7", "7 天内转化"), value: by7.estimate, style: .percent(digits: 1),
                    interval: by7.interval.lower...by7.interval.upper),
                KeyFigure(
                    label: t("Converted by day 30", "30 天内转化"), value: by30.estimate, style: .percent(digits: 1),
                    interval: by30.interval.lower...by30.interval.upper),
            ]))
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Time to convert (days), Kaplan–Meier with log-log intervals; quantiles by Brookmeyer–Crowley",
                        "转化时间（天），Kaplan–Meier，log-log 区间；分位数区间按 Brookmeyer–Crowley"),
                    columns: [
                        ReportTable.Column(t("Quantile", "分位数")), ReportTable.Column(t("Days", "天数"), style: .decimal(digits: 1)),
                        ReportTable.Column(t("95% CI low", "95% 区间下限"), style: .decimal(digits: 1)),
                        ReportTable.Column(t("95% CI high", "95% 区间上限"), style: .decimal(digits: 1)),
                    ],
                    rows: [("25%", q25), (t("Median", "中位数"), median), ("75%", q75)].map { name, q in
                        [.text(name), .number(finite(q.time)), .number(finite(q.interval.lower)), .number(finite(q.interval.upper))]
                    })))
        var series: [StepSeries] = []
        let overall = km.steps.map { (x: $0.time, y: 1 - $0.survival) }
        series.append(StepSeries(name: t("All", "全部"), points: FunnelWalk.thinned([(x: 0, y: 0)] + overall)))
        blocks.append(
            .chart(
                Chart(
                    id: "funnel-time-\(slug(f.campaign.id))", title: t("Share converted over time", "随时间的累计转化率"),
                    subtitle: t("Kaplan–Meier, non-converters censored at their window end", "Kaplan–Meier，未转化者在窗口结束时删失"),
                    xAxis: Axis(label: t("Days since entering the funnel", "进入漏斗后天数")),
                    yAxis: Axis(label: t("Converted", "已转化"), style: .percent(digits: 0)),
                    kind: .steps(series))))
        return blocks
    }

    /// Time to convert by the segment dimension, with the log-rank test.
    static func segments(_ f: CampaignFunnelResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        if let dimension = f.segmentDimension, !f.segments.isEmpty {
            let caption =
                t("Time to convert by \(dimension)", "按 \(dimension) 的转化时间")
                + (f.logRank.map {
                    t("; log-rank test p = ", "；log-rank 检验 p = ")
                        + (Double($0.pValue) < 0.001 ? "< 0.001" : String(format: "%.3f", $0.pValue))
                } ?? "")
            blocks.append(FunnelWalk.segmentTable(caption: caption, dimension: dimension, f.segments, context))
        }
        return blocks
    }
}
