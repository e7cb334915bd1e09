import CampaignLabAnalyses
import CampaignLabData
import CampaignLabNotebook
import CampaignLabReport
import Foundation

/// The full post-campaign review (notebooks-md/post-campaign-review.md) on a database, against
/// SQLite's own read of the rows the review needs and against the pandas + statsmodels peer.
struct ReviewBenchmark {
    var path: String
    var campaign: String
    var notebook: String

    /// Seconds for SQLite alone to return the review's rows: the assignments with the customers'
    /// dimensions, their customer_months rows in the eight months used (this year's and last
    /// year's pre-period and campaign months), and the funnel's events, every column read.
    /// `months` must be sorted.
    func sqliteFloor(months: [String]) throws -> (seconds: Double, rows: Int) {
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let start = DispatchTime.now().uptimeNanoseconds
        var rows = 0
        var checksum = 0.0
        let dimensions = try ContractSchema.discover(in: db).dimensions.map { ", c." + quoteIdentifier($0) }.joined()
        let a = try db.prepare("SELECT a.customer_id, a.arm\(dimensions) FROM assignments a LEFT JOIN customers c ON c.customer_id = a.customer_id WHERE a.campaign_id = ? ORDER BY a.customer_id")
        try a.bind(campaign, at: 1)
        while try a.step() { rows += 1; checksum += Double(a.int64(0)); _ = a.text(1) }
        // Each run of consecutive months by one range query (SQLite's fastest path: one
        // primary-key seek per customer and run; the review reads the same way).
        var runs: [(String, String)] = []
        for month in months {
            if let last = runs.last, let previous = YearMonth(last.1), previous.adding(months: 1).description == month {
                runs[runs.count - 1].1 = month
            } else {
                runs.append((month, month))
            }
        }
        for run in runs {
            let m = try db.prepare("""
                SELECT a.customer_id, m.month, m.aum, m.products_held, m.app_logins
                FROM assignments a JOIN customer_months m ON m.customer_id = a.customer_id AND m.month BETWEEN ? AND ?
                WHERE a.campaign_id = ? ORDER BY a.customer_id, m.month
                """)
            try m.bind([.text(run.0), .text(run.1), .text(campaign)])
            while try m.step() {
                rows += 1
                checksum += m.double(2) + m.double(3) + m.double(4)
                _ = m.text(1)
            }
        }
        // The funnel's events (the same filter as the review's funnel block).
        let info = try db.rows("SELECT starts_on, ends_on FROM campaigns WHERE campaign_id = ?", [.text(campaign)])
        if case .text(let starts) = info.first?[0], case .text(let ends) = info.first?[1], let last = CivilDate(ends) {
            let e = try db.prepare("""
                SELECT customer_id, event, occurred_at FROM events
                WHERE event IN ('page_view', 'click', 'enroll', 'task_complete', 'reward')
                  AND (campaign_id = ? OR campaign_id IS NULL) AND occurred_at >= ? AND occurred_at < ?
                """)
            try e.bind([.text(campaign), .text(starts), .text(last.adding(days: 1).description)])
            while try e.step() { rows += 1; checksum += Double(e.int64(0)); _ = e.text(2) }
        }
        precondition(checksum.isFinite)
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, rows)
    }

    /// Seconds to run the notebook (every block: summary, uplift, year over year, arms).
    func campaignLab() throws -> (seconds: Double, document: ReportDocument) {
        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        let parsed = try NotebookParser.parse(text, file: notebook)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let start = DispatchTime.now().uptimeNanoseconds
        // The peer computes the three customer_months metrics: the review is asked for the same ones.
        let document = try NotebookRunner(database: db, databaseName: "bench", language: .en)
            .run(parsed, parameters: ["campaign": campaign, "metrics": "aum,products_held,app_logins"])
        _ = HTMLRenderer(language: .en).render(document)
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, document)
    }
}

/// The AIPW estimates in a rendered review: the `estimates` records with method "aipw".
func aipwEstimates(_ blocks: [ReportBlock]) -> [String: Double] {
    var found: [String: Double] = [:]
    for block in blocks {
        switch block {
        case .section(_, let inner): found.merge(aipwEstimates(inner)) { a, _ in a }
        case .records(_, let records):
            for record in records {
                let field = { (key: String) in record.keys.firstIndex(of: key).map { record.values[$0] } }
                if case .text("aipw") = field("method"), case .null = field("dimension"), case .text(let metric) = field("metric"),
                    case .number(let estimate) = field("estimate")
                {
                    found[metric] = estimate
                }
            }
        default: break
        }
    }
    return found
}
