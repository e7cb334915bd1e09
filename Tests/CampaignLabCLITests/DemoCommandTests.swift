import CampaignLabData
import CampaignLabTestSupport
import Foundation
import Testing

struct DemoCommandTests {
    @Test func writesTheBankThenCheckAcceptsIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("demo.sqlite")
        let run = try runCampaignLab(["demo", "--customers", "300", "--seed", "9", "--out", path])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Wrote \(path) (seed 9, 300 customers)"))
        #expect(run.stderr.contains("100%"))  // progress goes to stderr
        let check = try runCampaignLab(["check", "--db", path])
        #expect(check.exitCode == 0)
        #expect(check.stdout.contains("0 errors, 0 warnings"))
    }

    /// `--months`: a longer history ending 2026-10 (the checkup's memory does not grow with it:
    /// README); fewer than 36 months are refused.
    @Test func monthsSetTheHistory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("long.sqlite")
        let run = try runCampaignLab(["demo", "--customers", "150", "--months", "48", "--out", path])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        #expect(try db.scalarText("SELECT min(month) FROM customer_months") == "2022-11")
        #expect(try db.scalarText("SELECT max(month) FROM customer_months") == "2026-10")
        let short = try runCampaignLab(["demo", "--customers", "150", "--months", "12", "--out", directory.file("short.sqlite")])
        #expect(short.exitCode != 0 && short.stderr.contains("at least 36 months"))
    }

    @Test func badArgumentsGetOneClearLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let tooFew = try runCampaignLab(["demo", "--customers", "50", "--out", directory.file("x.sqlite")])
        #expect(tooFew.exitCode != 0)
        #expect(tooFew.stderr.contains("--customers must be at least 100 (got 50)"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.sqlite")))

        let existing = directory.file("existing.sqlite")
        try writeFile(existing, "not mine to replace")
        let refused = try runCampaignLab(["demo", "--customers", "200", "--out", existing])
        #expect(refused.exitCode != 0)
        #expect(refused.stderr.contains("already exists; remove it or pass --force"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "not mine to replace")

        let noDirectory = try runCampaignLab(["demo", "--customers", "200", "--out", directory.file("missing/dir/x.sqlite")])
        #expect(noDirectory.exitCode != 0)
        #expect(
            noDirectory.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "error: the folder \(directory.file("missing/dir")) does not exist; create it first.")
        #expect(!noDirectory.stderr.contains("Fatal error"))
    }
}
