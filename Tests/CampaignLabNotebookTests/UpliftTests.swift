import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The uplift of growth_journey_2026 on the committed demo-small database against
/// Tests/References/uplift.py (pandas, scipy, statsmodels), whose output is the fixture
/// Tests/References/uplift_demo_small.json.
struct UpliftTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/References/uplift_demo_small.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }()

    static func analysis() throws -> UpliftAnalysis {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        return try CampaignUplift.compute(context, CampaignSelection(campaign: "growth_journey_2026"))[0]
    }

    @Test func agreesWithTheStatsmodelsRecomputation() throws {
        let a = try Self.analysis()
        let ref = Self.reference
        #expect(a.included.count == ref["included"] as? Int)
        let metrics = try #require(ref["metrics"] as? [String: [String: Any]])
        for m in a.metrics {
            let raw = try #require(metrics[m.metric])
            let r = raw.compactMapValues { $0 as? [String: Double] }
            func effect(_ method: UpliftMethod) -> EffectEstimate { m.estimate(method)!.effect! }
            #expect(close(effect(.naive).estimate, r["naive"]?["estimate"], floor: 1), "\(m.metric) naive")
            #expect(close(effect(.naive).interval.lower, r["naive"]?["low"], floor: 1), "\(m.metric) naive low")
            #expect(close(effect(.naive).pValue, r["naive"]?["p"], floor: 1), "\(m.metric) naive p")
            #expect(close(effect(.did).estimate, r["did"]?["estimate"], floor: 1), "\(m.metric) did")
            #expect(close(effect(.did).interval.upper, r["did"]?["high"], floor: 1), "\(m.metric) did high")
            let multiple = try #require(m.growthMultiple)
            #expect(close(multiple.estimate, r["multiple"]?["estimate"], floor: 1), "\(m.metric) multiple")
            #expect(close(multiple.interval.lower, r["multiple"]?["low"], floor: 1), "\(m.metric) multiple low")
            #expect(close(multiple.interval.upper, r["multiple"]?["high"], floor: 1), "\(m.metric) multiple high")
            #expect(close(effect(.regression).estimate, r["regression"]?["estimate"], floor: 1), "\(m.metric) regression")
            #expect(close(effect(.regression).standardError, r["regression"]?["se"], floor: 1), "\(m.metric) regression se")
            // The propensity scores come from two IRLS implementations (ours, statsmodels Logit):
            // they agree to ~1e-8, which bounds the agreement of the weighted estimates.
            #expect(
                close(effect(.ipw).estimate, r["ipw"]?["estimate"], 1e-7, floor: 1),
                "\(m.metric) ipw \(effect(.ipw).estimate) \(r["ipw"]?["estimate"] ?? .nan)")
            #expect(
                close(effect(.ipw).standardError, r["ipw"]?["se"], 1e-7, floor: 1),
                "\(m.metric) ipw se \(effect(.ipw).standardError) \(r["ipw"]?["se"] ?? .nan)")
            // statsmodels TreatmentEffect.ipw(effect_group=1): the same equations solved by GMM.
            #expect(close(effect(.ipw).estimate, r["ipw"]?["statsmodels_gmm_estimate"], 1e-5, floor: 1))
            #expect(close(effect(.ipw).standardError, r["ipw"]?["statsmodels_gmm_se"], 1e-4, floor: 1))
            #expect(
                close(effect(.aipw).estimate, r["aipw"]?["estimate"], 1e-7, floor: 1),
                "\(m.metric) aipw \(effect(.aipw).estimate) \(r["aipw"]?["estimate"] ?? .nan)")
            #expect(close(effect(.aipw).standardError, r["aipw"]?["se"], 1e-7, floor: 1), "\(m.metric) aipw se")
        }
        for m in a.metrics {
            let r = try #require(metrics[m.metric])
            func value(_ method: String, _ key: String) -> Any? { (r[method] as? [String: Any])?[key] }
            for (method, key) in [(UpliftMethod.entropy, "entropy"), (.ipwChange, "ipw_change"), (.drdid, "drdid")] {
                let e = try #require(m.estimate(method)?.effect)
                #expect(close(e.estimate, value(key, "estimate"), 1e-8, floor: 1), "\(m.metric) \(key)")
                #expect(close(e.standardError, value(key, "se"), 1e-7, floor: 1), "\(m.metric) \(key) se")
            }
            // Relative effects (delta method on the influence functions), every method.
            for (method, key) in [
                (UpliftMethod.naive, "naive"), (.did, "did"), (.regression, "regression"), (.ipw, "ipw"), (.aipw, "aipw"),
                (.entropy, "entropy"), (.drdid, "drdid"),
            ] {
                let relative = try #require(m.estimate(method)?.relative, "\(m.metric) \(key) relative")
                #expect(close(relative.estimate, value(key, "relative"), 1e-7, floor: 1), "\(m.metric) \(key) relative")
                #expect(close(relative.standardError, value(key, "relative_se"), 1e-6, floor: 1), "\(m.metric) \(key) relative se")
            }
            let honest = try #require(r["honest_multiple"] as? [String: Double])
            #expect(close(m.honestMultiple ?? .nan, honest["multiple"], 1e-8, floor: 1), "\(m.metric) honest multiple")
            #expect(m.defaultMethod == .entropy)
        }
        try checkSegments(a)
    }

    /// Per level: entropy balancing within the level (uplift.py "segments_entropy"), Holm/BH
    /// across the levels, DerSimonian–Laird shrinkage and Cochran's Q.
    func checkSegments(_ a: UpliftAnalysis) throws {
        let expected = try #require(Self.reference["segments_entropy"] as? [[String: Any]])
        var checked = 0
        for dimension in a.segments {
            for s in dimension.levels {
                guard
                    let e = expected.first(where: {
                        $0["metric"] as? String == dimension.metric && $0["dimension"] as? String == s.dimension
                            && $0["level"] as? String == s.level
                    })
                else {
                    Issue.record("\(dimension.metric) \(s.dimension)=\(s.level) not in the reference")
                    continue
                }
                // Levels balanced in the limit (wealth, southwest: weights → 0 on controls of a cell
                // without participants) and on the metrics alone (northeast) are in the reference.
                guard !(e["estimate"] is NSNull) else {
                    #expect(s.effect == nil, "\(dimension.metric) \(s.dimension)=\(s.level): the reference has no estimate")
                    continue
                }
                guard let effect = s.effect else {
                    Issue.record("\(dimension.metric) \(s.dimension)=\(s.level): no estimate, the reference has one")
                    continue
                }
                #expect(close(effect.estimate, e["estimate"], 1e-8, floor: 1), "\(dimension.metric) \(s.level)")
                #expect(close(effect.standardError, e["se"], 1e-8, floor: 1), "\(dimension.metric) \(s.level) se")
                #expect(close(s.holmPValue ?? .nan, e["p_holm"], 1e-7, floor: 1), "\(dimension.metric) \(s.level) holm")
                #expect(close(s.shrunken ?? .nan, e["shrunken"], 1e-7, floor: 1), "\(dimension.metric) \(s.level) shrunken")
                #expect(
                    close(s.shrunkenStandardDeviation ?? .nan, e["shrunken_sd_swift_rule"], 1e-7, floor: 1),
                    "\(dimension.metric) \(s.level) shrunken sd")
                #expect((s.note == .metricsOnlyBalance) == (e["fallback"] as? String == "metrics_only"), "\(s.level) fallback")
                checked += 1
            }
        }
        #expect(checked == 48)
    }
}

/// The demo bank's generator knows the true effect (table ground_truth): the adjusted
/// estimates must cover it, the naive comparisons must not.
struct UpliftGroundTruthTests {
    @Test(arguments: ["growth_journey_2026", "growth_journey_2025"])
    func adjustedIntervalsCoverTheTruthAndTheNaiveMultipleIsBiased(campaign: String) throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let a = try CampaignUplift.compute(context, CampaignSelection(campaign: campaign))[0]
        for m in a.metrics {
            func effect(_ method: UpliftMethod) -> EffectEstimate { m.estimate(method)!.effect! }
            // ground_truth: the ATT over this file's participants, computed by the generator.
            let truth = try #require(
                try db.rows(
                    """
                    SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = ? AND estimand = 'ATT' AND dimension IS NULL
                    """, [.text(campaign), .text(m.metric)]
                ).first?[0].doubleValue)
            for method in [UpliftMethod.regression, .entropy, .drdid, .aipw] {
                let e = effect(method)
                #expect(e.interval.contains(truth), "\(campaign) \(m.metric) \(method): \(e.interval) misses \(truth)")
            }
            #expect(m.defaultMethod == .entropy)
            // The naive post-period difference is a multiple of the truth (self-selection).
            #expect(effect(.naive).estimate > 2 * truth, "\(campaign) \(m.metric) naive \(effect(.naive).estimate)")
            // For balances and logins, whose untreated growth is proportional to the customer's
            // level (demo_info 'model'), DiD and the growth multiple are biased upwards too; for
            // products the campaign's effect dwarfs natural growth, so their bias is small.
            if m.metric != "products_held" {
                let g1 = m.arms[1].change.estimate
                let honest = g1 / (g1 - truth)
                let multiple = try #require(m.growthMultiple)
                #expect(effect(.did).estimate > 1.1 * truth, "\(campaign) \(m.metric) DiD \(effect(.did).estimate)")
                #expect(multiple.estimate > 1.5 * honest, "\(campaign) \(m.metric): naive \(multiple.estimate) vs honest \(honest)")
                // The honest multiple from the default estimate is near the true one.
                let estimated = try #require(m.honestMultiple)
                #expect(abs(estimated - honest) < 0.5 * honest, "\(campaign) \(m.metric): honest \(estimated) vs true \(honest)")
            }
        }
    }
}

struct YearOverYearAnalysisTests {
    /// Against the year-over-year section of Tests/References/uplift.py (pandas, scipy).
    @Test func agreesWithThePandasRecomputation() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let y = try CampaignYearOverYear.compute(context, .init(CampaignSelection(campaign: "growth_journey_2026")))
        let ref = try #require(UpliftTests.reference["yoy"] as? [String: Any])
        #expect(y.included == ref["included"] as? Int)
        #expect(y.previousPost == YearMonth("2025-09")!...YearMonth("2025-10")!)
        let metrics = try #require(ref["metrics"] as? [String: [String: [String: Double]]])
        for m in y.metrics {
            let r = try #require(metrics[m.metric])
            for arm in m.arms {
                let e = try #require(r[arm.arm])
                #expect(
                    close(arm.factor.estimate, e["factor"], floor: 1) && close(arm.factor.interval.lower, e["low"], floor: 1)
                        && close(arm.factor.interval.upper, e["high"], floor: 1),
                    "\(m.metric) \(arm.arm) factor")
                #expect(
                    close(arm.growth.estimate, e["growth"], floor: 1) && close(arm.growth.standardError, e["growth_se"], floor: 1),
                    "\(m.metric) \(arm.arm) growth")
            }
            let triple = try #require(r["triple"])
            #expect(
                close(m.tripleDifference.estimate, triple["estimate"], floor: 1)
                    && close(m.tripleDifference.interval.lower, triple["low"], floor: 1)
                    && close(m.tripleDifference.pValue, triple["p"], floor: 1), "\(m.metric) triple")
        }
    }

    @Test func springFestivalAlignmentMovesJanuaryWindows() throws {
        // A campaign in February 2026 (festival 2026-02-17) compared with January 2025 (festival
        // 2025-01-29): YearOverYear's rule, checked end to end on the fixture database.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(
            at: path,
            then: """
                DELETE FROM customer_months;
                INSERT INTO customer_months (customer_id, month, aum, products_held, app_logins)
                WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 17)
                SELECT c.customer_id, printf('%04d-%02d', 2024 + ((10 + i) / 12), 1 + (10 + i) % 12), 1000.0 * c.customer_id + 10 * i + (c.customer_id * i) % 7,
                       1 + (c.customer_id + i) % 3, (c.customer_id * i) % 11
                FROM customers c, m;
                UPDATE campaigns SET starts_on = '2026-02-01', ends_on = '2026-02-28' WHERE campaign_id = 'growth';
                """)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let y = try CampaignYearOverYear.compute(context, .init(CampaignSelection(campaign: "growth"), alignment: .springFestival))
        #expect(y.currentPost == YearMonth("2026-02")!...YearMonth("2026-02")!)
        #expect(y.previousPost == YearMonth("2025-01")!...YearMonth("2025-01")!)
        #expect(y.previousPre == YearMonth("2024-12")!...YearMonth("2024-12")!)
        let same = try CampaignYearOverYear.compute(context, .init(CampaignSelection(campaign: "growth"), alignment: .sameDates))
        #expect(same.previousPost == YearMonth("2025-02")!...YearMonth("2025-02")!)
    }
}

struct CampaignPanelTests {
    /// Reading the customers in two slices on two connections gives the same panel as one pass.
    @Test func twoSlicesReadTheSameValuesAsOne() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let schema = try ContractSchema.discover(in: db)
        let campaign = try CampaignInfo.load("growth_journey_2026", from: db)
        let windows = CampaignWindows(campaign: campaign)
        let extra = [windows.pre.lowerBound.adding(months: -12)...windows.pre.upperBound.adding(months: -12)]
        let saved = CampaignPanel.parallelReadThreshold
        defer { CampaignPanel.parallelReadThreshold = saved }
        CampaignPanel.parallelReadThreshold = .max
        let one = try CampaignPanel.load(
            campaign, windows: windows, extraWindows: extra, metrics: schema.metrics, schema: schema, database: db)
        CampaignPanel.parallelReadThreshold = 0
        let two = try CampaignPanel.load(
            campaign, windows: windows, extraWindows: extra, metrics: schema.metrics, schema: schema, database: db)
        #expect(one.count == two.count && one.count > 1_000)
        func same(_ a: [[Double]], _ b: [[Double]]) -> Bool {
            a.count == b.count
                && zip(a, b).allSatisfy { x, y in x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        }
        #expect(same(one.pre, two.pre) && same(one.post, two.post) && same(one.extra[0], two.extra[0]))
        #expect(one.arm == two.arm && one.dimensionCodes == two.dimensionCodes)
    }
}

struct EventMetricTests {
    /// Events metrics from metric_definitions enter the uplift; their per-customer values
    /// equal an independent SQL count / sum over the same window (demo-small's
    /// metric_definitions: page_views count, purchase_amount sum, purchase_conversion any).
    @Test func eventMetricsAreCountedPerWindow() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let schema = try ContractSchema.discover(in: db)
        let context = AnalysisContext(database: db, schema: schema, language: .en)
        let defaults = try CampaignUplift.campaignMetrics(nil, schema)
        #expect(
            defaults.metrics == ["aum", "products_held", "app_logins", "purchase_conversion", "purchase_amount", "page_views", "clicks"])
        #expect(defaults.optional == ["purchase_conversion", "purchase_amount", "page_views", "clicks"])
        let panel = try SharedCampaignPanel.load(
            context, campaign: "page_ab_2026", metrics: ["aum", "page_views", "purchase_amount", "purchase_conversion"],
            preMonths: nil
        ).panel
        // Independent SQL over the campaign month 2026-06.
        let reference = try db.rows(
            """
            SELECT a.customer_id, sum(e.event = 'page_view'), total(CASE WHEN e.event = 'purchase' THEN e.value END),
                   max(coalesce(e.event = 'purchase', 0))
            FROM assignments a LEFT JOIN events e ON e.customer_id = a.customer_id
                 AND e.occurred_at >= '2026-06' AND e.occurred_at < '2026-07'
            WHERE a.campaign_id = 'page_ab_2026' GROUP BY a.customer_id ORDER BY a.customer_id
            """)
        #expect(reference.count == panel.count)
        for (i, row) in reference.enumerated() {
            #expect(panel.post[1][i] == (row[1].doubleValue ?? 0), "page_views row \(i)")
            #expect(abs(panel.post[2][i] - row[2].doubleValue!) < 1e-9, "purchase_amount row \(i)")
            #expect(panel.post[3][i] == (row[3].doubleValue ?? 0), "purchase_conversion row \(i)")
        }
        #expect(panel.post[1].reduce(0, +) > 0 && panel.pre[1].reduce(0, +) > 0)
        // The growth campaign has no page views before it starts: by default the metric is
        // left out (and said so); asked for by name it is an error naming the metric.
        let growth = try SharedCampaignPanel.load(
            context, campaign: "growth_journey_2026", metrics: defaults.metrics,
            optional: defaults.optional, preMonths: nil
        ).panel
        #expect(growth.metrics == ["aum", "products_held", "app_logins"])
        #expect(growth.metricsLeftOut == ["purchase_conversion", "purchase_amount", "page_views", "clicks"])
        #expect {
            _ = try SharedCampaignPanel.load(context, campaign: "growth_journey_2026", metrics: ["page_views"], preMonths: nil).panel
        } throws: {
            "\($0)".contains("no customer of campaign 'growth_journey_2026' has a 'page_view' event (metric page_views) in the pre-period")
        }
    }

    /// `events.value` is optional in the contract: counts and conversions are read without it; a
    /// metric that sums it asks for the column by name.
    @Test func eventsWithoutValueServeCountsAndRefuseSums() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let full = try SharedCampaignPanel.load(
            try demoSmallCopy(in: dir), campaign: "page_ab_2026", metrics: ["page_views", "purchase_conversion"], preMonths: nil
        ).panel
        let bare = try demoSmallCopy(in: dir, then: "ALTER TABLE events DROP COLUMN value")
        let panel = try SharedCampaignPanel.load(
            bare, campaign: "page_ab_2026", metrics: ["page_views", "purchase_conversion"], preMonths: nil
        )
        .panel
        #expect(panel.post == full.post && panel.pre == full.pre)
        #expect(panel.post[0].reduce(0, +) > 0)
        #expect {
            _ = try SharedCampaignPanel.load(bare, campaign: "page_ab_2026", metrics: ["purchase_amount"], preMonths: nil).panel
        } throws: {
            "\($0)".contains("table events, column value") && "\($0)".contains("metric 'purchase_amount' sums it")
        }
    }

    /// page_ab_2026's page views and purchase amounts on a changed copy of demo-small.
    static func pageViewsPanel(in dir: TemporaryDirectory, then sql: String?) throws -> CampaignPanel {
        try SharedCampaignPanel.load(
            try demoSmallCopy(in: dir, then: sql), campaign: "page_ab_2026", metrics: ["page_views", "purchase_amount"], preMonths: nil
        ).panel
    }

    /// An events metric counts an event in the month of its reporting-zone time: exported in UTC
    /// ('…Z', eight hours earlier, so some fall on the previous day or month as text) the
    /// panel is the same as from the bank's local times.
    @Test func eventsWithOffsetsCountInTheirReportingZoneMonth() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func panel(_ sql: String?) throws -> CampaignPanel { try Self.pageViewsPanel(in: dir, then: sql) }
        let local = try panel(nil), utc = try panel("UPDATE events SET occurred_at = datetime(occurred_at, '-8 hours') || 'Z'")
        #expect(local.post[0].reduce(0, +) > 0)
        #expect(utc.pre == local.pre && utc.post == local.post)
    }

    /// events.customer_id stored as TEXT ('17') while customers and assignments store INTEGER
    /// (17), through a view as a bank's export often has it: the same customers, the same panel.
    /// Ids in another form ('00017') are refused with both forms named, not counted as zeros.
    @Test func customerIdsAreMatchedAcrossStorageTypes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func panel(_ sql: String?) throws -> CampaignPanel { try Self.pageViewsPanel(in: dir, then: sql) }
        let stored = try panel(nil), text = try panel(eventsView("CAST(customer_id AS TEXT)"))
        #expect(stored.post[0].reduce(0, +) > 0)
        #expect(text.pre == stored.pre && text.post == stored.post)
        #expect(throws: DataError.self) { try panel(eventsView("printf('%05d', customer_id)")) }
        do {
            _ = try panel(eventsView("printf('%05d', customer_id)"))
        } catch {
            let message = "\(error)"
            #expect(message.contains("events") && message.contains("stored as TEXT here but as INTEGER in assignments"), "\(message)")
        }
    }

    /// A customer's month twice in customer_months (through a view) would count twice in a sum
    /// and weigh twice in a mean: refused as `check` refuses a duplicate key, or, leaving bad
    /// rows out, the repeat is dropped and the panel is the original one.
    @Test func aRepeatedMonthIsRefusedOrLeftOut() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let repeated = """
            ALTER TABLE customer_months RENAME TO months_raw;
            CREATE VIEW customer_months AS SELECT * FROM months_raw
              UNION ALL SELECT * FROM months_raw WHERE customer_id = 2 AND month = '2026-09'
            """
        func panel(_ sql: String?, _ badRows: BadRows = .refusing) throws -> CampaignPanel {
            try SharedCampaignPanel.load(
                try demoSmallCopy(in: dir, then: sql, badRows: badRows), campaign: "growth_journey_2026", metrics: ["aum"], preMonths: nil
            ).panel
        }
        let original = try panel(nil)
        do {
            _ = try panel(repeated)
            Issue.record("expected the repeated month to be refused")
        } catch {
            #expect(
                "\(error)".hasPrefix(
                    "table customer_months, column month, row customer_id=2, month='2026-09': the customer has more than one row for this month"
                ),
                "\(error)")
        }
        let badRows = BadRows(.exclude)
        let lenient = try panel(repeated, badRows)
        #expect(lenient.pre == original.pre && lenient.post == original.post)
        #expect(badRows.excluded.map(\.count) == [1] && badRows.excluded.first?.problem == "repeating a customer's month")
    }

    @Test func ratioMetricsAreRefusedClearly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: path)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        #expect {
            _ = try CampaignUplift.compute(context, CampaignSelection(campaign: "growth", metrics: ["aum_per_product"]))
        } throws: { "\($0)".contains("'aum_per_product' is a ratio metric") }
    }
}
