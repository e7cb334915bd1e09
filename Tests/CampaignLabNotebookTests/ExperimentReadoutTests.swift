import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The A/B readout (issue 14) of demo-small's page_ab_2026 against Tests/References/readout.py
/// (pandas, scipy 1.17, statsmodels, gbstats' confidence sequence transcribed), whose outputs
/// are the fixtures Tests/References/readout_demo_small.json (the whole test) and
/// readout_demo_small_interim.json (as of 2026-06-14, N* = 381).
struct ExperimentReadoutTests {
    static func reference(_ name: String, list: String = "estimates") throws -> [[String: Any]] {
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/References/\(name)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return object?[list] as? [[String: Any]] ?? []
    }

    static func demoSmall() throws -> AnalysisContext {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        return AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
    }

    static func readout(_ context: AnalysisContext, _ options: ExperimentReadout.Options) throws -> ReadoutResult {
        try options.validate()
        let input =
            try options.summary != nil ? ReadoutInput.fromSummary(options, context) : ReadoutInput.fromRows(options, context)
        return try ExperimentReadout.estimate(input, options)
    }

    static func close(_ a: Double?, _ b: Any?, _ what: String) {
        guard let a, let b = b as? Double else {
            Issue.record("\(what): \(String(describing: a)) against \(String(describing: b))")
            return
        }
        #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(what): \(a) against \(b)")
    }

    /// Every metric × variant of the readout, fixed-horizon, against the reference.
    @Test func agreesWithThePandasRecomputation() throws {
        let result = try Self.readout(Self.demoSmall(), .init(campaign: "page_ab_2026"))
        #expect(!result.input.interim && result.input.readThrough?.description == "2026-06-28")
        let references = try Self.reference("readout_demo_small.json")
        #expect(references.count == 16)
        for ref in references {
            let metric = ref["metric"] as! String, arm = ref["arm"] as! String
            let m = try #require(result.metrics.first { $0.metric.metric == metric })
            let c = try #require(m.comparisons.first { result.input.arms[$0.arm] == arm })
            let comparison = try #require(c.comparison)
            let what = "\(metric) \(arm)"
            #expect(comparison.theta != nil || !(ref["cuped"] as! Bool), "\(what): CUPED")
            #expect(m.metric.sums[c.arm].count == ref["n_treatment"] as! Double, "\(what): n")
            Self.close(comparison.absolute.estimate, ref["estimate"], what + " estimate")
            Self.close(comparison.absolute.interval.lower, ref["low"], what + " low")
            Self.close(comparison.absolute.interval.upper, ref["high"], what + " high")
            Self.close(comparison.absolute.pValue, ref["p_value"], what + " p")
            Self.close(comparison.relative?.estimate, ref["relative"], what + " relative")
            Self.close(comparison.relative?.interval.lower, ref["relative_low"], what + " relative low")
            Self.close(comparison.relative?.interval.upper, ref["relative_high"], what + " relative high")
            Self.close(comparison.unadjusted.estimate, ref["unadjusted_estimate"], what + " unadjusted")
            Self.close(comparison.unadjusted.pValue, ref["unadjusted_p_value"], what + " unadjusted p")
            Self.close(c.pAdjusted, ref["p_adjusted"], what + " Holm")
            Self.close(c.chanceToWin, ref["chance_to_win"], what + " chance to win")
            Self.close(c.expectedLoss, ref["expected_loss"], what + " expected loss")
            if ref["balance_p_value"] is Double { Self.close(c.balance?.pValue, ref["balance_p_value"], what + " balance p") }
        }
    }

    /// A bank the project did not make (datasets/foreign/foreign_ab.py: TEXT ids, events in
    /// India time read in UTC+08:00, other event names, heavy-tailed orders, a 50/25/25 split,
    /// another campaign's events mixed in): every estimate agrees with the reference run on
    /// the same file (Tests/References/readout_foreign_ab.json).
    @Test func agreesWithThePandasRecomputationOnAForeignBank() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/foreign-ab.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try Self.readout(context, .init(campaign: "checkout_copy_q3", split: [50, 25, 25]))
        #expect(result.input.arms == ["holdout", "bold_copy", "new_copy"] && !result.healthFailed)
        // Exposure without assignment, found in the readout's one pass over events, is the
        // health check's own count (the generator dropped 5 customers' assignment rows).
        let own = try ExperimentHealth.compute(context, .init(campaign: "checkout_copy_q3", split: [50, 25, 25]))
        #expect(own.exposedWithoutAssignment?.count == 5)
        #expect(result.input.health?.exposedWithoutAssignment?.count == 5)
        #expect(result.input.health?.exposedWithoutAssignment?.example == own.exposedWithoutAssignment?.example)
        let references = try Self.reference("readout_foreign_ab.json")
        #expect(references.count == 16)
        for ref in references {
            let metric = ref["metric"] as! String, arm = ref["arm"] as! String
            let m = try #require(result.metrics.first { $0.metric.metric == metric })
            let c = try #require(m.comparisons.first { result.input.arms[$0.arm] == arm })
            let what = "\(metric) \(arm) (foreign)"
            #expect(m.metric.sums[c.arm].count == ref["n_treatment"] as! Double, "\(what): n")
            Self.close(c.comparison?.absolute.estimate, ref["estimate"], what + " estimate")
            Self.close(c.comparison?.absolute.interval.lower, ref["low"], what + " low")
            Self.close(c.comparison?.relative?.interval.upper, ref["relative_high"], what + " relative high")
            Self.close(c.pAdjusted, ref["p_adjusted"], what + " Holm")
            Self.close(c.expectedLoss, ref["expected_loss"], what + " expected loss")
        }
        // A logging outage on the test's fourth day: 80% of new_copy's customers of that day lost.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broken = try demoSmallCopy(
            in: dir,
            then: """
                DELETE FROM assignments WHERE campaign_id = 'checkout_copy_q3' AND arm = 'new_copy'
                AND datetime(assigned_at, '+8 hours') >= '2026-08-06' AND datetime(assigned_at, '+8 hours') < '2026-08-07'
                AND CAST(substr(customer_id, 3) AS INTEGER) % 5 < 4
                """, file: "foreign-ab.sqlite")
        let health = try ExperimentHealth.compute(broken, .init(campaign: "checkout_copy_q3", split: [50, 25, 25]))
        #expect(health.days.filter(\.flagged).map(\.scope) == ["2026-08-06"])
    }

    /// P50 and P90 of the amounts among customers who bought, on the foreign bank's heavy
    /// tails and on the demo, against the reference (numpy type-7 quantiles, binomial ranks).
    @Test(arguments: [
        ("foreign-ab.sqlite", "checkout_copy_q3", [50.0, 25, 25], "readout_foreign_ab.json"),
        ("demo-small.sqlite", "page_ab_2026", nil, "readout_demo_small.json"),
    ])
    func quantilesAgreeWithTheReference(file: String, campaign: String, split: [Double]?, reference: String) throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/" + file)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try Self.readout(context, .init(campaign: campaign, split: split))
        let references = try Self.reference(reference, list: "quantiles")
        #expect(references.count == 4)
        var compared = 0
        for ref in references {
            let metric = ref["metric"] as! String, arm = ref["arm"] as! String, p = ref["p"] as! Double
            let m = try #require(result.metrics.first { $0.metric.metric == metric })
            let j = try #require(m.comparisons.firstIndex { result.input.arms[$0.arm] == arm })
            let q = try #require(ReadoutResult.quantileLevels.firstIndex(of: p))
            let what = "\(metric) \(arm) P\(Int(p * 100))"
            guard ref["estimate"] is Double else {
                #expect(throws: ComparisonUnavailable.self, "\(what)") { try m.quantiles[j][q].get() }
                continue
            }
            let c = try m.quantiles[j][q].get()
            Self.close(c.treatmentValue, ref["treatment"], what + " variant")
            Self.close(c.controlValue, ref["control"], what + " control")
            Self.close(c.difference.interval.lower, ref["low"], what + " low")
            Self.close(c.difference.interval.upper, ref["high"], what + " high")
            Self.close(c.difference.pValue, ref["p_value"], what + " p")
            compared += 1
        }
        #expect(compared >= 2)
    }

    /// The primary metric by segment against the reference (the same estimate within each
    /// level, levels under 20 customers an arm left out, Holm across levels, Cochran's Q).
    @Test(arguments: [
        ("demo-small.sqlite", "page_ab_2026", nil, "segment", "readout_demo_small.json"),
        ("foreign-ab.sqlite", "checkout_copy_q3", [50.0, 25, 25], "city", "readout_foreign_ab.json"),
    ])
    func segmentsAgreeWithTheReference(file: String, campaign: String, split: [Double]?, by: String, reference: String) throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/" + file)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try Self.readout(context, .init(campaign: campaign, split: split, by: by))
        #expect(result.input.segmentDimension == by)
        let references = try Self.reference(reference, list: "segments")
        let computed = result.segments.flatMap { $0 }.filter { $0.comparison != nil }
        #expect(computed.count == references.count && references.count >= 4)
        for ref in references {
            let arm = ref["arm"] as! String, level = ref["level"] as! String
            let what = "\(campaign) \(level) \(arm)"
            let s = try #require(
                computed.first { result.input.arms[$0.arm] == arm && result.input.segmentLevels[$0.level] == level }, "\(what)")
            Self.close(s.comparison?.absolute.estimate, ref["estimate"], what + " estimate")
            Self.close(s.comparison?.absolute.interval.lower, ref["low"], what + " low")
            Self.close(s.comparison?.absolute.pValue, ref["p_value"], what + " p")
            Self.close(s.pAdjusted, ref["p_adjusted"], what + " Holm")
            let j = try #require(result.segments.firstIndex { $0.first?.arm == s.arm })
            Self.close(result.segmentHeterogeneity[j], ref["heterogeneity_p_value"], what + " Cochran")
        }
    }

    /// The planned split from a campaigns column (`planned_split`): named shares or in the
    /// arms' order; without it the foreign bank's 50/25/25 test fails against an equal split.
    @Test func thePlannedSplitComesFromTheCampaignsTable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func health(_ value: String?) throws -> ExperimentHealth.Result {
            let sql =
                value.map {
                    "ALTER TABLE campaigns ADD COLUMN planned_split TEXT; UPDATE campaigns SET planned_split = '\($0)' WHERE campaign_id = 'checkout_copy_q3'"
                } ?? "SELECT 1"
            let context = try demoSmallCopy(in: dir, then: sql, file: "foreign-ab.sqlite")
            return try ExperimentHealth.compute(context, .init(campaign: "checkout_copy_q3"))
        }
        #expect(try health(nil).overall.flagged)
        #expect(try health("holdout:50, bold_copy:25, new_copy:25").planned == [50, 25, 25])
        #expect(try !health("holdout:50, bold_copy:25, new_copy:25").overall.flagged)
        #expect(try health("2,1,1").planned == [2, 1, 1])
        do {
            _ = try health("holdout:50,blue:50")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("campaigns, column planned_split, row campaign_id='checkout_copy_q3'"))
            #expect("\(error)".contains("'blue' is not an arm of the campaign"))
        }
    }

    /// An interim look (as of the 14th day): the always-valid intervals agree with gbstats'
    /// sequential interval as transcribed by the reference, and are wider than the fixed ones.
    @Test func anInterimLookHasAlwaysValidIntervals() throws {
        let result = try Self.readout(
            Self.demoSmall(), .init(campaign: "page_ab_2026", asOf: CivilDate("2026-06-14"), tuning: 381))
        #expect(result.input.interim && result.input.elapsedDays == 14 && result.input.plannedDays == 28)
        for ref in try Self.reference("readout_demo_small_interim.json") {
            let metric = ref["metric"] as! String, arm = ref["arm"] as! String
            let m = try #require(result.metrics.first { $0.metric.metric == metric })
            let c = try #require(m.comparisons.first { result.input.arms[$0.arm] == arm })
            let what = "\(metric) \(arm) (interim)"
            Self.close(c.comparison?.absolute.estimate, ref["estimate"], what + " estimate")
            Self.close(c.reported?.interval.lower, ref["cs_low"], what + " sequence low")
            Self.close(c.reported?.interval.upper, ref["cs_high"], what + " sequence high")
            #expect(c.reported!.interval.lower < c.comparison!.absolute.interval.lower)
        }
        // An interim look without a clear winner keeps running at least until the planned end.
        #expect(result.decision.kind == .keepRunning)
        #expect(result.decision.until.map { $0 >= CivilDate("2026-06-28")! } == true)
    }

    /// The demo's true effects (table ground_truth) lie in the readout's 95% intervals.
    @Test func theIntervalsCoverTheDemosGroundTruth() throws {
        let context = try Self.demoSmall()
        let result = try Self.readout(context, .init(campaign: "page_ab_2026"))
        let truth = try context.sqlite("test").rows(
            "SELECT metric, arm, true_value FROM ground_truth WHERE campaign_id = 'page_ab_2026' AND estimand = 'ATE'")
        #expect(truth.count == 6)
        for row in truth {
            let metric = row[0].textValue!, arm = row[1].textValue!, value = row[2].doubleValue!
            let m = try #require(result.metrics.first { $0.metric.metric == metric })
            let e = try #require(m.comparisons.first { result.input.arms[$0.arm] == arm }?.reported)
            #expect(e.interval.contains(value), "\(metric) \(arm): \(value) outside \(e.interval)")
        }
    }

    /// The README's SQL turns the rows into a summary file; the readout from that file equals
    /// the readout from the rows.
    @Test func theReadoutFromTheREADMEsSumsEqualsTheOneFromRows() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- readout-summary-sql -->"))
        let after = readme[marker.upperBound...]
        let start = try #require(after.range(of: "```sql\n")),
            end = try #require(after.range(of: "\n```", range: start.upperBound..<after.endIndex))
        let sql = String(after[start.upperBound..<end.lowerBound])
        let context = try Self.demoSmall()
        let statement = try context.sqlite("test").prepare(sql)
        var csv = (0..<statement.columnCount).map { statement.columnName($0) }.joined(separator: ",") + "\n"
        var rows = 0
        while try statement.step() {
            rows += 1
            csv +=
                (0..<statement.columnCount).map { i -> String in
                    let value = statement.value(i)
                    switch value {
                    case .null: return ""
                    case .text(let s): return s
                    case .integer(let n): return String(n)
                    case .real(let x): return "\(x)"
                    default: return "\(value)"
                    }
                }.joined(separator: ",") + "\n"
        }
        #expect(rows == 9)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("sums.csv")
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let metrics = ["purchase_conversion", "purchase_amount", "ctr"]
        let fromRows = try Self.readout(context, .init(campaign: "page_ab_2026", metrics: metrics))
        let fromSums = try Self.readout(context, .init(metrics: metrics, summary: file, control: "control", days: 28))
        #expect(fromSums.input.arms == fromRows.input.arms)
        for (a, b) in zip(fromRows.metrics, fromSums.metrics) {
            #expect(a.metric.metric == b.metric.metric)
            for (x, y) in zip(a.comparisons, b.comparisons) {
                let what = "\(a.metric.metric) \(fromRows.input.arms[x.arm])"
                Self.close(y.reported?.estimate, x.reported?.estimate, what + " estimate")
                Self.close(y.reported?.interval.lower, x.reported?.interval.lower, what + " low")
                Self.close(y.reported?.pValue, x.reported?.pValue, what + " p")
                Self.close(y.reportedRelative?.interval.upper, x.reportedRelative?.interval.upper, what + " relative high")
                Self.close(y.pAdjusted, x.pAdjusted, what + " p adjusted")
                Self.close(y.chanceToWin, x.chanceToWin, what + " chance to win")
                #expect((x.comparison?.theta == nil) == (y.comparison?.theta == nil))
            }
        }
        // The decisions differ only where the rows know more than sums: when customers were
        // assigned (here all in the first two days, so waiting adds none).
        #expect(fromSums.decision.variant == fromRows.decision.variant)
        #expect(fromRows.decision.noNewCustomers && fromRows.decision.kind == .dontShip)
    }

    /// GrowthBook's published test cases, read from a summary file as a warehouse would send
    /// them (packages/stats/tests/frequentist/test_tests.py at commit 8f1db445: TestTwoSidedTTest
    /// test_two_sided_ttest and _absolute; TestSequentialTTest test_sequential_test_runs with
    /// N* = 1000 and test_sequential_test_runs_ra), at their 5 decimals.
    @Test func growthBooksPublishedCasesFromASummaryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func readout(_ n: Int, days: Double? = nil, planned: Double? = nil, tuning: Double? = nil) throws -> ReadoutComparison {
            let file = dir.file("gb-\(n).csv")
            try """
            metric,kind,arm,users,main_sum,main_sum_squares
            m,mean,a,\(n),1396.87,52377.9767
            m,mean,b,3461,2422.7,134698.29
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try Self.readout(
                Self.demoSmall(), .init(tuning: tuning, summary: file, control: "a", days: days, plannedDays: planned))
            return result.metrics[0].comparisons[0]
        }
        func rounded(_ x: Double?) -> Double { ((x ?? .nan) * 100_000).rounded() / 100_000 }
        let fixed = try readout(3407)
        #expect(rounded(fixed.reported?.estimate) == 0.29)
        #expect(rounded(fixed.reported?.interval.lower) == 0.04538 && rounded(fixed.reported?.interval.upper) == 0.53462)
        #expect(rounded(fixed.reported?.pValue) == 0.02016)
        #expect(rounded(fixed.reportedRelative?.estimate) == 0.70732)
        #expect(rounded(fixed.reportedRelative?.interval.lower) == -0.03526 && rounded(fixed.reportedRelative?.interval.upper) == 1.44989)
        #expect(rounded(fixed.reportedRelative?.pValue) == 0.06191)
        #expect(rounded(fixed.reportedRelative?.standardError) == 0.37879)
        // An interim look (7 of 14 days) with gbstats' tuning parameter 1000.
        let sequential = try readout(3000, days: 7, planned: 14, tuning: 1000)
        #expect(rounded(sequential.reportedRelative?.estimate) == 0.50336)
        #expect(rounded(sequential.reportedRelative?.interval.lower) == -0.55844)
        #expect(rounded(sequential.reportedRelative?.interval.upper) == 1.56516)
        // test_sequential_test_runs_ra: CUPED (RegressionAdjustedStatistic, θ pooled) with the
        // default tuning parameter 5000; the relative effect over the control's unadjusted mean.
        let file = dir.file("gb-ra.csv")
        try """
        metric,kind,arm,users,main_sum,main_sum_squares,covariate_sum,covariate_sum_squares,main_covariate_sum_product
        m,mean,a,3000,1396.87,52377.9767,16.87,527.9767,1
        m,mean,b,3461,2422.7,134698.29,22.7,1348.29,1
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let ra = try Self.readout(Self.demoSmall(), .init(tuning: 5000, summary: file, control: "a", days: 7, plannedDays: 14))
            .metrics[0].comparisons[0]
        #expect(ra.comparison?.theta != nil)
        #expect(rounded(ra.reportedRelative?.estimate) == 0.50338)
        #expect(rounded(ra.reportedRelative?.standardError) == 0.33341)
        #expect(rounded(ra.reportedRelative?.interval.lower) == -0.50969)
        #expect(rounded(ra.reportedRelative?.interval.upper) == 1.51646)
    }

    /// variant_a's customers of the second day lost: the health check fails and no decision
    /// ships, whatever the metrics say.
    @Test func aBrokenSplitBlocksTheDecision() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(
            in: dir,
            then: "DELETE FROM assignments WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_a' AND assigned_at >= '2026-06-02'")
        let result = try Self.readout(context, .init(campaign: "page_ab_2026"))
        #expect(result.healthFailed && result.decision.kind == .blocked)
        let blocks = ExperimentReadout.render(result, context)
        let text = MarkdownRenderer(language: .en).render(ReportDocument(title: "t", language: .en, blocks: blocks), chartDirectory: "x")
            .text
        #expect(text.hasPrefix("# t\n\n> [!WARNING]\n> **Decision: none — the test failed its health check.**"))
        #expect(text.contains("the split broke on 2026-06-02 only"))
    }

    /// variant_a's customers given extra page views in the weeks before the test (as if the
    /// assignment had picked the active ones): the pre-period balance fails, and so does the
    /// health check, though the split's counts are fine.
    @Test func aPrePeriodImbalanceFailsTheHealthCheck() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(
            in: dir,
            then: """
                INSERT INTO events (customer_id, event, occurred_at, value, campaign_id)
                SELECT customer_id, 'page_view', '2026-05-20 10:00:00', NULL, NULL FROM assignments
                WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_a'
                """)
        let result = try Self.readout(context, .init(campaign: "page_ab_2026"))
        #expect(result.input.health?.passed == true)
        let views = try #require(result.metrics.firstIndex { $0.metric.metric == "page_views" })
        #expect(result.imbalanced.map(\.metric) == [views])
        #expect(result.healthFailed && result.decision.kind == .blocked)
        let text = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: ExperimentReadout.render(result, context)), chartDirectory: "x"
        ).text
        #expect(text.contains("Before the test, 'variant\\_a' already differed from control on Activity-page views"))
    }

    /// A clear winner with its guardrails holding ships; a guardrail harmed stops it, one not
    /// yet ruled out does too at the planned end.
    @Test func aClearWinnerShipsUnlessAGuardrailIsHarmed() throws {
        // Every variant_b customer converts (an effect no interval can miss), and in the second
        // copy loses the test's page views too.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let converts = """
            INSERT INTO events (customer_id, event, occurred_at, value, campaign_id)
            SELECT customer_id, 'purchase', datetime(assigned_at, '+1 hour'), 100, NULL FROM assignments
            WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_b'
            """
        let context = try demoSmallCopy(in: dir, then: converts)
        let ship = try Self.readout(
            context, .init(campaign: "page_ab_2026", guardrails: [.init(metric: "products_held", margin: 1, relative: false)]))
        #expect(ship.decision.kind == .ship && ship.input.arms[ship.decision.variant!] == "variant_b")
        #expect(ship.metrics.first { $0.metric.metric == "products_held" }!.comparisons[1].guardrail == .holds)
        // A margin of 0 on aum, where variant_b is lower (−¥4,090, interval −¥8,998 to ¥818):
        // harm is not ruled out, and the test has reached its planned end.
        let unclear = try Self.readout(
            context, .init(campaign: "page_ab_2026", guardrails: [.init(metric: "aum", margin: 0, relative: false)]))
        #expect(unclear.metrics[0].comparisons[1].guardrail == .unclear)
        #expect(unclear.decision.kind == .dontShip)
        let fewerViews = try demoSmallCopy(
            in: dir,
            then: converts + """
                ; DELETE FROM events WHERE event = 'page_view' AND campaign_id = 'page_ab_2026'
                AND customer_id IN (SELECT customer_id FROM assignments WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_b')
                """)
        let harmful = try Self.readout(
            fewerViews, .init(campaign: "page_ab_2026", guardrails: [.init(metric: "page_views", margin: 0.1, relative: true)]))
        #expect(harmful.metrics.first { $0.metric.metric == "page_views" }!.comparisons[1].guardrail == .harmful)
        #expect(harmful.decision.kind == .dontShip && harmful.input.arms[harmful.decision.variant!] == "variant_b")
    }

    /// Edge cases a review found: a control without conversions early on, a target too small
    /// to wait for, a guardrail that cannot be computed, an early look with nothing to compare,
    /// and a word in events.value — each a sensible figure or a named error, never a crash.
    @Test func edgeCasesGiveSensibleFiguresOrNamedErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // By 2026-06-05 control has no purchase yet: no relative effect, no days needed, no crash.
        let early = try Self.readout(Self.demoSmall(), .init(campaign: "page_ab_2026", asOf: CivilDate("2026-06-05"), target: 0.02))
        let conversion = try #require(early.metrics.first { $0.metric.metric == "purchase_conversion" })
        #expect(conversion.metric.sums[0].value == 0)
        #expect(conversion.comparisons.allSatisfy { $0.reportedRelative == nil && $0.chanceToWin == nil })
        #expect(early.decision.kind == .keepRunning && early.decision.until == CivilDate("2026-06-28"))
        // A target of 0.0000001%: capped, said to be too long, no date beyond the cap.
        let tiny = try Self.readout(Self.demoSmall(), .init(campaign: "page_ab_2026", target: 1e-9))
        #expect(tiny.decision.kind == .dontShip)
        // The relative CUPED effect is the adjusted difference over the control's mean.
        for m in tiny.metrics where m.metric.kind == .mean {
            for c in m.comparisons where c.comparison?.theta != nil {
                let e = c.comparison!
                #expect(abs(e.relative!.estimate - e.absolute.estimate / m.metric.sums[0].value) < 1e-12)
            }
        }
        // variant_b's page views gone: the ctr guardrail cannot be computed, so nothing ships.
        let converts = """
            INSERT INTO events (customer_id, event, occurred_at, value, campaign_id)
            SELECT customer_id, 'purchase', datetime(assigned_at, '+1 hour'), 100, NULL FROM assignments
            WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_b';
            DELETE FROM events WHERE event = 'page_view' AND occurred_at >= '2026-06-01'
            AND customer_id IN (SELECT customer_id FROM assignments WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_b')
            """
        let noViews = try demoSmallCopy(in: dir, then: converts)
        let guarded = try Self.readout(
            noViews, .init(campaign: "page_ab_2026", guardrails: [.init(metric: "ctr", margin: 0.01, relative: true)]))
        let ctr = try #require(guarded.metrics.first { $0.metric.metric == "ctr" })
        #expect(ctr.comparisons[1].guardrail == nil && ctr.comparisons[1].unavailable == .zeroDenominator)
        #expect(guarded.decision.kind != .ship)
        // An early look where no event has happened yet: keep running, not "don't ship".
        let quiet = try demoSmallCopy(in: dir, then: "DELETE FROM events WHERE occurred_at >= '2026-06-01 12:00:00'")
        let waiting = try Self.readout(quiet, .init(campaign: "page_ab_2026", asOf: CivilDate("2026-06-03")))
        #expect(waiting.decision.kind == .keepRunning)
        // A word in events.value: refused naming the row; excluded, counted as 0.
        let word = """
            UPDATE events SET value = '12,300.50' WHERE rowid = (SELECT min(rowid) FROM events WHERE event = 'purchase'
            AND occurred_at >= '2026-06-03' AND occurred_at < '2026-06-29'
            AND customer_id IN (SELECT customer_id FROM assignments WHERE campaign_id = 'page_ab_2026'))
            """
        do {
            _ = try Self.readout(try demoSmallCopy(in: dir, then: word), .init(campaign: "page_ab_2026"))
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("table events, column value, row customer_id="))
            #expect("\(error)".contains("'12,300.50' is not a number"))
        }
        let excluded = try Self.readout(
            try demoSmallCopy(in: dir, then: word, badRows: BadRows(.exclude)), .init(campaign: "page_ab_2026"))
        #expect(excluded.metrics.contains { $0.metric.metric == "purchase_amount" })
    }

    /// A summary file with covariate sums on some rows of a metric only: refused, the line named.
    @Test func aSummaryWithCovariatesOnSomeRowsIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("sums.csv")
        try """
        metric,kind,arm,users,main_sum,main_sum_squares,covariate_sum,covariate_sum_squares,main_covariate_sum_product
        m,mean,B,10,50,300,,,
        m,mean,control,10,40,200,30,100,130
        """.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try Self.readout(Self.demoSmall(), .init(summary: file, control: "control"))
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("sums.csv, column covariate_sum, row line 2"), "\(error)")
        }
    }

    /// Bad input: a clear message naming what to change.
    @Test func badInputIsNamed() throws {
        let context = try Self.demoSmall()
        func message(_ options: ExperimentReadout.Options) -> String {
            do {
                _ = try Self.readout(context, options)
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message(.init(campaign: "growth_journey_2026")).contains("not a randomized test"))
        #expect(message(.init(campaign: "growth_journey_2026")).contains("post-campaign review"))
        #expect(message(.init(campaign: "nope")).contains("no campaign 'nope' in table campaigns"))
        #expect(message(.init(campaign: "page_ab_2026", metrics: ["nope"])).contains("no metric 'nope'"))
        #expect(message(.init(campaign: "page_ab_2026", primary: "nope")).contains("'nope' is not one of the readout's metrics"))
        #expect(message(.init(campaign: "page_ab_2026", asOf: CivilDate("2026-05-01"))).contains("before the test starts"))
        #expect(message(.init(campaign: "page_ab_2026", split: [1, 1])).contains("2 shares for 3 arms"))
        #expect(message(.init()).contains("required"))
        #expect(throws: AnalysisError.self) { try ExperimentReadout.Options(["guardrails": "aum:-2%"]) }
        #expect(throws: AnalysisError.self) { try ExperimentReadout.Options(["relative_interval": "bootstrap"]) }
    }

    /// An arm with no customers, and a metric whose event the bank does not log.
    @Test func anEmptyArmAndAMetricWithoutEventsAreNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let empty = try demoSmallCopy(
            in: dir,
            then: "UPDATE assignments SET assigned_at = '2026-07-15 10:00:00' WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_a'")
        do {
            _ = try Self.readout(empty, .init(campaign: "page_ab_2026", asOf: CivilDate("2026-06-20")))
            Issue.record("no error")
        } catch { #expect("\(error)".contains("arm 'variant_a' of 'page_ab_2026' has no customers assigned by 2026-06-20")) }
        let noClicks = try demoSmallCopy(in: dir, then: "DELETE FROM events WHERE event = 'click'")
        do {
            _ = try Self.readout(noClicks, .init(campaign: "page_ab_2026", metrics: ["clicks"]))
            Issue.record("no error")
        } catch { #expect("\(error)".contains("metric 'clicks' counts event 'click', which table events does not have")) }
        // In the default list the metric and the ratio built on it are left out, with a note.
        let result = try Self.readout(noClicks, .init(campaign: "page_ab_2026"))
        #expect(!result.metrics.contains { ["clicks", "ctr"].contains($0.metric.metric) })
        #expect(result.input.notes.count == 2)
    }
}
