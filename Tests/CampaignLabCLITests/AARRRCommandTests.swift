import CampaignLabTestSupport
import Foundation
import Testing

/// `campaignlab aarrr` from the command line (issue 15, point 4).
struct AARRRCommandTests {
    static let demoSmall = repositoryRoot + "/datasets/demo-small.sqlite"

    @Test func writesTheFunnelList() throws {
        let result = try runCampaignLab(["aarrr", "--db", Self.demoSmall, "--quarter", "2026Q3", "--quiet", "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let list = json["funnel"] as! [[String: Any]]
        let keys: Set<String> = [
            "node", "rule", "customers", "step_conversion", "overall_conversion", "median_days", "median_low", "median_high",
            "converted_30d", "converted_90d", "converted_90d_low", "converted_90d_high", "converted_90d_year_earlier", "p_value",
            "logrank_p",
        ]
        #expect(list.allSatisfy { Set($0.keys) == keys })
        // Tests/References/base_funnel_demo_small.json: 239 → 197 → 168 → 17 → 2.
        #expect(list.map { $0["customers"] as? Double } == [239, 197, 168, 17, 2])
        #expect(list.map { $0["node"] as? String } == ["acquisition", "activation", "retention", "revenue", "referral"])
    }

    @Test(arguments: [
        (["--activation", "logins"], "option '--activation'", Int32(1)),
        (["--activation", "months:planets>0"], "planets", Int32(8)),
        (["--quarters", "0"], "option '--quarters'", Int32(1)),
        (["--quarter", "2031Q1"], "outside the data", Int32(1)),
        (["--revenue", "events:nosuch"], "no event 'nosuch'", Int32(1)),
    ])
    func badInputIsOneClearLine(arguments: [String], message: String, status: Int32) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("out")
        let result = try runCampaignLab(["aarrr", "--db", Self.demoSmall, "--quiet", "--out", out] + arguments)
        #expect(result.exitCode == status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
