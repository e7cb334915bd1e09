import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabNotebook

/// Runs notebook text against a database file and returns the document.
func runNotebook(
    _ text: String, db path: String, language: ReportLanguage = .en,
    parameters: [String: String] = [:], file: String = "test.md", strict: Bool = true
) throws -> ReportDocument {
    let notebook = try NotebookParser.parse(text, file: file)
    let database = try SQLiteDatabase.open(readOnlyAt: path)
    var runner = NotebookRunner(database: database, databaseName: "fixture.sqlite", language: language)
    runner.strict = strict
    return try runner.run(notebook, parameters: parameters)
}

/// Expects `body` to throw a NotebookError at `line` whose message contains `words`.
func expectNotebookError(
    line: Int, _ words: String..., sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an error at line \(line) containing \(words)", sourceLocation: sourceLocation)
    } catch let error as NotebookError {
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        for w in words { #expect(error.message.contains(w), "\(error)", sourceLocation: sourceLocation) }
        #expect(error.description.hasPrefix("\(error.file):\(line): "), sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

struct NotebookRunnerTests {
    let dir: TemporaryDirectory
    let db: String

    init() throws {
        dir = try TemporaryDirectory()
        db = dir.file("fixture.sqlite")
        try ContractFixtures.makeDatabase(at: db)
    }

    @Test func mistakesNameTheNotebookLine() throws {
        expectNotebookError(line: 3, "unknown analysis 'overview.nothing'", "overview.events") {
            _ = try runNotebook("Intro\n\n```campaignlab overview.nothing\n```\n", db: db)
        }
        expectNotebookError(line: 4, "has no option 'colour'", "accepted: by") {
            _ = try runNotebook("x\n\n```campaignlab overview.customers\ncolour: red\n```\n", db: db)
        }
        expectNotebookError(line: 3, "tiers", "ascending numbers") {
            _ = try runNotebook("```campaignlab overview.customers\nby: segment\ntiers: 5, 3\n```\n", db: db)
        }
        expectNotebookError(line: 2, "'region' is not a dimension", "segment, branch") {
            _ = try runNotebook("```campaignlab overview.customers\nby: region\n```\n", db: db)
        }
        expectNotebookError(line: 2, "month", "YYYY-MM") {
            _ = try runNotebook("```campaignlab overview.aum-distribution\nmonth: October\n```\n", db: db)
        }
        expectNotebookError(line: 1, "syntax error") {
            _ = try runNotebook("```sql\nSELEC 1\n```\n", db: db)
        }
        expectNotebookError(line: 4, "no such table: customer_month") {
            _ = try runNotebook("# T\n\nProse.\n```sql\nSELECT * FROM customer_month\n```\n", db: db)
        }
        expectNotebookError(line: 1, "':nobody'", "not a parameter") {
            _ = try runNotebook("```sql\nSELECT :nobody\n```\n", db: db)
        }
        expectNotebookError(line: 3, "option 'x'", "'nope' is not a column") {
            _ = try runNotebook("```sql\n--| chart: bars\n--| x: nope\nSELECT 1 AS a\n```\n", db: db)
        }
        expectNotebookError(line: 2, "expected bars, hbars or lines") {
            _ = try runNotebook("```sql\n--| chart: pie\nSELECT 1 AS a\n```\n", db: db)
        }
        expectNotebookError(line: 2, "SQL blocks have no option 'colour'") {
            _ = try runNotebook("```sql\n--| colour: red\nSELECT 1 AS a\n```\n", db: db)
        }
        expectNotebookError(line: 1, "no parameter 'month'", "declared: none") {
            _ = try runNotebook("text", db: db, parameters: ["month": "2024-01"])
        }
        expectNotebookError(line: 3, "unknown parameter '{{tier}}'") {
            _ = try runNotebook("```campaignlab overview.customers\nby: segment\ntiers: {{tier}}\n```\n", db: db)
        }
    }

    @Test(arguments: [
        "INSERT INTO customers (customer_id, opened_on) VALUES (99, '2024-01-01')",
        "UPDATE customer_months SET aum = 0",
        "DELETE FROM events",
        "DROP TABLE campaigns",
        "ATTACH DATABASE 'x.sqlite' AS x",
        "PRAGMA query_only = 0",
        "PRAGMA user_version = 7",
        "CREATE TABLE t (x)",
        "SELECT 1; DELETE FROM events",
    ])
    func writeAttemptsAreRefusedAndTheDatabaseIsUnchanged(sql: String) throws {
        let before = try fileBytes(db)
        expectNotebookError(line: 3, "refused") {
            _ = try runNotebook("# Sneaky\n\n```sql\n\(sql)\n```\n", db: db)
        }
        #expect(try fileBytes(db) == before)
    }

    /// A recursive CTE that never ends is stopped by the block's time limit (the runner's
    /// default, or the block's own `time_limit`), naming the block's line.
    /// A block that cannot run on the data (here a funnel step no event has, and a table the
    /// bank lacks) leaves a visible note in its place and in the document's notes; the rest
    /// renders. Strict, the first such block fails the run naming its line.
    @Test func aBlockThatCannotRunLeavesANote() throws {
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let text = """
            # Degrades

            ```campaignlab campaign.funnel
            campaign: growth_journey_2026
            steps: assigned, page_view, reward_points
            ```

            ```sql
            SELECT count(*) AS n FROM branches
            ```

            ```sql
            SELECT count(*) AS customers FROM customers
            ```
            """
        for language in ReportLanguage.allCases {
            let document = try runNotebook(text, db: db, language: language, strict: false)
            #expect(document.notes.count == 2, "\(document.notes)")
            // The funnel's note names the line of the option at fault.
            #expect(document.notes.first?.hasPrefix("line 5, campaign.funnel:") == true && document.notes[0].contains("reward_points"))
            #expect(document.notes.last?.hasPrefix("line 8,") == true && document.notes[1].contains("no such table: branches"))
            let callouts = document.blocks.compactMap { block -> [Inline]? in
                if case .section(_, let inner) = block, case .callout(.warning, let words) = inner.first { return words }
                return nil
            }
            #expect(callouts.count == 2)
            let markdown = MarkdownRenderer(language: language).render(document, chartDirectory: "x").text
            #expect(markdown.contains(language == .en ? "This section could not be computed" : "此部分无法计算"))
            // The last block still ran: demo-small's 2,000 customers.
            #expect(markdown.contains("2,000"))
            #expect(JSONRenderer().render(document).contains("\"notes\": ["))
        }
        expectNotebookError(line: 5, "campaign.funnel", "reward_points") { _ = try runNotebook(text, db: db, strict: true) }
    }

    /// A chart never puts two units on one axis: by default it draws the columns in the first
    /// one's format (the share stays in the table); asked for both, it says why not. Labels
    /// name columns and series in the report's language.
    @Test func aChartHasOneUnitPerAxisAndTheReportsWords() throws {
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        func block(_ y: String) -> String {
            """
            # Arms

            ```sql
            --| chart: hbars
            \(y)--| format: customers=count, share=percent
            --| labels: arm=Arm, customers=Customers, share=Share
            --| labels_zh: arm=组别, customers=客户数, share=占比
            SELECT arm, count(*) AS customers, count(*) * 1.0 / sum(count(*)) OVER () AS share
            FROM assignments WHERE campaign_id = 'growth_journey_2026' GROUP BY arm
            ```
            """
        }
        for language in ReportLanguage.allCases {
            let document = try runNotebook(block(""), db: db, language: language)
            let chart = try #require(document.charts.first)
            guard case .bars(let bars) = chart.kind else { Issue.record("expected bars"); continue }
            #expect(bars.series.map(\.name) == [language == .zh ? "客户数" : "Customers"])
            #expect(chart.xAxis.label == (language == .zh ? "组别" : "Arm"))
            let markdown = MarkdownRenderer(language: language).render(document, chartDirectory: "x").text
            #expect(markdown.contains(language == .zh ? "| 组别 | 客户数 | 占比 |" : "| Arm | Customers | Share |"), "\(markdown)")
        }
        expectNotebookError(line: 5, "option 'y': 'customers' and 'share' have different formats") {
            _ = try runNotebook(block("--| y: customers, share\n"), db: db)
        }
    }

    @Test func anEndlessQueryStopsAtItsTimeLimit() throws {
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let notebook = try NotebookParser.parse("# T\n\n```sql\n--| time_limit: 0.5\n\(endless)\n```\n", file: "t.md")
        let started = Date()
        var runner = NotebookRunner(database: try SQLiteDatabase.open(readOnlyAt: db), databaseName: "x", language: .en)
        runner.strict = true
        expectNotebookError(line: 3, "stopped after its 'time_limit' of 0.5 s", "--| time_limit: SECONDS") {
            _ = try runner.run(notebook)
        }
        #expect(Date().timeIntervalSince(started) < 20)
        runner.sqlTimeLimit = 0.5
        expectNotebookError(line: 3, "stopped after the time limit for SQL blocks of 0.5 s") {
            _ = try runner.run(try NotebookParser.parse("# T\n\n```sql\n\(endless)\n```\n", file: "t.md"))
        }
        // The limit ends with the block: the same connection runs a long, finite query after it.
        let fine = try runner.run(try NotebookParser.parse("# T\n\n```sql\nSELECT count(*) AS n FROM customer_months\n```\n", file: "t.md"))
        #expect(fine.blocks.count == 2)
        expectNotebookError(line: 4, "option 'time_limit': expected a number of seconds above 0") {
            _ = try runNotebook("# T\n\n```sql\n--| time_limit: -1\nSELECT 1\n```\n", db: db)
        }
    }

    @Test func parametersBindInSQLAndSubstituteInProseAndOptions() throws {
        let document = try runNotebook(
            """
            ---
            params:
              segment: mass
              month: 2024-03
            ---
            Segment {{segment}} in {{month}}.

            ```sql
            --| title: Customers in {{segment}}
            SELECT count(*) AS n FROM customers WHERE segment = :segment
            ```

            ```campaignlab overview.aum-distribution
            month: {{month}}
            ```
            """, db: db, parameters: ["segment": "affluent"])
        #expect(document.parameters.map(\.value) == ["affluent", "2024-03"])
        #expect(document.blocks[0] == .paragraph([.text("Segment affluent in 2024-03.")]))
        guard case .section(_, let sql) = document.blocks[1] else { Issue.record("no section"); return }
        #expect(sql[0] == .heading(level: 3, [.text("Customers in affluent")]))
        // ContractFixtures: customers 1 and 5 are affluent.
        #expect(sql[1] == .table(ReportTable(columns: [ReportTable.Column("n")], rows: [[.integer(2)]])))
        // 2024-03 aum = 10000·id + 750 for ids 1…6 (ContractFixtures): median of 6 values = 35,750.
        let json = JSONRenderer().render(document)
        #expect(json.contains("\"value\": 35750"))
    }

    @Test func languageBlocksPickTheReportLanguage() throws {
        let text = "Both\n\n::: en\nEnglish only\n:::\n\n::: zh\n只有中文\n:::\n"
        let en = try runNotebook(text, db: db, language: .en)
        let zh = try runNotebook(text, db: db, language: .zh)
        #expect(en.blocks == [.paragraph([.text("Both")]), .paragraph([.text("English only")])])
        #expect(zh.blocks == [.paragraph([.text("Both")]), .paragraph([.text("只有中文")])])
    }
}

struct OverviewAnalysisTests {
    /// The streamed monthly means equal SQLite's own GROUP BY month aggregates (an independent
    /// computation) on the committed demo-small database, to 1e-12 relative.
    @Test func monthlyKPIsAgreeWithSQLiteAggregates() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let document = try NotebookRunner(database: db, databaseName: "demo-small.sqlite", language: .en)
            .run(try NotebookParser.parse("```campaignlab overview.monthly-kpis\n```\n", file: "t.md"))
        guard case .section(_, let blocks) = document.blocks.first,
            case .table(let table) = blocks.last
        else { Issue.record("no table"); return }
        let reference = try db.rows(
            """
            SELECT month, count(*), avg(aum), avg(products_held), avg(app_logins), avg(app_logins > 0)
            FROM customer_months GROUP BY month ORDER BY month
            """)
        #expect(table.rows.count == reference.count)
        for (row, ref) in zip(table.rows, reference) {
            #expect(row[0] == .text(ref[0].description.replacingOccurrences(of: "'", with: "")))
            #expect(row[1].numericValue == ref[1].doubleValue)
            for j in 2...5 {
                let a = row[j].numericValue ?? .nan, b = ref[j].doubleValue ?? .nan
                #expect(abs(a - b) <= 1e-12 * abs(b), "month \(ref[0]) column \(j): \(a) vs \(b)")
            }
        }
    }
}

extension OverviewAnalysisTests {
    /// The AUM concentration and the tiers of the data overview on demo-small, month 2026-10,
    /// against numpy/pandas on the raw rows (Tests/References/data_overview.py).
    @Test func concentrationAndTiersAgreeWithNumpy() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let runner = NotebookRunner(database: db, databaseName: "demo-small.sqlite", language: .en)
        let document = try runner.run(
            try NotebookParser.parse(
                """
                ```campaignlab overview.aum-distribution
                month: 2026-10
                ```

                ```campaignlab overview.customers
                month: 2026-10
                ```
                """, file: "t.md"))
        guard case .section(_, let distribution) = document.blocks[0], case .keyFigures(let figures) = distribution[0],
            case .section(_, let customers) = document.blocks[1], case .table(let tiers) = customers[2]
        else {
            Issue.record("unexpected blocks"); return
        }
        // numpy: Gini 0.9048762206836619, top 1% share 0.48824914674196584, median 9040.07.
        #expect(close(figures[0].value, 0.9048762206836619, floor: 1))
        #expect(close(figures[1].value, 0.48824914674196584, floor: 1))
        #expect(close(figures[4].value, 9040.07, floor: 1))
        // pandas.cut: customers 1509 / 394 / 90 / 7; AUM 13887106.94 / 57757555.45 / 124527133.32 / 102230715.41.
        #expect(tiers.rows.map { $0[1] } == [.integer(1509), .integer(394), .integer(90), .integer(7)])
        let amounts = tiers.rows.compactMap { $0[3].numericValue }
        for (a, b) in zip(amounts, [13887106.94, 57757555.45, 124527133.32, 102230715.41]) { #expect(close(a, b, floor: 1)) }
    }
}

extension NotebookRunnerTests {
    /// A negative balance cannot enter a concentration analysis: the error names table, column and row.
    @Test func aNegativeBalanceIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(
            at: path, then: "UPDATE customer_months SET aum = -5 WHERE customer_id = 3 AND month = '2024-06';")
        let before = try fileBytes(path)
        expectNotebookError(line: 1, "table customer_months, column aum, row customer_id=3, month='2024-06'", "negative") {
            _ = try runNotebook("```campaignlab overview.aum-distribution\nmonth: 2024-06\n```\n", db: path)
        }
        #expect(try fileBytes(path) == before)
    }
}

/// Blocks run at once (each on its own connection) give the document that running them one
/// after the other gives, and the first failing block in notebook order is the one reported.
struct ConcurrentBlocksTests {
    @Test func atOnceAndOneByOneGiveTheSameBytes() throws {
        let path = repositoryRoot + "/notebooks-md/post-campaign-review.md"
        let notebook = try NotebookParser.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
        var rendered: [String] = []
        for atOnce in [true, false] {
            let database = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
            var runner = NotebookRunner(database: database, databaseName: "demo-small.sqlite", language: .en)
            runner.runsBlocksAtOnce = atOnce
            rendered.append(JSONRenderer().render(try runner.run(notebook)))
        }
        #expect(rendered[0].count > 10_000)
        #expect(rendered[0] == rendered[1])
    }

    @Test func theFirstFailingBlockInNotebookOrderIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("fixture.sqlite")
        try ContractFixtures.makeDatabase(at: db)
        // Block 2 fails quickly; block 3 fails too. Whatever finishes first, line 5 is reported.
        let text =
            "```sql\nSELECT count(*) FROM customers\n```\n\n```sql\nSELECT * FROM no_such_table\n```\n\n```sql\nSELECT * FROM nor_this_one\n```\n"
        for _ in 0..<5 {
            expectNotebookError(line: 5, "no such table: no_such_table") { _ = try runNotebook(text, db: db) }
        }
    }
}
