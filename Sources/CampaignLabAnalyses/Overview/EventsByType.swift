import CampaignLabData
import CampaignLabReport

/// Events by type: how many, for how many customers, when, and their total value.
public enum EventsByType: Analysis {
    public static let name = "overview.events"
    public static let summary = "Events by type: count, distinct customers, first and last occurrence, total value."
    public typealias Options = NoOptions

    public static func run(_ context: AnalysisContext, _ options: NoOptions) throws -> [ReportBlock] {
        try context.schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
        let hasValue = context.schema.has(Contract.events, column: "value")
        context.progress("events by type")
        let sql = context.engine.dialect
        // Texts by their bytes (a warehouse's collation may order them otherwise); on an engine
        // a value column has a type, so the sum is of numbers.
        let time = sql.byteOrder(sql.asText("occurred_at"), isText: true)
        let value = sql == .sqlite ? "total(value), count(value)" : "\(sql.asDouble("sum(\(sql.asDouble("value")))")), count(value)"
        let rows = try context.engine.allRows(
            """
            SELECT event, count(*), count(DISTINCT customer_id), min(\(time)), max(\(time)), \(hasValue ? value : "0, 0")
            FROM events GROUP BY event ORDER BY count(*) DESC, \(sql.ascending("event", isText: true))
            """)
        guard !rows.isEmpty else {
            return [.callout(.note, [.text(context.text("The events table has no rows.", "events 表没有数据。"))])]
        }
        let table = ReportTable(
            caption: context.text("Events by type", "按类型的事件"),
            columns: [
                ReportTable.Column(context.text("Event", "事件")),
                ReportTable.Column(context.text("Events", "事件数"), style: .count),
                ReportTable.Column(context.text("Customers", "客户数"), style: .count),
                ReportTable.Column(context.text("Per customer", "人均次数"), style: .decimal(digits: 2)),
                ReportTable.Column(context.text("First", "最早")),
                ReportTable.Column(context.text("Last", "最晚")),
                ReportTable.Column(context.text("Total value", "金额合计"), style: .currency),
            ],
            rows: rows.map { r in
                let events = r[1].doubleValue ?? 0, customers = r[2].doubleValue ?? 0
                return [
                    .text(r[0].label(context)), .integer(r[1].integerValue ?? 0), .integer(r[2].integerValue ?? 0),
                    .number(customers > 0 ? events / customers : .nan),
                    .text(r[3].label(context)), .text(r[4].label(context)),
                    (r[6].integerValue ?? 0) > 0 ? .number(r[5].doubleValue ?? 0) : .null,
                ]
            })
        let chart = Chart(
            id: "events-by-type",
            title: context.text("Events by type", "按类型的事件数"),
            xAxis: Axis(label: context.text("Event", "事件")),
            yAxis: Axis(label: context.text("Events", "事件数"), style: .count),
            kind: .bars(
                BarData(
                    categories: rows.map { $0[0].label(context) },
                    series: [BarData.Series(name: context.text("Events", "事件数"), values: rows.map { $0[1].doubleValue ?? 0 })],
                    horizontal: true)))
        return [.chart(chart), .table(table)]
    }
}
