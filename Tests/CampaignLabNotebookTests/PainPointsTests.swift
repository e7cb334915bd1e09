import CampaignLabData
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The checkup's pain points (issue 15, point 6): nothing on the demo's steady base, the
/// deterioration named when a third of the base stops logging in, and what could not be compared.
struct PainPointsTests {
    @Test func aDropInActivityIsNamedFirst() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let quiet = try PainPoints.compute(try demoSmallCopy(in: dir), .init(quarter: TierMigration.Quarter("2026Q3")))
        #expect(quiet.findings.isEmpty && quiet.checked.count == 5)
        let context = try demoSmallCopy(
            in: dir, then: "UPDATE customer_months SET app_logins = 0 WHERE month BETWEEN '2026-07' AND '2026-09' AND customer_id % 3 = 0")
        let result = try PainPoints.compute(context, .init(quarter: TierMigration.Quarter("2026Q3")))
        let names = result.findings.map(\.what.en)
        #expect(names.contains { $0.hasPrefix("Fewer active customers stayed active the next month") })
        #expect(names.contains { $0.hasPrefix("Active share per customer of the whole base fell") })
        // Ranked by clarity, and every one a deterioration with its interval on the bad side.
        #expect(zip(result.findings, result.findings.dropFirst()).allSatisfy { $0.clarity >= $1.clarity })
        for f in result.findings { #expect(f.effect.pValue < 0.05) }
        let markdown = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: try PainPoints.run(context, .init(quarter: TierMigration.Quarter("2026Q3")))),
            chartDirectory: "x"
        ).text
        #expect(markdown.contains("Pain points of 2026Q3, clearest first"))
    }

    @Test func whatCannotBeComparedIsSaid() throws {
        let db = try SQLiteDatabase.open(readOnlyAt: repositoryRoot + "/datasets/foreign-ab.sqlite")
        let context = AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en)
        let result = try PainPoints.compute(context, .init(activity: .months(column: "logins"), dormantMonths: 2))
        // Six months of data: nothing a year earlier.
        #expect(result.checked.isEmpty && result.findings.isEmpty && result.skipped.count == 5)
    }
}

/// The health checkup on a bank without login data: the blocks that need activity say so in
/// their place, the others (tiers without a dormant column, KPIs, concentration) still run.
struct HealthCheckupWithoutLoginsTests {
    @Test func blocksNeedingActivitySayWhy() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets/demo-small.sqlite", toPath: path)
        try SQLiteDatabase(path: path, mode: .readWrite(create: false)).execute(
            "ALTER TABLE customer_months DROP COLUMN app_logins; DELETE FROM events WHERE event = 'app_login'")
        let document = try renderOverview(db: path, language: .en, notebook: repositoryRoot + "/notebooks-md/health-checkup.md")
        // Lifecycle, retention and the AARRR funnel cannot run without a rule: a note each, naming what to give.
        #expect(document.notes.count == 3, "\(document.notes)")
        #expect(document.notes.allSatisfy { $0.contains("say what activity is") })
        let markdown = MarkdownRenderer(language: .en).render(document, chartDirectory: "x").text
        #expect(markdown.contains("dormant = not told: no activity data"))
        #expect(markdown.contains("Where each tier's customers were at the end of 2026Q3"))
        #expect(markdown.contains("KPIs per customer by segment"))
    }
}
