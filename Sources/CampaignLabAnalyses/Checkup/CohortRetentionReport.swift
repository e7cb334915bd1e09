import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

extension CohortRetention {
    /// "2026-03" for a month cohort, "2026 Q1" for a quarter.
    static func label(_ month: YearMonth, _ period: Period) -> String {
        period == .month ? month.description : "\(month.year) Q\((month.month - 1) / 3 + 1)"
    }

    static func render(_ r: Result, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let o = r.options
        let unitEn = o.period == .month ? "month" : "quarter", unitZh = o.period == .month ? "月" : "季度"
        var blocks: [ReportBlock] = []
        let cohortWords =
            o.cohort == .opened
            ? t(
                "customers who opened in \(label(r.cohorts.first!, o.period))…\(label(r.cohorts.last!, o.period))",
                "\(label(r.cohorts.first!, o.period))…\(label(r.cohorts.last!, o.period)) 开户的客户")
            : t(
                "customers first active in \(label(r.cohorts.first!, o.period))…\(label(r.cohorts.last!, o.period))",
                "\(label(r.cohorts.first!, o.period))…\(label(r.cohorts.last!, o.period)) 首次活跃的客户")
        let modeWords =
            o.mode == .on
            ? t("active in that \(unitEn)", "当\(unitZh)活跃") : t("active in that \(unitEn) or any later one", "当\(unitZh)或之后任一\(unitZh)活跃")
        // Headline: the weighted mean at a few periods.
        var figures: [KeyFigure] = []
        for j in [1, 3, 6, 12].filter({ $0 <= o.periods }) where r.mean[j].customers > 0 {
            let m = r.mean[j]
            figures.append(
                KeyFigure(
                    label: t("\(unitEn.capitalized) \(j)", "第 \(j) \(unitZh)"), value: Double(m.retained) / Double(m.customers),
                    style: .percent(digits: 1), interval: m.interval.map { $0.lower...$0.upper },
                    detail: t(
                        "\(m.cohorts) cohorts, \(formatCount(m.customers)) customers", "\(m.cohorts) 个群组，\(formatCount(m.customers)) 位客户")))
        }
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "Of the \(cohortWords), the share \(modeWords) k \(unitEn)s after their own (\(r.rule)); cohorts weighted by size, 95% Wilson intervals. Data through \(r.lastComplete) (complete \(unitEn)s only: later cells are left out, not 0).",
                        "\(cohortWords)在其所在\(unitZh)之后第 k 个\(unitZh)\(modeWords)的比例（\(r.rule)）；按群组规模加权，95% Wilson 区间。数据截至 \(r.lastComplete)（仅完整的\(unitZh)：之后的单元格不计入，而非记为 0）。"
                    ))
            ]))
        if !figures.isEmpty { blocks.append(.keyFigures(figures)) }
        if let censored = r.leftOutLeftCensored {
            blocks.append(
                .callout(
                    .note,
                    [
                        .text(
                            t(
                                "Customers first active in \(label(censored, o.period)), the data's first \(unitEn), are not a cohort: they may have been active before the data start.",
                                "在数据首个\(unitZh)（\(label(censored, o.period))）首次活跃的客户不构成群组：他们可能在数据起点之前已活跃。"))
                    ]))
        }
        if r.unknownCustomers > 0 {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .number(Double(r.unknownCustomers), .count),
                        .text(
                            t(
                                " activity rows belong to no customer in table customers and are left out.",
                                " 行活跃记录不属于 customers 表中的任何客户，未计入。")),
                    ]))
        }
        // The heatmap: cohorts × periods, immature cells blank.
        blocks.append(
            .chart(
                Chart(
                    id: "retention-heatmap", title: t("Retention by cohort", "各群组留存率"),
                    subtitle: t("share \(modeWords), by \(unitEn)s since the cohort's", "\(modeWords)的比例，按距群组的\(unitZh)数"),
                    xAxis: Axis(label: t("\(unitEn.capitalized)s since the cohort's", "距群组的\(unitZh)数")),
                    yAxis: Axis(label: t("Cohort", "群组")),
                    kind: .heatmap(
                        HeatmapData(
                            rowLabels: r.cohorts.map { label($0, o.period) }, columnLabels: (0...o.periods).map(String.init),
                            values: r.cells.map { row in row.map(\.rate) }, style: .percent(digits: 0))))))
        // The weighted mean per period.
        blocks.append(
            .table(
                ReportTable(
                    caption: t("Retention per \(unitEn), all cohorts (weighted by size)", "各\(unitZh)留存率，全部群组（按规模加权）"),
                    columns: [
                        ReportTable.Column(t("\(unitEn.capitalized)s since", "距群组\(unitZh)数")),
                        ReportTable.Column(t("Cohorts", "群组数"), style: .count),
                        ReportTable.Column(t("Customers", "客户数"), style: .count), ReportTable.Column(t("Retained", "留存"), style: .count),
                        ReportTable.Column(t("Retention", "留存率"), style: .percent(digits: 1)),
                    ],
                    rows: r.mean.enumerated().filter { $0.element.customers > 0 }.map { j, m in
                        [
                            .integer(Int64(j)), .integer(Int64(m.cohorts)), .integer(Int64(m.customers)), .integer(Int64(m.retained)),
                            m.interval.map {
                                .interval(estimate: Double(m.retained) / Double(m.customers), low: $0.lower, high: $0.upper)
                            } ?? .null,
                        ]
                    })))
        // Curves: the mean and the two cohorts compared, with intervals.
        var series: [StepSeries] = []
        func curve(_ name: String, _ points: [(Int, Double, ConfidenceInterval?)]) {
            guard points.count >= 2 else { return }
            series.append(
                StepSeries(
                    name: name, points: points.map { (Double($0.0), $0.1) },
                    band: points.map { ($0.2?.lower ?? $0.1, $0.2?.upper ?? $0.1) }))
        }
        curve(
            t("All cohorts", "全部群组"),
            r.mean.enumerated().filter { $0.element.customers > 0 }.map { j, m in (j, Double(m.retained) / Double(m.customers), m.interval)
            })
        if let c = r.comparison {
            for cohort in [c.a, c.b] {
                let row = r.cells[r.cohorts.firstIndex(of: cohort)!]
                curve(label(cohort, o.period), row.compactMap { cell in cell.rate.map { (cell.period, $0, cell.interval) } })
            }
        }
        if !series.isEmpty {
            blocks.append(
                .chart(
                    Chart(
                        id: "retention-curves", title: t("Retention curves", "留存曲线"), subtitle: t("95% Wilson intervals", "95% Wilson 区间"),
                        xAxis: Axis(label: t("\(unitEn.capitalized)s since the cohort's", "距群组的\(unitZh)数")),
                        yAxis: Axis(label: t("Retention", "留存率"), style: .percent(digits: 0)), kind: .steps(series))))
        }
        if let c = r.comparison, !c.rows.isEmpty {
            let a = label(c.a, o.period), b = label(c.b, o.period)
            let worse = c.rows.filter { $0.pAdjusted < 0.05 && $0.effect.estimate < 0 }.map(\.period)
            let better = c.rows.filter { $0.pAdjusted < 0.05 && $0.effect.estimate > 0 }.map(\.period)
            var sentence = t("Cohort \(a) against \(b): ", "群组 \(a) 对比 \(b)：")
            if worse.isEmpty && better.isEmpty {
                sentence += t("no period differs beyond noise (Holm across periods).", "各期均无超出噪声的差异（按期 Holm 校正）。")
            } else {
                if !worse.isEmpty {
                    sentence += t(
                        "lower in \(unitEn)s \(worse.map(String.init).joined(separator: ", "))",
                        "第 \(worse.map(String.init).joined(separator: "、")) \(unitZh)更低")
                }
                if !better.isEmpty {
                    sentence +=
                        (worse.isEmpty ? "" : t("; ", "；"))
                        + t(
                            "higher in \(unitEn)s \(better.map(String.init).joined(separator: ", "))",
                            "第 \(better.map(String.init).joined(separator: "、")) \(unitZh)更高")
                }
                sentence += t(" (Holm across periods).", "（按期 Holm 校正）。")
            }
            blocks.append(.paragraph([.text(sentence)]))
            blocks.append(
                .table(
                    ReportTable(
                        caption: t("Cohort \(a) − cohort \(b), per \(unitEn)", "群组 \(a) − 群组 \(b)，按\(unitZh)"),
                        columns: [
                            ReportTable.Column(t("\(unitEn.capitalized)s since", "距群组\(unitZh)数")),
                            ReportTable.Column(t("Difference", "差异"), style: .percentagePoints(digits: 1)),
                            ReportTable.Column("p", style: .pValue),
                            ReportTable.Column(t("p adjusted", "校正后 p"), style: .pValue),
                        ],
                        rows: c.rows.map { row in
                            [
                                .integer(Int64(row.period)),
                                .interval(estimate: row.effect.estimate, low: row.effect.interval.lower, high: row.effect.interval.upper),
                                .number(row.effect.pValue), .number(row.pAdjusted),
                            ]
                        })))
        }
        // The flat list for BI tools: every cell (immature ones with mature = false), then the mean.
        var records: [DataRecord] = []
        for row in r.cells {
            for cell in row {
                records.append(
                    DataRecord([
                        "cohort": .text(label(cell.cohort, o.period)), "period": .number(Double(cell.period)),
                        "mode": .text(o.mode.rawValue),
                        "cohort_size": .number(Double(cell.size)), "retained": .optional(cell.retained.map(Double.init)),
                        "rate": .optional(cell.rate), "low": .optional(cell.interval?.lower), "high": .optional(cell.interval?.upper),
                        "mature": .bool(cell.retained != nil),
                    ]))
            }
        }
        // The mean: one record per period, a period no cohort has reached with nulls (mature false).
        for (j, m) in r.mean.enumerated() {
            let some = m.customers > 0
            records.append(
                DataRecord([
                    "cohort": .text("all"), "period": .number(Double(j)), "mode": .text(o.mode.rawValue),
                    "cohort_size": .number(Double(m.customers)), "retained": some ? .number(Double(m.retained)) : .null,
                    "rate": some ? .number(Double(m.retained) / Double(m.customers)) : .null, "low": .optional(m.interval?.lower),
                    "high": .optional(m.interval?.upper), "mature": .bool(some),
                ]))
        }
        blocks.append(.records(name: "retention", records))
        return blocks
    }
}
