import CampaignLabData
import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The funnel of growth_journey_2026 on demo-small against Tests/References/funnel.py
/// (pandas + lifelines), fixture funnel_demo_small.json.
struct FunnelTests {
    @Test func agreesWithLifelines() throws {
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/References/funnel_demo_small.json")
        let ref = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let f = try CampaignFunnel.compute(context, .init(campaign: "growth_journey_2026"))
        #expect(f.reached == ref["reached"] as? [Int])
        let km = try #require(f.curve)
        for day in [7, 30] {
            let r = try #require(ref["converted_by_\(day)"] as? [String: Double])
            let e = km.eventProbability(by: Double(day))
            #expect(
                close(e.estimate, r["estimate"], floor: 1) && close(e.interval.lower, r["low"], floor: 1)
                    && close(e.interval.upper, r["high"], floor: 1), "day \(day): \(e)")
        }
        #expect(close(km.timeToEvent(quantile: 0.25).time, ref["q25_days"], floor: 1))
        let lr = try #require(f.logRank), r = try #require(ref["logrank"] as? [String: Double])
        #expect(close(lr.statistic, r["statistic"], floor: 1) && close(lr.pValue, r["p"], floor: 1))
    }

    /// Scanning events in two rowid ranges on two connections gives the same funnel.
    @Test func twoRangesGiveTheSameFunnel() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let saved = CampaignEvents.parallelReadThreshold
        defer { CampaignEvents.parallelReadThreshold = saved }
        CampaignEvents.parallelReadThreshold = .max
        let one = try CampaignFunnel.compute(context, .init(campaign: "growth_journey_2026"))
        CampaignEvents.parallelReadThreshold = 0
        let two = try CampaignFunnel.compute(context, .init(campaign: "growth_journey_2026"))
        #expect(one.reached == two.reached && one.durations == two.durations && one.converted == two.converted && one.cutoff == two.cutoff)
    }
}
