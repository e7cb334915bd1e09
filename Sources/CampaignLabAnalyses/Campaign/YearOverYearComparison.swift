import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The year-over-year decomposition of a campaign: each arm's change in the campaign
/// window this year against its change in the same window a year earlier. For participants
/// that difference is the activity factor, for non-participants the market factor, and
/// their difference (a triple difference) is what the campaign added beyond the market.
public struct YearOverYearComparison: Sendable {
    public struct ArmYear: Sendable {
        public var arm: String
        public var customers: Int
        /// Means over the customers: pre and campaign windows, this year and a year earlier.
        public var preThisYear: Double, postThisYear: Double, preLastYear: Double, postLastYear: Double
        /// Campaign-window mean this year ÷ a year earlier − 1 (delta method, paired).
        public var growth: EffectEstimate
        /// Mean of (this year's change − last year's change) per customer (t interval):
        /// the activity factor for participants, the market factor for non-participants.
        public var factor: EffectEstimate
    }

    public struct MetricResult: Sendable {
        public var metric: String
        public var arms: [ArmYear]
        /// Activity factor − market factor (Welch).
        public var tripleDifference: EffectEstimate
    }

    public var panel: CampaignPanel
    public var alignment: YearOverYearAlignment
    public var currentPre: ClosedRange<YearMonth>
    public var currentPost: ClosedRange<YearMonth>
    public var previousPre: ClosedRange<YearMonth>
    public var previousPost: ClosedRange<YearMonth>
    public var notes: [String]
    public var treatedArm: Int
    public var included: Int
    public var metrics: [MetricResult]

    public static func run(
        _ panel: CampaignPanel, alignment: YearOverYearAlignment, notes: [String], treatedArm: Int = 1,
        level: Double = 0.95
    ) throws -> YearOverYearComparison {
        let k = panel.metrics.count
        let included = (0..<panel.count).filter { i in
            (panel.arm[i] == 0 || panel.arm[i] == treatedArm)
                && (0..<k).allSatisfy { j in
                    !panel.extra[2][j][i].isNaN && !panel.extra[3][j][i].isNaN && !panel.extra[0][j][i].isNaN && !panel.extra[1][j][i].isNaN
                }
        }
        let treatedCount = included.filter { panel.arm[$0] == treatedArm }.count
        guard treatedCount >= 2, included.count - treatedCount >= 2 else {
            throw AnalysisError(
                option: "campaign",
                "too few customers have \(panel.metrics.joined(separator: ", ")) in all four windows (this year and a year earlier): \(treatedCount) in '\(panel.arms[treatedArm])', \(included.count - treatedCount) in '\(panel.arms[0])'"
            )
        }
        let slots = ResultSlots<MetricResult>(count: k)
        DispatchQueue.concurrentPerform(iterations: k) { j in
            var arms: [ArmYear] = []
            var factors: [Moments] = []
            for (index, arm) in [(0, panel.arms[0]), (treatedArm, panel.arms[treatedArm])] {
                let members = included.filter { panel.arm[$0] == index }
                // Extra windows (SharedCampaignPanel): 0 previous pre, 1 previous post, 2 current pre, 3 current post.
                let preTY = Moments(members.map { panel.extra[2][j][$0] }), postTY = Moments(members.map { panel.extra[3][j][$0] })
                let preLY = Moments(members.map { panel.extra[0][j][$0] }), postLY = Moments(members.map { panel.extra[1][j][$0] })
                let paired = PairedMoments(x: members.map { panel.extra[3][j][$0] }, y: members.map { panel.extra[1][j][$0] })
                // r = mean(x)/mean(y); Var(r) ≈ (Var x − 2r Cov + r² Var y) / (n ȳ²).
                let r = postTY.mean / postLY.mean
                let n = Double(members.count)
                let variance = (paired.x.variance - 2 * r * paired.covariance + r * r * paired.y.variance) / (n * postLY.mean * postLY.mean)
                let growth = MeanComparison.tEstimate(
                    r - 1, se: variance.squareRoot(), df: .infinity, level: level,
                    method: "ratio of paired means, delta method")
                let ddd = Moments(
                    members.map { (panel.extra[3][j][$0] - panel.extra[2][j][$0]) - (panel.extra[1][j][$0] - panel.extra[0][j][$0]) })
                factors.append(ddd)
                let factor = MeanComparison.tEstimate(
                    ddd.mean, se: (ddd.variance / ddd.count).squareRoot(), df: ddd.count - 1,
                    level: level, method: "mean difference of changes, t interval")
                arms.append(
                    ArmYear(
                        arm: arm, customers: members.count, preThisYear: preTY.mean, postThisYear: postTY.mean,
                        preLastYear: preLY.mean, postLastYear: postLY.mean, growth: growth, factor: factor))
            }
            let triple = MeanComparison.absoluteDifference(treatment: factors[1], control: factors[0], level: level)
            slots[j] = MetricResult(metric: panel.metrics[j], arms: arms, tripleDifference: triple)
        }
        let results = slots.values.map { $0! }
        return YearOverYearComparison(
            panel: panel, alignment: alignment, currentPre: panel.extraWindows[2], currentPost: panel.extraWindows[3],
            previousPre: panel.extraWindows[0],
            previousPost: panel.extraWindows[1], notes: notes, treatedArm: treatedArm,
            included: included.count, metrics: results)
    }
}

/// `campaign.yoy`: the year-over-year activity-versus-market decomposition of a campaign.
public enum CampaignYearOverYear: Analysis {
    public static let name = "campaign.yoy"
    public static let summary =
        "Year over year: each arm against the same windows a year earlier (activity factor, market factor, triple difference), with Spring Festival alignment."
    public struct Options: AnalysisOptionSet {
        public var selection: CampaignSelection
        public var alignment: YearOverYearAlignment = .sameDates

        public static let declarations: [AnalysisOption] =
            CampaignSelection.declarations + [
                AnalysisOption("alignment", "same-dates, 52-week, spring-festival or jan-feb", default: "same-dates")
            ]
        /// A year-over-year pre-period must end before the campaign's months a year earlier.
        public static let maximumPreMonths = 11

        public init(_ selection: CampaignSelection, alignment: YearOverYearAlignment = .sameDates) {
            self.selection = selection
            self.alignment = alignment
        }
        public init(_ values: OptionValues) throws {
            selection = try CampaignSelection(values)
            alignment = try values.optionalString("alignment").map(Options.alignment(named:)) ?? .sameDates
        }
        public func validate() throws { try selection.validate(maximumPreMonths: Self.maximumPreMonths) }
        public func encoded() -> [(name: String, value: String)] {
            selection.encoded() + [("alignment", Self.alignmentNames.first { $0.value == alignment }!.key)]
        }

        static let alignmentNames: [String: YearOverYearAlignment] = [
            "same-dates": .sameDates, "52-week": .weekdayAligned, "spring-festival": .springFestival, "jan-feb": .janFebCombined,
        ]

        /// The alignment called `name` on the command line and in notebooks.
        /// - Throws: `AnalysisError` (option `alignment`) listing the names.
        public static func alignment(named name: String) throws -> YearOverYearAlignment {
            guard let alignment = alignmentNames[name] else {
                throw AnalysisError(option: "alignment", "expected same-dates, 52-week, spring-festival or jan-feb, found '\(name)'")
            }
            return alignment
        }
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> YearOverYearComparison {
        let id = options.selection.campaign, alignment = options.alignment
        return try context.memo("yoy|\(options)") {
            try AnalysisError.namingReadErrors {
                let campaign = try CampaignInfo.load(id, from: context.engine, schema: context.schema)
                let (metrics, optional) = try CampaignUplift.campaignMetrics(options.selection.metrics, context.schema)
                let preMonths = options.selection.preMonths
                let base = CampaignWindows(campaign: campaign, preMonths: preMonths)
                for (window, column) in [(base.pre, "starts_on"), (base.post, "ends_on")] {
                    try YearOverYear.validate(
                        DateWindow(months: window), alignment: alignment, table: "campaigns", column: column,
                        row: "campaign_id = '\(id)'")
                }
                let shared = try SharedCampaignPanel.load(
                    context, campaign: id, metrics: metrics, optional: optional,
                    preMonths: preMonths, alignment: alignment)
                guard let yoy = shared.yearOverYear else { preconditionFailure("validated windows always have year-over-year windows") }
                let panel = shared.panel
                let treatedArm = try panel.treatedArmIndex(options.selection.arm)
                for j in panel.metrics.indices where panel.extra[1][j].allSatisfy(\.isNaN) {
                    throw AnalysisError(
                        option: "campaign",
                        "no customer of '\(id)' has a value of \(panel.metrics[j]) in customer_months a year earlier (\(yoy.post.previous.lowerBound)…\(yoy.post.previous.upperBound)); the data must reach back a year for this comparison"
                    )
                }
                return try YearOverYearComparison.run(
                    panel, alignment: alignment, notes: [yoy.pre.note, yoy.post.note], treatedArm: treatedArm)
            }
        }
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let y = try compute(context, options)
        return windows(y, context) + factors(y, context) + growth(y, context)
    }

    static func range(_ r: ClosedRange<YearMonth>) -> String {
        r.lowerBound == r.upperBound ? r.lowerBound.description : "\(r.lowerBound)…\(r.upperBound)"
    }

    /// The windows compared, this year and a year earlier, and what the factors mean.
    static func windows(_ y: YearOverYearComparison, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        let alignmentText: String
        switch y.alignment {
        case .sameDates: alignmentText = t("same months a year earlier", "上年同月")
        case .weekdayAligned: alignmentText = t("52 weeks earlier (monthly data: same months)", "52 周前（月度数据：同月）")
        case .springFestival: alignmentText = t("aligned on the Spring Festival", "按春节对齐")
        case .janFebCombined: alignmentText = t("January and February combined", "1–2 月合并")
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t("Windows compared (\(alignmentText))", "比较的时间窗（\(alignmentText)）"),
                    columns: [
                        ReportTable.Column(t("Window", "时间窗")), ReportTable.Column(t("This year", "今年")),
                        ReportTable.Column(t("A year earlier", "上年")),
                    ],
                    rows: [
                        [.text(t("Pre-period", "活动前基期")), .text(range(y.currentPre)), .text(range(y.previousPre))],
                        [.text(t("Campaign months", "活动月份")), .text(range(y.currentPost)), .text(range(y.previousPost))],
                    ])))
        if y.alignment != .sameDates || y.notes.contains(where: { $0.contains("Warning") }) {
            blocks.append(.callout(.note, [.text(y.notes.joined(separator: " "))]))
        }
        blocks.append(
            .paragraph([
                .number(Double(y.included), .count),
                .text(
                    t(
                        " customers have every metric in all four windows. The activity factor is the participants' change this year minus their own change in the same windows a year earlier; the market factor is the same for non-participants; the triple difference between them is what the campaign added beyond the market — if, without the campaign, both groups would have repeated last year's pattern. Customers who took part in last year's campaign carry its effect in last year's numbers.",
                        " 位客户在全部四个时间窗都有数据。活动因素 = 参与者今年的变化减去他们上年同期的变化；市场因素 = 未参与者的同一差值；两者之差（三重差分）即活动在市场之外带来的增量——前提是若没有活动，两组都会重复上年的走势。参加过上年活动的客户，其上年数据中含有上年活动的效果。"
                    )),
            ]))
        return blocks
    }

    /// Activity factor, market factor and their triple difference per metric.
    static func factors(_ y: YearOverYearComparison, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let treatedName = y.panel.arms[y.treatedArm], controlName = y.panel.arms[0]
        var rows: [[Cell]] = []
        for m in y.metrics {
            let style = MetricWords.effectStyle(m.metric, context)
            let activity = m.arms[1].factor, market = m.arms[0].factor
            rows.append([
                .text(MetricWords.label(m.metric, context)),
                .interval(estimate: activity.estimate, low: activity.interval.lower, high: activity.interval.upper, style: style),
                .interval(estimate: market.estimate, low: market.interval.lower, high: market.interval.upper, style: style),
                .interval(
                    estimate: m.tripleDifference.estimate, low: m.tripleDifference.interval.lower, high: m.tripleDifference.interval.upper,
                    style: style),
                .number(m.tripleDifference.pValue, style: .pValue),
            ])
        }
        return [
            .table(
                ReportTable(
                    caption: t(
                        "Activity factor (\(ArmWords.name(treatedName, context))) vs market factor (\(ArmWords.name(controlName, context))), per customer, 95% intervals",
                        "活动因素（\(ArmWords.name(treatedName, context))）与市场因素（\(ArmWords.name(controlName, context))），人均，95% 区间"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Activity factor", "活动因素")),
                        ReportTable.Column(t("Market factor", "市场因素")), ReportTable.Column(t("Triple difference", "三重差分")),
                        ReportTable.Column("p"),
                    ],
                    rows: rows))
        ]
    }

    /// Campaign-month means a year earlier and this year, the YoY growth, and a chart per metric.
    static func growth(_ y: YearOverYearComparison, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        var growthRows: [[Cell]] = []
        for m in y.metrics {
            for a in m.arms {
                growthRows.append([
                    .text(MetricWords.label(m.metric, context)), .text(a.arm), .integer(Int64(a.customers)),
                    .number(a.postLastYear, style: MetricWords.valueStyle(m.metric, context)),
                    .number(a.postThisYear, style: MetricWords.valueStyle(m.metric, context)),
                    .interval(
                        estimate: a.growth.estimate, low: a.growth.interval.lower, high: a.growth.interval.upper, style: .percent(digits: 1)
                    ),
                ])
            }
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Campaign-month means, a year earlier and this year; year-over-year growth (delta-method 95% interval)",
                        "活动月份均值：上年与今年；同比增长（delta 方法 95% 区间）"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Arm", "组别")),
                        ReportTable.Column(t("Customers", "客户数"), style: .count),
                        ReportTable.Column(t("A year earlier", "上年")), ReportTable.Column(t("This year", "今年")),
                        ReportTable.Column(t("YoY growth", "同比增长")),
                    ],
                    rows: growthRows)))
        for m in y.metrics {
            blocks.append(
                .chart(
                    Chart(
                        id: "yoy-\(slug(m.metric))",
                        title: MetricWords.label(m.metric, context),
                        subtitle: t(
                            "Campaign months, a year earlier vs this year: \(range(y.previousPost)) → \(range(y.currentPost))",
                            "活动月份，上年对比今年：\(range(y.previousPost)) → \(range(y.currentPost))"),
                        xAxis: Axis(label: t("Arm", "组别")),
                        yAxis: Axis(
                            label: t("\(MetricWords.label(m.metric, context)) per customer", "人均\(MetricWords.label(m.metric, context))"),
                            style: MetricWords.valueStyle(m.metric, context)),
                        kind: .bars(
                            BarData(
                                categories: m.arms.map(\.arm),
                                series: [
                                    BarData.Series(name: t("A year earlier", "上年"), values: m.arms.map(\.postLastYear)),
                                    BarData.Series(name: t("This year", "今年"), values: m.arms.map(\.postThisYear)),
                                ])))))
        }
        return blocks
    }
}
