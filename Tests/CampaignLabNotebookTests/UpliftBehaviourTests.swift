import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabReport
import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The uplift on a bank the demo generator did not make (SelfSelectedBank: self-selection on a
/// heavy-tailed activity, known effects), one test per case of issue 12.
@Suite(.serialized)
struct UpliftBehaviourTests {
    static func analyses(
        _ campaign: String, metrics: [String]? = nil, model: UpliftModel = UpliftModel(), options: SelfSelectedBank.Options = .init(),
        then extra: String = ""
    ) throws -> [UpliftAnalysis] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try SelfSelectedBank.make(at: path, options, then: extra)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        return try CampaignUplift.compute(context, CampaignSelection(campaign: campaign, metrics: metrics), model: model)
    }

    /// Weights that balance on the raw scale: after the default weighting every pre-period
    /// metric's raw-scale |SMD| is below 0.05 (logit weighting on log1p leaves a raw AUM gap),
    /// and the default estimate's interval holds the true effect.
    @Test func defaultWeightsBalanceTheRawScale() throws {
        let a = try Self.analyses("growth", metrics: ["aum", "app_logins", "products_held"])[0]
        let balance = try #require(a.balance)
        #expect(balance.entropy != nil)
        for row in balance.rows { #expect(abs(row.afterEntropy ?? 1) < 0.05, "\(row.covariate) \(row.afterEntropy ?? .nan)") }
        let aum = try #require(a.metrics.first { $0.metric == "aum" })
        #expect(aum.defaultMethod == .entropy)
        let effect = try #require(aum.headline?.effect)
        #expect(effect.interval.contains(SelfSelectedBank.aumEffect), "\(effect.interval)")
        // The percentage is reported with its interval, and agrees with money ÷ counterfactual.
        let relative = try #require(aum.headline?.relative)
        #expect(close(relative.estimate, effect.estimate / relative.counterfactualMean, 1e-12))
        let logins = try #require(a.metrics.first { $0.metric == "app_logins" }?.headline?.effect)
        #expect(logins.interval.contains(1), "\(logins.interval)")
    }

    /// No absurd figure: a metric with no variation gets no estimate and no p-value; a
    /// non-participant group that does not grow gets no multiple (a note says why); a constant
    /// covariate is dropped by name and does not move another metric's estimate.
    @Test func absurdFiguresAreRefusedAtTheSource() throws {
        let withFlat = try Self.analyses("growth", metrics: ["aum", "app_logins", "flat"])[0]
        let flat = try #require(withFlat.metrics.first { $0.metric == "flat" })
        #expect(flat.noVariation && flat.headline == nil)
        #expect(flat.estimates.allSatisfy { $0.effect == nil && $0.note == .noVariation && $0.adjustedPValue == nil })
        #expect(withFlat.droppedCovariates.contains(DroppedCovariate(name: "pre flat", reason: .constant)))
        let without = try Self.analyses("growth", metrics: ["aum", "app_logins"])[0]
        for method in [UpliftMethod.ipw, .entropy, .aipw, .regression] {
            let a = try #require(withFlat.metrics[0].estimate(method)?.effect),
                b = try #require(without.metrics[0].estimate(method)?.effect)
            #expect(close(a.estimate, b.estimate, 1e-9), "\(method): \(a.estimate) vs \(b.estimate)")
            #expect(a.interval.lower < a.interval.upper)
        }
        var options = SelfSelectedBank.Options()
        options.flatControlProducts = true
        let products = try #require(try Self.analyses("growth", metrics: ["products_held"], options: options)[0].metrics.first)
        #expect(products.growthMultiple == nil && products.multipleNote == .noGrowthBase)
        // The counterfactual growth is zero up to rounding: no "10,854,251×".
        #expect(products.honestMultiple == nil && products.honestMultipleNote == .noGrowthBase)
    }

    /// A constant pre-period covariate (AUM zero for everyone before the campaign) gives intervals,
    /// not "— to —", and is named.
    @Test func constantPrePeriodCovariateIsDroppedByName() throws {
        let a = try Self.analyses(
            "growth", metrics: ["aum", "app_logins"], then: "UPDATE customer_months SET aum = 0 WHERE month < '2024-04';")[0]
        #expect(a.droppedCovariates.contains { $0.name == "pre aum" && $0.reason == .constant })
        for m in a.metrics {
            for e in m.estimates where e.effect != nil {
                #expect(e.effect!.interval.lower.isFinite && e.effect!.interval.upper.isFinite, "\(m.metric) \(e.method)")
                #expect(e.effect!.interval.lower < e.effect!.interval.upper)
            }
            #expect(m.headline?.effect != nil, "\(m.metric) has no default estimate")
        }
    }

    /// Segments: every level has a number with its interval; region has no effect, so the test of
    /// equal effects does not single one out and nothing is recommended from it.
    @Test func segmentsDoNotRecommendNoise() throws {
        let a = try Self.analyses("growth", metrics: ["aum", "app_logins"])[0]
        let region = a.segments.filter { $0.dimension == "region" }
        #expect(region.count == 2)
        for d in region {
            #expect(d.standout == nil, "\(d.metric): \(d.standout?.level ?? "")")
            #expect(d.levels.allSatisfy { $0.effect != nil && $0.shrunken != nil && $0.holmPValue != nil })
        }
    }

    /// A randomized three-arm test: every variant against the control, per-arm means, no
    /// trimming (customer 7 is the only 'private' customer and stays in), the CUPED-like default.
    @Test func randomizedDesignsAreReadAsDesigns() throws {
        let analyses = try Self.analyses("ab3", metrics: ["aum", "app_logins"])
        #expect(analyses.map(\.treatedName) == ["variant_a", "variant_b"])
        for a in analyses {
            #expect(a.randomized && a.outsideSupport == 0 && a.balance == nil)
            #expect(a.metrics.allSatisfy { $0.estimates.map(\.method) == [.naive, .regression] && $0.defaultMethod == .regression })
            #expect(a.metrics.allSatisfy { $0.growthMultiple == nil && $0.honestMultiple == nil })
        }
        let variantA = try #require(analyses[0].metrics.first { $0.metric == "app_logins" }?.headline?.effect)
        #expect(variantA.interval.contains(2))
        let variantB = try #require(analyses[1].metrics.first { $0.metric == "app_logins" }?.headline?.effect)
        #expect(variantB.interval.contains(0))
        // Customer 7 ('private', variant_a) is counted.
        #expect(analyses[0].included.count + analyses[0].excluded == analyses[0].metrics[0].arms.map(\.customers).reduce(0, +))
    }

    /// A word among the numbers of a numeric customers column is an error naming table, column
    /// and row, not a silent category or a crash.
    @Test func textInANumericCustomersColumnNamesTheRow() throws {
        #expect {
            _ = try Self.analyses(
                "growth", metrics: ["aum"],
                then: """
                    ALTER TABLE customers ADD COLUMN age INTEGER;
                    UPDATE customers SET age = 20 + customer_id % 50;
                    UPDATE customers SET age = 'unknown' WHERE customer_id = 33;
                    """)
        } throws: { error in
            let text = "\(error)"
            return text.contains("table customers, column age") && text.contains("customer_id=33") && text.contains("is not a number")
        }
    }

    /// A NULL arm is an error naming the rows, never an arm of its own.
    @Test func missingArmIsAnErrorNamingTheRows() throws {
        #expect {
            _ = try Self.analyses(
                "growth", then: "UPDATE assignments SET arm = NULL WHERE campaign_id = 'growth' AND customer_id IN (12, 15);")
        } throws: { error in
            let text = "\(error)"
            return text.contains("table assignments, column arm") && text.contains("customer_id=12")
                && text.contains("2 assignments have no arm")
        }
    }

    /// Covariates the analyst controls: a numeric customers column enters as a number (not 50
    /// categories); `covariates` picks dimensions, numeric columns and another metric's baseline
    /// (which is not made an outcome); `baseline: monthly` makes each pre-period month a
    /// covariate; a dimension that repeats another is dropped by name.
    @Test func covariatesTheAnalystControls() throws {
        let extra = """
            ALTER TABLE customers ADD COLUMN age INTEGER;
            UPDATE customers SET age = 20 + customer_id % 50;
            ALTER TABLE customers ADD COLUMN tier TEXT;
            UPDATE customers SET tier = 'tier-' || segment;
            """
        let all = try Self.analyses("growth", metrics: ["aum"], then: extra)[0]
        #expect(all.panel.numericColumns == ["age"] && !all.panel.dimensions.contains("age"))
        let names = try #require(all.balance).rows.map(\.covariate)
        #expect(names.contains("age") && names.contains("log1p(age)") && !names.contains { $0.hasPrefix("age=") })
        #expect(all.droppedCovariates.contains { $0.name.hasPrefix("tier=") && $0.reason == .collinear })
        #expect(all.segments.contains { $0.dimension == "tier" } && !all.segments.contains { $0.dimension == "age" })

        let chosen = try Self.analyses(
            "growth", metrics: ["aum"], model: UpliftModel(covariates: ["segment", "age", "app_logins"]), then: extra)[0]
        #expect(chosen.metrics.map(\.metric) == ["aum"])
        let chosenNames = try #require(chosen.balance).rows.map(\.covariate)
        #expect(chosenNames.contains("pre app_logins") && chosenNames.contains("age"))
        #expect(!chosenNames.contains { $0.hasPrefix("region=") || $0.hasPrefix("tier=") })
        #expect(chosen.droppedCovariates.isEmpty)

        let monthly = try Self.analyses("growth", metrics: ["aum", "app_logins"], model: UpliftModel(baseline: .monthly))[0]
        let monthlyNames = try #require(monthly.balance).rows.map(\.covariate)
        #expect(["aum 2024-01", "aum 2024-02", "aum 2024-03", "app_logins 2024-03"].allSatisfy(monthlyNames.contains))
        #expect(!monthlyNames.contains("pre aum") && monthly.droppedCovariates.isEmpty)
        let effect = try #require(monthly.metrics[0].headline?.effect)
        #expect(effect.interval.contains(SelfSelectedBank.aumEffect))

        #expect {
            _ = try Self.analyses("growth", metrics: ["aum"], model: UpliftModel(covariates: ["shoe_size"]))
        } throws: { "\($0)".contains("'shoe_size' is not a customers column or a metric") }

        // Banded on request: age 20…69 in four bands of about equal size enter as three
        // categories (the first the reference), not as a number.
        let banded = try Self.analyses("growth", metrics: ["aum"], model: UpliftModel(covariates: ["segment", "age:4"]), then: extra)[0]
        let bandNames = try #require(banded.balance).rows.map(\.covariate)
        #expect(bandNames.filter { $0.hasPrefix("age [") } == ["age [32, 45)", "age [45, 57)", "age [57, 69]"], "\(bandNames)")
        #expect(!bandNames.contains("age") && !bandNames.contains("log1p(age)"))
        #expect(banded.metrics[0].headline?.effect?.interval.contains(SelfSelectedBank.aumEffect) == true)
        #expect {
            _ = try Self.analyses("growth", metrics: ["aum"], model: UpliftModel(covariates: ["segment:3"]), then: extra)
        } throws: { "\($0)".contains("only a numeric customers column can be banded") }
        #expect {
            _ = try Self.analyses("growth", metrics: ["aum"], model: UpliftModel(covariates: ["age:1"]), then: extra)
        } throws: { "\($0)".contains("from 2 to 20") }
    }

    /// Poor overlap is said: when participants are the customers with the largest balances, few
    /// non-participants resemble them and the report warns (and never prints an internal status).
    @Test func poorOverlapIsWarned() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try SelfSelectedBank.make(
            at: path,
            then: """
                UPDATE assignments SET arm = CASE WHEN customer_id IN (
                    SELECT customer_id FROM customer_months WHERE month = '2024-03' ORDER BY aum DESC LIMIT 150)
                  OR customer_id % 97 = 0 THEN 'participant' ELSE 'non_participant' END
                WHERE campaign_id = 'growth';
                """)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let blocks = try CampaignUplift.run(context, .init(CampaignSelection(campaign: "growth", metrics: ["aum", "app_logins"])))
        let text = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, parameters: [], blocks: blocks), chartDirectory: "c"
        ).text
        #expect(text.contains("Poor overlap: after weighting, the comparison group is worth only"), "\(text.prefix(3000))")
        #expect(!text.contains("separation(") && !text.contains("notConverged"))
        // Trimming for overlap leaves out the customers without counterparts, and says so.
        let trimmed = try CampaignUplift.compute(
            context, CampaignSelection(campaign: "growth", metrics: ["aum", "app_logins"]), model: UpliftModel(trim: true))[0]
        let (count, bound) = try #require(trimmed.trimmed)
        #expect(count > 0 && bound > 0 && bound < 0.5)
        let untrimmed = try CampaignUplift.compute(context, CampaignSelection(campaign: "growth", metrics: ["aum", "app_logins"]))[0]
        #expect(trimmed.included.count + count == untrimmed.included.count)
        let trimmedText = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: CampaignUplift.render([trimmed], context)), chartDirectory: "c"
        ).text
        #expect(trimmedText.contains("Trimmed for overlap (Crump et al. 2009): \(formatCount(count)) customers"))
    }

    /// Data that defeat a model make that model's row a note, never the end of the report: a
    /// control group smaller than the covariates, a customers column that repeats the arm of a
    /// randomized test; a small integer code stays a category.
    @Test func modelsThatCannotBeFittedAreNotesNotCrashes() throws {
        // 14 non-participants, and a 20-level dimension besides segment and region.
        let few = try Self.analyses(
            "growth", metrics: ["aum", "app_logins"],
            then: """
                UPDATE assignments SET arm = 'participant' WHERE campaign_id = 'growth' AND customer_id > 14;
                ALTER TABLE customers ADD COLUMN branch TEXT;
                UPDATE customers SET branch = 'b' || (customer_id % 20);
                """)[0]
        for m in few.metrics {
            #expect(m.estimate(.naive)?.effect != nil)
            #expect(m.estimates.allSatisfy { $0.effect != nil || $0.note != nil }, "\(m.metric)")
        }
        // A test-cell flag equal to the arm: the regression keeps the arm and drops the flag (or,
        // should pivoting pick the flag, says the row cannot be estimated) — never a crash.
        let flagged = try Self.analyses(
            "ab3", metrics: ["app_logins"],
            then: """
                ALTER TABLE customers ADD COLUMN cell TEXT;
                UPDATE customers SET cell = (SELECT arm FROM assignments a WHERE a.customer_id = customers.customer_id AND a.campaign_id = 'ab3');
                ALTER TABLE customers ADD COLUMN tier_code INTEGER;
                UPDATE customers SET tier_code = 1 + customer_id % 4;
                """)
        for a in flagged {
            let m = try #require(a.metrics.first)
            #expect(m.estimate(.naive)?.effect != nil && m.headline?.effect != nil)
            #expect(m.estimates.allSatisfy { $0.effect != nil || $0.note == .notEstimable })
            if let adjusted = m.estimate(.regression)?.effect, let naive = m.estimate(.naive)?.effect {
                #expect(abs(adjusted.estimate - naive.estimate) < 3 * naive.standardError)
            }
            #expect(a.panel.dimensions.contains("tier_code") && a.panel.numericColumns.isEmpty)
        }
    }
}
