import CampaignLabTestSupport
import Foundation
import Testing

/// `campaignlab retention` from the command line (issue 15).
struct RetentionCommandTests {
    static let demoSmall = repositoryRoot + "/datasets/demo-small.sqlite"

    @Test func writesTheRetentionList() throws {
        let result = try runCampaignLab(["retention", "--db", Self.demoSmall, "--quiet", "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let list = json["retention"] as! [[String: Any]]
        let keys: Set<String> = ["cohort", "period", "mode", "cohort_size", "retained", "rate", "low", "high", "mature"]
        #expect(list.allSatisfy { Set($0.keys) == keys })
        // Tests/References/retention.py on demo-small: month 12 of all cohorts, 290 of 504.
        let month12 = list.first { $0["cohort"] as? String == "all" && $0["period"] as? Double == 12 }!
        #expect(month12["retained"] as? Double == 290 && month12["cohort_size"] as? Double == 504)
    }

    @Test(arguments: [
        (["--activity", "logins"], "option '--activity'", Int32(1)),
        (["--activity", "months:planets>0"], "planets", Int32(8)),
        (["--period", "fortnight"], "option '--period'", Int32(1)),
        (["--cohorts", "2019-01..2019-06"], "no cohort to show", Int32(1)),
    ])
    func badInputIsOneClearLine(arguments: [String], message: String, status: Int32) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("out")
        let result = try runCampaignLab(["retention", "--db", Self.demoSmall, "--quiet", "--out", out] + arguments)
        #expect(result.exitCode == status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
