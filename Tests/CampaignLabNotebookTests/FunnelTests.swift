import CampaignLabData
import CampaignLabReport
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

    /// The run reads a campaign's assignments once for the uplift and the funnel; a value only
    /// one of them uses stops that one alone: an unparsable `assigned_at` fails the funnel
    /// naming the row while the uplift goes on, a word in a numeric customers column fails the
    /// uplift naming the row while the funnel goes on.
    @Test func aSharedReadKeepsEachAnalysisToItsOwnProblems() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let selection = CampaignSelection(campaign: "growth_journey_2026", metrics: ["aum"])
        let badTime = try demoSmallCopy(
            in: dir,
            then:
                "UPDATE assignments SET assigned_at = 'soon' WHERE campaign_id = 'growth_journey_2026' AND customer_id = 1")
        #expect(try CampaignUplift.compute(badTime, selection).first?.metrics.first?.headline != nil)
        #expect {
            _ = try CampaignFunnel.compute(badTime, .init(campaign: "growth_journey_2026"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("assigned_at") && text.contains("customer_id=1") && text.contains("'soon' is not an ISO 8601 timestamp")
        }
        let badNumber = try demoSmallCopy(
            in: dir,
            then:
                """
                ALTER TABLE customers ADD COLUMN age INTEGER;
                UPDATE customers SET age = 20 + customer_id % 50;
                UPDATE customers SET age = 'unknown' WHERE customer_id = 3;
                """)
        #expect(try CampaignFunnel.compute(badNumber, .init(campaign: "growth_journey_2026")).reached.first ?? 0 > 0)
        #expect {
            _ = try CampaignUplift.compute(badNumber, selection)
        } throws: { error in
            let text = "\(error)"
            return text.contains("column age") && text.contains("customer_id=3") && text.contains("is not a number")
        }
    }

    /// A bank without one of the default steps' events: the default funnel leaves it out and
    /// says so; steps named explicitly must all exist (an error naming the option).
    @Test func defaultStepsAreThoseTheBankHas() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(in: dir, then: "DELETE FROM events WHERE event = 'reward'")
        let f = try CampaignFunnel.compute(context, .init(campaign: "growth_journey_2026"))
        #expect(f.steps == ["assigned", "page_view", "click", "enroll", "task_complete"])
        #expect(f.omittedSteps == ["reward"])
        let text = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: CampaignFunnel.steps(f, context)), chartDirectory: "x"
        ).text
        #expect(text.contains("Default steps this bank has no events of were left out: reward."))
        #expect {
            _ = try CampaignFunnel.compute(context, .init(campaign: "growth_journey_2026", steps: ["assigned", "page_view", "reward"]))
        } throws: { "\($0)".contains("no event 'reward' in table events") }
    }

    /// Events exported with an offset ('…T10:00:00+08:00', or the same instant in UTC '…02:00:00Z')
    /// count at the same reporting-zone time as the bank's local '… 10:00:00': the same funnel.
    @Test func eventsWithOffsetsGiveTheSameFunnel() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func funnel(_ sql: String?) throws -> [Int] {
            try CampaignFunnel.compute(try demoSmallCopy(in: dir, then: sql), .init(campaign: "growth_journey_2026")).reached
        }
        let local = try funnel(nil)
        #expect(local[1] > 0)
        #expect(try funnel("UPDATE events SET occurred_at = replace(occurred_at, ' ', 'T') || '+08:00'") == local)
        #expect(try funnel("UPDATE events SET occurred_at = datetime(occurred_at, '-8 hours') || 'Z'") == local)
    }

    /// TEXT customer ids in events against INTEGER ids in assignments give the same funnel;
    /// zero-padded ids ('00017') are refused with both storage forms named.
    @Test func customerIdsAreMatchedAcrossStorageTypes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func funnel(_ id: String?) throws -> [Int] {
            try CampaignFunnel.compute(try demoSmallCopy(in: dir, then: id.map(eventsView)), .init(campaign: "growth_journey_2026")).reached
        }
        let stored = try funnel(nil)
        #expect(stored[1] > 0)
        #expect(try funnel("CAST(customer_id AS TEXT)") == stored)
        #expect(throws: DataError.self) { try funnel("printf('%05d', customer_id)") }
    }

    /// A customer listed twice in customers (through a view) and an assigned customer customers
    /// lacks — errors to `check` — are refused naming the row, as `check` would; leaving bad
    /// rows out, the funnel counts neither and the run lists both (demo-small's customer 2 is
    /// a participant of growth_journey_2026).
    @Test(arguments: [
        (
            "ALTER TABLE customers RENAME TO customers_raw; CREATE VIEW customers AS SELECT * FROM customers_raw UNION ALL SELECT * FROM customers_raw WHERE customer_id = 2",
            "table customers, column customer_id, row customer_id=2: the customer has more than one row in customers", -1
        ),
        (
            "INSERT INTO assignments VALUES ('growth_journey_2026', 999999, 'participant', '2026-09-05 10:00:00')",
            "table assignments, column customer_id, row campaign_id='growth_journey_2026', customer_id=999999: the customer is not in table customers",
            0
        ),
    ])
    func customersAssignedTwiceOrUnknownAreRefusedOrLeftOut(sql: String, message: String, change: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let options = CampaignFunnel.Options(campaign: "growth_journey_2026")
        let original = try CampaignFunnel.compute(try demoSmallCopy(in: dir), options).reached
        do {
            _ = try CampaignFunnel.compute(try demoSmallCopy(in: dir, then: sql), options)
            Issue.record("expected the bad row to be refused")
        } catch {
            #expect("\(error)".hasPrefix(message) && "\(error)".hasSuffix("(--exclude-bad-rows leaves such rows out)"), "\(error)")
        }
        let badRows = BadRows(.exclude)
        let lenient = try CampaignFunnel.compute(try demoSmallCopy(in: dir, then: sql, badRows: badRows), options).reached
        #expect(lenient[0] == original[0] + change)
        // Rows dropped: both rows of the customer listed twice; the one unknown customer's row.
        #expect(badRows.excluded.count == 1 && badRows.excluded[0].count == (change == -1 ? 2 : 1), "\(badRows.excluded)")
    }

    /// Customers who have not converted are censored where the data end, not at the last
    /// event of the funnel's steps (on demo-small the last reward is on 2026-10-14): at the
    /// campaign's end when events reach its last day, else at the latest event of any kind.
    @Test func theDataCutOffIsTheEndOfTheData() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let options = CampaignFunnel.Options(campaign: "growth_journey_2026")
        let context = try demoSmallCopy(in: dir)
        let lastReward = try #require(try context.sqlite("test").scalarText("SELECT max(occurred_at) FROM events WHERE event = 'reward'"))
        #expect(lastReward < "2026-10-15")
        #expect(Timestamp(secondsSinceEpoch: try CampaignFunnel.compute(context, options).cutoff).description == "2026-11-01 00:00:00")
        // Data extracted on 2026-10-20: the latest event before then.
        let early = try demoSmallCopy(in: dir, then: "DELETE FROM events WHERE occurred_at >= '2026-10-20 12:00:00'")
        let latest = try #require(try early.sqlite("test").scalarText("SELECT max(occurred_at) FROM events"))
        #expect(latest > lastReward)
        #expect(Timestamp(secondsSinceEpoch: try CampaignFunnel.compute(early, options).cutoff).description == latest)
    }

    /// The time-to-convert chart of a large funnel keeps a few hundred points of the curve,
    /// each exact, and the curve drawn through them is within 0.001 of the full one.
    @Test func aLongCurveIsThinnedForTheChart() {
        // 100,000 steps of a smooth curve (a stand-in for a million customers' KM steps).
        let points = [(x: 0.0, y: 0.0)] + (1...100_000).map { i in (x: Double(i) * 60 / 100_000, y: 0.4 * (1 - exp(-Double(i) / 20_000))) }
        let kept = FunnelWalk.thinned(points)
        #expect(kept.count < 1_500 && kept.count > 100, "\(kept.count)")
        #expect(kept.first! == points.first! && kept.last! == points.last!)
        // The step curve through the kept points, evaluated at every original point.
        var k = 0, worst = 0.0
        for p in points {
            while k + 1 < kept.count && kept[k + 1].x <= p.x { k += 1 }
            worst = max(worst, abs(p.y - kept[k].y))
        }
        #expect(worst <= 0.001 + 1e-12, "\(worst)")
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
