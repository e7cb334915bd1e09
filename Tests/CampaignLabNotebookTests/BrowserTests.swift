import CampaignLabAnalyses
import CampaignLabData
import CampaignLabNotebook
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

/// HTML reports opened in headless Chromium. These tests fail (not skip) when chromium is
/// missing: `make test` installs it.
@Suite(.serialized)
struct BrowserTests {
    @Test(arguments: ReportLanguage.allCases)
    func theDataOverviewLoadsCleanlyWithEveryChart(language: ReportLanguage) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let document = try renderOverview(db: repositoryRoot + "/datasets/demo-small.sqlite", language: language)
        let path = dir.file("overview-\(language.rawValue).html")
        try Data(HTMLRenderer(language: language).render(document).utf8).write(to: URL(fileURLWithPath: path))
        let page = try HeadlessBrowser.load(htmlFile: path)
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
        #expect(page.blankFraction < 0.95)
        #expect(page.dom.contains(document.title))
    }

    @Test(arguments: ReportLanguage.allCases)
    func thePostCampaignReviewLoadsCleanly(language: ReportLanguage) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let document = try renderOverview(db: repositoryRoot + "/datasets/demo-small.sqlite", language: language, notebook: reviewNotebook)
        let path = dir.file("review-\(language.rawValue).html")
        try Data(HTMLRenderer(language: language).render(document).utf8).write(to: URL(fileURLWithPath: path))
        let page = try HeadlessBrowser.load(htmlFile: path)
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
    }

    /// The A/B readout on the demo and on a foreign bank (TEXT ids, a 50/25/25 split, its own
    /// metric names), in both languages: loads cleanly, every chart drawn, nothing overflows.
    @Test(arguments: [
        (ReportLanguage.en, "demo-small.sqlite", ["campaign": "page_ab_2026"]),
        (ReportLanguage.zh, "demo-small.sqlite", ["campaign": "page_ab_2026", "as_of": "2026-06-14"]),
        (ReportLanguage.en, "foreign-ab.sqlite", ["campaign": "checkout_copy_q3", "split": "50,25,25", "guardrails": "complaints:0.01"]),
        (ReportLanguage.zh, "foreign-ab.sqlite", ["campaign": "checkout_copy_q3", "split": "50,25,25"]),
    ])
    func theReadoutLoadsCleanly(language: ReportLanguage, file: String, parameters: [String: String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let document = try renderOverview(
            db: repositoryRoot + "/datasets/" + file, language: language, notebook: repositoryRoot + "/notebooks-md/ab-readout.md",
            parameters: parameters)
        #expect(document.notes.isEmpty, "\(document.notes)")
        // The relative effects, and the primary metric by segment.
        #expect(document.charts.count == 2)
        let path = dir.file("readout-\(language.rawValue).html")
        try Data(HTMLRenderer(language: language).render(document).utf8).write(to: URL(fileURLWithPath: path))
        let page = try HeadlessBrowser.load(htmlFile: path)
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
        #expect(page.dom.contains(language == .zh ? "结论：" : "Decision: "))
    }

    /// Cohort retention (36 monthly cohorts × 13 periods): the heatmap and curves drawn, nothing overflows.
    @Test(arguments: ReportLanguage.allCases)
    func theRetentionLoadsCleanly(language: ReportLanguage) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/demo-small.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: language)
        let document = ReportDocument(
            title: "retention", language: language, blocks: try CohortRetention.run(context, CohortRetention.Options()))
        #expect(document.charts.count == 2)
        let path = dir.file("retention-\(language.rawValue).html")
        try Data(HTMLRenderer(language: language).render(document).utf8).write(to: URL(fileURLWithPath: path))
        let page = try HeadlessBrowser.load(htmlFile: path)
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
    }

    /// The health checkup on the demo (both languages) and on the foreign bank, where nothing
    /// can be compared with a year earlier: every block renders, nothing overflows.
    @Test(arguments: [
        (ReportLanguage.en, "demo-small.sqlite", [String: String]()),
        (ReportLanguage.zh, "demo-small.sqlite", [String: String]()),
        (ReportLanguage.en, "foreign-ab.sqlite", ["activity": "months:logins>0", "dormant_months": "2"]),
    ])
    func theHealthCheckupLoadsCleanly(language: ReportLanguage, file: String, parameters: [String: String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let document = try renderOverview(
            db: repositoryRoot + "/datasets/" + file, language: language, notebook: repositoryRoot + "/notebooks-md/health-checkup.md",
            parameters: parameters)
        #expect(document.notes.isEmpty, "\(document.notes)")
        let path = dir.file("checkup-\(language.rawValue).html")
        try Data(HTMLRenderer(language: language).render(document).utf8).write(to: URL(fileURLWithPath: path))
        let page = try HeadlessBrowser.load(htmlFile: path)
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
    }

    @Test func hostileDataShowsAsText() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("hostile.sqlite")
        try makeHostileDatabase(at: db)
        let document = try renderOverview(db: db, language: .en, parameters: ["month": "2024-06", "by": "branch"])
        let path = dir.file("hostile.html")
        try Data(HTMLRenderer(language: .en).render(document).utf8).write(to: URL(fileURLWithPath: path))
        let page = try HeadlessBrowser.load(htmlFile: path)
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
        // The browser re-serializes text nodes with < and > escaped: the strings are text.
        #expect(page.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.dom.contains("\"&gt;&lt;img src=x onerror=alert(1)&gt;"))
    }
}
