import CampaignLabTestSupport
import Testing

struct CLIBasicsTests {
    @Test func versionAndHelp() throws {
        let version = try runCampaignLab(["--version"])
        #expect(version.exitCode == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        for sub in ["check", "import", "demo"] {
            let help = try runCampaignLab([sub, "--help"])
            #expect(help.exitCode == 0, "\(sub) --help failed: \(help.stderr)")
            #expect(help.stdout.contains("USAGE: campaignlab \(sub)"))
        }
    }
}
