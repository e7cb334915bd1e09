import CampaignLabTestSupport
import Foundation
import Testing

/// `campaignlab health` (issue 15): the checkup notebook shipped inside the tool, run by name.
struct HealthCommandTests {
    @Test func writesTheCheckup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try runCampaignLab([
            "health", "--db", repositoryRoot + "/datasets/demo-small.sqlite", "--quarter", "2026Q3", "--out", dir.path, "--quiet",
            "--format", "json",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir.file("health-checkup.en.json")))) as! [String: Any]
        for list in ["migration", "lifecycle", "retention", "kpis", "pain_points"] { #expect(json[list] is [Any], "\(list)") }
        // The notebook the tool ships is the one in notebooks-md/.
        let shipped = try String(contentsOfFile: repositoryRoot + "/notebooks-md/health-checkup.md", encoding: .utf8)
        #expect(shipped.hasPrefix("---\ntitle: Quarterly health checkup"))
    }

    @Test(arguments: [
        (["--quarter", "2026Q9"], "option 'quarter'", Int32(1)),
        (["--quarter", "2031Q1"], "the quarter is outside the data", Int32(0)),
    ])
    func badInputIsNamed(arguments: [String], message: String, status: Int32) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try runCampaignLab(
            ["health", "--db", repositoryRoot + "/datasets/demo-small.sqlite", "--out", dir.path, "--quiet"] + arguments)
        #expect(result.exitCode == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
