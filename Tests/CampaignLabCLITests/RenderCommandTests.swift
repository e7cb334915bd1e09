import CampaignLabDataTestSupport
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

    /// A foreign bank's data, reproduced on a copy of demo-small: both notebooks render
    /// (exit 0) with a visible note where a block cannot run, and the same figures where the
    /// difference is only in form (offsets, TEXT ids). Each case: the change, and the warnings
    /// on stderr of the review and of the overview.
    @Test(arguments: [
        ("no reward events", "DELETE FROM events WHERE event = 'reward'", [String](), [String]()),
        (
            "no year-earlier data", "DELETE FROM customer_months WHERE month < '2026-01'; DELETE FROM events WHERE occurred_at < '2026-01'",
            [
                "line 87, campaign.yoy: option 'campaign': no customer of 'growth_journey_2026' has a value of aum in customer_months a year earlier"
            ],
            []
        ),
        ("events stamped +08:00", "UPDATE events SET occurred_at = replace(occurred_at, ' ', 'T') || '+08:00'", [], []),
        (
            "TEXT customer ids in events",
            "ALTER TABLE events RENAME TO events_raw; CREATE VIEW events AS SELECT CAST(customer_id AS TEXT) AS customer_id, event, occurred_at, value, campaign_id FROM events_raw",
            [], []
        ),
        (
            "a text value in aum", "UPDATE customer_months SET aum = 'n/a' WHERE customer_id = 1 AND month = '2026-10'",
            [34, 66, 86].map {
                "line \($0), campaign.\($0 == 34 ? "summary" : $0 == 66 ? "uplift" : "yoy"): table customer_months, column aum, row customer_id=1, month='2026-10': 'n/a' is not a number (--exclude-bad-rows leaves such rows out)"
            },
            []
        ),
        (
            "a customer listed twice",
            "ALTER TABLE customers RENAME TO customers_raw; CREATE VIEW customers AS SELECT * FROM customers_raw UNION ALL SELECT * FROM customers_raw WHERE customer_id = 2",
            [(34, "summary"), (66, "uplift"), (86, "yoy"), (106, "funnel")].map {
                "line \($0.0), campaign.\($0.1): table customers, column customer_id, row customer_id=2: the customer has more than one row in customers"
            },
            []
        ),
        (
            "a balance column not called aum",
            "ALTER TABLE customer_months RENAME COLUMN aum TO balance; UPDATE metric_definitions SET metric = 'balance' WHERE metric = 'aum'",
            [], []
        ),
    ])
    func theReportsRenderOnAForeignBank(_ name: String, _ sql: String, reviewWarnings: [String], overviewWarnings: [String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("bank.sqlite")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets/demo-small.sqlite", toPath: db)
        try makeDatabase(at: db, sql: sql)
        func render(_ notebook: String, _ database: String, _ out: String) throws -> (stderr: [String], json: [String: Any]) {
            let path = repositoryRoot + "/notebooks-md/\(notebook).md"
            let result = try runCampaignLab(["render", path, "--db", database, "--out", out, "--quiet", "--lang", "en"])
            #expect(result.exitCode == 0, "\(name): \(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/\(notebook).en.json")))
            let warnings = result.stderr.split(separator: "\n").map {
                String($0).replacingOccurrences(of: "warning: \(path) ", with: "").replacingOccurrences(
                    of: " (the report shows a note in its place)", with: "")
            }
            return (warnings, json as! [String: Any])
        }
        func renderLeavingBadRowsOut() throws -> CommandResult {
            try runCampaignLab([
                "render", repositoryRoot + "/notebooks-md/post-campaign-review.md", "--db", db, "--out", dir.file("lenient"), "--quiet",
                "--lang", "en", "--exclude-bad-rows",
            ])
        }
        let review = try render("post-campaign-review", db, dir.file("review"))
        #expect(review.stderr.count == reviewWarnings.count, "\(name): \(review.stderr)")
        for (got, expected) in zip(review.stderr, reviewWarnings) { #expect(got.hasPrefix(expected), "\(name): \(got)") }
        #expect((review.json["notes"] as! [String]).count == reviewWarnings.count)
        let html = try String(contentsOfFile: dir.file("review/post-campaign-review.en.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "This section could not be computed").count - 1 == reviewWarnings.count)
        let overview = try render("data-overview", db, dir.file("overview"))
        #expect(overview.stderr == overviewWarnings, "\(name)")
        // Where only the form differs, the funnel is demo-small's own.
        if reviewWarnings.isEmpty {
            let original = try render("post-campaign-review", repositoryRoot + "/datasets/demo-small.sqlite", dir.file("original"))
            func funnel(_ json: [String: Any]) -> String {
                "\(tables(in: json["blocks"] as! [[String: Any]]).first { ($0["caption"] as? String) == "Customers reaching each step" }?["rows"] ?? "none")"
            }
            let steps = funnel(review.json), originalSteps = funnel(original.json)
            #expect(name == "no reward events" ? !steps.contains("reward") && steps != "none" : steps == originalSteps, "\(name): \(steps)")
        }
        if name == "a customer listed twice" {
            let markdown = try String(contentsOfFile: dir.file("overview/data-overview.en.md"), encoding: .utf8)
            #expect(markdown.contains("- **Customers**: 2,000 (2,001 rows, 1 of them repeats — see the data checks)"))
            // Asked to, the review leaves the customer out of every block (their monthly rows too).
            let lenient = try renderLeavingBadRowsOut()
            #expect(lenient.exitCode == 0)
            #expect(
                lenient.stderr
                    == "note: left out customers.customer_id: 2 rows repeating a customer (e.g. customer_id=2), left out of the campaign with every row of the customer (listed at the top of the report)\n"
            )
        }
        if name == "a text value in aum" {
            // The overview lists the value among its findings and still draws its figures.
            let markdown = try String(contentsOfFile: dir.file("overview/data-overview.en.md"), encoding: .utf8)
            #expect(
                markdown.contains("1 value is not a number (e.g. customer\\_id=1, month='2026-10') and is left out of the figures below"))
            // …counted once: not also as a NULL.
            #expect(!markdown.contains("monthly rows are NULL"))
            // Asked to, the review leaves the value out and says so at its top and in the JSON.
            let lenient = try renderLeavingBadRowsOut()
            #expect(lenient.exitCode == 0)
            #expect(
                lenient.stderr
                    == "note: left out customer_months.aum: 1 row not a number (e.g. customer_id=1, month='2026-10'), treated as missing (listed at the top of the report)\n"
            )
            let json = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir.file("lenient/post-campaign-review.en.json"))))
            let excluded = (json as! [String: Any])["excluded_rows"] as! [[String: Any]]
            #expect(excluded.count == 1 && excluded[0]["column"] as? String == "aum" && excluded[0]["rows"] as? Int == 1)
        }
    }

    /// The report names its time zone (the default UTC+08:00, or --time-zone's).
    @Test func theReportNamesItsTimeZone() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let result = try runCampaignLab([
            "render", repositoryRoot + "/notebooks-md/data-overview.md", "--db", db, "--out", dir.path, "--quiet", "--lang", "en",
            "--format", "md", "--time-zone=-05:30",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let markdown = try String(contentsOfFile: dir.file("data-overview.en.md"), encoding: .utf8)
        #expect(markdown.contains("Data: demo-small.sqlite · Times: UTC−05:30 · Parameters:"))
        let uplift = try runCampaignLab(["uplift", "--db", db, "--campaign", "growth_journey_2026", "--quiet", "--lang", "zh"])
        #expect(uplift.stdout.contains("数据来源：demo-small.sqlite · 时间：UTC+08:00 · 参数："), "\(uplift.stdout.prefix(300))")
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

/// Every table block in a report's JSON blocks, sections opened.
private func tables(in blocks: [[String: Any]]) -> [[String: Any]] {
    blocks.flatMap { block -> [[String: Any]] in
        if block["type"] as? String == "section" { return tables(in: block["blocks"] as! [[String: Any]]) }
        return block["type"] as? String == "table" ? [block] : []
    }
}
