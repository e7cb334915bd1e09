import CampaignLabReport

/// Reads the notebook format described on `Notebook`.
public enum NotebookParser {
    /// The front-matter keys a notebook may use.
    static let frontMatterKeys = ["title", "title_zh", "params"]

    /// Parses notebook text.
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the path, for error messages.
    /// - Throws: `NotebookError` naming the line: unclosed front matter, fence or language
    ///   block, an unknown front-matter key, an option line that is not `key: value`, a
    ///   repeated option.
    public static func parse(_ text: String, file: String) throws -> Notebook {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        func fail(_ line: Int, _ message: String) -> NotebookError {
            NotebookError(file: file, line: line, message: message)
        }
        var title: [ReportLanguage: String] = [:]
        var parameters: [NotebookParameter] = []
        var index = 0

        // Front matter.
        if lines.first.map({ $0.trimmingTrailingSpaces() == "---" }) == true {
            index = 1
            var inParams = false
            var closed = false
            while index < lines.count {
                let raw = lines[index]
                let lineNumber = index + 1
                index += 1
                if raw.trimmingTrailingSpaces() == "---" { closed = true; break }
                if raw.allSatisfy(\.isWhitespace) || raw.trimmingLeadingSpaces().hasPrefix("#") { continue }
                let indented = raw.first == " " || raw.first == "\t"
                guard let (key, value) = splitOption(raw) else {
                    throw fail(lineNumber, "expected 'key: value' in the front matter, found '\(raw.trimmingLeadingSpaces())'")
                }
                if indented {
                    guard inParams else { throw fail(lineNumber, "an indented line belongs under 'params:'") }
                    guard isIdentifier(key) else {
                        throw fail(lineNumber, "parameter name '\(key)' must be letters, digits and '_' (starting with a letter)")
                    }
                    if parameters.contains(where: { $0.name == key }) {
                        throw fail(lineNumber, "parameter '\(key)' is declared twice")
                    }
                    parameters.append(NotebookParameter(name: key, defaultValue: unquote(value), line: lineNumber))
                    continue
                }
                inParams = false
                switch key {
                case "title": title[.en] = unquote(value)
                case "title_zh": title[.zh] = unquote(value)
                case "params":
                    guard value.isEmpty else { throw fail(lineNumber, "'params:' takes indented 'name: default' lines below it") }
                    inParams = true
                default:
                    throw fail(
                        lineNumber, "unknown front-matter key '\(key)' (expected one of: \(frontMatterKeys.joined(separator: ", ")))")
                }
            }
            guard closed else { throw fail(1, "the front matter opened with '---' on line 1 is never closed by a '---' line") }
        }

        var cells: [NotebookCell] = []
        var prose: [Substring] = []
        var proseStart = index + 1
        var language: (ReportLanguage, line: Int)?
        func flushProse() {
            let text = prose.joined(separator: "\n")
            if !text.allSatisfy(\.isWhitespace) {
                cells.append(.prose(text: text, line: proseStart, language: language?.0))
            }
            prose = []
        }
        while index < lines.count {
            let raw = lines[index]
            let lineNumber = index + 1
            index += 1
            let trimmed = raw.trimmingLeadingSpaces().trimmingTrailingSpaces()
            if trimmed.hasPrefix(":::") {
                let tag = trimmed.dropFirst(3).trimmingLeadingSpaces()
                flushProse()
                proseStart = lineNumber + 1
                if tag.isEmpty {
                    guard language != nil else { throw fail(lineNumber, "':::' closes a language block, but none is open") }
                    language = nil
                } else {
                    guard language == nil else {
                        throw fail(
                            lineNumber,
                            "a '::: \(tag)' block starts inside the '::: ' block opened on line \(language!.line); close that one with ':::' first"
                        )
                    }
                    guard let lang = ReportLanguage(rawValue: String(tag)) else {
                        throw fail(lineNumber, "unknown language block '::: \(tag)' (expected '::: en' or '::: zh')")
                    }
                    language = (lang, lineNumber)
                }
                continue
            }
            if let fence = fenceOpening(raw) {
                let info = fence.info.split(separator: " ", omittingEmptySubsequences: true)
                let kind = info.first.map(String.init) ?? ""
                guard kind == "sql" || kind == "campaignlab" else {
                    // Any other fenced block is prose (a code sample).
                    prose.append(raw)
                    var closed = false
                    while index < lines.count {
                        let inner = lines[index]
                        index += 1
                        prose.append(inner)
                        if isFenceClose(inner, fence) { closed = true; break }
                    }
                    guard closed else { throw fail(lineNumber, "the code block opened here is never closed with \(fence.marker)") }
                    continue
                }
                flushProse()
                var body: [(Substring, Int)] = []
                var closed = false
                while index < lines.count {
                    let inner = lines[index]
                    index += 1
                    if isFenceClose(inner, fence) { closed = true; break }
                    body.append((inner, index))
                }
                guard closed else { throw fail(lineNumber, "the \(kind) block opened here is never closed with \(fence.marker)") }
                proseStart = index + 1
                if kind == "sql" {
                    var options: [String: LocatedValue] = [:]
                    var query: [Substring] = []
                    var queryStarted = false
                    for (text, line) in body {
                        let t = text.trimmingLeadingSpaces()
                        if !queryStarted && t.hasPrefix("--|") {
                            let option = t.dropFirst(3)
                            guard let (key, value) = splitOption(option), !key.isEmpty else {
                                throw fail(line, "expected '--| key: value' in the SQL block options, found '\(t)'")
                            }
                            guard options[key] == nil else { throw fail(line, "option '\(key)' is given twice") }
                            options[key] = LocatedValue(value: unquote(value), line: line)
                        } else {
                            if !t.isEmpty { queryStarted = true }
                            query.append(text)
                        }
                    }
                    let sql = query.joined(separator: "\n").trimmingCharacters(inSet: \.isWhitespace)
                    guard !sql.isEmpty else { throw fail(lineNumber, "the sql block has no query") }
                    cells.append(.sql(query: sql, options: options, line: lineNumber))
                } else {
                    guard info.count == 2 else {
                        throw fail(
                            lineNumber,
                            info.count < 2
                                ? "a campaignlab block names its analysis: ```campaignlab ANALYSIS"
                                : "a campaignlab block names one analysis; options go on their own lines as 'key: value'")
                    }
                    var options: [String: LocatedValue] = [:]
                    for (text, line) in body {
                        let t = text.trimmingLeadingSpaces()
                        if t.isEmpty || t.hasPrefix("#") { continue }
                        guard let (key, value) = splitOption(t), !key.isEmpty else {
                            throw fail(line, "expected 'key: value' in the options of analysis '\(info[1])', found '\(t)'")
                        }
                        guard options[key] == nil else { throw fail(line, "option '\(key)' is given twice") }
                        options[key] = LocatedValue(value: unquote(value), line: line)
                    }
                    cells.append(.analysis(name: String(info[1]), options: options, line: lineNumber))
                }
                continue
            }
            if prose.isEmpty { proseStart = lineNumber }
            prose.append(raw)
        }
        flushProse()
        if let language {
            throw fail(language.line, "the '::: \(language.0.rawValue)' block opened here is never closed with ':::'")
        }
        let base = file.split(separator: "/").last.map(String.init) ?? file
        let name = base.hasSuffix(".md") ? String(base.dropLast(3)) : base
        return Notebook(file: file, name: name, title: title, parameters: parameters, cells: cells)
    }

    // MARK: Pieces

    struct Fence {
        var marker: String
        var info: String
    }

    /// A line opening a fenced block: three or more backticks or tildes, then the info string.
    static func fenceOpening(_ line: Substring) -> Fence? {
        let t = line.trimmingLeadingSpaces()
        guard let first = t.first, first == "`" || first == "~" else { return nil }
        let marker = t.prefix { $0 == first }
        guard marker.count >= 3 else { return nil }
        let info = t.dropFirst(marker.count).trimmingLeadingSpaces().trimmingTrailingSpaces()
        if first == "`" && info.contains("`") { return nil }
        return Fence(marker: String(marker), info: String(info))
    }

    static func isFenceClose(_ line: Substring, _ fence: Fence) -> Bool {
        let t = line.trimmingLeadingSpaces().trimmingTrailingSpaces()
        return t.count >= fence.marker.count && t.allSatisfy { $0 == fence.marker.first }
    }

    /// "key: value" → (key, value), both trimmed; nil without a colon.
    static func splitOption(_ line: Substring) -> (String, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let key = line[..<colon].trimmingLeadingSpaces().trimmingTrailingSpaces()
        let value = line[line.index(after: colon)...].trimmingLeadingSpaces().trimmingTrailingSpaces()
        return (String(key), String(value))
    }

    /// Removes one pair of matching surrounding quotes.
    static func unquote(_ value: String) -> String {
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            return String(value.dropFirst().dropLast())
        }
        return value
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}

extension StringProtocol {
    func trimmingLeadingSpaces() -> SubSequence { drop { $0 == " " || $0 == "\t" } }
}

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var s = self
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    func trimmingCharacters(inSet predicate: (Character) -> Bool) -> String {
        var s = Substring(self)
        while let first = s.first, predicate(first) { s = s.dropFirst() }
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return String(s)
    }
}
