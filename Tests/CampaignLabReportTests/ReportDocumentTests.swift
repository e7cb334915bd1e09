import CampaignLabReport
import Testing

struct ReportDocumentTests {
    @Test func chartsAreCollectedInOrderFromNestedSections() {
        let axis = Axis(label: "x")
        let first = Chart(id: "a", title: "A", xAxis: axis, yAxis: axis, kind: .funnel([FunnelStep(label: "s", count: 1)]))
        let second = Chart(
            id: "b", title: "B", xAxis: axis, yAxis: axis,
            kind: .histogram(HistogramData(edges: [0, 1], counts: [3])))
        let document = ReportDocument(
            title: "t", language: .en,
            blocks: [
                .chart(first),
                .section(id: "s", [.paragraph([.text("p")]), .chart(second)]),
            ])
        #expect(document.charts.map(\.id) == ["a", "b"])
    }

    @Test func numericCellValues() {
        #expect(Cell.integer(3).numericValue == 3)
        #expect(Cell.interval(estimate: 0.29, low: 0.04, high: 0.53).numericValue == 0.29)
        #expect(Cell.text("3").numericValue == nil)
    }
}
