/// One problem found while importing, located as precisely as possible.
///
/// `description` reads like
/// `customers.csv line 4, column opened_on (table customers): '2024-13-01' is not a date 'YYYY-MM-DD'`.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// The CSV file (as given), or nil for a problem with the database itself.
    public var file: String?
    /// The physical line of the CSV file (1 = the header row).
    public var line: Int?
    /// The CSV column (header name).
    public var column: String?
    /// The contract table the file is loaded into.
    public var table: String?
    /// What is wrong and what was expected.
    public var message: String

    public init(file: String?, line: Int? = nil, column: String? = nil, table: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.table = table
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let line { parts.append("line \(line)") }
        var place = parts.joined(separator: " ")
        if let column { place += place.isEmpty ? "column \(column)" : ", column \(column)" }
        if let table { place += place.isEmpty ? "table \(table)" : " (table \(table))" }
        return place.isEmpty ? message : place + ": " + message
    }
}

/// An import that did not happen: nothing was written, and the problems say why.
///
/// Up to ``ContractImporter/maximumProblems`` problems are kept; ``unlistedCount`` counts
/// the others.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in the order they were found (file by file, line by line).
    public var problems: [ImportProblem]
    /// Problems found beyond the listed ones.
    public var unlistedCount: Int

    public init(problems: [ImportProblem], unlistedCount: Int = 0) {
        self.problems = problems
        self.unlistedCount = unlistedCount
    }

    /// One line per problem, then "… and N more problems" when some are not listed.
    public var lines: [String] {
        var lines = problems.map(\.description)
        if unlistedCount > 0 {
            lines.append("… and \(unlistedCount) more problem\(unlistedCount == 1 ? "" : "s")")
        }
        return lines
    }

    public var description: String { lines.joined(separator: "\n") }
}

/// Collects problems, keeping the first `limit` and counting the rest.
struct ProblemList {
    let limit: Int
    private(set) var listed: [ImportProblem] = []
    private(set) var total = 0

    init(limit: Int) { self.limit = limit }

    var isEmpty: Bool { total == 0 }

    mutating func append(_ problem: ImportProblem) {
        total += 1
        if listed.count < limit { listed.append(problem) }
    }

    var error: ImportError { ImportError(problems: listed, unlistedCount: total - listed.count) }
}

/// A field value quoted for a message: at most 40 characters, line breaks made visible.
func displayValue(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    displayValue(String(decoding: bytes, as: UTF8.self))
}

/// A value quoted for a message: at most 40 characters, line breaks made visible.
func displayValue(_ text: String) -> String {
    var shown = ""
    var count = 0
    for character in text {
        if count == 40 { shown += "…"; break }
        switch character {
        case "\n": shown += "\\n"
        case "\r": shown += "\\r"
        case "\r\n": shown += "\\r\\n"
        case "\t": shown += "\\t"
        default: shown.append(character)
        }
        count += 1
    }
    return "'" + shown + "'"
}
