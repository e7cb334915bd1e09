import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// Per-capita KPIs of a quarter by segment — each customer_months metric averaged over the
/// quarter's months per customer, and the share of customers active in the quarter — with the
/// change on the quarter before and on the same quarter a year earlier, each with its interval
/// and p-value (Welch, the relative change by the delta method).
public enum SegmentKPIs: Analysis {
    public static let name = "checkup.kpis"
    public static let summary =
        "Per-capita KPIs of a quarter by segment with QoQ and YoY change, intervals and significance."

    public struct Options: AnalysisOptionSet {
        public var quarter: TierMigration.Quarter?
        /// A customers dimension (nil: the first; "none": the whole base only).
        public var by: String?
        /// customer_months metrics (nil: every one).
        public var metrics: [String]?
        /// What activity is, for the active share (nil: the default rule, left out without activity data).
        public var activity: ActivityRule?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("quarter", "the quarter, e.g. 2026Q3", default: "the latest quarter with data at its end"),
            AnalysisOption("by", "a customers dimension, or none", default: "the first dimension"),
            AnalysisOption("metrics", "customer_months metrics, comma-separated", default: "every customer_months metric"),
            AnalysisOption(
                "activity", "what activity is, for the active share: months:COLUMN>0 or events:NAME,NAME",
                default: "months:app_logins>0, else events:app_login"),
        ]

        public init(quarter: TierMigration.Quarter? = nil, by: String? = nil, metrics: [String]? = nil, activity: ActivityRule? = nil) {
            self.quarter = quarter
            self.by = by
            self.metrics = metrics
            self.activity = activity
        }

        public init(_ values: OptionValues) throws {
            quarter = try values.quarter("quarter")
            by = values.optionalString("by")
            metrics = values.list("metrics")
            activity = try values.activityRule("activity")
        }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let quarter { list.append(("quarter", quarter.description)) }
            if let by { list.append(("by", by)) }
            if let metrics { list.append(("metrics", metrics.joined(separator: ","))) }
            if let activity { list.append(("activity", activity.description)) }
            return list
        }
    }

    /// One KPI of one segment level: per-customer moments this quarter, the quarter before and
    /// a year earlier, and the relative changes.
    public struct Row: Sendable {
        /// Nil: the whole base.
        public var level: String?
        /// A metric, or "active_share".
        public var kpi: String
        public var now: Moments
        public var previous: Moments
        public var yearEarlier: Moments
        public var changeQoQ: EffectEstimate?
        public var changeYoY: EffectEstimate?
    }

    public struct Result: Sendable {
        public var quarter: TierMigration.Quarter
        /// The dimension (nil: the whole base only).
        public var dimension: String?
        public var rows: [Row]
        public var rule: ActivityRule?
        /// The quarter's last month has no rows: its values cover fewer months than the others'.
        public var partial: Bool
    }

    public static let activeShare = "active_share"
    /// A level with fewer customers than this in a quarter gets no change (its interval would say nothing).
    public static let fewest = 20.0

    /// The months read: the quarter's, the quarter before's, a year earlier's, and the quarter's
    /// last month. A year earlier is chosen by the Jan+Feb alignment of the Spring Festival
    /// (`YearOverYear`), which for a whole quarter is the same quarter: Q1 holds January and
    /// February in both years, wherever the festival fell.
    static func snapshotGroups(_ quarter: TierMigration.Quarter) -> [[YearMonth]] {
        let months = { (q: TierMigration.Quarter) in (0..<3).map { q.lastMonth.adding(months: -2 + $0) } }
        let now = months(quarter)
        let earlier = YearOverYear.months(for: now[0]...now[2], alignment: .janFebCombined).previous
        return [
            now, months(quarter.adding(-1)), (earlier.lowerBound.index...earlier.upperBound.index).map(YearMonth.init(index:)),
            [quarter.lastMonth],
        ]
    }

    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        var request = CustomerMonthsRequest(
            metrics: options.metrics ?? context.schema.metrics,
            groups: snapshotGroups(try TierMigration.Quarter.given(options.quarter, orLatestIn: context)))
        request.formUnion(try .activity(context.activityRuleIfAny(options.activity)))
        return request
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> Result {
        try shared(context, options) { try computeOnce(context, options) }
    }

    static func computeOnce(_ context: AnalysisContext, _ options: Options) throws -> Result {
        let schema = context.schema
        let metrics = options.metrics ?? schema.metrics
        for metric in metrics { try requireMetric(metric, option: "metrics", in: schema) }
        let quarter = try TierMigration.Quarter.given(options.quarter, orLatestIn: context)
        let quarters = [quarter, quarter.adding(-1), quarter.adding(-4)]
        let groups = snapshotGroups(quarter), months = groups.prefix(3).flatMap { $0 }
        context.progress("reading \(metrics.joined(separator: ", ")) for \(quarters.map(\.description).joined(separator: ", "))")
        let snapshots = try context.customerSnapshots(metrics: metrics, groups: groups)
        guard snapshots.hasRows(group: 0) else {
            throw AnalysisError(
                option: "quarter", "customer_months has no row in \(quarter) (\(months[0])…\(months[2])): the quarter is outside the data")
        }
        // The dimension's level per customer (matched by id).
        var dimension: String?
        if options.by?.lowercased() != "none", let name = options.by ?? schema.dimensions.first {
            guard schema.dimensions.contains(name) else {
                throw AnalysisError(
                    option: "by", "'\(name)' is not a dimension of customers (dimensions: \(schema.dimensions.joined(separator: ", ")))")
            }
            dimension = name
        }
        // Per customer its level (nil: no dimension); the whole base is the key nil below.
        var levelOf = [String?](repeating: nil, count: snapshots.ids.count)
        if let dimension {
            let index = CustomerIndex(snapshots.ids)
            let level = context.engine.dialect.asText(quoteIdentifier(dimension))
            for row in try context.engine.allRows("SELECT customer_id, \(level) FROM customers") {
                if let i = index.position(of: row[0]) {
                    levelOf[i] = row[1] == .null ? CampaignAssignments.missingLevelName : row[1].textValue ?? row[1].description
                }
            }
        }
        // Activity for the active share, when there are activity data.
        let rule = try context.activityRuleIfAny(options.activity)
        let activity = try rule.map(context.customerActivity)
        let activityPosition = activity?.positions(of: snapshots.ids) ?? []
        let kpis = metrics + (activity == nil ? [] : [activeShare])
        let levels: [String?] = (dimension == nil ? [] : Array(Set(levelOf.compactMap { $0 })).sorted()) + [nil]
        // Per (level, kpi, quarter) moments of the customers' values; nil: the whole base.
        var moments = [String?: [[Moments]]]()
        // The smallest value of each metric (a KPI with none below 0 cannot fall by more than 100%).
        var minimum = [Double](repeating: .infinity, count: kpis.count)
        for level in levels { moments[level] = [[Moments]](repeating: [Moments](repeating: Moments(), count: 3), count: kpis.count) }
        for i in snapshots.ids.indices {
            for q in 0..<3 {
                guard snapshots.present[q][i] else { continue }
                for m in metrics.indices {
                    // The customer's mean over the quarter's months with a number.
                    guard let value = snapshots.value(metric: m, group: q, customer: i), !value.isNaN else { continue }
                    minimum[m] = min(minimum[m], value)
                    if let level = levelOf[i] { moments[level]![m][q].add(value) }
                    moments[nil]![m][q].add(value)
                }
                if let activity, let j = activityPosition[i] {
                    let active = ((3 * q)..<(3 * q + 3)).contains { activity.isActive(customer: j, month: months[$0]) }
                    if let level = levelOf[i] { moments[level]![metrics.count][q].add(active ? 1 : 0) }
                    moments[nil]![metrics.count][q].add(active ? 1 : 0)
                }
            }
        }
        var rows: [Row] = []
        for level in levels {
            for (k, kpi) in kpis.enumerated() {
                let m = moments[level]![k]
                let nonNegative = kpi == activeShare || minimum[k] >= 0
                // Too few customers in a level make an interval say nothing; a non-negative
                // KPI cannot fall by more than 100%.
                func change(_ earlier: Moments) -> EffectEstimate? {
                    guard m[0].count >= fewest, earlier.count >= fewest, earlier.mean != 0, m[0].variance + earlier.variance > 0 else {
                        return nil
                    }
                    return MeanComparison.relativeDifference(treatment: m[0], control: earlier).bounded(
                        nonNegative ? -1...Double.infinity : nil)
                }
                rows.append(
                    Row(
                        level: level, kpi: kpi, now: m[0], previous: m[1], yearEarlier: m[2], changeQoQ: change(m[1]),
                        changeYoY: change(m[2])))
            }
        }
        return Result(
            quarter: quarter, dimension: dimension, rows: rows, rule: activity == nil ? nil : rule,
            partial: !snapshots.hasRows(group: 3))
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let r = try compute(context, options)
        let t = context.text
        func kpiName(_ kpi: String) -> String {
            kpi == activeShare ? t("Active share", "活跃占比") : MetricWords.label(kpi, context)
        }
        func style(_ kpi: String) -> NumberStyle { kpi == activeShare ? .percent(digits: 1) : MetricWords.valueStyle(kpi, context) }
        var blocks: [ReportBlock] = [
            .paragraph([
                .text(
                    t(
                        "Per customer in \(r.quarter): each metric averaged over the quarter's months with data\(r.rule.map { ", and the share active (\($0)) in the quarter" } ?? ""); the change on \(r.quarter.adding(-1)) and on \(r.quarter.adding(-4)) in per cent, with 95% intervals (delta method) and Welch p-values.",
                        "\(r.quarter) 人均：各指标取该季度有数据月份的均值\(r.rule.map { "，以及该季度活跃（\($0)）客户占比" } ?? "")；相对 \(r.quarter.adding(-1)) 与 \(r.quarter.adding(-4)) 的变化（百分比），附 95% 区间（Delta 方法）与 Welch p 值。"
                    ))
            ])
        ]
        if r.quarter.number == 1, YearOverYear.festivalYears.contains(r.quarter.year),
            YearOverYear.festivalYears.contains(r.quarter.year - 1)
        {
            let now = YearOverYear.springFestival(year: r.quarter.year), before = YearOverYear.springFestival(year: r.quarter.year - 1)
            blocks.append(
                .paragraph([
                    .text(
                        t(
                            "The Spring Festival fell on \(now) and, a year earlier, on \(before): both inside the first quarter, so \(r.quarter) against \(r.quarter.adding(-4)) compares January and February together (the Jan+Feb alignment), and the year-over-year change is not moved by the festival's date.",
                            "春节分别在 \(now) 与一年前的 \(before)，都落在第一季度内：\(r.quarter) 与 \(r.quarter.adding(-4)) 的对比合并了 1、2 月（1+2 月对齐），同比变化不受春节日期影响。"
                        ))
                ]))
        }
        if r.partial {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "\(r.quarter) is not over in the data (no row in \(r.quarter.lastMonth)): its values cover fewer months than the quarters they are compared with, so the changes mix the season with the business.",
                                "数据中 \(r.quarter) 尚未结束（\(r.quarter.lastMonth) 没有数据）：其数值覆盖的月份少于对比季度，变化中混有季节因素。"))
                    ]))
        }
        func changeCell(_ e: EffectEstimate?) -> Cell {
            e.map { .interval(estimate: $0.estimate, low: $0.interval.lower, high: $0.interval.upper, style: .percent(digits: 1)) } ?? .null
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "KPIs per customer by \(r.dimension ?? "the whole base"), \(r.quarter)",
                        "\(r.quarter) 按 \(r.dimension ?? "全体客户") 的人均指标"),
                    columns: [
                        ReportTable.Column(t("KPI", "指标")), ReportTable.Column(r.dimension ?? t("Customers", "客户")),
                        ReportTable.Column(t("Value", "数值")), ReportTable.Column(t("QoQ", "环比")), ReportTable.Column(t("YoY", "同比")),
                        ReportTable.Column(t("YoY p", "同比 p"), style: .pValue),
                    ],
                    rows: r.rows.map { row in
                        [
                            .text(kpiName(row.kpi)), .text(row.level ?? t("all", "全部")),
                            row.now.count > 0 ? .number(row.now.mean, style: style(row.kpi)) : .null, changeCell(row.changeQoQ),
                            changeCell(row.changeYoY), row.changeYoY.map { .number($0.pValue) } ?? .null,
                        ]
                    })))
        blocks.append(
            .records(
                name: "kpis",
                r.rows.map { row in
                    DataRecord([
                        "segment": .text(row.level == nil ? "all" : r.dimension ?? "all"), "level": .optional(row.level),
                        "kpi": .text(row.kpi), "period": .text(r.quarter.description),
                        "value": row.now.count > 0 ? .number(row.now.mean) : .null, "change_qoq": .optional(row.changeQoQ?.estimate),
                        "change_yoy": .optional(row.changeYoY?.estimate), "p_value": .optional(row.changeYoY?.pValue),
                        "p_value_qoq": .optional(row.changeQoQ?.pValue),
                    ])
                }))
        return blocks
    }
}
