import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

struct UpliftCommandTests {
    @Test func printsTheReviewAsMarkdown() throws {
        let result = try runCampaignLab(["uplift", "--db", repositoryRoot + "/datasets/demo-small.sqlite",
                                         "--campaign", "growth_journey_2026", "--quiet"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("# Campaign uplift: growth\\_journey\\_2026\n"))
        #expect(result.stdout.contains("| aum | Doubly robust AIPW (ATT) |"))
        #expect(result.stdout.contains("Standardized mean differences"))
        #expect(!result.stdout.contains("!["))  // charts are left out of the printed text
    }

    /// Bad input: each gives one line naming what is wrong, and exit status 1.
    @Test(arguments: [
        ("", "nope", "option 'campaign': no campaign 'nope' in table campaigns (campaigns: page_ab, growth)"),
        ("UPDATE campaigns SET control_arm = 'ghost' WHERE campaign_id = 'growth';", "growth",
         "the control arm 'ghost' of campaign 'growth' has no customers"),
        ("DELETE FROM assignments WHERE campaign_id = 'growth' AND arm = 'participant';", "growth",
         "campaign 'growth' has only its control arm 'non_participant'"),
        ("UPDATE campaigns SET starts_on = '2024-01-01', ends_on = '2024-02-28' WHERE campaign_id = 'growth';", "growth",
         "no customer has a value of aum in customer_months in the pre-period 2023-11…2023-12 of campaign 'growth'; there is no baseline"),
        ("UPDATE customer_months SET app_logins = NULL;", "growth",
         "no customer has a value of app_logins in customer_months in the pre-period"),
        ("DELETE FROM assignments WHERE campaign_id = 'growth';", "growth", "campaign 'growth' has no rows in table assignments"),
        ("", "growth", "too few customers"),
        // A malformed month inside the months read (it sorts between 2024-02 and 2024-03).
        ("UPDATE customer_months SET month = '2024-02x' WHERE month = '2024-02' AND customer_id = (SELECT min(customer_id) FROM assignments WHERE campaign_id = 'growth');",
         "growth", "table customer_months, column month"),
    ])
    func badInputIsOneClearLine(defect: String, campaign: String, message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: db, then: defect)
        let before = try fileBytes(db)
        let result = try runCampaignLab(["uplift", "--db", db, "--campaign", campaign, "--quiet"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try fileBytes(db) == before)
    }
}
