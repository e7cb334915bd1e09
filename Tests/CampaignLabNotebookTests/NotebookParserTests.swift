import CampaignLabReport
import Testing

@testable import CampaignLabNotebook

struct NotebookParserTests {
    @Test func readsFrontMatterProseAndBlocksWithTheirLines() throws {
        let text = """
            ---
            title: Overview
            title_zh: 概览
            params:
              month: 2026-10
              tiers: "1, 2"
            ---
            Intro {{month}}.

            ::: zh
            中文
            :::

            ```sql
            --| title: Counts
            --| chart: bars
            SELECT 1 AS one
            ```

            ```campaignlab overview.customers
            # a comment
            by: segment
            tiers: {{tiers}}
            ```

            ```text
            a code sample stays prose
            ```
            """
        let notebook = try NotebookParser.parse(text, file: "nb/overview.md")
        #expect(notebook.name == "overview")
        #expect(notebook.title == [.en: "Overview", .zh: "概览"])
        #expect(notebook.parameters.map(\.name) == ["month", "tiers"])
        #expect(notebook.parameters.map(\.defaultValue) == ["2026-10", "1, 2"])
        #expect(notebook.parameters.map(\.line) == [5, 6])
        #expect(notebook.cells.count == 5)
        #expect(notebook.cells[0] == .prose(text: "Intro {{month}}.\n", line: 8, language: nil))
        #expect(notebook.cells[1] == .prose(text: "中文", line: 11, language: .zh))
        guard case .sql(let query, let options, let line) = notebook.cells[2] else { Issue.record("not sql"); return }
        #expect(query == "SELECT 1 AS one")
        #expect(line == 14)
        #expect(options["title"] == LocatedValue(value: "Counts", line: 15))
        #expect(options["chart"] == LocatedValue(value: "bars", line: 16))
        guard case .analysis(let name, let analysisOptions, let analysisLine) = notebook.cells[3] else {
            Issue.record("not analysis"); return
        }
        #expect(name == "overview.customers")
        #expect(analysisLine == 20)
        #expect(analysisOptions["by"] == LocatedValue(value: "segment", line: 22))
        #expect(analysisOptions["tiers"] == LocatedValue(value: "{{tiers}}", line: 23))
        guard case .prose(let code, _, _) = notebook.cells[4] else { Issue.record("not prose"); return }
        #expect(code.contains("a code sample stays prose"))
    }

    /// Each malformed notebook and the line and words its error must have.
    static let malformed: [(String, Int, String)] = [
        ("---\ntitle: x\n", 1, "never closed"),
        ("---\ncolour: red\n---\n", 2, "unknown front-matter key 'colour'"),
        ("---\nparams:\n  9lives: 1\n---\n", 3, "must be letters"),
        ("---\nparams:\n  a: 1\n  a: 2\n---\n", 4, "declared twice"),
        ("text\n\n```sql\nSELECT 1\n", 3, "never closed"),
        ("```sql\n--| nonsense\nSELECT 1\n```\n", 2, "--| key: value"),
        ("```sql\n--| title: a\n--| title: b\nSELECT 1\n```\n", 3, "given twice"),
        ("```sql\n```\n", 1, "no query"),
        ("```campaignlab\n```\n", 1, "names its analysis"),
        ("```campaignlab a b\n```\n", 1, "one analysis"),
        ("```campaignlab overview.events\nnot an option\n```\n", 2, "key: value"),
        ("::: fr\nbonjour\n:::\n", 1, "unknown language block"),
        ("::: zh\n中文\n", 1, "never closed"),
        ("text\n:::\n", 2, "none is open"),
        ("::: en\n::: zh\n:::\n", 2, "starts inside"),
    ]

    @Test(arguments: malformed)
    func malformedNotebooksNameTheLine(text: String, line: Int, words: String) {
        #expect {
            _ = try NotebookParser.parse(text, file: "bad.md")
        } throws: { error in
            guard let error = error as? NotebookError else { return false }
            return error.file == "bad.md" && error.line == line && error.message.contains(words)
                && error.description.hasPrefix("bad.md:\(line): ")
        }
    }

    @Test func proseBecomesBlocksAndParametersAreNeverMarkup() throws {
        let values = ["name": "**<b>bold</b>**"]
        let blocks = try Prose.blocks(
            """
            # Title {{name}}

            Some *emphasis*, **strong**, `code {{name}}`, a [link](https://example.com) and snake_case_name.

            - one
            - two {{name}}

            1. first
            2. second

            > quoted

            ---
            """, firstLine: 1, file: "f.md", values: values)
        #expect(
            blocks == [
                .heading(level: 1, [.text("Title **<b>bold</b>**")]),
                .paragraph([
                    .text("Some "), .emphasis("emphasis"), .text(", "), .strong("strong"), .text(", "),
                    .code("code **<b>bold</b>**"), .text(", a "), .link(text: "link", target: "https://example.com"),
                    .text(" and snake_case_name."),
                ]),
                .list(ordered: false, items: [[.text("one")], [.text("two **<b>bold</b>**")]]),
                .list(ordered: true, items: [[.text("first")], [.text("second")]]),
                .quote([.text("quoted")]),
                .rule,
            ])
    }

    @Test func anUnknownPlaceholderNamesItsLine() {
        #expect {
            _ = try Prose.blocks("ok\n\nHello {{nobody}}", firstLine: 10, file: "f.md", values: ["month": "x"])
        } throws: { error in
            (error as? NotebookError).map {
                $0.line == 12 && $0.message.contains("unknown parameter '{{nobody}}'") && $0.message.contains("month")
            } ?? false
        }
    }
}
