/// A chart in a report: what to draw, with its labels. `SVGChartRenderer` draws it; the
/// JSON renderer writes its data.
///
/// All strings are plain text already in the report's language; the renderer escapes them.
///
/// ```swift
/// let chart = Chart(id: "aum-lorenz", title: "AUM concentration",
///                   xAxis: Axis(label: "Share of customers", style: .percent(digits: 0)),
///                   yAxis: Axis(label: "Share of AUM", style: .percent(digits: 0)),
///                   kind: .lorenz(LorenzData(points: points, gini: 0.83)))
/// ```
public struct Chart: Sendable, Equatable {
    /// Stable identifier (file name of the SVG next to a Markdown report, anchor in HTML).
    public var id: String
    public var title: String
    public var subtitle: String?
    public var xAxis: Axis
    public var yAxis: Axis
    public var kind: ChartKind
    /// A short text under the chart (method, data cut-off).
    public var note: String?

    public init(id: String, title: String, subtitle: String? = nil, xAxis: Axis, yAxis: Axis, kind: ChartKind, note: String? = nil) {
        self.id = id
        self.title = title
        self.subtitle = subtitle
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.kind = kind
        self.note = note
    }
}

/// An axis: its label (including the unit, e.g. "AUM (CNY)") and how tick values are formatted.
public struct Axis: Sendable, Equatable {
    public var label: String
    public var style: NumberStyle
    /// Draw the axis on a log scale (positive data only).
    public var logarithmic: Bool
    public init(label: String, style: NumberStyle = .automatic, logarithmic: Bool = false) {
        self.label = label
        self.style = style
        self.logarithmic = logarithmic
    }
}

/// What a chart shows.
public enum ChartKind: Sendable, Equatable {
    /// Vertical bars by category, one bar per series in each category, optional error bars.
    case bars(BarData)
    /// Effects with intervals by row (segment), a vertical reference line (usually 0).
    case forest(ForestData)
    /// A funnel: steps in order with their counts; step and overall conversion are labelled.
    case funnel([FunnelStep])
    /// Step functions (Kaplan–Meier curves) with optional confidence bands and censoring marks.
    case steps([StepSeries])
    /// A heatmap: row and column labels, values (nil = no data), coloured on one scale.
    case heatmap(HeatmapData)
    /// Lines over a categorical x axis (months), one line per series.
    case lines(LineData)
    /// A histogram: bin edges (count + 1) and counts.
    case histogram(HistogramData)
    /// A Lorenz curve with the line of equality and the Gini coefficient in the legend.
    case lorenz(LorenzData)
}

public struct BarData: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        public var name: String
        public var values: [Double]
        /// Optional interval per value (same count as `values`).
        public var intervals: [ClosedRange<Double>]?
        public init(name: String, values: [Double], intervals: [ClosedRange<Double>]? = nil) {
            precondition(intervals == nil || intervals!.count == values.count, "BarData.Series: one interval per value")
            self.name = name
            self.values = values
            self.intervals = intervals
        }
    }
    public var categories: [String]
    public var series: [Series]
    /// Draw horizontal bars (long category labels).
    public var horizontal: Bool
    public init(categories: [String], series: [Series], horizontal: Bool = false) {
        precondition(series.allSatisfy { $0.values.count == categories.count }, "BarData: one value per category in every series")
        self.categories = categories
        self.series = series
        self.horizontal = horizontal
    }
}

public struct ForestData: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var label: String
        public var estimate: Double
        public var low: Double
        public var high: Double
        /// Shown at the right, e.g. "n = 1,234".
        public var detail: String?
        /// A summary row (overall effect) drawn as a diamond.
        public var isSummary: Bool
        public init(label: String, estimate: Double, low: Double, high: Double, detail: String? = nil, isSummary: Bool = false) {
            self.label = label
            self.estimate = estimate
            self.low = low
            self.high = high
            self.detail = detail
            self.isSummary = isSummary
        }
    }
    public var rows: [Row]
    public var reference: Double
    public init(rows: [Row], reference: Double = 0) {
        self.rows = rows
        self.reference = reference
    }
}

public struct FunnelStep: Sendable, Equatable {
    public var label: String
    public var count: Double
    public init(label: String, count: Double) {
        self.label = label
        self.count = count
    }
}

public struct StepSeries: Sendable, Equatable {
    public var name: String
    /// (x, y) points of a right-continuous step function, x ascending, starting at the first x.
    public var points: [(x: Double, y: Double)]
    /// Optional lower/upper band at each point.
    public var band: [(low: Double, high: Double)]?
    /// x values where observations were censored (drawn as small ticks on the curve).
    public var censored: [Double]
    public init(name: String, points: [(x: Double, y: Double)], band: [(low: Double, high: Double)]? = nil, censored: [Double] = []) {
        precondition(band == nil || band!.count == points.count, "StepSeries: one band entry per point")
        self.name = name
        self.points = points
        self.band = band
        self.censored = censored
    }
    public static func == (lhs: StepSeries, rhs: StepSeries) -> Bool {
        lhs.name == rhs.name && lhs.censored == rhs.censored
            && lhs.points.map(\.x) == rhs.points.map(\.x) && lhs.points.map(\.y) == rhs.points.map(\.y)
            && lhs.band?.map(\.low) == rhs.band?.map(\.low) && lhs.band?.map(\.high) == rhs.band?.map(\.high)
    }
}

public struct HeatmapData: Sendable, Equatable {
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// values[row][column]; nil where there is no data.
    public var values: [[Double?]]
    /// How cell values are printed in the cells and the colour legend.
    public var style: NumberStyle
    public init(rowLabels: [String], columnLabels: [String], values: [[Double?]], style: NumberStyle) {
        precondition(
            values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count },
            "HeatmapData: values must be rows × columns")
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.style = style
    }
}

public struct LineData: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        public var name: String
        /// One value per category; nil leaves a gap.
        public var values: [Double?]
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }
    public var categories: [String]
    public var series: [Series]
    public init(categories: [String], series: [Series]) {
        precondition(series.allSatisfy { $0.values.count == categories.count }, "LineData: one value per category in every series")
        self.categories = categories
        self.series = series
    }
}

public struct HistogramData: Sendable, Equatable {
    public var edges: [Double]
    public var counts: [Double]
    public init(edges: [Double], counts: [Double]) {
        precondition(edges.count == counts.count + 1, "HistogramData: edges must be one more than counts")
        self.edges = edges
        self.counts = counts
    }
}

public struct LorenzData: Sendable, Equatable {
    /// (cumulative share of units, cumulative share of the total), from (0, 0) to (1, 1).
    public var points: [(population: Double, share: Double)]
    public var gini: Double
    public init(points: [(population: Double, share: Double)], gini: Double) {
        self.points = points
        self.gini = gini
    }
    public static func == (lhs: LorenzData, rhs: LorenzData) -> Bool {
        lhs.gini == rhs.gini && lhs.points.map(\.population) == rhs.points.map(\.population)
            && lhs.points.map(\.share) == rhs.points.map(\.share)
    }
}
