import CampaignLabAnalyses
import CampaignLabData
import CampaignLabReport
import Foundation

/// The A/B readout (`campaignlab readout`: every metric of metric_definitions, every variant,
/// health, CUPED, sequential, Bayesian, power) on a database, against SQLite's own read of the
/// rows the readout needs and against the pandas + scipy + statsmodels peer.
struct ReadoutBenchmark {
    var path: String
    var campaign: String

    /// Seconds for SQLite alone to return the readout's rows, every column used read: the
    /// test's assignments, the metrics' events in the test and its pre-period (of the test or
    /// of no campaign), and the customer_months rows of the test's customers in its months and
    /// the months before.
    func sqliteFloor() throws -> (seconds: Double, rows: Int) {
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let schema = try ContractSchema.discover(in: db)
        let info = try CampaignInfo.load(campaign, from: db)
        let definitions = schema.metricDefinitions
        let events = Array(Set(definitions.compactMap { $0.source == .events ? $0.event : nil })).sorted()
        let months = definitions.filter { $0.source == .months && !$0.isRatio }.map(\.metric)
        let days = info.endsOn.daysSinceEpoch - info.startsOn.daysSinceEpoch + 1
        let windows = CampaignWindows(campaign: info)
        let start = DispatchTime.now().uptimeNanoseconds
        var rows = 0
        var checksum = 0.0
        let a = try db.prepare("SELECT customer_id, arm, assigned_at FROM assignments WHERE campaign_id = ?")
        try a.bind(campaign, at: 1)
        while try a.step() { rows += 1; checksum += Double(a.int64(0)); _ = a.text(1); _ = a.text(2) }
        let e = try db.prepare("""
            SELECT customer_id, event, occurred_at, value FROM events
            WHERE event IN (\(events.map { _ in "?" }.joined(separator: ", "))) AND occurred_at >= ? AND occurred_at < ?
              AND (campaign_id = ? OR campaign_id IS NULL)
            """)
        try e.bind(events.map { .text($0) } + [
            .text(info.startsOn.adding(days: -days - 1).description), .text(info.endsOn.adding(days: 2).description), .text(campaign),
        ])
        while try e.step() { rows += 1; checksum += Double(e.int64(0)) + e.double(3); _ = e.text(1); _ = e.text(2) }
        let m = try db.prepare("""
            SELECT a.customer_id, m.month\(months.map { ", m." + quoteIdentifier($0) }.joined())
            FROM assignments a JOIN customer_months m ON m.customer_id = a.customer_id AND m.month BETWEEN ? AND ?
            WHERE a.campaign_id = ? ORDER BY a.customer_id, m.month
            """)
        try m.bind([.text(windows.pre.lowerBound.description), .text(windows.post.upperBound.description), .text(campaign)])
        while try m.step() {
            rows += 1
            for k in months.indices { checksum += m.double(2 + k) }
            _ = m.text(1)
        }
        precondition(checksum.isFinite)
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, rows)
    }

    /// Seconds for the readout, rendered to HTML, and its default overall estimates ("metric|arm").
    func campaignLab() throws -> (seconds: Double, estimates: [String: Double]) {
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let start = DispatchTime.now().uptimeNanoseconds
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let blocks = try ExperimentReadout.run(context, ExperimentReadout.Options(campaign: campaign))
        _ = HTMLRenderer(language: .en).render(ReportDocument(title: "readout", language: .en, blocks: blocks))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var found: [String: Double] = [:]
        for case .records("estimates", let records) in blocks {
            for record in records {
                let field = { (key: String) in record.keys.firstIndex(of: key).map { record.values[$0] } }
                if case .bool(true) = field("default"), case .null = field("dimension"), case .text(let metric) = field("metric"),
                    case .text(let arm) = field("arm"),
                    case .number(let estimate) = field("estimate")
                {
                    found["\(metric)|\(arm)"] = estimate
                }
            }
        }
        return (seconds, found)
    }
}
