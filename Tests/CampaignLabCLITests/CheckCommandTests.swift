import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

struct CheckCommandTests {
    /// A database another program is writing to (an exclusive lock) is "locked", exit 5 — it
    /// was reported as "corrupt".
    @Test func aLockedDatabaseSaysSo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets/demo-small.sqlite", toPath: path)
        let writer = try SQLiteDatabase(path: path, mode: .readWrite(create: false))
        try writer.execute("PRAGMA journal_mode = DELETE")
        try writer.execute("BEGIN EXCLUSIVE")
        let locked = try runCampaignLab(["check", "--db", path, "--quiet"])
        #expect(locked.exitCode == 5)
        #expect(locked.stderr.contains("\(path): the database is locked by another program that is writing to it"), "\(locked.stderr)")
        // Every command says the same (render too: no report with a note per block).
        let render = try runCampaignLab([
            "render", repositoryRoot + "/notebooks-md/data-overview.md", "--db", path, "--out", dir.file("out"), "--quiet",
        ])
        #expect(render.exitCode == 5 && render.stderr.contains("locked by another program"), "\(render.stderr)")
        try writer.execute("ROLLBACK")
        #expect(try runCampaignLab(["check", "--db", path, "--quiet"]).exitCode != 5)
    }

    @Test func validFileExitsZero() throws {
        let dir = try TemporaryDirectory("check-cli")
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: path)
        let result = try runCampaignLab(["check", "--db", path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("No problems found."))
        #expect(result.stdout.contains("customers       6, opened 2022-03-15 … 2023-12-31"))
        #expect(result.stdout.contains("growth (observational) 2024-04-01 … 2024-05-31, control 'non_participant'"))
        #expect(result.stdout.hasSuffix("0 errors, 0 warnings\n"))
        #expect(result.stderr.contains("checking customer_months…"))
    }

    @Test func errorExitsOneAndNamesTheRow() throws {
        let dir = try TemporaryDirectory("check-cli")
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(
            at: path,
            then: """
                UPDATE customer_months SET month = '2024-13' WHERE customer_id = 4 AND month = '2024-06';
                UPDATE customer_months SET aum = -1 WHERE customer_id = 1 AND month = '2024-01';
                """)
        let before = try fileBytes(path)
        let result = try runCampaignLab(["check", "--db", path, "--quiet"])
        #expect(result.exitCode == 8)
        #expect(
            result.stdout.contains(
                """
                  ERROR   customer_months.month (1 row)
                          '2024-13' is not a month 'YYYY-MM'
                          example: customer_id=4, month='2024-13' (rowid 24)
                """))
        #expect(result.stdout.contains("WARNING customer_months.aum (1 row)"))
        #expect(result.stdout.hasSuffix("1 error, 1 warning\n"))
        #expect(result.stderr.isEmpty)
        #expect(try fileBytes(path) == before)
    }

    @Test func warningsOnlyExitZero() throws {
        let dir = try TemporaryDirectory("check-cli")
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: path, then: "DELETE FROM customer_months WHERE customer_id = 3 AND month = '2024-03'")
        let result = try runCampaignLab(["check", "--db", path])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("WARNING customer_months.month (1 customer)"))
        #expect(result.stdout.hasSuffix("0 errors, 1 warning\n"))
    }

    @Test func jsonReportParses() throws {
        let dir = try TemporaryDirectory("check-cli")
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: path, then: "UPDATE campaigns SET design = 'ab' WHERE campaign_id = 'page_ab'")
        let result = try runCampaignLab(["check", "--db", path, "--json"])
        #expect(result.exitCode == 8)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let json = try #require(object as? [String: Any])
        #expect(json["errors"] as? Int == 1)
        #expect(json["warnings"] as? Int == 0)
        let problems = try #require(json["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["kind"] as? String == "value-not-allowed")
        #expect(problems.first?["severity"] as? String == "error")
        #expect(problems.first?["table"] as? String == "campaigns")
        #expect(problems.first?["column"] as? String == "design")
        #expect(problems.first?["example_row"] as? String == "campaign_id='page_ab' (rowid 2)")
        #expect(problems.first?["affected"] as? Int == 1)
        let summary = try #require(json["summary"] as? [String: Any])
        let customers = try #require(summary["customers"] as? [String: Any])
        #expect(customers["count"] as? Int == 6)
        // Stable key order: keys are sorted, so the same input gives the same bytes.
        let again = try runCampaignLab(["check", "--db", path, "--json", "--quiet"])
        #expect(again.stdout == result.stdout)
    }

    @Test func unreadableFilesGetOneLine() throws {
        let dir = try TemporaryDirectory("check-cli")
        defer { dir.remove() }
        let missing = dir.file("missing.sqlite")
        let empty = dir.file("empty.sqlite")
        try writeFile(empty, "")
        let text = dir.file("notes.sqlite")
        try writeFile(text, "customer_id,opened_on\n1,2024-01-01\n")
        let corrupt = dir.file("corrupt.sqlite")
        try ContractFixtures.makeDatabase(at: corrupt)
        var bytes = try fileBytes(corrupt)
        for i in 16..<min(bytes.count, 4096) { bytes[i] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: corrupt))

        // Exit statuses: ExitStatus (campaignlab --help, README).
        let cases: [(path: String, phrase: String, status: Int32)] = [
            (missing, "no such file", 2), (dir.path, "is a directory", 2), (empty, "the file is empty", 3),
            (text, "not an SQLite database", 3), (corrupt, "corrupt", 4),
        ]
        for (path, phrase, status) in cases {
            let result = try runCampaignLab(["check", "--db", path])
            #expect(result.exitCode == status, "\(path): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(path): \(result.stderr)")
            #expect(lines.first?.contains(path) == true)
            #expect(lines.first?.contains(phrase) == true, "\(result.stderr)")
        }
    }

    @Test func helpDescribesTheChecks() throws {
        let help = try runCampaignLab(["check", "--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("USAGE: campaignlab check [--db <file>] [--backend <url>]"), "\(help.stdout)")
        #expect(help.stdout.contains("campaignlab check --db bank.sqlite --json"))
        #expect(help.stdout.contains("Exit status"))
    }
}
