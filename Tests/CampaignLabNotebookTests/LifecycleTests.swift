import CampaignLabData
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The lifecycle of the base (issue 15, point 2) against Tests/References/lifecycle.py (pandas,
/// statsmodels 0.15 Wilson intervals; checked there against a per-customer loop written from
/// the definitions), on demo-small and the foreign bank.
struct LifecycleTests {
    @Test(arguments: [
        ("demo-small.sqlite", [String: String](), "lifecycle_demo_small.json"),
        ("demo-small.sqlite", ["activity": "events:app_login,purchase", "dormant_months": "3"], "lifecycle_demo_small_events.json"),
        ("foreign-ab.sqlite", ["activity": "months:logins>0", "dormant_months": "2"], "lifecycle_foreign.json"),
        // Dormancy also needing a balance under 1,000 (lifecycle.py --dormant-balance 1000).
        ("demo-small.sqlite", ["dormant_balance": "1000"], "lifecycle_demo_small_balance.json"),
    ])
    func agreesWithThePandasRecomputation(file: String, options: [String: String], reference: String) throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/" + file)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let blocks = try Lifecycle.run(context, decoding: OptionValues(options))
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/" + reference))) as! [String: Any]
        let expected = json["lifecycle"] as! [[String: Any]]
        let ours = CohortRetentionTests.records(blocks, "lifecycle")
        #expect(ours.count == expected.count && expected.count >= 28)
        for (mine, ref) in zip(ours, expected) {
            let what = "\(ref["period"]!) \(ref["state"]!)"
            #expect(mine["period"] == .text(ref["period"] as! String) && mine["state"] == .text(ref["state"] as! String), "\(what)")
            for key in ["customers", "rate", "low", "high", "change_qoq", "change_yoy"] {
                switch (mine[key], ref[key]) {
                case (.number(let a)?, let b as Double):
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(b)) + 1e-15, "\(what) \(key): \(a) against \(b)")
                case (.null?, is NSNull): break
                default: Issue.record("\(what) \(key): \(String(describing: mine[key])) against \(String(describing: ref[key]))")
                }
            }
        }
    }

    /// Every active customer is new, retained, returning or resurrected: the flows add up to MAU.
    @Test func theFlowsAddUpToMAU() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try Lifecycle.compute(context, .init())
        #expect(result.months.count == 30)
        for m in result.months {
            let c = m.counts
            #expect(c[.new]! + c[.retained]! + c[.returning]! + c[.resurrected]! == c[.mau]!)
            #expect(c[.newlyDormant]! <= c[.dormant]!)
        }
        do {
            _ = try Lifecycle.compute(context, .init(activity: .events(["purchase"]), dormantMonths: 36))
            Issue.record("no error")
        } catch { #expect("\(error)".contains("classifying a month needs the 36 before it")) }
    }

    /// The demo generator writes the lifecycle it made (table ground_truth_lifecycle: per month
    /// and rate, the customers in the denominator and the expected count given each one's state
    /// the month before). The checkup's denominators are the generator's exactly, and its counts
    /// recover the expected ones: pooled over the months, within 3 standard deviations; month by
    /// month, the Wilson intervals cover the true rate in most months.
    @Test func recoversTheRatesTheGeneratorMade() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try Lifecycle.compute(context, .init())
        var truth: [String: (denominator: Int, expected: Double, variance: Double, rate: Double?)] = [:]
        for row in try db.rows("SELECT month, state, denominator, expected, variance, true_rate FROM ground_truth_lifecycle") {
            truth["\(row[0].textValue!)|\(row[1].textValue!)"] = (
                row[2].intValue!, row[3].doubleValue!, row[4].doubleValue!, row[5].doubleValue
            )
        }
        #expect(truth.count >= 90)
        for state in [Lifecycle.State.retained, .resurrected, .newlyDormant] {
            var observed = 0.0, expected = 0.0, variance = 0.0, covered = 0, months = 0
            for month in result.months {
                guard let t = truth["\(month.month)|\(state.rawValue)"] else {
                    Issue.record("no truth for \(month.month) \(state)")
                    continue
                }
                #expect(month.denominators[state] == t.denominator, "\(month.month) \(state) denominator")
                observed += Double(month.counts[state]!)
                expected += t.expected
                variance += t.variance
                if let rate = t.rate, let interval = month.rates[state]?.interval {
                    months += 1
                    if interval.contains(rate) { covered += 1 }
                }
            }
            let z = (observed - expected) / variance.squareRoot()
            #expect(abs(z) < 3, "\(state): \(observed) observed against \(expected) expected (z = \(z))")
            #expect(months >= 25 && Double(covered) >= 0.8 * Double(months), "\(state): covered in \(covered) of \(months) months")
        }
    }
}
