/// Draws a `Chart` as a standalone SVG element: title and subtitle, labelled axes with nice
/// ticks formatted for the report's language, a legend when there is more than one series,
/// and a colour-blind-safe palette (Okabe–Ito). Output is deterministic; every string is
/// escaped; non-finite values are skipped (and said so in the description), never drawn.
///
/// ```swift
/// let svg = SVGChartRenderer(formatter: ReportFormatter(language: .en)).render(chart)
/// ```
public struct SVGChartRenderer: Sendable {
    public var formatter: ReportFormatter
    public var width: Int

    public init(formatter: ReportFormatter, width: Int = 720) {
        self.formatter = formatter
        self.width = width
    }

    var noData: String { formatter.language == .zh ? "无数据" : "No data" }

    public func render(_ chart: Chart) -> String {
        var canvas = SVGCanvas(width: Double(width), height: 360, chartID: chart.id)
        let top: Double = chart.subtitle == nil ? 40 : 58
        let description: String
        switch chart.kind {
        case .bars(let data): description = drawBars(data, chart, &canvas, top: top)
        case .forest(let data): description = drawForest(data, chart, &canvas, top: top)
        case .funnel(let steps): description = drawFunnel(steps, chart, &canvas, top: top)
        case .steps(let series): description = drawSteps(series, chart, &canvas, top: top)
        case .heatmap(let data): description = drawHeatmap(data, chart, &canvas, top: top)
        case .lines(let data): description = drawLines(data, chart, &canvas, top: top)
        case .histogram(let data): description = drawHistogram(data, chart, &canvas, top: top)
        case .lorenz(let data): description = drawLorenz(data, chart, &canvas, top: top)
        }
        return canvas.finish(title: chart.title, subtitle: chart.subtitle, description: description)
    }

    // MARK: Shared pieces

    /// A legend row at `y`; returns its height.
    @discardableResult
    private func legend(_ names: [String], _ canvas: inout SVGCanvas, y: Double, dashedLast: Bool = false) -> Double {
        guard names.count > 1 else { return 0 }
        var x = 12.0
        var row = y
        for (i, name) in names.enumerated() {
            let (shown, _) = SVGCanvas.fit(name, maxWidth: 200)
            let w = 18 + SVGCanvas.textWidth(shown) + 16
            if x + w > canvas.width - 12 && x > 12 { x = 12; row += 18 }
            if dashedLast && i == names.count - 1 {
                canvas.line(x, row - 4, x + 12, row - 4, stroke: "#59636e", width: 1.5, dash: "4 3")
            } else {
                canvas.rect(x, row - 10, 12, 12, fill: SVGCanvas.color(i))
            }
            canvas.text(name, x: x + 18, y: row, maxWidth: 200)
            x += w
        }
        return row - y + 20
    }

    /// Value-axis gridlines and tick labels on the left (vertical axis).
    private func leftAxis(_ scale: LinearScale, _ canvas: inout SVGCanvas, left: Double, right: Double, style: NumberStyle) {
        for (t, label) in zip(scale.ticks, formatter.ticks(scale.ticks, style)) {
            let y = scale(t)
            canvas.line(left, y, right, y, stroke: t == 0 ? "#8c959f" : "#e6eaef")
            canvas.text(label, x: left - 6, y: y + 4, anchor: "end", cls: "cl-a")
        }
    }

    /// Value-axis gridlines and tick labels at the bottom (horizontal axis).
    private func bottomAxis(_ scale: LinearScale, _ canvas: inout SVGCanvas, top: Double, bottom: Double, style: NumberStyle) {
        for (t, label) in zip(scale.ticks, formatter.ticks(scale.ticks, style)) {
            let x = scale(t)
            canvas.line(x, top, x, bottom, stroke: t == 0 ? "#8c959f" : "#e6eaef")
            canvas.text(label, x: x, y: bottom + 16, anchor: "middle", cls: "cl-a")
        }
    }

    /// The tick labels under a horizontal value axis, in one unit for the axis (charts that
    /// draw their own vertical lines).
    private func bottomTickLabels(_ scale: LinearScale, _ canvas: inout SVGCanvas, bottom: Double, style: NumberStyle) {
        for (t, label) in zip(scale.ticks, formatter.ticks(scale.ticks, style)) {
            canvas.text(label, x: scale(t), y: bottom + 16, anchor: "middle", cls: "cl-a")
        }
    }

    private func axisLabels(
        _ chart: Chart, _ canvas: inout SVGCanvas, plotLeft: Double, plotRight: Double, plotTop: Double,
        plotBottom: Double, xLabelY: Double
    ) {
        canvas.text(
            chart.xAxis.label, x: (plotLeft + plotRight) / 2, y: xLabelY, anchor: "middle", cls: "cl-a",
            maxWidth: plotRight - plotLeft)
        canvas.text(
            chart.yAxis.label, x: 14, y: (plotTop + plotBottom) / 2, anchor: "middle", cls: "cl-a",
            maxWidth: plotBottom - plotTop, rotate: -90)
    }

    private func emptyChart(_ canvas: inout SVGCanvas, top: Double) -> String {
        canvas.height = top + 80
        canvas.text(noData, x: canvas.width / 2, y: top + 40, anchor: "middle", cls: "cl-s")
        return noData
    }

    private func skipNonFinite(_ count: Int, _ canvas: inout SVGCanvas) {
        if count > 0 {
            canvas.skipped.append(formatter.language == .zh ? "\(count) 个非有限值未绘制。" : "\(count) non-finite values not drawn.")
        }
    }

    // MARK: Bars

    private func drawBars(_ data: BarData, _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        guard !data.categories.isEmpty, !data.series.isEmpty else { return emptyChart(&canvas, top: top) }
        let legendHeight = legend(data.series.map(\.name), &canvas, y: top + 4)
        let plotTop = top + legendHeight + 10
        var values: [Double] = []
        var nonFinite = 0
        for s in data.series {
            for (i, v) in s.values.enumerated() {
                if v.isFinite { values.append(v) } else { nonFinite += 1 }
                if let interval = s.intervals?[i], interval.lowerBound.isFinite, interval.upperBound.isFinite {
                    values += [interval.lowerBound, interval.upperBound]
                }
            }
        }
        skipNonFinite(nonFinite, &canvas)
        let seriesCount = Double(data.series.count)
        if data.horizontal {
            let labelWidth = min(220, max(60, data.categories.map { SVGCanvas.textWidth($0) }.max() ?? 60) + 14)
            let band = max(18, min(34, 12 * seriesCount + 10))
            let plotLeft = 12 + labelWidth, plotRight = canvas.width - 24
            let plotTop = plotTop + 8
            let plotBottom = plotTop + band * Double(data.categories.count)
            canvas.height = plotBottom + 44
            let scale = LinearScale(covering: values, range: (plotLeft, plotRight), includeZero: true)
            bottomAxis(scale, &canvas, top: plotTop, bottom: plotBottom, style: chart.yAxis.style)
            // The category axis' label heads the label column.
            canvas.text(chart.xAxis.label, x: plotLeft - 6, y: plotTop - 2, anchor: "end", cls: "cl-a", maxWidth: labelWidth - 6)
            for (c, category) in data.categories.enumerated() {
                let y0 = plotTop + band * Double(c)
                canvas.text(category, x: plotLeft - 6, y: y0 + band / 2 + 4, anchor: "end", maxWidth: labelWidth - 4)
                let barHeight = (band - 6) / seriesCount
                for (s, series) in data.series.enumerated() {
                    let v = series.values[c]
                    guard v.isFinite else { continue }
                    let y = y0 + 3 + barHeight * Double(s)
                    let x0 = scale(0), x1 = scale(v)
                    canvas.rect(
                        min(x0, x1), y, abs(x1 - x0), barHeight - 1, fill: SVGCanvas.color(s),
                        tooltip: "\(category) · \(series.name): \(formatter.format(v, chart.yAxis.style))")
                    if let interval = series.intervals?[c], interval.lowerBound.isFinite, interval.upperBound.isFinite {
                        let yc = y + (barHeight - 1) / 2
                        canvas.line(scale(interval.lowerBound), yc, scale(interval.upperBound), yc, stroke: "#1f2328", width: 1.5)
                    }
                }
            }
            canvas.text(
                chart.yAxis.label, x: (plotLeft + plotRight) / 2, y: plotBottom + 36, anchor: "middle", cls: "cl-a",
                maxWidth: plotRight - plotLeft)
        } else {
            let plotLeft = 72.0, plotRight = canvas.width - 16
            let bandWidth = (plotRight - plotLeft) / Double(data.categories.count)
            let longest = data.categories.map { SVGCanvas.textWidth($0) }.max() ?? 0
            let rotate = longest > bandWidth - 4
            let labelSpace = rotate ? min(110, longest * 0.72 + 10) : 20
            let plotBottom = plotTop + 240
            canvas.height = plotBottom + labelSpace + 34
            let scale = LinearScale(covering: values, range: (plotBottom, plotTop), includeZero: true)
            leftAxis(scale, &canvas, left: plotLeft, right: plotRight, style: chart.yAxis.style)
            let barWidth = max(1, (bandWidth * 0.8) / seriesCount)
            for (c, category) in data.categories.enumerated() {
                let x0 = plotLeft + bandWidth * Double(c) + bandWidth * 0.1
                let center = plotLeft + bandWidth * (Double(c) + 0.5)
                if rotate {
                    canvas.text(category, x: center, y: plotBottom + 14, anchor: "end", maxWidth: 140, rotate: -35)
                } else {
                    canvas.text(category, x: center, y: plotBottom + 16, anchor: "middle", maxWidth: bandWidth - 2)
                }
                for (s, series) in data.series.enumerated() {
                    let v = series.values[c]
                    guard v.isFinite else { continue }
                    let x = x0 + barWidth * Double(s)
                    let y0 = scale(0), y1 = scale(v)
                    canvas.rect(
                        x, min(y0, y1), barWidth - 1, abs(y1 - y0), fill: SVGCanvas.color(s),
                        tooltip: "\(category) · \(series.name): \(formatter.format(v, chart.yAxis.style))")
                    if let interval = series.intervals?[c], interval.lowerBound.isFinite, interval.upperBound.isFinite {
                        let xc = x + (barWidth - 1) / 2
                        let cap = min(6, barWidth / 3)
                        canvas.line(xc, scale(interval.lowerBound), xc, scale(interval.upperBound), stroke: "#1f2328", width: 1.5)
                        canvas.line(
                            xc - cap, scale(interval.lowerBound), xc + cap, scale(interval.lowerBound), stroke: "#1f2328", width: 1.5)
                        canvas.line(
                            xc - cap, scale(interval.upperBound), xc + cap, scale(interval.upperBound), stroke: "#1f2328", width: 1.5)
                    }
                }
            }
            axisLabels(
                chart, &canvas, plotLeft: plotLeft, plotRight: plotRight, plotTop: plotTop, plotBottom: plotBottom,
                xLabelY: plotBottom + labelSpace + 22)
        }
        return "\(data.categories.count) categories, \(data.series.count) series."
    }

    // MARK: Forest plot

    private func drawForest(_ data: ForestData, _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        guard !data.rows.isEmpty else { return emptyChart(&canvas, top: top) }
        let labelWidth = min(200, max(60, data.rows.map { SVGCanvas.textWidth($0.label, size: $0.isSummary ? 16 : 12) }.max() ?? 60) + 14)
        let detailWidth =
            data.rows.contains { $0.detail != nil }
            ? min(150, (data.rows.compactMap { $0.detail.map { SVGCanvas.textWidth($0) } }.max() ?? 0) + 12) : 0
        let plotLeft = 12 + labelWidth, plotRight = canvas.width - 16 - detailWidth
        let rowHeight = 26.0
        let plotTop = top + 8
        let plotBottom = plotTop + rowHeight * Double(data.rows.count)
        canvas.height = plotBottom + 46
        var values = [data.reference]
        var nonFinite = 0
        for r in data.rows {
            for v in [r.estimate, r.low, r.high] { if v.isFinite { values.append(v) } else { nonFinite += 1 } }
        }
        skipNonFinite(nonFinite, &canvas)
        let scale = LinearScale(covering: values, range: (plotLeft, plotRight))
        bottomAxis(scale, &canvas, top: plotTop, bottom: plotBottom, style: chart.xAxis.style)
        canvas.line(scale(data.reference), plotTop, scale(data.reference), plotBottom, stroke: "#59636e", width: 1.2, dash: "4 3")
        for (i, r) in data.rows.enumerated() {
            let y = plotTop + rowHeight * (Double(i) + 0.5)
            canvas.text(r.label, x: plotLeft - 8, y: y + 4, anchor: "end", cls: r.isSummary ? "cl-t" : "cl-l", maxWidth: labelWidth - 6)
            if let detail = r.detail { canvas.text(detail, x: plotRight + 8, y: y + 4, cls: "cl-m", maxWidth: detailWidth - 8) }
            guard r.estimate.isFinite else { continue }
            let tooltip = "\(r.label): \(formatter.estimate(r.estimate, low: r.low, high: r.high, chart.xAxis.style))"
            if r.low.isFinite && r.high.isFinite {
                canvas.line(scale(r.low), y, scale(r.high), y, stroke: r.isSummary ? "#1f2328" : "#0072B2", width: 2)
            }
            if r.isSummary {
                let x = scale(r.estimate)
                let lowX = r.low.isFinite ? scale(r.low) : x - 6, highX = r.high.isFinite ? scale(r.high) : x + 6
                canvas.append(
                    "<path d=\"M\(SVGCanvas.n(lowX)) \(SVGCanvas.n(y)) L\(SVGCanvas.n(x)) \(SVGCanvas.n(y - 7)) L\(SVGCanvas.n(highX)) \(SVGCanvas.n(y)) L\(SVGCanvas.n(x)) \(SVGCanvas.n(y + 7)) Z\" fill=\"#1f2328\"><title>\(Escape.html(tooltip))</title></path>"
                )
            } else {
                canvas.rect(scale(r.estimate) - 4, y - 4, 8, 8, fill: "#0072B2", tooltip: tooltip)
            }
        }
        canvas.text(
            chart.xAxis.label, x: (plotLeft + plotRight) / 2, y: plotBottom + 38, anchor: "middle", cls: "cl-a",
            maxWidth: plotRight - plotLeft)
        return "\(data.rows.count) estimates with intervals; reference line at \(formatter.format(data.reference, chart.xAxis.style))."
    }

    // MARK: Funnel

    private func drawFunnel(_ steps: [FunnelStep], _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        guard let first = steps.first, first.count.isFinite, first.count > 0 else { return emptyChart(&canvas, top: top) }
        let labelWidth = min(180, max(60, steps.map { SVGCanvas.textWidth($0.label) }.max() ?? 60) + 14)
        let plotLeft = 12 + labelWidth, plotRight = canvas.width - 236
        let rowHeight = 34.0, plotTop = top + 8
        canvas.height = plotTop + rowHeight * Double(steps.count) + 20
        let percent = NumberStyle.percent(digits: 1)
        var nonFinite = 0
        for (i, step) in steps.enumerated() {
            let y = plotTop + rowHeight * Double(i)
            canvas.text(step.label, x: plotLeft - 8, y: y + rowHeight / 2 + 4, anchor: "end", maxWidth: labelWidth - 6)
            guard step.count.isFinite, step.count >= 0 else { nonFinite += 1; continue }
            let share = min(1, step.count / first.count)
            let w = (plotRight - plotLeft) * share
            let x = plotLeft + (plotRight - plotLeft - w) / 2
            canvas.rect(
                x, y + 4, max(w, 1), rowHeight - 8, fill: SVGCanvas.color(0),
                tooltip: "\(step.label): \(formatter.format(step.count, .count))")
            var label = formatter.format(step.count, .count)
            if i > 0 {
                let previous = steps[i - 1].count
                let stepRate = previous > 0 ? step.count / previous : .nan
                label +=
                    formatter.language == .zh
                    ? " · 环节 \(formatter.format(stepRate, percent)) · 累计 \(formatter.format(share, percent))"
                    : " · step \(formatter.format(stepRate, percent)) · overall \(formatter.format(share, percent))"
            }
            canvas.text(label, x: plotRight + 8, y: y + rowHeight / 2 + 4, cls: "cl-m", maxWidth: canvas.width - plotRight - 12)
        }
        skipNonFinite(nonFinite, &canvas)
        return "Funnel of \(steps.count) steps from \(formatter.format(first.count, .count))."
    }

    // MARK: Step curves

    private func drawSteps(_ series: [StepSeries], _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        let usable = series.filter { !$0.points.isEmpty }
        guard !usable.isEmpty else { return emptyChart(&canvas, top: top) }
        let legendHeight = legend(usable.map(\.name), &canvas, y: top + 4)
        let plotTop = top + legendHeight + 10, plotLeft = 72.0, plotRight = canvas.width - 16, plotBottom = plotTop + 240
        canvas.height = plotBottom + 48
        var xs: [Double] = [], ys: [Double] = []
        var nonFinite = 0
        for s in usable {
            for p in s.points { if p.x.isFinite && p.y.isFinite { xs.append(p.x); ys.append(p.y) } else { nonFinite += 1 } }
            for b in s.band ?? [] where b.low.isFinite && b.high.isFinite { ys += [b.low, b.high] }
        }
        skipNonFinite(nonFinite, &canvas)
        let yLow = min(0, ys.min() ?? 0), yHigh = max(1, ys.max() ?? 1)
        let xScale = LinearScale(covering: xs + [0], range: (plotLeft, plotRight), includeZero: true)
        let yScale = LinearScale(domain: (yLow, yHigh), range: (plotBottom, plotTop))
        leftAxis(yScale, &canvas, left: plotLeft, right: plotRight, style: chart.yAxis.style)
        bottomTickLabels(xScale, &canvas, bottom: plotBottom, style: chart.xAxis.style)
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#8c959f")
        for (index, s) in usable.enumerated() {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            guard let start = points.first else { continue }
            let color = SVGCanvas.color(index)
            if let band = s.band {
                let pairs = zip(s.points, band).filter { $0.0.x.isFinite && $0.1.low.isFinite && $0.1.high.isFinite }
                if pairs.count > 1 {
                    var upper = "M\(SVGCanvas.n(xScale(pairs[0].0.x))) \(SVGCanvas.n(yScale(pairs[0].1.high)))"
                    for k in 1..<pairs.count {
                        upper += " H\(SVGCanvas.n(xScale(pairs[k].0.x))) V\(SVGCanvas.n(yScale(pairs[k].1.high)))"
                    }
                    var lower = ""
                    for k in stride(from: pairs.count - 1, through: 1, by: -1) {
                        lower += " V\(SVGCanvas.n(yScale(pairs[k].1.low))) H\(SVGCanvas.n(xScale(pairs[k - 1].0.x)))"
                    }
                    lower += " V\(SVGCanvas.n(yScale(pairs[0].1.low))) Z"
                    canvas.path(upper + lower, fill: color, width: 0, opacity: 0.15)
                }
            }
            var d = "M\(SVGCanvas.n(xScale(start.x))) \(SVGCanvas.n(yScale(start.y)))"
            for p in points.dropFirst() { d += " H\(SVGCanvas.n(xScale(p.x))) V\(SVGCanvas.n(yScale(p.y)))" }
            canvas.path(d, stroke: color, width: 2)
            for c in s.censored where c.isFinite {
                // The curve's value at c: the last point at or before c.
                let y = points.last { $0.x <= c }?.y ?? start.y
                canvas.line(xScale(c), yScale(y) - 4, xScale(c), yScale(y) + 4, stroke: color, width: 1.2)
            }
        }
        axisLabels(
            chart, &canvas, plotLeft: plotLeft, plotRight: plotRight, plotTop: plotTop, plotBottom: plotBottom, xLabelY: plotBottom + 38)
        return "\(usable.count) step curves."
    }

    // MARK: Heatmap

    private func drawHeatmap(_ data: HeatmapData, _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        guard !data.rowLabels.isEmpty, !data.columnLabels.isEmpty else { return emptyChart(&canvas, top: top) }
        let labelWidth = min(160, max(50, data.rowLabels.map { SVGCanvas.textWidth($0) }.max() ?? 50) + 14)
        let plotLeft = 12 + labelWidth, plotRight = canvas.width - 16
        let cellWidth = (plotRight - plotLeft) / Double(data.columnLabels.count)
        let cellHeight = 24.0
        let plotTop = top + 26
        let plotBottom = plotTop + cellHeight * Double(data.rowLabels.count)
        canvas.height = plotBottom + 64
        let finite = data.values.flatMap { $0 }.compactMap { $0 }.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        func shade(_ v: Double) -> (fill: String, ink: String) {
            // Halved first so values ±10³⁰⁸ apart cannot overflow to inf / inf = NaN.
            let raw = high > low ? (v / 2 - low / 2) / (high / 2 - low / 2) : 0.5
            let t = raw.isFinite ? min(max(raw, 0), 1) : 0.5
            // Light to dark blue.
            let from = (247.0, 251.0, 255.0), to = (8.0, 48.0, 107.0)
            func channel(_ a: Double, _ b: Double) -> String {
                let v = Int((a + (b - a) * t).rounded())
                let hex = String(v, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }
            return ("#" + channel(from.0, to.0) + channel(from.1, to.1) + channel(from.2, to.2), t > 0.55 ? "#ffffff" : "#1f2328")
        }
        for (j, label) in data.columnLabels.enumerated() {
            canvas.text(
                label, x: plotLeft + cellWidth * (Double(j) + 0.5), y: plotTop - 8, anchor: "middle", cls: "cl-m", maxWidth: cellWidth - 2)
        }
        var nonFinite = 0
        for (i, label) in data.rowLabels.enumerated() {
            let y = plotTop + cellHeight * Double(i)
            canvas.text(label, x: plotLeft - 6, y: y + cellHeight / 2 + 4, anchor: "end", maxWidth: labelWidth - 4)
            for j in data.columnLabels.indices {
                let x = plotLeft + cellWidth * Double(j)
                guard let v = data.values[i][j] else {
                    canvas.rect(x, y, cellWidth - 1, cellHeight - 1, fill: "#f6f8fa")
                    continue
                }
                guard v.isFinite else { nonFinite += 1; continue }
                let (fill, ink) = shade(v)
                let text = formatter.format(v, data.style)
                canvas.rect(x, y, cellWidth - 1, cellHeight - 1, fill: fill, tooltip: "\(label) · \(data.columnLabels[j]): \(text)")
                if SVGCanvas.textWidth(text, size: 11) < cellWidth - 4 {
                    canvas.text(text, x: x + cellWidth / 2, y: y + cellHeight / 2 + 4, anchor: "middle", cls: "cl-m", fill: ink)
                }
            }
        }
        skipNonFinite(nonFinite, &canvas)
        // Colour legend: five swatches from the lowest to the highest value.
        let legendY = plotBottom + 14
        for k in 0..<5 {
            let f = Double(k) / 4
            // high − low overflows only for values ±10³⁰⁸ apart; then weight the ends instead.
            let v = (high - low).isFinite ? low + (high - low) * Double(k) / 4 : low * (1 - f) + high * f
            canvas.rect(plotLeft + Double(k) * 70, legendY, 20, 12, fill: shade(v).fill, stroke: "#d1d9e0")
            canvas.text(formatter.format(v, data.style), x: plotLeft + Double(k) * 70 + 24, y: legendY + 10, cls: "cl-m")
        }
        canvas.text(
            chart.xAxis.label, x: (plotLeft + plotRight) / 2, y: plotBottom + 48, anchor: "middle", cls: "cl-a",
            maxWidth: plotRight - plotLeft)
        return "Heatmap of \(data.rowLabels.count) rows by \(data.columnLabels.count) columns."
    }

    // MARK: Lines

    private func drawLines(_ data: LineData, _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        guard !data.categories.isEmpty, !data.series.isEmpty else { return emptyChart(&canvas, top: top) }
        let legendHeight = legend(data.series.map(\.name), &canvas, y: top + 4)
        let plotTop = top + legendHeight + 10, plotLeft = 72.0, plotRight = canvas.width - 16, plotBottom = plotTop + 220
        canvas.height = plotBottom + 52
        var nonFinite = 0
        let values = data.series.flatMap { $0.values.compactMap { $0 } }.filter { v in
            if !v.isFinite { nonFinite += 1 }
            return v.isFinite
        }
        skipNonFinite(nonFinite, &canvas)
        let scale = LinearScale(
            covering: values, range: (plotBottom, plotTop), includeZero: chart.yAxis.style != .automatic || values.allSatisfy { $0 >= 0 })
        leftAxis(scale, &canvas, left: plotLeft, right: plotRight, style: chart.yAxis.style)
        let count = data.categories.count
        let stepX = count > 1 ? (plotRight - plotLeft - 12) / Double(count - 1) : 0
        func x(_ i: Int) -> Double { count > 1 ? plotLeft + 6 + stepX * Double(i) : (plotLeft + plotRight) / 2 }
        let longest = data.categories.map { SVGCanvas.textWidth($0) }.max() ?? 0
        let every = max(1, Int((longest + 10) / max(stepX, 1)) + 1)
        for (i, category) in data.categories.enumerated() where i % every == 0 {
            let half = SVGCanvas.textWidth(category) / 2
            let anchor = x(i) + half > canvas.width - 4 ? "end" : "middle"
            canvas.text(category, x: anchor == "end" ? canvas.width - 4 : x(i), y: plotBottom + 16, anchor: anchor, cls: "cl-a")
        }
        for (s, series) in data.series.enumerated() {
            var d = ""
            var penDown = false
            for (i, value) in series.values.enumerated() {
                guard let v = value, v.isFinite else { penDown = false; continue }
                d += (penDown ? " L" : (d.isEmpty ? "M" : " M")) + "\(SVGCanvas.n(x(i))) \(SVGCanvas.n(scale(v)))"
                penDown = true
            }
            if !d.isEmpty { canvas.path(d, stroke: SVGCanvas.color(s), width: 2) }
            if count <= 48 {
                for (i, value) in series.values.enumerated() {
                    guard let v = value, v.isFinite else { continue }
                    canvas.append(
                        "<circle cx=\"\(SVGCanvas.n(x(i)))\" cy=\"\(SVGCanvas.n(scale(v)))\" r=\"2.5\" fill=\"\(SVGCanvas.color(s))\"><title>\(Escape.html("\(data.categories[i]) · \(series.name): \(formatter.format(v, chart.yAxis.style))"))</title></circle>"
                    )
                }
            }
        }
        axisLabels(
            chart, &canvas, plotLeft: plotLeft, plotRight: plotRight, plotTop: plotTop, plotBottom: plotBottom, xLabelY: plotBottom + 40)
        return "\(data.series.count) lines over \(count) points."
    }

    // MARK: Histogram

    private func drawHistogram(_ data: HistogramData, _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        let edges = data.edges
        guard !data.counts.isEmpty, edges.allSatisfy(\.isFinite), let first = edges.first, let last = edges.last, last > first else {
            return emptyChart(&canvas, top: top)
        }
        let plotTop = top + 10, plotLeft = 72.0, plotRight = canvas.width - 16, plotBottom = plotTop + 240
        canvas.height = plotBottom + 52
        let xScale = LinearScale(domain: (first, last), range: (plotLeft, plotRight))
        let counts = data.counts.map { $0.isFinite ? $0 : 0 }
        skipNonFinite(data.counts.filter { !$0.isFinite }.count, &canvas)
        let yScale = LinearScale(covering: counts, range: (plotBottom, plotTop), includeZero: true)
        leftAxis(yScale, &canvas, left: plotLeft, right: plotRight, style: chart.yAxis.style)
        bottomTickLabels(xScale, &canvas, bottom: plotBottom, style: chart.xAxis.style)
        for (i, c) in counts.enumerated() {
            let x0 = xScale(edges[i]), x1 = xScale(edges[i + 1])
            canvas.rect(
                x0, yScale(c), max(1, x1 - x0 - 1), yScale(0) - yScale(c), fill: SVGCanvas.color(0),
                tooltip:
                    "\(formatter.format(edges[i], chart.xAxis.style)) – \(formatter.format(edges[i + 1], chart.xAxis.style)): \(formatter.format(c, chart.yAxis.style))"
            )
        }
        axisLabels(
            chart, &canvas, plotLeft: plotLeft, plotRight: plotRight, plotTop: plotTop, plotBottom: plotBottom, xLabelY: plotBottom + 40)
        return "Histogram of \(counts.count) bins."
    }

    // MARK: Lorenz curve

    private func drawLorenz(_ data: LorenzData, _ chart: Chart, _ canvas: inout SVGCanvas, top: Double) -> String {
        let points = data.points.filter { $0.population.isFinite && $0.share.isFinite }
        guard points.count > 1 else { return emptyChart(&canvas, top: top) }
        skipNonFinite(data.points.count - points.count, &canvas)
        let giniText =
            (formatter.language == .zh ? "洛伦兹曲线（基尼系数 " : "Lorenz curve (Gini ") + formatter.format(data.gini, .decimal(digits: 3))
            + (formatter.language == .zh ? "）" : ")")
        let equality = formatter.language == .zh ? "完全均等" : "Perfect equality"
        let legendHeight = legend([giniText, equality], &canvas, y: top + 4, dashedLast: true)
        let plotTop = top + legendHeight + 10
        let size = 280.0
        let plotLeft = 72.0, plotRight = plotLeft + size * 1.6, plotBottom = plotTop + size
        canvas.height = plotBottom + 52
        let xScale = LinearScale(domain: (0, 1), range: (plotLeft, plotRight))
        let yScale = LinearScale(domain: (0, 1), range: (plotBottom, plotTop))
        leftAxis(yScale, &canvas, left: plotLeft, right: plotRight, style: chart.yAxis.style)
        bottomTickLabels(xScale, &canvas, bottom: plotBottom, style: chart.xAxis.style)
        canvas.line(xScale(0), yScale(0), xScale(1), yScale(1), stroke: "#59636e", width: 1.5, dash: "4 3")
        var d = ""
        for (i, p) in points.enumerated() {
            d += (i == 0 ? "M" : " L") + "\(SVGCanvas.n(xScale(p.population))) \(SVGCanvas.n(yScale(p.share)))"
        }
        canvas.path(
            d + " L\(SVGCanvas.n(xScale(1))) \(SVGCanvas.n(yScale(1))) L\(SVGCanvas.n(xScale(0))) \(SVGCanvas.n(yScale(0))) Z",
            fill: SVGCanvas.color(0), width: 0, opacity: 0.12)
        canvas.path(d, stroke: SVGCanvas.color(0), width: 2.5)
        axisLabels(
            chart, &canvas, plotLeft: plotLeft, plotRight: plotRight, plotTop: plotTop, plotBottom: plotBottom, xLabelY: plotBottom + 40)
        return giniText + "."
    }
}
