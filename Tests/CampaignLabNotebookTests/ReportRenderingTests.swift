import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabNotebook
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

/// The strings a hostile or careless data source could hold in a dimension, an event name
/// or a campaign name.
let hostileStrings = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]

/// The fixture database with hostile text in every user-provided string the overview shows.
func makeHostileDatabase(at path: String) throws {
    try ContractFixtures.makeDatabase(
        at: path,
        then: """
            UPDATE customers SET segment = '<script>alert(1)</script>' WHERE segment = 'affluent';
            UPDATE customers SET branch = '"><img src=x onerror=alert(1)>' WHERE branch = 'Beijing';
            UPDATE events SET event = '<script>alert(1)</script>' WHERE event = 'click';
            UPDATE campaigns SET name = '"><img src=x onerror=alert(1)>' WHERE campaign_id = 'growth';
            """)
}

let overviewNotebook = repositoryRoot + "/notebooks-md/data-overview.md"
let reviewNotebook = repositoryRoot + "/notebooks-md/post-campaign-review.md"

func renderOverview(
    db: String, language: ReportLanguage, notebook: String = overviewNotebook,
    parameters: [String: String] = [:]
) throws -> ReportDocument {
    let text = try String(contentsOfFile: notebook, encoding: .utf8)
    let parsed = try NotebookParser.parse(text, file: "notebooks-md/" + URL(fileURLWithPath: notebook).lastPathComponent)
    let database = try SQLiteDatabase.open(readOnlyAt: db)
    return try NotebookRunner(database: database, databaseName: URL(fileURLWithPath: db).lastPathComponent, language: language)
        .run(parsed, parameters: parameters)
}

struct ReportRenderingTests {
    @Test(arguments: ReportLanguage.allCases)
    func hostileStringsRenderAsText(language: ReportLanguage) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("hostile.sqlite")
        try makeHostileDatabase(at: db)
        let document = try renderOverview(db: db, language: language, parameters: ["month": "2024-06"])
        let html = HTMLRenderer(language: language).render(document)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("onerror=alert(1)>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        let markdown = MarkdownRenderer(language: language).render(document, chartDirectory: "c")
        let everything = markdown.text + markdown.files.map(\.contents).joined()
        #expect(!everything.contains("<script"))
        #expect(!everything.contains("<img"))
        #expect(markdown.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        for svg in markdown.files.map(\.contents) {
            #expect(!svg.contains("<script") && !svg.contains("<img"))
        }
        // JSON keeps the data as data: the exact string, JSON-escaped.
        let json = JSONRenderer().render(document)
        #expect(json.contains("\"<script>alert(1)</script>\""))
        #expect(json.contains("\"\\\"><img src=x onerror=alert(1)>\""))
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(parsed?["format"] as? String == "campaignlab-report")
    }

    @Test func renderingIsDeterministic() throws {
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let first = try renderOverview(db: db, language: .zh)
        let second = try renderOverview(db: db, language: .zh)
        #expect(HTMLRenderer(language: .zh).render(first) == HTMLRenderer(language: .zh).render(second))
        #expect(JSONRenderer().render(first) == JSONRenderer().render(second))
    }

    /// Golden files: the data overview of the committed demo-small database (2,000 customers,
    /// seed 7) in both languages and all three formats. Re-record with RECORD_GOLDEN=1.
    @Test(arguments: ReportLanguage.allCases)
    func dataOverviewMatchesTheGoldenFiles(language: ReportLanguage) throws {
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let document = try renderOverview(db: db, language: language)
        let base = "data-overview.\(language.rawValue)"
        let markdown = MarkdownRenderer(language: language).render(document, chartDirectory: base + "_files")
        var outputs: [(String, String)] = [
            (base + ".md", markdown.text), (base + ".html", HTMLRenderer(language: language).render(document)),
            (base + ".json", JSONRenderer().render(document)),
        ]
        outputs += markdown.files.map { ($0.path, $0.contents) }
        var mismatches: [String] = []
        for (name, text) in outputs {
            if let mismatch = goldenMismatch(text, named: name) { mismatches.append(mismatch) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        // Every chart the document holds is in the HTML once and has an SVG file for Markdown.
        let html = outputs[1].1
        #expect(document.charts.count == 10)
        #expect(html.components(separatedBy: "<svg ").count - 1 == document.charts.count)
        #expect(markdown.files.count == document.charts.count)
    }

    /// Golden files of the post-campaign review of growth_journey_2026 on demo-small.
    @Test(arguments: ReportLanguage.allCases)
    func postCampaignReviewMatchesTheGoldenFiles(language: ReportLanguage) throws {
        let document = try renderOverview(db: repositoryRoot + "/datasets/demo-small.sqlite", language: language, notebook: reviewNotebook)
        let base = "post-campaign-review.\(language.rawValue)"
        let markdown = MarkdownRenderer(language: language).render(document, chartDirectory: base + "_files")
        var mismatches: [String] = []
        for (name, text) in [
            (base + ".md", markdown.text), (base + ".json", JSONRenderer().render(document)),
            (base + ".html", HTMLRenderer(language: language).render(document)),
        ] {
            if let mismatch = goldenMismatch(text, named: name) { mismatches.append(mismatch) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        // Summary first, then the detail: 3 method forests, 3 segment forests, 3 year-over-year bars, the funnel and its time-to-convert curve, the arms chart.
        #expect(document.charts.count == 12)
    }
}
