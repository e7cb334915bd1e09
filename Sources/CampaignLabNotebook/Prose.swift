import CampaignLabReport

/// The Markdown subset notebooks use for prose, turned into report blocks: ATX headings,
/// paragraphs, bullet and numbered lists, block quotes, horizontal rules and fenced code;
/// inline `**strong**`, `*emphasis*` / `_emphasis_`, `` `code` `` and `[links](https://…)`.
///
/// Raw HTML is not interpreted: it stays text and every renderer escapes it. `{{name}}`
/// placeholders are replaced after parsing, so a parameter's value is never read as markup.
enum Prose {
    /// Parses prose into blocks, replacing `{{name}}` with `values[name]`.
    /// - Throws: `NotebookError` for a placeholder naming no parameter (with its line).
    static func blocks(_ text: String, firstLine: Int, file: String, values: [String: String]) throws -> [ReportBlock] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Validate placeholders first, to report the line.
        for (offset, line) in lines.enumerated() {
            for name in placeholders(in: line) where values[name] == nil {
                let known = values.keys.sorted().joined(separator: ", ")
                throw NotebookError(
                    file: file, line: firstLine + offset,
                    message: "unknown parameter '{{\(name)}}' (declared: \(known.isEmpty ? "none" : known))")
            }
        }
        var blocks: [ReportBlock] = []
        var paragraph: [Substring] = []
        var listItems: [[Inline]] = []
        var listOrdered = false
        var quote: [Substring] = []
        func inline(_ s: String) -> [Inline] { Self.inline(s, values: values) }
        func flush() {
            if !paragraph.isEmpty {
                blocks.append(.paragraph(inline(joinLines(paragraph.map { $0.trimmingLeadingSpaces() }))))
                paragraph = []
            }
            if !listItems.isEmpty {
                blocks.append(.list(ordered: listOrdered, items: listItems))
                listItems = []
            }
            if !quote.isEmpty {
                blocks.append(.quote(inline(quote.joined(separator: " "))))
                quote = []
            }
        }
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            let t = line.trimmingLeadingSpaces()
            if t.isEmpty { flush(); continue }
            if let fence = NotebookParser.fenceOpening(line) {
                flush()
                var body: [Substring] = []
                while index < lines.count {
                    let inner = lines[index]
                    index += 1
                    if NotebookParser.isFenceClose(inner, fence) { break }
                    body.append(inner)
                }
                blocks.append(.code(substitute(body.joined(separator: "\n"), values)))
                continue
            }
            if let level = headingLevel(t) {
                flush()
                let content = t.dropFirst(level).trimmingLeadingSpaces()
                var text = Substring(content)
                while text.last == "#" || text.last == " " { text = text.dropLast() }
                blocks.append(.heading(level: level, inline(String(text))))
                continue
            }
            let compact = t.filter { $0 != " " }
            if compact.count >= 3, let first = compact.first, "-*_".contains(first), compact.allSatisfy({ $0 == first }) {
                flush()
                blocks.append(.rule)
                continue
            }
            if t.hasPrefix(">") {
                if !paragraph.isEmpty || !listItems.isEmpty { flush() }
                quote.append(t.dropFirst().trimmingLeadingSpaces())
                continue
            }
            if let (ordered, content) = listMarker(t) {
                if !paragraph.isEmpty || !quote.isEmpty || (!listItems.isEmpty && ordered != listOrdered) { flush() }
                listOrdered = ordered
                listItems.append(inline(String(content)))
                continue
            }
            if !listItems.isEmpty && (line.first == " " || line.first == "\t") {
                // A continuation line of the last list item.
                listItems[listItems.count - 1] += [.text(" ")] + inline(String(t))
                continue
            }
            if !quote.isEmpty { quote.append(t); continue }
            if !listItems.isEmpty { flush() }
            paragraph.append(line)
        }
        flush()
        return blocks
    }

    /// Joins the lines of a paragraph with a space, except between Chinese (or other wide)
    /// characters, which Markdown readers expect to run on without one.
    static func joinLines(_ lines: [Substring]) -> String {
        var out = ""
        for line in lines {
            if let last = out.unicodeScalars.last, let first = line.unicodeScalars.first,
                !(last.value >= 0x2E80 || first.value >= 0x2E80)
            {
                out += " "
            }
            out += line
        }
        return out
    }

    static func headingLevel(_ t: Substring) -> Int? {
        let hashes = t.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = t.dropFirst(hashes)
        return rest.isEmpty || rest.first == " " ? hashes : nil
    }

    static func listMarker(_ t: Substring) -> (Bool, Substring)? {
        if t.hasPrefix("- ") || t.hasPrefix("* ") || t.hasPrefix("+ ") { return (false, t.dropFirst(2)) }
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 9 {
            let rest = t.dropFirst(digits.count)
            if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return (true, rest.dropFirst(2)) }
        }
        return nil
    }

    /// The names inside `{{…}}` in a line (whitespace around the name allowed).
    static func placeholders(in line: Substring) -> [String] {
        var names: [String] = []
        var rest = line
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { break }
            names.append(String(rest[open.upperBound..<close.lowerBound].filter { $0 != " " }))
            rest = rest[close.upperBound...]
        }
        return names
    }

    static func substitute(_ text: String, _ values: [String: String]) -> String {
        guard text.contains("{{") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            result += rest[..<open.lowerBound]
            let name = String(rest[open.upperBound..<close.lowerBound].filter { $0 != " " })
            result += values[name] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// Inline Markdown: code spans first (their content is literal), then links, strong, emphasis.
    static func inline(_ text: String, values: [String: String]) -> [Inline] {
        var result: [Inline] = []
        var plain = ""
        func emit(_ node: Inline) {
            if !plain.isEmpty { result.append(.text(substitute(plain, values))); plain = "" }
            result.append(node)
        }
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let rest = text[i...]
            if c == "\\", let next = text.index(i, offsetBy: 1, limitedBy: text.endIndex), next < text.endIndex,
                "\\`*_[]()#>-!{}".contains(text[next])
            {
                plain.append(text[next])
                i = text.index(after: next)
                continue
            }
            if c == "`", let close = rest.dropFirst().firstIndex(of: "`") {
                emit(.code(substitute(String(text[text.index(after: i)..<close]), values)))
                i = text.index(after: close)
                continue
            }
            if c == "[", let closeBracket = rest.firstIndex(of: "]"),
                text.index(after: closeBracket) < text.endIndex, text[text.index(after: closeBracket)] == "(",
                let closeParen = text[closeBracket...].firstIndex(of: ")")
            {
                let label = String(text[text.index(after: i)..<closeBracket])
                let target = String(text[text.index(closeBracket, offsetBy: 2)..<closeParen])
                emit(.link(text: substitute(label, values), target: substitute(target, values)))
                i = text.index(after: closeParen)
                continue
            }
            if rest.hasPrefix("**") || rest.hasPrefix("__") {
                let marker = String(rest.prefix(2))
                let start = text.index(i, offsetBy: 2)
                if let close = text[start...].firstRange(of: marker), close.lowerBound > start {
                    emit(.strong(substitute(String(text[start..<close.lowerBound]), values)))
                    i = close.upperBound
                    continue
                }
            }
            if c == "*" || c == "_" {
                let start = text.index(after: i)
                // `_` inside a word (snake_case names) is not emphasis.
                let previousIsWord = i > text.startIndex && (text[text.index(before: i)].isLetter || text[text.index(before: i)].isNumber)
                if !(c == "_" && previousIsWord), start < text.endIndex, text[start] != " ",
                    let close = text[start...].firstIndex(of: c), close > start
                {
                    let after = text.index(after: close)
                    let nextIsWord = after < text.endIndex && (text[after].isLetter || text[after].isNumber)
                    if !(c == "_" && nextIsWord) {
                        emit(.emphasis(substitute(String(text[start..<close]), values)))
                        i = after
                        continue
                    }
                }
            }
            plain.append(c)
            i = text.index(after: i)
        }
        if !plain.isEmpty { result.append(.text(substitute(plain, values))) }
        return result
    }
}
