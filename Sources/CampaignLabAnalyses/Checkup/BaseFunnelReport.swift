import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

extension BaseFunnel {
    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        render(try compute(context, options), context)
    }

    static func nodeName(_ node: Node, _ context: AnalysisContext) -> String {
        let t = context.text
        switch node {
        case .acquisition: return t("Acquisition", "获客")
        case .activation: return t("Activation", "激活")
        case .retention: return t("Retention", "留存")
        case .revenue: return t("Revenue", "变现")
        case .referral: return t("Referral", "推荐")
        }
    }

    static func render(_ r: Result, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let c = r.current
        var blocks: [ReportBlock] = []
        let rules = r.steps.dropFirst().map { "\(nodeName($0.node, context)) = \($0.rule!)" }.joined(separator: "; ")
        let quarters = c.quarter.adding(-(r.quarters - 1))
        let cutoff = Timestamp(secondsSinceEpoch: c.cutoff).description.replacingOccurrences(of: " 00:00:00", with: "")
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "Customers acquired (opened_on) from \(c.from) to \(c.through) — \(quarters)…\(c.quarter) — followed to \(c.quarter)'s end or where the data end (cut-off \(cutoff)). Steps: \(rules). A step counts at its first occurrence not before the previous step; a month of customer_months counts from its first day (the previous step's time when later); retention needs a calendar month after the activation's. Days between steps by Kaplan–Meier, customers not there yet censored at the cut-off.",
                        "\(c.from) 至 \(c.through)（\(quarters)…\(c.quarter)）开户（opened_on）的客户，跟踪到 \(c.quarter) 末或数据结束处（截止 \(cutoff)）。步骤：\(rules)。每一步在不早于上一步的第一次发生时计数；customer_months 的月份从当月第一天算起（若上一步更晚，则按上一步的时间）；留存须发生在激活之后的自然月。步骤之间的天数用 Kaplan–Meier 估计，尚未到达的客户在截止日删失。"
                    ))
            ]))
        for (node, event) in r.omitted {
            blocks.append(
                .callout(
                    .note,
                    [
                        .text(
                            t(
                                "\(nodeName(node, context)) is left out: table events has no '\(event)' events. Name it (option \(node.rawValue), e.g. \(node.rawValue): events:NAME or months:COLUMN>0).",
                                "已略去\(nodeName(node, context))：事件表中没有 '\(event)' 事件。可用 \(node.rawValue) 选项指定，如 \(node.rawValue): events:NAME 或 months:COLUMN>0。"
                            ))
                    ]))
        }
        if let clipped = r.clippedTo {
            blocks.append(
                .callout(
                    .note,
                    [
                        .text(
                            t(
                                "Customers opened before \(clipped) are left out: a step's data begin then, and their earlier steps would not be seen.",
                                "\(clipped) 之前开户的客户未纳入：有步骤的数据从该日才开始，更早的行为看不到。"))
                    ]))
        }
        let quarterEnd = Double(c.quarter.lastMonth.lastDay.adding(days: 1).daysSinceEpoch) * 86_400
        if c.cutoff < quarterEnd {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "The data end at \(cutoff), before \(c.quarter)'s end: customers are followed to there, and the quarter is not complete.",
                                "数据在 \(cutoff) 结束，早于 \(c.quarter) 末：客户只跟踪到该时点，本季度数据不完整。"))
                    ]))
        }
        let labels = r.steps.map { nodeName($0.node, context) }
        blocks += FunnelWalk.flowBlocks(
            labels: labels, reached: c.reached, chartID: "base-funnel", title: t("AARRR funnel of the base", "客户 AARRR 漏斗"),
            subtitle: t("customers acquired \(quarters)…\(c.quarter)", "\(quarters)…\(c.quarter) 获客"),
            caption: t("Customers reaching each node", "各环节到达客户数"), context)
        if let last = r.steps.last, c.reached.count == r.steps.count {
            var figures = [
                KeyFigure(label: t("Customers acquired", "获客数"), value: Double(c.reached[0]), style: .count),
                KeyFigure(
                    label: t("Reached \(nodeName(last.node, context).lowercased())", "到达\(nodeName(last.node, context))"),
                    value: Double(c.reached[c.reached.count - 1]), style: .count),
            ]
            if let by90 = c.overallBy90 {
                figures.append(
                    KeyFigure(
                        label: t("There within 90 days", "90 天内到达"), value: by90.estimate, style: .percent(digits: 1),
                        interval: by90.interval.lower...by90.interval.upper))
            }
            if let median = c.overallMedian, median.time.isFinite {
                figures.append(
                    KeyFigure(label: t("Median days to get there", "到达的中位天数"), value: median.time, style: .decimal(digits: 1)))
            }
            blocks.append(.keyFigures(figures))
        }
        blocks.append(transitionsTable(r, context))
        var series: [StepSeries] = []
        for tr in c.transitions {
            guard let curve = tr.curve else { continue }
            series.append(
                StepSeries(
                    name: "\(nodeName(tr.from, context)) → \(nodeName(tr.to, context))",
                    points: FunnelWalk.thinned([(x: 0, y: 0)] + curve.steps.map { (x: $0.time, y: 1 - $0.survival) })))
        }
        if !series.isEmpty {
            blocks.append(
                .chart(
                    Chart(
                        id: "base-funnel-time", title: t("Share converted over time, per step", "各环节随时间的累计转化率"),
                        subtitle: t("Kaplan–Meier, censored at the cut-off", "Kaplan–Meier，截止日删失"),
                        xAxis: Axis(label: t("Days since the previous node", "距上一环节的天数")),
                        yAxis: Axis(label: t("Converted", "已转化"), style: .percent(digits: 0)), kind: .steps(series))))
        }
        if let dimension = r.dimension, let first = c.transitions.first, first.segments.count > 1 {
            let caption =
                t(
                    "\(nodeName(first.from, context)) → \(nodeName(first.to, context)) by \(dimension)",
                    "按 \(dimension) 的\(nodeName(first.from, context)) → \(nodeName(first.to, context))")
                + (first.logRank.map { t("; log-rank test ", "；log-rank 检验 ") + CampaignUplift.formatP($0.pValue) } ?? "")
            blocks.append(FunnelWalk.segmentTable(caption: caption, dimension: dimension, first.segments, context))
        }
        blocks.append(.records(name: "funnel", records(r)))
        return blocks
    }

    static func transitionsTable(_ r: Result, _ context: AnalysisContext) -> ReportBlock {
        let t = context.text
        func interval(_ e: SurvivalEstimate?) -> Cell {
            e.map { .interval(estimate: $0.estimate, low: $0.interval.lower, high: $0.interval.upper, style: .percent(digits: 1)) } ?? .null
        }
        let earlier =
            r.yearEarlier.map { " " + t("(a year earlier: customers of \($0.from)…\($0.through))", "（一年前：\($0.from)…\($0.through) 的客户）") }
            ?? ""
        return .table(
            ReportTable(
                caption: t(
                    "Time between nodes (days) and conversion within 30 and 90 days (shown where some customer was followed that long)",
                    "环节间天数及 30、90 天内转化率（仅在有客户被跟踪到该天数时给出）") + earlier,
                columns: [
                    ReportTable.Column(t("Step", "环节")), ReportTable.Column(t("Customers", "客户数"), style: .count),
                    ReportTable.Column(t("Converted", "已转化"), style: .count),
                    ReportTable.Column(t("Median days", "中位天数"), style: .decimal(digits: 1)),
                    ReportTable.Column(t("Within 30 days", "30 天内")), ReportTable.Column(t("Within 90 days", "90 天内")),
                    ReportTable.Column(t("A year earlier", "一年前"), style: .percent(digits: 1)),
                    ReportTable.Column(t("Change", "变化"), style: .percentagePoints(digits: 1)),
                    ReportTable.Column("p"),
                ],
                rows: r.current.transitions.map { tr in
                    let median: Cell =
                        tr.median.map {
                            $0.time.isFinite
                                ? .interval(estimate: $0.time, low: $0.interval.lower, high: $0.interval.upper, style: .decimal(digits: 1))
                                : .null
                        } ?? .null
                    return [
                        .text("\(nodeName(tr.from, context)) → \(nodeName(tr.to, context))"), .integer(Int64(tr.atRisk)),
                        .integer(Int64(tr.converted)), median, interval(tr.by30), interval(tr.by90),
                        tr.by90YearEarlier.map { .number($0.estimate) } ?? .null, tr.change.map { .number($0.estimate) } ?? .null,
                        tr.change.map { .text(CampaignUplift.formatP($0.pValue)) } ?? .null,
                    ]
                }))
    }

    /// JSON list `funnel`: one record per node (the transition into it for every node but the first).
    static func records(_ r: Result) -> [DataRecord] {
        let c = r.current
        func finite(_ x: Double?) -> RecordValue { x.map { $0.isFinite ? .number($0) : .null } ?? .null }
        return r.steps.enumerated().map { k, step in
            let tr = k == 0 ? nil : c.transitions[k - 1]
            return DataRecord([
                "node": .text(step.node.rawValue), "rule": .text(step.rule?.description ?? "opened_on"),
                "customers": .number(Double(c.reached[k])),
                "step_conversion": k == 0 || c.reached[k - 1] == 0 ? .null : .number(Double(c.reached[k]) / Double(c.reached[k - 1])),
                "overall_conversion": c.reached[0] == 0 ? .null : .number(Double(c.reached[k]) / Double(c.reached[0])),
                "median_days": finite(tr?.median?.time), "median_low": finite(tr?.median?.interval.lower),
                "median_high": finite(tr?.median?.interval.upper), "converted_30d": finite(tr?.by30?.estimate),
                "converted_90d": finite(tr?.by90?.estimate), "converted_90d_low": finite(tr?.by90?.interval.lower),
                "converted_90d_high": finite(tr?.by90?.interval.upper), "converted_90d_year_earlier": finite(tr?.by90YearEarlier?.estimate),
                "p_value": finite(tr?.change?.pValue), "logrank_p": finite(tr?.logRank?.pValue),
            ])
        }
    }
}
