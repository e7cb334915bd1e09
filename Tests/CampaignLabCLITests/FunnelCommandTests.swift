import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

struct FunnelCommandTests {
    @Test func printsTheFunnel() throws {
        let result = try runCampaignLab([
            "funnel", "--db", repositoryRoot + "/datasets/demo-small.sqlite",
            "--campaign", "growth_journey_2026", "--quiet", "--by", "age_band",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        // Counts from Tests/References/funnel.py (pandas): 388 entered, 125 reached reward.
        #expect(result.stdout.contains("| assigned | 388 |") && result.stdout.contains("| reward | 125 |"))
        #expect(result.stdout.contains("Time to convert by age\\_band; log-rank test p = "))
    }

    @Test(arguments: [
        (["--campaign", "nope"], "no campaign 'nope' in table campaigns"),
        (["--campaign", "growth", "--steps", "assigned,page_view,teleport"], "no event 'teleport' in table events"),
        (["--campaign", "growth", "--steps", "page_view,assigned"], "'assigned' can only be the first step"),
        (["--campaign", "growth", "--steps", "page_view,enroll,page_view"], "'page_view' is a step twice (steps 1 and 3)"),
        (["--campaign", "growth", "--steps", "assigned,enroll", "--window-days=-3"], "option '--window-days'"),
        (["--campaign", "growth", "--steps", "assigned,enroll", "--by", "planet"], "'planet' is not a dimension of customers"),
        (["--campaign", "growth", "--steps", "assigned,enroll", "--arm", "ghost"], "has no customers in arm 'ghost'"),
        (["--campaign", "page_ab", "--steps", "assigned,reward"], "option '--steps'"),
    ])
    func badInputIsOneClearLine(arguments: [String], message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: db)
        let result = try runCampaignLab(["funnel", "--db", db, "--quiet"] + arguments)
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
