import CampaignLabData
import CampaignLabReport

/// Campaigns with their design and window, and the customers in each arm.
public enum CampaignArms: Analysis {
    public static let name = "overview.campaigns"
    public static let summary = "Campaigns (design, window, control arm) and the number of customers in each arm."
    public typealias Options = NoOptions

    public static func run(_ context: AnalysisContext, _ options: NoOptions) throws -> [ReportBlock] {
        try context.schema.require(Contract.campaigns)
        try context.schema.require(Contract.assignments, columns: ["campaign_id", "customer_id", "arm"])
        context.progress("campaigns and arms")
        let sql = context.engine.dialect
        let text = { (column: String) in sql.asText(column) }
        let campaigns = try context.engine.allRows(
            """
            SELECT campaign_id, name, design, \(text("starts_on")), \(text("ends_on")), control_arm FROM campaigns
            ORDER BY \(sql.ascending(text("starts_on"), isText: true)), \(sql.ascending("campaign_id", isText: true))
            """)
        guard !campaigns.isEmpty else {
            return [.callout(.note, [.text(context.text("The campaigns table has no rows.", "campaigns 表没有数据。"))])]
        }
        let arms = try CampaignInfo.armSizes(in: context.engine)
        var totals: [SQLiteValue: Double] = [:]
        for a in arms { totals[a.campaign, default: 0] += Double(a.customers) }

        let campaignTable = ReportTable(
            caption: context.text("Campaigns", "活动"),
            columns: [
                ReportTable.Column(context.text("Campaign", "活动编号")), ReportTable.Column(context.text("Name", "名称")),
                ReportTable.Column(context.text("Design", "设计")), ReportTable.Column(context.text("Starts", "开始")),
                ReportTable.Column(context.text("Ends", "结束")), ReportTable.Column(context.text("Control arm", "对照组")),
                ReportTable.Column(context.text("Customers", "客户数"), style: .count),
            ],
            rows: campaigns.map { c in
                let design = c[2].label(context)
                let shownDesign =
                    context.language == .zh ? (design == "randomized" ? "随机实验" : design == "observational" ? "观察性（自选择）" : design) : design
                return [
                    .text(c[0].label(context)), .text(c[1].label(context)), .text(shownDesign), .text(c[3].label(context)),
                    .text(c[4].label(context)), .text(c[5].label(context)), .integer(Int64(totals[c[0]] ?? 0)),
                ]
            })
        let names = Dictionary(campaigns.map { ($0[0], $0[1].label(context)) }, uniquingKeysWith: { a, _ in a })
        let armTable = ReportTable(
            caption: context.text("Customers by arm", "各组客户数"),
            columns: [
                ReportTable.Column(context.text("Campaign", "活动")), ReportTable.Column(context.text("Arm", "组别")),
                ReportTable.Column(context.text("Customers", "客户数"), style: .count),
                ReportTable.Column(context.text("Share of the campaign", "占该活动比例"), style: .percent(digits: 1)),
            ],
            rows: arms.map { a in
                [
                    .text(names[a.campaign] ?? a.campaign.label(context)), .text(a.arm.label(context)),
                    .integer(Int64(a.customers)), .number(Double(a.customers) / (totals[a.campaign] ?? 1)),
                ]
            })
        var blocks: [ReportBlock] = [.table(campaignTable), .table(armTable)]
        let missingArms = campaigns.filter { totals[$0[0]] == nil }
        if !missingArms.isEmpty {
            let list = missingArms.map { $0[0].label(context) }.joined(separator: ", ")
            blocks.append(.callout(.warning, [.text(context.text("Campaigns without assignments: ", "没有分组记录的活动：") + list)]))
        }
        if !arms.isEmpty {
            blocks.append(
                .chart(
                    Chart(
                        id: "campaign-arms",
                        title: context.text("Customers by campaign and arm", "各活动各组客户数"),
                        xAxis: Axis(label: context.text("Campaign / arm", "活动 / 组别")),
                        yAxis: Axis(label: context.text("Customers", "客户数"), style: .count),
                        kind: .bars(
                            BarData(
                                categories: arms.map { "\($0.campaign.label(context)) / \($0.arm.label(context))" },
                                series: [BarData.Series(name: context.text("Customers", "客户数"), values: arms.map { Double($0.customers) })],
                                horizontal: true)))))
        }
        return blocks
    }
}
