import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

extension TierMigration {
    static func render(_ r: Result, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let names = CustomersBreakdown.tierNames(r.tiers, context, money: MetricWords.kind(r.metric, context) == .money)
        let rowNames = names + [t("New", "新客户")]
        let columnNames = names + [t("Dormant", "沉睡"), t("Closed", "流失")]
        var blocks: [ReportBlock] = []
        let total = r.customers.reduce(0, +), amount = r.amounts.reduce(0, +)
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "Tiers on \(r.metric) in \(r.quarter.lastMonth), the last month of \(r.quarter) (monthly average daily balance, 月日均). Migration: each customer's tier at the end of \(r.migration.from) against the end of \(r.quarter); new = no snapshot at the start, closed = none at the end or in the year after, dormant = \(r.rule.map { "no activity (\($0)) in the quarter's last months" } ?? "not told: no activity data")\(r.rule != nil ? r.dormantBalance.map { " and a balance under \(formatPlain($0))" } ?? "" : "").",
                        "层级按 \(r.metric) 在 \(r.quarter.lastMonth)（\(r.quarter) 末月）的月日均划分。迁移：每位客户在 \(r.migration.from) 末与 \(r.quarter) 末的层级对比；新客户 = 期初无快照，流失 = 期末及之后一年均无快照，沉睡 = \(r.rule.map { "季末前若干月无活跃（\($0)）" } ?? "无法判断：没有活跃数据")\(r.rule != nil ? r.dormantBalance.map { "且余额低于 \(formatPlain($0))" } ?? "" : "")。"
                    ))
            ]))
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Customers and \(r.metric) per tier at the end of \(r.quarter)\(r.yearEarlierCustomers == nil ? "" : ", and a year earlier")",
                        "\(r.quarter) 末各层级的客户数与 \(r.metric)\(r.yearEarlierCustomers == nil ? "" : "，及一年前")"),
                    columns: [
                        ReportTable.Column(t("Tier", "层级")), ReportTable.Column(t("Customers", "客户数"), style: .count),
                        ReportTable.Column(t("Share of customers", "客户占比"), style: .percent(digits: 1)),
                        ReportTable.Column(MetricWords.label(r.metric, context), style: MetricWords.valueStyle(r.metric, context)),
                        ReportTable.Column(t("Share", "占比"), style: .percent(digits: 1)),
                    ]
                        + (r.yearEarlierCustomers == nil
                            ? []
                            : [
                                ReportTable.Column(t("Customers \(r.quarter.adding(-4))", "\(r.quarter.adding(-4)) 客户数"), style: .count),
                                ReportTable.Column(
                                    t("Share \(r.quarter.adding(-4))", "\(r.quarter.adding(-4)) 占比"), style: .percent(digits: 1)),
                            ]),
                    rows: names.indices.map { k in
                        var row: [Cell] = [
                            .text(names[k]), .integer(Int64(r.customers[k])), .number(Double(r.customers[k]) / Double(max(total, 1))),
                            .number(r.amounts[k]), .number(amount > 0 ? r.amounts[k] / amount : 0),
                        ]
                        if let customers = r.yearEarlierCustomers, let amounts = r.yearEarlierAmounts {
                            let before = amounts.reduce(0, +)
                            row += [.integer(Int64(customers[k])), .number(before > 0 ? amounts[k] / before : 0)]
                        }
                        return row
                    })))
        func matrix(_ m: Migration, caption: String) -> ReportBlock {
            .table(
                ReportTable(
                    caption: caption,
                    columns: [ReportTable.Column(t("From → to", "期初 → 期末")), ReportTable.Column(t("Customers", "客户数"), style: .count)]
                        + columnNames.map { ReportTable.Column($0, style: .percent(digits: 1)) },
                    rows: m.counts.indices.compactMap { row in
                        let n = m.counts[row].reduce(0, +)
                        guard n > 0 else { return nil }
                        return [.text(rowNames[row]), .integer(Int64(n))] + m.counts[row].map { .number(Double($0) / Double(n)) }
                    }))
        }
        var figures: [KeyFigure] = []
        if let net = r.migration.netUpgrade {
            figures.append(
                KeyFigure(
                    label: t("Net upgrade rate \(r.quarter)", "\(r.quarter) 净升级率"), value: net.estimate,
                    style: .percentagePoints(digits: 1),
                    interval: net.interval.lower...net.interval.upper,
                    detail: t(
                        "\(formatCount(r.migration.up)) up, \(formatCount(r.migration.down)) down",
                        "升级 \(formatCount(r.migration.up))，降级 \(formatCount(r.migration.down))")))
        }
        if let before = r.yearEarlier?.netUpgrade, let earlier = r.yearEarlier {
            figures.append(
                KeyFigure(
                    label: t("A year earlier (\(earlier.to))", "一年前（\(earlier.to)）"), value: before.estimate,
                    style: .percentagePoints(digits: 1),
                    interval: before.interval.lower...before.interval.upper))
        }
        if !figures.isEmpty { blocks.append(.keyFigures(figures)) }
        if let change = r.change {
            blocks.append(
                .paragraph(
                    [
                        .text(
                            change.pValue < 0.05
                                ? (change.estimate < 0
                                    ? t("Fewer customers move up than a year earlier: ", "升级客户少于一年前：")
                                    : t("More customers move up than a year earlier: ", "升级客户多于一年前："))
                                : t("The net upgrade rate is as a year earlier (within noise): ", "净升级率与一年前相当（在噪声范围内）：")),
                        .number(change.estimate, .percentagePoints(digits: 1)), .text(t(" (95% interval ", "（95% 区间 ")),
                        .number(change.interval.lower, .percentagePoints(digits: 1)), .text(t(" to ", " 至 ")),
                        .number(change.interval.upper, .percentagePoints(digits: 1)), .text(t(", ", "，")),
                    ] + ExperimentHealth.pInline(change.pValue) + [.text(t(").", "）。"))]))
        }
        if r.migration.gaps > 0 {
            blocks.append(
                .callout(
                    .note,
                    [
                        .number(Double(r.migration.gaps), .count),
                        .text(
                            t(
                                " customers have no snapshot at the end of \(r.quarter) but have one later (a gap in the data, not a closed account): their ending tier is unknown, and they are left out of the matrix.",
                                " 位客户在 \(r.quarter) 末没有快照、但之后有（数据缺口，而非销户）：其期末层级未知，未计入迁移矩阵。")),
                    ]))
        }
        blocks.append(
            matrix(
                r.migration,
                caption: t(
                    "Where each tier's customers were at the end of \(r.quarter) (row shares)", "各层级客户在 \(r.quarter) 末的去向（行占比）")))
        if let earlier = r.yearEarlier {
            blocks.append(
                matrix(
                    earlier, caption: t("The same a year earlier: \(earlier.from) → \(earlier.to)", "一年前同期：\(earlier.from) → \(earlier.to)")
                ))
        }
        var records: [DataRecord] = []
        for (row, counts) in r.migration.counts.enumerated() {
            let n = counts.reduce(0, +)
            guard n > 0 else { continue }
            for (column, count) in counts.enumerated() {
                let interval = ProportionInterval.wilson(successes: Double(count), trials: Double(n))
                records.append(
                    DataRecord([
                        "from_tier": .text(rowNames[row]), "to_tier": .text(columnNames[column]), "customers": .number(Double(count)),
                        "share": .number(Double(count) / Double(n)), "low": .optional(interval?.lower), "high": .optional(interval?.upper),
                    ]))
            }
        }
        blocks.append(.records(name: "migration", records))
        // The tier table, this quarter and a year earlier.
        var tiers: [DataRecord] = []
        for (quarter, customers, amounts) in [(r.quarter, r.customers, r.amounts)]
            + (r.yearEarlierCustomers.map { [(r.quarter.adding(-4), $0, r.yearEarlierAmounts!)] } ?? [])
        {
            let n = Double(max(customers.reduce(0, +), 1)), total = amounts.reduce(0, +)
            for k in names.indices {
                tiers.append(
                    DataRecord([
                        "tier": .text(names[k]), "quarter": .text(quarter.description), "customers": .number(Double(customers[k])),
                        "customer_share": .number(Double(customers[k]) / n), "amount": .number(amounts[k]),
                        "amount_share": .number(total > 0 ? amounts[k] / total : 0),
                    ]))
            }
        }
        blocks.append(.records(name: "tiers", tiers))
        return blocks
    }
}
