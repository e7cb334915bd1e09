import CampaignLabData
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// Cohort retention (issue 15, point 3) against Tests/References/retention.py (pandas,
/// statsmodels 0.15 proportion_confint(method="wilson") and multipletests), written from the
/// definitions independently, on demo-small and on the foreign bank (TEXT ids, events in +05:30).
struct CohortRetentionTests {
    static func records(_ blocks: [ReportBlock], _ name: String) -> [[String: RecordValue]] {
        var found: [[String: RecordValue]] = []
        for block in blocks {
            switch block {
            case .records(name, let list): found += list.map { Dictionary(uniqueKeysWithValues: zip($0.keys, $0.values)) }
            case .section(_, let inner): found += records(inner, name)
            default: break
            }
        }
        return found
    }

    @Test(arguments: [
        ("demo-small.sqlite", [String: String](), "retention_demo_small.json"),
        (
            "demo-small.sqlite",
            ["cohort": "first-activity", "activity": "events:app_login,purchase", "period": "quarter", "mode": "on-or-after"],
            "retention_demo_small_first_quarter.json"
        ),
        ("foreign-ab.sqlite", ["cohort": "opened", "activity": "events:visit,order"], "retention_foreign.json"),
    ])
    func agreesWithThePandasRecomputation(file: String, options: [String: String], reference: String) throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/" + file)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let blocks = try CohortRetention.run(context, decoding: OptionValues(options))
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/References/" + reference)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let expected = json["retention"] as! [[String: Any]]
        let ours = Self.records(blocks, "retention")
        #expect(ours.count == expected.count && expected.count >= 26)
        for (mine, ref) in zip(ours, expected) {
            let cell = "\(ref["cohort"]!) k=\(ref["period"]!)"
            #expect(mine["cohort"] == .text(ref["cohort"] as! String), "\(cell)")
            #expect(mine["mature"] == .bool(ref["mature"] as! Bool), "\(cell)")
            for key in ["period", "cohort_size", "retained", "rate", "low", "high"] {
                switch (mine[key], ref[key]) {
                case (.number(let a)?, let b as Double):
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(b)) + 1e-15, "\(cell) \(key): \(a) against \(b)")
                case (.null?, is NSNull): break
                default: Issue.record("\(cell) \(key): \(String(describing: mine[key])) against \(String(describing: ref[key]))")
                }
            }
        }
        // The two cohorts compared (demo-small: 2026-07 against 2025-07).
        if let comparison = json["comparison"] as? [String: Any] {
            let result = try CohortRetention.compute(context, try CohortRetention.Options(OptionValues(options)))
            let c = try #require(result.comparison)
            #expect(c.a.description == comparison["a"] as? String && c.b.description == comparison["b"] as? String)
            let rows = comparison["rows"] as! [[String: Any]]
            #expect(rows.count == c.rows.count)
            for (mine, ref) in zip(c.rows, rows) {
                #expect(abs(mine.effect.estimate - (ref["estimate"] as! Double)) < 1e-12)
                #expect(abs(mine.effect.pValue - (ref["p_value"] as! Double)) < 1e-9)
                #expect(abs(mine.pAdjusted - (ref["p_adjusted"] as! Double)) < 1e-9)
            }
        }
    }

    /// Cells whose period is not over are left out (null), never 0; the heatmap leaves them blank.
    @Test func immatureCellsAreNotZero() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try CohortRetention.compute(context, .init())
        let last = try #require(result.cells.last)
        #expect(result.cohorts.last == result.lastComplete)
        #expect(last[0].retained != nil && last[1].retained == nil && last[1].rate == nil)
        let blocks = CohortRetention.render(result, context)
        guard case .chart(let chart) = blocks.first(where: { if case .chart = $0 { return true } else { return false } }),
            case .heatmap(let heat) = chart.kind
        else {
            Issue.record("no heatmap")
            return
        }
        #expect(heat.values.last?[1] == nil && heat.values.last?[0] != nil)
    }

    @Test func badOptionsAreNamed() throws {
        #expect(throws: AnalysisError.self) { try CohortRetention.Options(["activity": "logins"]) }
        #expect(throws: AnalysisError.self) { try CohortRetention.Options(["cohorts": "2026-05..2025-01"]) }
        #expect(throws: AnalysisError.self) { try CohortRetention.Options(["mode": "sometimes"]) }
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        do {
            _ = try CohortRetention.run(context, decoding: ["activity": "months:planets>0"])
            Issue.record("no error")
        } catch { #expect("\(error)".contains("planets")) }
        do {
            _ = try CohortRetention.run(context, decoding: ["compare": "2019-01,2019-02"])
            Issue.record("no error")
        } catch { #expect("\(error)".contains("must both be cohorts shown")) }
    }
}
