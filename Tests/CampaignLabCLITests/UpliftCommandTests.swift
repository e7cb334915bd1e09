import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

struct UpliftCommandTests {
    @Test func printsTheReviewAsMarkdown() throws {
        let result = try runCampaignLab([
            "uplift", "--db", repositoryRoot + "/datasets/demo-small.sqlite",
            "--campaign", "growth_journey_2026", "--quiet",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("# Campaign uplift: growth\\_journey\\_2026\n"))
        // Metrics by their metric_definitions labels.
        #expect(result.stdout.contains("| AUM (monthly average daily balance) | Entropy balancing (default) |"))
        #expect(result.stdout.contains("| AUM (monthly average daily balance) | Doubly robust (AIPW) |"))
        #expect(result.stdout.contains("Standardized mean differences"))
        // Segments are tables with numbers on stdout too, not only charts.
        #expect(result.stdout.contains("**AUM (monthly average daily balance) by segment; equal effects across levels: p"))
        #expect(result.stdout.contains("| affluent | 102 | 247 | ¥8,841 (¥7,323 to ¥10,360) |"))
        #expect(!result.stdout.contains("!["))  // charts are left out of the printed text
    }

    /// Bad input: each gives one line naming what is wrong, and exit status 1 (a row breaking
    /// the contract: 8, ExitStatus.badData).
    @Test(arguments: [
        ("", "nope", "option '--campaign': no campaign 'nope' in table campaigns (campaigns: page_ab, growth)"),
        (
            "UPDATE campaigns SET control_arm = 'ghost' WHERE campaign_id = 'growth';", "growth",
            "the control arm 'ghost' of campaign 'growth' has no customers"
        ),
        (
            "DELETE FROM assignments WHERE campaign_id = 'growth' AND arm = 'participant';", "growth",
            "campaign 'growth' has only its control arm 'non_participant'"
        ),
        (
            "UPDATE campaigns SET starts_on = '2024-01-01', ends_on = '2024-02-28' WHERE campaign_id = 'growth';", "growth",
            "no customer has a value of aum in customer_months in the pre-period 2023-11…2023-12 of campaign 'growth'; there is no baseline"
        ),
        (
            "UPDATE customer_months SET app_logins = NULL;", "growth",
            "no customer has a value of app_logins in customer_months in the pre-period"
        ),
        ("DELETE FROM assignments WHERE campaign_id = 'growth';", "growth", "campaign 'growth' has no rows in table assignments"),
        ("", "growth", "too few customers"),
        // A malformed month inside the months read (it sorts between 2024-02 and 2024-03).
        (
            "UPDATE customer_months SET month = '2024-02x' WHERE month = '2024-02' AND customer_id = (SELECT min(customer_id) FROM assignments WHERE campaign_id = 'growth');",
            "growth", "table customer_months, column month"
        ),
    ])
    func badInputIsOneClearLine(defect: String, campaign: String, message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: db, then: defect)
        let before = try fileBytes(db)
        let result = try runCampaignLab(["uplift", "--db", db, "--campaign", campaign, "--quiet"])
        #expect(result.exitCode == (message.hasPrefix("table ") ? 8 : 1))
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try fileBytes(db) == before)
    }

    /// Options are typed and checked once, by the analysis: the same mistake gets the same
    /// message from the command line (naming the flag) and from a notebook (naming the key
    /// and its line). `--pre-months 0` is a mistake, not "the default".
    @Test func oneValidationForTheCommandLineAndNotebooks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let cli = try runCampaignLab(["uplift", "--db", db, "--campaign", "growth_journey_2026", "--pre-months", "0", "--quiet"])
        #expect(cli.exitCode == 1)
        #expect(cli.stderr == "error: option '--pre-months': expected a whole number from 1 to 36, found '0'\n")
        let yoy = try runCampaignLab(["yoy", "--db", db, "--campaign", "growth_journey_2026", "--pre-months", "12", "--quiet"])
        #expect(yoy.stderr == "error: option '--pre-months': expected a whole number from 1 to 11, found '12'\n")
        let arm = try runCampaignLab(["yoy", "--db", db, "--campaign", "growth_journey_2026", "--arm", "ghost", "--quiet"])
        #expect(
            arm.exitCode == 1 && arm.stderr.hasPrefix("error: option '--arm': 'ghost' is not a non-control arm of 'growth_journey_2026'"))
        // A pre-period reaching back before the data (demo-small's months start at 2023-11)
        // names the months without data.
        let early = try runCampaignLab(["uplift", "--db", db, "--campaign", "growth_journey_2026", "--pre-months", "35", "--quiet"])
        #expect(early.exitCode == 0)
        #expect(
            early.stdout.contains(
                "The pre-period reaches back before the data: no customer of this campaign has a monthly snapshot in 2023-10; the pre-period values are over its other 34 months"
            ))
        try writeFile(dir.file("nb.md"), "# N\n\n```campaignlab campaign.uplift\ncampaign: growth_journey_2026\npre_months: 0\n```\n")
        let notebook = try runCampaignLab(["render", dir.file("nb.md"), "--db", db, "--out", dir.path, "--quiet"])
        #expect(notebook.exitCode == 1)
        #expect(
            notebook.stderr
                == "error: \(dir.file("nb.md")):5: campaign.uplift: option 'pre_months': expected a whole number from 1 to 36, found '0'\n")
    }
}

/// The flat `estimates` list of the uplift's JSON (README, "Machine-readable estimates").
struct UpliftEstimatesTests {
    static let keys = [
        "metric", "arm", "method", "dimension", "level", "estimate", "low", "high", "p_value", "p_adjusted", "relative",
        "relative_low", "relative_high", "default", "note",
    ]

    @Test func estimatesAreAFlatListWithStableKeys() throws {
        let result = try runCampaignLab([
            "uplift", "--db", repositoryRoot + "/datasets/demo-small.sqlite", "--campaign", "growth_journey_2026", "--format", "json",
            "--quiet",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        // Key order is part of the contract: read the raw text of the first record.
        let first = try #require(result.stdout.range(of: "\"estimates\": [")).upperBound
        let record = result.stdout[first...].prefix { $0 != "}" }
        let order = Self.keys.map { record.range(of: "\"\($0)\":")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "\(record)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let estimates = try #require(object["estimates"] as? [[String: Any]])
        #expect(estimates.allSatisfy { Set($0.keys) == Set(Self.keys) })
        let overall = estimates.filter { $0["dimension"] is NSNull }
        // 3 metrics × 8 methods, one default per metric.
        #expect(overall.count == 24)
        for metric in ["aum", "products_held", "app_logins"] {
            let rows = overall.filter { $0["metric"] as? String == metric }
            #expect(
                rows.map { $0["method"] as? String } == ["naive", "did", "regression", "ipw", "ipw_change", "entropy", "drdid", "aipw"])
            #expect(rows.filter { $0["default"] as? Bool == true }.map { $0["method"] as? String } == ["entropy"])
            for row in rows {
                let (estimate, low, high) = (row["estimate"] as? Double, row["low"] as? Double, row["high"] as? Double)
                #expect(estimate != nil && low! < estimate! && estimate! < high!)
                #expect(row["arm"] as? String == "participant" && row["relative"] is Double)
            }
        }
        // Segment rows name their dimension and level; a level that cannot be estimated has
        // nulls and a note, never a number.
        let segments = estimates.filter { !($0["dimension"] is NSNull) }
        #expect(segments.count == 48)
        #expect(segments.allSatisfy { $0["level"] is String && ($0["estimate"] is Double || $0["note"] is String) })
    }
}
