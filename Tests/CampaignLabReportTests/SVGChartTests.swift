import CampaignLabReport
import CampaignLabTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses SVG text as XML; returns the element names in document order, or nil when the
/// text is not well-formed.
func xmlElements(_ text: String) -> [String]? {
    final class Collector: NSObject, XMLParserDelegate {
        var names: [String] = []
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) { names.append(name) }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let collector = Collector()
    parser.delegate = collector
    return parser.parse() ? collector.names : nil
}

/// One chart of every kind, with awkward but valid data.
let sampleCharts: [Chart] = [
    Chart(
        id: "bars", title: "Customers by segment", subtitle: "2026-10", xAxis: Axis(label: "Segment"),
        yAxis: Axis(label: "Customers", style: .count),
        kind: .bars(
            BarData(
                categories: ["mass", "affluent", "wealth"],
                series: [
                    BarData.Series(name: "2025", values: [1200, 300, 40], intervals: [1100...1300, 250...350, 30...50]),
                    BarData.Series(name: "2026", values: [1500, 320, -10]),
                ]))),
    Chart(
        id: "hbars", title: "Events", xAxis: Axis(label: "Event"), yAxis: Axis(label: "Events", style: .count),
        kind: .bars(
            BarData(
                categories: ["app_login", "a very long event name that will not fit in the label column at all"],
                series: [BarData.Series(name: "Events", values: [5000, 12])], horizontal: true))),
    Chart(
        id: "forest", title: "AUM uplift by segment", xAxis: Axis(label: "Effect (CNY)", style: .currency), yAxis: Axis(label: ""),
        kind: .forest(
            ForestData(rows: [
                ForestData.Row(label: "mass", estimate: 1200, low: 300, high: 2100, detail: "n = 1,543"),
                ForestData.Row(label: "affluent", estimate: -400, low: -1900, high: 1100, detail: "n = 367"),
                ForestData.Row(label: "All", estimate: 900, low: 200, high: 1600, isSummary: true),
            ]))),
    Chart(
        id: "funnel", title: "Campaign funnel", xAxis: Axis(label: ""), yAxis: Axis(label: ""),
        kind: .funnel([
            FunnelStep(label: "assigned", count: 10000), FunnelStep(label: "page_view", count: 6200),
            FunnelStep(label: "click", count: 2100), FunnelStep(label: "enroll", count: 900),
        ])),
    Chart(
        id: "steps", title: "Time to enroll", xAxis: Axis(label: "Days"),
        yAxis: Axis(label: "Not yet enrolled", style: .percent(digits: 0)),
        kind: .steps([
            StepSeries(
                name: "mass", points: [(0, 1), (3, 0.8), (7, 0.6), (30, 0.45)],
                band: [(1, 1), (0.75, 0.85), (0.55, 0.65), (0.4, 0.5)], censored: [10, 20]),
            StepSeries(name: "affluent", points: [(0, 1), (2, 0.7), (9, 0.5)]),
        ])),
    Chart(
        id: "heatmap", title: "Cohort retention", xAxis: Axis(label: "Months since joining"), yAxis: Axis(label: "Cohort"),
        kind: .heatmap(
            HeatmapData(
                rowLabels: ["2026-01", "2026-02"], columnLabels: ["0", "1", "2"],
                values: [[1, 0.62, 0.5], [1, 0.58, nil]], style: .percent(digits: 0)))),
    Chart(
        id: "lines", title: "AUM per customer", xAxis: Axis(label: "Month"), yAxis: Axis(label: "CNY", style: .currency),
        kind: .lines(
            LineData(
                categories: ["2026-01", "2026-02", "2026-03", "2026-04"],
                series: [
                    LineData.Series(name: "this year", values: [120_000, 125_000, nil, 131_000]),
                    LineData.Series(name: "last year", values: [110_000, 111_000, 112_500, 113_000]),
                ]))),
    Chart(
        id: "histogram", title: "Days to convert", xAxis: Axis(label: "Days"), yAxis: Axis(label: "Customers", style: .count),
        kind: .histogram(HistogramData(edges: [0, 5, 10, 20, 40], counts: [120, 80, 40, 10]))),
    Chart(
        id: "lorenz", title: "AUM concentration", xAxis: Axis(label: "Customers", style: .percent(digits: 0)),
        yAxis: Axis(label: "AUM", style: .percent(digits: 0)),
        kind: .lorenz(LorenzData(points: [(0, 0), (0.5, 0.05), (0.8, 0.2), (0.99, 0.6), (1, 1)], gini: 0.72))),
]

struct SVGChartTests {
    let renderer = SVGChartRenderer(formatter: ReportFormatter(language: .en))

    @Test(arguments: sampleCharts)
    func everyKindIsWellFormedLabelledAndGolden(chart: Chart) throws {
        let svg = renderer.render(chart)
        let elements = try #require(xmlElements(svg), "not well-formed XML")
        #expect(elements.first == "svg")
        #expect(svg.contains("<title id=\"cl-\(chart.id)-title\">\(chart.title)</title>"))
        #expect(!svg.contains("NaN") && !svg.contains("inf"))
        #expect(!elements.contains("script") && !svg.contains("href"))
        if !chart.xAxis.label.isEmpty, case .funnel = chart.kind {
        } else if !chart.xAxis.label.isEmpty {
            #expect(svg.contains(">\(chart.xAxis.label)<"))
        }
        #expect(renderer.render(chart) == svg)
        #expect(goldenMismatch(svg, named: "\(chart.id).svg") == nil, "\(goldenMismatch(svg, named: "\(chart.id).svg") ?? "")")
    }

    @Test func marksMatchTheData() throws {
        func count(_ needle: String, _ chart: Chart) -> Int { renderer.render(chart).components(separatedBy: needle).count - 1 }
        // Bars: 3 + 3 bars with a value tooltip each; error bars only for the three intervals (3 lines each).
        #expect(count("<rect x=", sampleCharts[0]) - 2 == 6)  // minus the two legend swatches
        #expect(count("stroke=\"#1f2328\" stroke-width=\"1.5\"", sampleCharts[0]) == 9)
        // Forest: two squares and one diamond.
        #expect(count("width=\"8\" height=\"8\"", sampleCharts[2]) == 2)
        #expect(count("Z\" fill=\"#1f2328\"", sampleCharts[2]) == 1)
        // Funnel: step and overall conversion computed by hand: 2100/6200 = 33.9%, 2100/10000 = 21.0%.
        #expect(renderer.render(sampleCharts[3]).contains("2,100 · step 33.9% · overall 21.0%"))
        // Heatmap: 5 values, 1 empty cell; the text colour flips on dark cells.
        #expect(count("<title>2026-", sampleCharts[5]) == 5)
        // Lines: the gap splits "this year" into two sub-paths.
        #expect(renderer.render(sampleCharts[6]).contains(" M"))
        // Long labels are cut with … and keep the full text as a tooltip.
        #expect(
            renderer.render(sampleCharts[1]).contains("<title>a very long event name that will not fit in the label column at all</title>"))
    }

    @Test func ticksAreNiceNumbers() {
        let svg = renderer.render(sampleCharts[0])
        // Values −10…1500 (+ intervals to 1300): nice step 500 → ticks 0, 500, 1k, 1.5k and −500
        // below zero, all in thousands (one unit per axis).
        for tick in ["−0.5k", ">0<", ">0.5k<", ">1k<", ">1.5k<"] { #expect(svg.contains(tick), "\(tick)") }
    }

    @Test func hostileLabelsAreEscaped() throws {
        let chart = Chart(
            id: "x", title: "<script>alert(1)</script>", xAxis: Axis(label: "\"><img src=x onerror=alert(1)>"),
            yAxis: Axis(label: "y'"), kind: .bars(BarData(categories: ["<b>&"], series: [BarData.Series(name: "<i>", values: [1])])))
        let svg = renderer.render(chart)
        #expect(xmlElements(svg) != nil)
        #expect(!svg.contains("<script") && !svg.contains("<img") && !svg.contains("<b>") && !svg.contains("<i>"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && svg.contains("&lt;b&gt;&amp;"))
    }

    static let degenerate: [Chart] = [
        Chart(
            id: "empty-bars", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"), kind: .bars(BarData(categories: [], series: []))
        ),
        Chart(
            id: "zero-bars", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .bars(BarData(categories: ["a"], series: [BarData.Series(name: "s", values: [0])]))),
        Chart(
            id: "nan-bars", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .bars(BarData(categories: ["a", "b"], series: [BarData.Series(name: "s", values: [.nan, .infinity])]))),
        Chart(
            id: "equal-lines", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .lines(LineData(categories: ["a", "b"], series: [LineData.Series(name: "s", values: [5, 5])]))),
        Chart(
            id: "single-line", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .lines(LineData(categories: ["a"], series: [LineData.Series(name: "s", values: [nil])]))),
        Chart(id: "empty-funnel", title: "t", xAxis: Axis(label: ""), yAxis: Axis(label: ""), kind: .funnel([])),
        Chart(
            id: "zero-funnel", title: "t", xAxis: Axis(label: ""), yAxis: Axis(label: ""), kind: .funnel([FunnelStep(label: "a", count: 0)])
        ),
        Chart(
            id: "nan-forest", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: ""),
            kind: .forest(ForestData(rows: [ForestData.Row(label: "a", estimate: .nan, low: .nan, high: .nan)]))),
        Chart(id: "empty-steps", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"), kind: .steps([])),
        Chart(
            id: "empty-heatmap", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .heatmap(HeatmapData(rowLabels: ["a"], columnLabels: ["b"], values: [[nil]], style: .count))),
        Chart(
            id: "flat-histogram", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .histogram(HistogramData(edges: [1, 1], counts: [3]))),
        Chart(
            id: "one-point-lorenz", title: "t", xAxis: Axis(label: "x"), yAxis: Axis(label: "y"),
            kind: .lorenz(LorenzData(points: [(0, 0)], gini: .nan))),
    ]

    @Test(arguments: degenerate)
    func degenerateDataNeverBreaksTheSVG(chart: Chart) throws {
        let svg = renderer.render(chart)
        #expect(xmlElements(svg) != nil)
        #expect(!svg.contains("NaN") && !svg.contains("inf") && !svg.contains("∞"))
    }

    @Test func chineseTicksUseWan() {
        let zh = SVGChartRenderer(formatter: ReportFormatter(language: .zh)).render(sampleCharts[6])
        // 110,000…131,000 CNY with a nice step of 50,000 from 0: ticks 0, 5万, 10万, 15万.
        #expect(zh.contains(">15万<") && zh.contains(">5万<"))
    }
}
