import CampaignLabData
import CampaignLabReport

/// Headline counts of a database: customers, months covered, monthly snapshots, events,
/// campaigns.
public enum OverviewSummary: Analysis {
    public static let name = "overview.summary"
    public static let summary = "Headline counts: customers, months covered, monthly rows, events, campaigns."
    public typealias Options = NoOptions

    public static func run(_ context: AnalysisContext, _ options: NoOptions) throws -> [ReportBlock] {
        let db = context.engine
        try context.schema.require(Contract.customers, columns: ["customer_id"])
        context.progress("counting customers")
        var figures: [KeyFigure] = []
        // Customers, not rows: a customer listed twice (a view, a table without its key) is
        // one customer, and the duplicate a finding (the data checks name it).
        let counts = try db.allRows("SELECT count(DISTINCT customer_id), count(*) FROM customers").first ?? []
        let customers = counts.first?.intValue ?? 0, rows = counts.last?.intValue ?? 0
        figures.append(
            KeyFigure(
                label: context.text("Customers", "客户数"), value: Double(customers), style: .count,
                detail: rows > customers
                    ? context.text(
                        "\(formatCount(rows)) rows, \(formatCount(rows - customers)) of them repeats — see the data checks",
                        "共 \(formatCount(rows)) 行，其中 \(formatCount(rows - customers)) 行重复，见数据检查") : nil))
        if context.schema.has(Contract.customerMonths) {
            context.progress("reading the months covered")
            let month = db.dialect.byteOrder(db.dialect.asText("month"), isText: true)
            let rows = try db.allRows("SELECT min(\(month)), max(\(month)), count(DISTINCT month), count(*) FROM customer_months")
            if let first = rows.first, case .text(let low) = first[0], case .text(let high) = first[1] {
                let months = Double(first[2].integerValue ?? 0)
                figures.append(
                    KeyFigure(
                        label: context.text("Months covered", "覆盖月份"), value: months, style: .count,
                        detail: "\(low) – \(high)"))
            }
            let snapshots = Int(rows.first?[3].integerValue ?? 0)
            figures.append(KeyFigure(label: context.text("Monthly snapshots", "月度快照行数"), value: Double(snapshots), style: .count))
        }
        if context.schema.has(Contract.events) {
            context.progress("counting events")
            let events = try db.allRows("SELECT count(*) FROM events").first?[0].intValue ?? 0
            figures.append(KeyFigure(label: context.text("Events", "事件数"), value: Double(events), style: .count))
        }
        if context.schema.has(Contract.campaigns) {
            let campaigns = try db.allRows("SELECT count(*) FROM campaigns").first?[0].intValue ?? 0
            figures.append(KeyFigure(label: context.text("Campaigns", "活动数"), value: Double(campaigns), style: .count))
        }
        return [.keyFigures(figures)]
    }
}

extension SQLiteValue {
    /// The value as an integer when it is one.
    var integerValue: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    /// The value as display text; NULL becomes "(missing)" / "（缺失）".
    func label(_ context: AnalysisContext) -> String {
        switch self {
        case .null: return context.text("(missing)", "（缺失）")
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        default: return description
        }
    }
}
