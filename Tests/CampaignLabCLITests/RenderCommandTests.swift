import CampaignLabTestSupport
import Foundation
import Testing

struct RenderCommandTests {
    @Test func rendersTheDataOverviewInEveryFormat() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let before = try fileBytes(db)
        let result = try runCampaignLab([
            "render", repositoryRoot + "/notebooks-md/data-overview.md", "--db", db,
            "--out", dir.path, "--lang", "zh",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let written = result.stdout.split(separator: "\n").map(String.init)
        #expect(written == ["md", "html", "json"].map { dir.file("data-overview.zh.\($0)") })
        for path in written { #expect(FileManager.default.fileExists(atPath: path)) }
        let charts = try FileManager.default.contentsOfDirectory(atPath: dir.file("data-overview.zh_files"))
        #expect(charts.count == 10 && charts.allSatisfy { $0.hasSuffix(".svg") })
        // Progress goes to stderr, one line per block ("[k/8] …") and a final "done".
        #expect(result.stderr.contains("[8/8] overview.checks"))
        #expect(result.stderr.contains("done"))
        #expect(try fileBytes(db) == before)
        // The same command again gives the same bytes.
        let again = try TemporaryDirectory()
        defer { again.remove() }
        _ = try runCampaignLab([
            "render", repositoryRoot + "/notebooks-md/data-overview.md", "--db", db, "--out", again.path,
            "--lang", "zh", "--quiet", "--format", "html",
        ])
        #expect(try fileBytes(again.file("data-overview.zh.html")) == fileBytes(dir.file("data-overview.zh.html")))
    }

    /// The README's guarantee on one machine: the same input gives byte-identical Markdown
    /// (with its chart files), HTML and JSON — here for the review, whose estimates go
    /// through BLAS, on both languages.
    @Test(arguments: ["en", "zh"])
    func theReviewRendersToTheSameBytesTwice(language: String) throws {
        let runs = try (0..<2).map { _ in try TemporaryDirectory() }
        defer { runs.forEach { $0.remove() } }
        for run in runs {
            let result = try runCampaignLab([
                "render", repositoryRoot + "/notebooks-md/post-campaign-review.md",
                "--db", repositoryRoot + "/datasets/demo-small.sqlite", "--out", run.path,
                "--lang", language, "--quiet", "--param", "campaign=growth_journey_2026",
            ])
            #expect(result.exitCode == 0, "\(result.stderr)")
        }
        let base = "post-campaign-review.\(language)"
        let charts = try FileManager.default.contentsOfDirectory(atPath: runs[0].file(base + "_files")).sorted()
        #expect(charts.count == 12)
        for name in [base + ".md", base + ".html", base + ".json"] + charts.map({ base + "_files/" + $0 }) {
            #expect(try fileBytes(runs[0].file(name)) == fileBytes(runs[1].file(name)), "\(name)")
        }
    }

    @Test func notebookMistakesExitOneNamingFileAndLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let notebook = dir.file("broken.md")
        try Data("# Broken\n\n```campaignlab overview.nothing\n```\n".utf8).write(to: URL(fileURLWithPath: notebook))
        let result = try runCampaignLab([
            "render", notebook, "--db", repositoryRoot + "/datasets/demo-small.sqlite", "--out", dir.path, "--quiet",
        ])
        #expect(result.exitCode == 1)
        #expect(
            result.stderr.hasPrefix(
                "error: \(notebook):3: unknown analysis 'overview.nothing' (known: overview.summary, overview.customers, "))
        #expect(result.stderr.contains("campaign.uplift") && result.stderr.split(separator: "\n").count == 1)
    }

    /// A block the bank's data cannot support: the report is written with a note in its place,
    /// the note repeated on stderr, exit 0; `--strict` makes it an error (exit 1, no report).
    @Test func aBlockThatCannotRunIsAWarningUnlessStrict() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let notebook = dir.file("bank.md")
        try writeFile(notebook, "# Bank\n\n```sql\nSELECT count(*) AS n FROM branches\n```\n\n```sql\nSELECT 1 AS one\n```\n")
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let result = try runCampaignLab(["render", notebook, "--db", db, "--out", dir.file("out"), "--quiet"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(
            result.stderr
                == "warning: \(notebook) line 3, the SQL block cannot run: no such table: branches (the report shows a note in its place)\n"
        )
        let html = try String(contentsOfFile: dir.file("out/bank.en.html"), encoding: .utf8)
        #expect(html.contains("This section could not be computed"))
        let strict = try runCampaignLab(["render", notebook, "--db", db, "--out", dir.file("strict"), "--quiet", "--strict"])
        #expect(strict.exitCode == 1)
        #expect(strict.stderr == "error: \(notebook):3: the SQL block cannot run: no such table: branches\n")
        #expect(!FileManager.default.fileExists(atPath: dir.file("strict/bank.en.html")))
    }

    @Test func badArgumentsAndUnreadableFilesAreOneLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let nb = repositoryRoot + "/notebooks-md/data-overview.md"
        let missingDB = try runCampaignLab(["render", nb, "--db", dir.file("nope.sqlite"), "--out", dir.path])
        #expect(missingDB.exitCode == 2)
        #expect(missingDB.stderr.hasSuffix("nope.sqlite: no such file.\n"))
        let missingNotebook = try runCampaignLab(["render", dir.file("nope.md"), "--db", dir.file("x"), "--out", dir.path])
        #expect(missingNotebook.exitCode == 2 && missingNotebook.stderr.contains("no such file"))
        let badLang = try runCampaignLab(["render", nb, "--db", dir.file("x"), "--out", dir.path, "--lang", "fr"])
        #expect(badLang.exitCode == 1 && badLang.stderr == "error: --lang must be en or zh, not 'fr'\n")
        let badParam = try runCampaignLab([
            "render", nb, "--db", repositoryRoot + "/datasets/demo-small.sqlite", "--out", dir.path,
            "--param", "colour=red", "--quiet",
        ])
        #expect(badParam.exitCode == 1)
        #expect(badParam.stderr.contains("data-overview.md:1: the notebook has no parameter 'colour' (declared: month, by, tiers)"))
    }

    @Test func listsTheAnalyses() throws {
        let result = try runCampaignLab(["render", "--list-analyses"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("overview.customers\n"))
        #expect(result.stdout.contains("tiers: ascending tier boundaries in CNY, comma-separated (default: 50000, 500000, 6000000)"))
    }
}
