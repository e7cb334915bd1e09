import CampaignLabData
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// Tiers and their migration (issue 15, point 1) against Tests/References/tiers.py (pandas,
/// statsmodels 0.15 Wilson intervals), on demo-small and the foreign bank; and the same figures
/// when customers are stored in another order or ids in another form.
struct TierMigrationTests {
    static func compare(_ blocks: [ReportBlock], _ reference: String) throws {
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/" + reference))) as! [String: Any]
        let expected = json["migration"] as! [[String: Any]]
        let ours = CohortRetentionTests.records(blocks, "migration")
        #expect(ours.count == expected.count && expected.count >= 30)
        for (mine, ref) in zip(ours, expected) {
            let what = "\(ref["from_tier"]!) → \(ref["to_tier"]!)"
            #expect(
                mine["from_tier"] == .text(ref["from_tier"] as! String) && mine["to_tier"] == .text(ref["to_tier"] as! String), "\(what)")
            for key in ["customers", "share", "low", "high"] {
                guard case .number(let a)? = mine[key], let b = ref[key] as? Double else {
                    Issue.record("\(what) \(key)")
                    continue
                }
                #expect(abs(a - b) <= 1e-9 * max(1, abs(b)) + 1e-15, "\(what) \(key): \(a) against \(b)")
            }
        }
    }

    static let foreignOptions: OptionValues = [
        "quarter": "2026Q3", "metric": "balance", "tiers": "10000,100000,1000000", "activity": "months:logins>0", "dormant_months": "2",
    ]

    @Test func agreesWithThePandasRecomputation() throws {
        for (file, options, reference) in [
            ("demo-small.sqlite", OptionValues(["quarter": "2026Q3"]), "tiers_demo_small.json"),
            ("foreign-ab.sqlite", Self.foreignOptions, "tiers_foreign.json"),
            // Dormant also needing a balance under 1,000 at the quarter's end (tiers.py --dormant-balance 1000).
            ("demo-small.sqlite", OptionValues(["quarter": "2026Q3", "dormant_balance": "1000"]), "tiers_demo_small_balance.json"),
        ] {
            let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/" + file)
            let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
            try Self.compare(try TierMigration.run(context, decoding: options), reference)
        }
        // The net upgrade rate and the change against a year earlier (demo-small).
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try TierMigration.compute(context, .init(quarter: TierMigration.Quarter("2026Q3")))
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/tiers_demo_small.json"))) as! [String: Any]
        let net = json["net_upgrade"] as! [String: Any], change = json["change"] as! [String: Any]
        #expect(abs(result.migration.netUpgrade!.estimate - (net["estimate"] as! Double)) < 1e-12)
        #expect(abs(result.migration.netUpgrade!.interval.lower - (net["low"] as! Double)) < 1e-12)
        #expect(abs(result.change!.pValue - (change["p_value"] as! Double)) < 1e-9)
    }

    /// The demo generator writes the migration it made from the end of March to the end of
    /// June (table ground_truth_tiers: per cell the expected customers given everything known
    /// in March — the latent dormancy chain run forward, the chance of no login along it, the
    /// lognormal noise around each customer's level). The checkup's matrix recovers it: every
    /// cell with some spread within 3.5 standard deviations, and the net upgrade rate's interval
    /// covers the expected one, in each of the three years.
    @Test func recoversTheMigrationTheGeneratorMade() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let rows = ["mass", "affluent", "wealth", "private", "new"], columns = ["mass", "affluent", "wealth", "private", "dormant"]
        var checked = 0
        for quarter in ["2024Q2", "2025Q2", "2026Q2"] {
            let result = try TierMigration.compute(context, .init(quarter: TierMigration.Quarter(quarter)))
            var expected = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5), variance = expected
            for row in try db.rows(
                "SELECT from_tier, to_tier, expected, variance FROM ground_truth_tiers WHERE quarter = ?", [.text(quarter)])
            {
                let r = rows.firstIndex(of: row[0].textValue!)!, c = columns.firstIndex(of: row[1].textValue!)!
                expected[r][c] = row[2].doubleValue!
                variance[r][c] = row[3].doubleValue!
            }
            for r in 0..<5 {
                for c in 0..<5 where variance[r][c] >= 1 {
                    let z = (Double(result.migration.counts[r][c]) - expected[r][c]) / variance[r][c].squareRoot()
                    #expect(
                        abs(z) < 3.5, "\(quarter) \(rows[r]) → \(columns[c]): \(result.migration.counts[r][c]) against \(expected[r][c])")
                    checked += 1
                }
            }
            var up = 0.0, down = 0.0, stay = 0.0
            for r in 0..<4 {
                for c in 0..<4 {
                    if c > r { up += expected[r][c] } else if c < r { down += expected[r][c] } else { stay += expected[r][c] }
                }
            }
            let net = (up - down) / (up + down + stay)
            #expect(
                result.migration.netUpgrade!.interval.contains(net), "\(quarter) net upgrade \(result.migration.netUpgrade!) against \(net)"
            )
        }
        #expect(checked >= 30)
    }

    /// The tier table (JSON list `tiers`) at the quarter's end against Tests/References/tiers.py,
    /// and a year earlier against SQLite's own count of demo-small's 2025-09 balances by tier.
    @Test func tierTableNowAndAYearEarlier() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let records = CohortRetentionTests.records(try TierMigration.run(context, decoding: ["quarter": "2026Q3"]), "tiers")
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/tiers_demo_small.json"))) as! [String: Any]
        let now = records.filter { $0["quarter"] == .text("2026Q3") }
        let expected = json["tiers"] as! [[String: Any]]
        #expect(now.count == expected.count && expected.count == 4)
        for (mine, ref) in zip(now, expected) {
            #expect(mine["customers"] == .number(Double(ref["customers"] as! Int)))
            guard case .number(let amount)? = mine["amount"] else { Issue.record("amount"); continue }
            #expect(abs(amount - (ref["amount"] as! Double)) <= 1e-9 * (ref["amount"] as! Double))
        }
        let earlier = records.filter { $0["quarter"] == .text("2025Q3") }
        let counts = try db.rows(
            """
            SELECT CASE WHEN aum < 50000 THEN 0 WHEN aum < 500000 THEN 1 WHEN aum < 6000000 THEN 2 ELSE 3 END AS tier, count(*), sum(aum)
            FROM customer_months WHERE month = '2025-09' AND aum IS NOT NULL GROUP BY tier ORDER BY tier
            """)
        #expect(earlier.count == 4 && counts.count == 4)
        for (mine, row) in zip(earlier, counts) {
            #expect(mine["customers"] == .number(Double(row[1].intValue!)))
            guard case .number(let amount)? = mine["amount"] else { Issue.record("amount"); continue }
            #expect(abs(amount - row[2].doubleValue!) <= 1e-9 * row[2].doubleValue!)
        }
    }

    /// The foreign bank's customers stored in reverse order, and demo-small's ids written as
    /// text for even customers in customer_months (through a view): the same migration.
    @Test func orderAndIdFormsDoNotChangeTheFigures() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let shuffled = try demoSmallCopy(
            in: dir,
            then: """
                CREATE TABLE c2 AS SELECT * FROM customers ORDER BY customer_id DESC;
                DROP TABLE customers; ALTER TABLE c2 RENAME TO customers;
                """, file: "foreign-ab.sqlite")
        try Self.compare(try TierMigration.run(shuffled, decoding: Self.foreignOptions), "tiers_foreign.json")
        let textIDs = try demoSmallCopy(
            in: dir,
            then: """
                ALTER TABLE customer_months RENAME TO cm_raw;
                CREATE VIEW customer_months AS SELECT CASE WHEN customer_id % 2 = 0 THEN CAST(customer_id AS TEXT) ELSE customer_id END
                AS customer_id, month, aum, products_held, app_logins FROM cm_raw;
                """)
        try Self.compare(try TierMigration.run(textIDs, decoding: ["quarter": "2026Q3"]), "tiers_demo_small.json")
    }

    /// A customer missing at the quarter's end but back later is a gap in the data, not a
    /// closed account: left out and counted (the foreign bank has 9).
    @Test func aGapIsNotAClosedAccount() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/foreign-ab.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try TierMigration.compute(context, try TierMigration.Options(Self.foreignOptions))
        #expect(result.migration.gaps == 9)
        let markdown = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: TierMigration.render(result, context)), chartDirectory: "x"
        ).text
        #expect(markdown.contains("9 customers have no snapshot at the end of 2026Q3 but have one later"))
    }

    @Test func badInputIsNamed() throws {
        #expect(throws: AnalysisError.self) { try TierMigration.Options(["quarter": "2026Q5"]) }
        #expect(throws: AnalysisError.self) { try TierMigration.Options(["tiers": "500000,50000"]).validate() }
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        do {
            _ = try TierMigration.run(context, decoding: ["quarter": "2030Q1"])
            Issue.record("no error")
        } catch { #expect("\(error)".contains("the quarter is outside the data or not over")) }
    }
}
