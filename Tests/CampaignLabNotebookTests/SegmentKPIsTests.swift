import CampaignLabData
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// Per-capita KPIs by segment (issue 15, point 5) against Tests/References/kpis.py (pandas,
/// scipy 1.17 t distribution; a loop-based recomputation inside), on demo-small and the foreign bank.
struct SegmentKPIsTests {
    static func compare(_ blocks: [ReportBlock], _ reference: String) throws {
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/" + reference))) as! [String: Any]
        let expected = json["kpis"] as! [[String: Any]]
        let ours = CohortRetentionTests.records(blocks, "kpis")
        #expect(ours.count == expected.count && expected.count >= 12)
        for (mine, ref) in zip(ours, expected) {
            let what = "\(ref["level"] ?? "all") \(ref["kpi"]!)"
            #expect(mine["kpi"] == .text(ref["kpi"] as! String) && mine["segment"] == .text(ref["segment"] as! String), "\(what)")
            for key in ["value", "change_qoq", "change_yoy", "p_value", "p_value_qoq"] {
                switch (mine[key], ref[key]) {
                case (.number(let a)?, let b as Double):
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(b)) + 1e-12, "\(what) \(key): \(a) against \(b)")
                case (.null?, is NSNull): break
                default: Issue.record("\(what) \(key): \(String(describing: mine[key])) against \(String(describing: ref[key]))")
                }
            }
        }
    }

    @Test func agreesWithThePandasRecomputation() throws {
        for (file, options, reference) in [
            ("demo-small.sqlite", OptionValues(["quarter": "2026Q3", "by": "segment"]), "kpis_demo_small.json"),
            ("foreign-ab.sqlite", OptionValues(["quarter": "2026Q3", "by": "tier", "activity": "months:logins>0"]), "kpis_foreign.json"),
        ] {
            let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/" + file)
            let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
            try Self.compare(try SegmentKPIs.run(context, decoding: options), reference)
        }
    }

    /// A level whose value is the empty text is a level of its own, not the whole base; a
    /// quarter that is not over is said to be partial.
    @Test func anEmptyLevelIsNotTheWholeBase() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(in: dir, then: "UPDATE customers SET segment = '' WHERE customer_id <= 50")
        let result = try SegmentKPIs.compute(context, .init(quarter: TierMigration.Quarter("2026Q3"), by: "segment"))
        let all = try #require(result.rows.first { $0.level == nil && $0.kpi == "aum" })
        let empty = try #require(result.rows.first { $0.level == "" && $0.kpi == "aum" })
        let levels = result.rows.filter { $0.level != nil && $0.kpi == "aum" }
        // The whole base counts each customer once: its customers are the levels' together.
        #expect(all.now.count == levels.reduce(0) { $0 + $1.now.count })
        #expect(empty.now.count > 0 && empty.now.count < all.now.count)
        let partial = try SegmentKPIs.compute(context, .init(quarter: TierMigration.Quarter("2026Q4")))
        #expect(partial.partial)
    }

    /// Q1 against Q1 a year earlier is the Jan+Feb alignment of the Spring Festival: the
    /// report says where the festival fell, and the year-earlier months are January–March
    /// (the change equals one computed by SQL on those months).
    @Test func aFirstQuarterNamesTheSpringFestival() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let blocks = try SegmentKPIs.run(context, decoding: ["quarter": "2026Q1", "by": "none"])
        let markdown = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: blocks), chartDirectory: "x"
        )
        .text
        #expect(markdown.contains("2026-02-17") && markdown.contains("2025-01-29") && markdown.contains("Jan+Feb"))
        let aum = CohortRetentionTests.records(blocks, "kpis").first { $0["kpi"] == .text("aum") }!
        // Per-customer quarterly means of aum, 2026Q1 over 2025Q1, by SQL.
        let means = try db.rows(
            """
            SELECT avg(m) FROM (SELECT customer_id, avg(aum) AS m FROM customer_months
              WHERE month BETWEEN ? AND ? AND aum IS NOT NULL GROUP BY customer_id)
            """, [.text("2026-01"), .text("2026-03")])[0][0].doubleValue!
        let before = try db.rows(
            """
            SELECT avg(m) FROM (SELECT customer_id, avg(aum) AS m FROM customer_months
              WHERE month BETWEEN ? AND ? AND aum IS NOT NULL GROUP BY customer_id)
            """, [.text("2025-01"), .text("2025-03")])[0][0].doubleValue!
        guard case .number(let change)? = aum["change_yoy"], case .number(let value)? = aum["value"] else {
            Issue.record("no change")
            return
        }
        #expect(abs(value - means) <= 1e-9 * means)
        #expect(abs(change - (means / before - 1)) <= 1e-9)
    }
}
