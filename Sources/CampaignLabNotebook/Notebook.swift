import CampaignLabReport

/// A parsed notebook: a Markdown file mixing prose with SQL and analysis blocks.
///
/// The format (see `notebooks-md/README.md`):
///
/// ````markdown
/// ---
/// title: Data overview
/// title_zh: 数据概览
/// params:
///   as_of: 2026-10
/// ---
/// Prose with {{as_of}} substituted.
///
/// ::: zh
/// 只在中文报告中出现的文字。
/// :::
///
/// ```sql
/// --| title: Customers by segment
/// --| chart: bars
/// SELECT segment, count(*) AS customers FROM customers GROUP BY segment
/// ```
///
/// ```campaignlab overview.monthly-kpis
/// months: 24
/// ```
/// ````
public struct Notebook: Sendable, Equatable {
    /// The file the notebook was read from (used in error messages).
    public var file: String
    /// The file name without directory and extension, used to name outputs.
    public var name: String
    public var title: [ReportLanguage: String]
    public var parameters: [NotebookParameter]
    public var cells: [NotebookCell]

    public init(file: String, name: String, title: [ReportLanguage: String], parameters: [NotebookParameter], cells: [NotebookCell]) {
        self.file = file
        self.name = name
        self.title = title
        self.parameters = parameters
        self.cells = cells
    }
}

/// A parameter declared in the front matter, with its default value.
public struct NotebookParameter: Sendable, Equatable {
    public var name: String
    public var defaultValue: String
    public var line: Int
}

/// A value written in the notebook, with the line it was written on.
public struct LocatedValue: Sendable, Equatable {
    public var value: String
    public var line: Int
}

/// One piece of a notebook.
public enum NotebookCell: Sendable, Equatable {
    /// Markdown prose; `language` is set inside a `::: en` / `::: zh` block.
    case prose(text: String, line: Int, language: ReportLanguage?)
    /// A fenced ```` ```sql ```` block: `--| key: value` option lines, then one query.
    case sql(query: String, options: [String: LocatedValue], line: Int)
    /// A fenced ```` ```campaignlab NAME ```` block of `key: value` options.
    case analysis(name: String, options: [String: LocatedValue], line: Int)
}

/// A mistake in a notebook, located by file and line.
public struct NotebookError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}
