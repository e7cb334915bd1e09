import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

/// Ctrl-C stops any command promptly (well under a second here; the limit below allows for
/// a loaded CI machine) and leaves no partial output; a runaway SQL block is stopped by its
/// time limit, naming the notebook line.
@Suite(.serialized)
struct InterruptionTests {
    static let endlessNotebook = """
        # Endless

        Prose first.

        ```sql
        --| title: Forever
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c
        ```

        """

    @Test func anEndlessSQLBlockStopsAtItsTimeLimitNamingTheLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("endless.md"), Self.endlessNotebook)
        let started = Date()
        let result = try runCampaignLab([
            "render", dir.file("endless.md"), "--db", repositoryRoot + "/datasets/demo-small.sqlite",
            "--out", dir.file("out"), "--quiet", "--sql-time-limit", "1", "--strict",
        ])
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.exitCode == 1)
        #expect(
            result.stderr.hasPrefix(
                "error: \(dir.file("endless.md")):5: the SQL block was stopped after the time limit for SQL blocks of 1 s"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out/endless.en.html")))
        let bad = try runCampaignLab([
            "render", dir.file("endless.md"), "--db", repositoryRoot + "/datasets/demo-small.sqlite",
            "--out", dir.file("out"), "--sql-time-limit", "0",
        ])
        #expect(bad.exitCode == 1 && bad.stderr == "error: --sql-time-limit takes seconds above 0 and at most 86400, not '0'\n")
    }

    @Test func ctrlCStopsARenderAndWritesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("endless.md"), Self.endlessNotebook)
        let (result, seconds) = try interruptCampaignLab(
            [
                "render", dir.file("endless.md"), "--db", repositoryRoot + "/datasets/demo-small.sqlite",
                "--out", dir.file("out"),
            ], whenStderrContains: "SQL block at line 5")
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(seconds < 5)
        #expect(result.stderr.hasSuffix("interrupted\n"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.file("out")))?.isEmpty ?? true)
    }

    @Test func ctrlCStopsTheDemoAndRemovesItsFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (result, seconds) = try interruptCampaignLab(
            ["demo", "--customers", "400000", "--out", dir.file("bank.sqlite")],
            whenStderrContains: "demo:   5%")
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(seconds < 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// An import into an existing database rolls back: the file is byte-identical afterwards
    /// and opens read-only (no hot journal left for a reader to trip over).
    @Test func ctrlCDuringAnImportRollsBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: db)
        let before = try fileBytes(db)
        var csv = "customer_id,opened_on,segment\n"
        csv.reserveCapacity(30_000_000)
        for id in 1_000..<1_201_000 { csv += "\(id),2020-01-01,mass\n" }
        try writeFile(dir.file("customers.csv"), csv)
        let (result, seconds) = try interruptCampaignLab(
            ["import", "--db", db, dir.file("customers.csv")],
            whenStderrContains: "rows inserted")
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(seconds < 5)
        #expect(result.stderr.contains("Nothing was imported; \(db) is unchanged."))
        #expect(try fileBytes(db) == before)
        #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
        let check = try runCampaignLab(["check", "--db", db, "--quiet"])
        #expect(check.exitCode == 0 && check.stdout.contains("customers       6"), "\(check.stdout)")
    }
}
