import CampaignLabData
import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The health check of a randomized test (issue 14, point 1, first piece) on demo-small's
/// page_ab_2026 and on a copy whose split broke on one day.
struct ExperimentHealthTests {
    @Test func theDemoTestsSplitIsHealthy() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try ExperimentHealth.compute(try demoSmallCopy(in: dir), .init(campaign: "page_ab_2026"))
        #expect(result.arms == ["control", "variant_a", "variant_b"])
        #expect(result.overall.counts == [132, 114, 135])
        // scipy.stats.chisquare([132, 114, 135]) (equal shares): statistic 2.031496062992126, p 0.36213144276679193.
        #expect(abs(result.overall.test.statistic - 2.031496062992126) < 1e-9)
        #expect(abs(result.overall.test.pValue - 0.36213144276679193) < 1e-9)
        #expect(result.passed && result.days.count == 2 && result.outsideWindow == 0)
        #expect(result.levels.map(\.scope).contains("wealth"))
        // Every customer with an event of the test is assigned to it (SQL NOT EXISTS gives 0).
        #expect(result.exposedWithoutAssignment?.count == 0)
    }

    /// Customers with the test's events but no assignment (their rows lost from the log): counted
    /// and named, with one of them (demo-small's customers 25 and 27 have page_ab_2026 events).
    @Test func exposureWithoutAssignmentIsCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(
            in: dir, then: "DELETE FROM assignments WHERE campaign_id = 'page_ab_2026' AND customer_id IN (25, 27)")
        let result = try ExperimentHealth.compute(context, .init(campaign: "page_ab_2026"))
        #expect(result.exposedWithoutAssignment?.count == 2)
        #expect(result.exposedWithoutAssignment?.example == .integer(25) || result.exposedWithoutAssignment?.example == .integer(27))
        let blocks = try ExperimentHealth.run(context, .init(campaign: "page_ab_2026"))
        let text = MarkdownRenderer(language: .en).render(ReportDocument(title: "t", language: .en, blocks: blocks), chartDirectory: "x")
            .text
        #expect(text.contains("customers have events of this test but no assignment to it"))
    }

    /// variant_a's customers of the second day lost (a release that broke its page): the
    /// check fails, names that day as the cause, and says not to act on the results.
    @Test func aSplitBrokenOnOneDayIsFlaggedWithItsDay() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(
            in: dir,
            then: "DELETE FROM assignments WHERE campaign_id = 'page_ab_2026' AND arm = 'variant_a' AND assigned_at >= '2026-06-02'")
        let result = try ExperimentHealth.compute(context, .init(campaign: "page_ab_2026"))
        #expect(!result.passed && result.overall.flagged)
        #expect(result.days.filter(\.flagged).map(\.scope) == ["2026-06-02"])
        let markdown = MarkdownRenderer(language: .en).render(
            ReportDocument(title: "t", language: .en, blocks: try ExperimentHealth.run(context, .init(campaign: "page_ab_2026"))),
            chartDirectory: "x"
        ).text
        #expect(markdown.contains("Failed: the split is not the planned one"))
        #expect(markdown.contains("the split broke on 2026-06-02 only"))
        #expect(markdown.contains("Do not act on this test's results until the cause is found."))
    }

    /// A planned split fits the arms or is refused naming the option; an uneven plan is tested
    /// as planned (132 : 114 : 135 against 2 : 1 : 1 is far off).
    @Test func thePlannedSplitIsTheOption() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let context = try demoSmallCopy(in: dir)
        #expect(throws: AnalysisError.self) { _ = try ExperimentHealth.compute(context, .init(campaign: "page_ab_2026", split: [50, 50])) }
        let uneven = try ExperimentHealth.compute(context, .init(campaign: "page_ab_2026", split: [2, 1, 1]))
        #expect(uneven.overall.flagged)
    }
}
