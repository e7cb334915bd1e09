/// A rendered report before it becomes Markdown, HTML or JSON: a title, the parameters it
/// was run with, and an ordered list of blocks.
///
/// Analyses and notebooks build a `ReportDocument`; the three renderers turn the same
/// document into bytes. Every string in a document is plain text (never markup): renderers
/// escape it for their format.
///
/// ```swift
/// var document = ReportDocument(title: "Data overview", language: .en)
/// document.blocks.append(.heading(level: 2, [.text("Customers")]))
/// document.blocks.append(.table(table))
/// let html = HTMLRenderer().render(document)
/// ```
public struct ReportDocument: Sendable, Equatable {
    public var title: String
    public var language: ReportLanguage
    /// The parameters the report was produced with, in declaration order.
    public var parameters: [(name: String, value: String)]
    public var blocks: [ReportBlock]
    /// Where the data came from (file name, not a path that would change between machines).
    public var source: String?
    /// The reporting time zone every time in the report is in ("UTC+08:00"), when it reads times.
    public var timeZone: String?
    /// The blocks that could not run on these data, each "line N, name: what happened" (their
    /// places in `blocks` hold a visible note instead).
    public var notes: [String] = []
    /// Rows left out for breaking the data contract (`--exclude-bad-rows`), each "table.column:
    /// N rows problem (e.g. row), treatment"; the report lists them at its top.
    public var excludedRows: [String] = []

    public init(
        title: String, language: ReportLanguage, parameters: [(name: String, value: String)] = [],
        blocks: [ReportBlock] = [], source: String? = nil
    ) {
        self.title = title
        self.language = language
        self.parameters = parameters
        self.blocks = blocks
        self.source = source
    }

    public static func == (lhs: ReportDocument, rhs: ReportDocument) -> Bool {
        lhs.title == rhs.title && lhs.language == rhs.language && lhs.blocks == rhs.blocks && lhs.source == rhs.source
            && lhs.timeZone == rhs.timeZone
            && lhs.notes == rhs.notes && lhs.excludedRows == rhs.excludedRows
            && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }

    /// Every chart in the document, in order.
    public var charts: [Chart] {
        func collect(_ blocks: [ReportBlock]) -> [Chart] {
            blocks.flatMap { block -> [Chart] in
                switch block {
                case .chart(let chart): return [chart]
                case .section(_, let inner): return collect(inner)
                default: return []
                }
            }
        }
        return collect(blocks)
    }
}

/// One block of a report.
public indirect enum ReportBlock: Sendable, Equatable {
    case heading(level: Int, [Inline])
    case paragraph([Inline])
    case list(ordered: Bool, items: [[Inline]])
    case quote([Inline])
    /// Preformatted text (e.g. a code sample in the prose).
    case code(String)
    case table(ReportTable)
    case chart(Chart)
    /// Headline numbers shown large, e.g. "Customers 100,000".
    case keyFigures([KeyFigure])
    /// A warning or note that must not be missed.
    case callout(CalloutKind, [Inline])
    /// A titled group of blocks (one analysis block's output); `id` is stable and used for anchors.
    case section(id: String, [ReportBlock])
    case rule
    /// Machine-readable results for BI tools: only the JSON rendering shows them, as the
    /// top-level list `name` (records of every block with that name, in document order).
    case records(name: String, [DataRecord])
}

/// One flat record of a machine-readable result list: keys in a fixed order.
public struct DataRecord: Sendable, Equatable {
    public var keys: [String]
    public var values: [RecordValue]
    public init(_ fields: KeyValuePairs<String, RecordValue>) {
        keys = fields.map(\.key)
        values = fields.map(\.value)
    }
}

/// A value of a ``DataRecord``.
public enum RecordValue: Sendable, Equatable {
    case text(String)
    /// A number; NaN and infinities are written as null.
    case number(Double)
    case bool(Bool)
    case null

    /// `.text` or `.null`.
    public static func optional(_ text: String?) -> RecordValue { text.map { .text($0) } ?? .null }
    /// `.number` or `.null`.
    public static func optional(_ number: Double?) -> RecordValue { number.map { .number($0) } ?? .null }
}

/// Inline text inside a paragraph, heading, list item or callout.
public enum Inline: Sendable, Equatable {
    case text(String)
    case emphasis(String)
    case strong(String)
    case code(String)
    /// A link; `target` is checked by the renderers (only http, https, mailto and '#' anchors are kept).
    case link(text: String, target: String)
    /// A number rendered by the reader's conventions (and with full precision in JSON).
    case number(Double, NumberStyle)
}

public enum CalloutKind: String, Sendable, Equatable, CaseIterable {
    case warning, note
}

/// A headline figure: a label, a value and an optional interval or comment.
public struct KeyFigure: Sendable, Equatable {
    public var label: String
    public var value: Double
    public var style: NumberStyle
    public var interval: ClosedRange<Double>?
    public var detail: String?

    public init(label: String, value: Double, style: NumberStyle, interval: ClosedRange<Double>? = nil, detail: String? = nil) {
        self.label = label
        self.value = value
        self.style = style
        self.interval = interval
        self.detail = detail
    }
}

/// A table with typed cells; numbers keep full precision until a renderer formats them.
public struct ReportTable: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var title: String
        /// How numeric cells of this column are formatted (text cells ignore it).
        public var style: NumberStyle
        public init(_ title: String, style: NumberStyle = .automatic) {
            self.title = title
            self.style = style
        }
    }

    public var caption: String?
    public var columns: [Column]
    public var rows: [[Cell]]
    /// Set when the rows shown are the first `rows.count` of `totalRows`.
    public var totalRows: Int?

    public init(caption: String? = nil, columns: [Column], rows: [[Cell]], totalRows: Int? = nil) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "ReportTable: every row needs one cell per column")
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.totalRows = totalRows
    }
}

/// One table cell.
public enum Cell: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    /// A number formatted by the column's style (or by its own when `style` is set).
    case number(Double, style: NumberStyle? = nil)
    /// An estimate with its interval, e.g. "0.29 (0.045 to 0.535)".
    case interval(estimate: Double, low: Double, high: Double, style: NumberStyle? = nil)
    case null

    public var numericValue: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .number(let v, _): return v
        case .interval(let v, _, _, _): return v
        case .text, .null: return nil
        }
    }
}
