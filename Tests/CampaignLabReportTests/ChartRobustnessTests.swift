import CampaignLabReport
import Foundation
import Testing

/// Extreme but finite data, found by a fuzz run over every chart kind (values 0, equal,
/// negative, NaN, ±1e308, 1.7e308, 1e-300, 1e17 ± 32, subnormal). Before the fix these
/// trapped (heatmap, Lorenz) or printed "inf" / fifty identical tick labels.
struct ChartRobustnessTests {
    static func chart(_ id: String, _ kind: ChartKind, style: NumberStyle = .count) -> Chart {
        Chart(id: id, title: id, xAxis: Axis(label: "x", style: style), yAxis: Axis(label: "y", style: style), kind: kind)
    }

    static let extremes: [Chart] = [
        // (v − low) / (high − low) was inf / inf = NaN here, and Int(NaN) trapped.
        chart(
            "heatmap-opposite-extremes",
            .heatmap(
                HeatmapData(
                    rowLabels: ["a"], columnLabels: ["b", "c", "d"],
                    values: [[1e308, -1e308, 0]], style: .count))),
        // 1.7e308 × 100 overflows: the cell said "inf%".
        chart(
            "heatmap-percent-overflow",
            .heatmap(
                HeatmapData(
                    rowLabels: ["a"], columnLabels: ["b", "c"],
                    values: [[1.7e308, 1]], style: .percent(digits: 1)))),
        // A point far outside 0…1: its pixel coordinate exceeded Int.max and trapped.
        chart(
            "lorenz-far-off-scale", .lorenz(LorenzData(points: [(0, 0), (1e17, 1e17), (1, 1)], gini: 0.5)),
            style: .percent(digits: 0)),
        // The nice upper bound (4 × 5e307) overflowed: tick labels "infB".
        chart("bars-near-max", .bars(BarData(categories: ["a", "b"], series: [BarData.Series(name: "s", values: [1.7e308, 1.7e308])]))),
        chart("lines-near-max", .lines(LineData(categories: ["a", "b"], series: [LineData.Series(name: "s", values: [1.7e308, nil])]))),
        chart("steps-opposite-extremes", .steps([StepSeries(name: "s", points: [(-1e308, 1e308), (1e308, -1e308)])])),
        chart("histogram-near-max", .histogram(HistogramData(edges: [0, 1, 2], counts: [1.7e308, 1]))),
    ]

    @Test(arguments: extremes)
    func extremeFiniteValuesNeitherTrapNorPrintInfinity(chart: Chart) throws {
        for language in ReportLanguage.allCases {
            let svg = SVGChartRenderer(formatter: ReportFormatter(language: language)).render(chart)
            #expect(xmlElements(svg) != nil, "not well-formed XML")
            #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
        }
    }

    /// The text of every axis tick label (class `cl-a`, which also holds the axis titles "x"/"y").
    static func axisTexts(_ svg: String) -> [String] {
        svg.components(separatedBy: "class=\"cl-a\"").dropFirst().compactMap { piece in
            guard let open = piece.firstIndex(of: ">"), let close = piece.firstIndex(of: "<") else { return nil }
            return String(piece[piece.index(after: open)..<close])
        }
    }

    @Test func ticksStayDistinctBelowTheResolutionOfTheValues() {
        // 1e17, 1e17 + 16, 1e17 + 32: the nice step is 10 but doubles near 1e17 are 16 apart, so
        // k × step repeated itself and the axis had 50 labels "100,000,000,000,000k".
        let chart = Self.chart(
            "bars-resolution",
            .bars(
                BarData(
                    categories: ["a", "b", "c"],
                    series: [
                        BarData.Series(name: "s", values: [1e17, 1e17 + 16, 1e17 + 32])
                    ])))
        let svg = SVGChartRenderer(formatter: ReportFormatter(language: .en)).render(chart)
        let texts = Self.axisTexts(svg)
        #expect(texts.count < 20)
        #expect(Set(texts).count == texts.count, "\(texts)")
    }

    @Test func ordinaryTicksAreUnchanged() {
        // Values 0…1500 → nice step 500 (computed by hand): 0, 500, 1k, 1.5k, each once, all in
        // the axis's one unit (k).
        let chart = Self.chart(
            "bars-plain", .bars(BarData(categories: ["a", "b"], series: [BarData.Series(name: "s", values: [0, 1500])])))
        let texts = Self.axisTexts(SVGChartRenderer(formatter: ReportFormatter(language: .en)).render(chart))
        #expect(texts.filter { $0 != "x" && $0 != "y" } == ["0", "0.5k", "1k", "1.5k"])
        let zh = Self.axisTexts(SVGChartRenderer(formatter: ReportFormatter(language: .zh)).render(chart))
        #expect(zh.filter { $0 != "x" && $0 != "y" } == ["0", "500", "1,000", "1,500"])
        // Past 1万 every tick is in 万 ("0.5万", not "5,000" next to "1万").
        let wan = Self.chart(
            "bars-wan", .bars(BarData(categories: ["a", "b"], series: [BarData.Series(name: "s", values: [0, 15_000])])))
        let wanTexts = Self.axisTexts(SVGChartRenderer(formatter: ReportFormatter(language: .zh)).render(wan))
        #expect(wanTexts.filter { $0 != "x" && $0 != "y" } == ["0", "0.5万", "1万", "1.5万"])
    }

    /// (value, style, language, expected) — computed by hand: the unit or decimals are chosen
    /// after rounding, so a value never shows as "10,000元" or "¥100.00" or "10.0×".
    static let roundingEdges: [(Double, NumberStyle, ReportLanguage, String)] = [
        (9_999.5, .currency, .zh, "1.00万元"),  // rounds to 10,000 → 万
        (9_999.4, .currency, .zh, "9,999元"),
        (-9_999.5, .currency, .zh, "−1.00万元"),
        (99.999, .currency, .en, "¥100"),  // rounds to 100.00 → whole yuan
        (99.994, .currency, .en, "¥99.99"),
        (99.999, .currency, .zh, "100元"),
        (9.96, .multiple, .en, "10×"),  // rounds to 10.0 → whole multiple
        (9.94, .multiple, .en, "9.9×"),
        (1.7e308, .percent(digits: 1), .en, "∞%"),  // × 100 overflows
        (-1.7e308, .percentagePoints(digits: 1), .zh, "−∞个百分点"),
    ]

    @Test(arguments: roundingEdges)
    func unitsAndDecimalsAreChosenAfterRounding(value: Double, style: NumberStyle, language: ReportLanguage, expected: String) {
        #expect(ReportFormatter(language: language).format(value, style) == expected)
    }

    @Test func infiniteTicksUseTheInfinitySign() {
        let en = ReportFormatter(language: .en), zh = ReportFormatter(language: .zh)
        #expect(en.tick(.infinity, .count) == "∞")
        #expect(zh.tick(-.infinity, .currency) == "−∞")
        #expect(en.tick(.infinity, .percent(digits: 0)) == "∞")
        #expect(en.tick(.nan, .decimal(digits: 2)) == "—")
    }
}
