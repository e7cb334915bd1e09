/// Renders a document as GitHub-flavoured Markdown, with each chart as an SVG file that the
/// Markdown links to.
///
/// ```swift
/// let output = MarkdownRenderer(language: .en).render(document, chartDirectory: "report.en_files")
/// try output.text.write(...)
/// for file in output.files { try file.contents.write(to: dir + "/" + file.path) }
/// ```
public struct MarkdownRenderer: Sendable {
    public var formatter: ReportFormatter
    private var words: RendererWords { RendererWords(language: formatter.language) }

    public init(language: ReportLanguage) {
        self.formatter = ReportFormatter(language: language)
    }

    /// The Markdown text and the chart files (paths relative to the Markdown file).
    public func render(_ document: ReportDocument, chartDirectory: String) -> (text: String, files: [(path: String, contents: String)]) {
        var out = "# " + Escape.markdown(document.title) + "\n\n"
        var meta: [String] = []
        if let source = document.source { meta.append(words.source + words.colon + Escape.markdown(source)) }
        if let zone = document.timeZone { meta.append(words.timeZone + words.colon + Escape.markdown(zone)) }
        if !document.parameters.isEmpty {
            meta.append(
                words.parameters + words.colon
                    + document.parameters.map {
                        "`\(codeSpan($0.name))` = " + ($0.value.isEmpty ? Escape.markdown(words.defaultValue) : "`\(codeSpan($0.value))`")
                    }.joined(separator: ", "))
        }
        if !meta.isEmpty { out += meta.joined(separator: " · ") + "\n\n" }
        var files: [(path: String, contents: String)] = []
        let svg = SVGChartRenderer(formatter: formatter)
        func emit(_ blocks: [ReportBlock]) {
            for block in blocks {
                switch block {
                case .heading(let level, let inlines):
                    out += String(repeating: "#", count: min(6, level + 0)) + " " + inline(inlines) + "\n\n"
                case .paragraph(let inlines):
                    out += inline(inlines) + "\n\n"
                case .list(let ordered, let items):
                    for (i, item) in items.enumerated() { out += (ordered ? "\(i + 1). " : "- ") + inline(item) + "\n" }
                    out += "\n"
                case .quote(let inlines):
                    out += "> " + inline(inlines) + "\n\n"
                case .code(let text):
                    let fence = text.contains("```") ? "~~~~" : "```"
                    out += fence + "\n" + text + "\n" + fence + "\n\n"
                case .table(let table):
                    out += self.table(table)
                case .chart(let chart):
                    let path = chartDirectory + "/" + fileName(chart.id) + ".svg"
                    files.append((path, svg.render(chart)))
                    out +=
                        "![" + Escape.markdown(chart.title) + "]("
                        + path.split(separator: "/").map { percentEncoded(String($0)) }.joined(separator: "/") + ")\n\n"
                    if let note = chart.note { out += "*" + Escape.markdown(note) + "*\n\n" }
                case .keyFigures(let figures):
                    for figure in figures {
                        out += "- **" + Escape.markdown(figure.label) + "**: " + Escape.markdown(formatter.figureText(figure))
                        if let detail = figure.detail { out += " (" + Escape.markdown(detail) + ")" }
                        out += "\n"
                    }
                    out += "\n"
                case .callout(let kind, let inlines):
                    out += "> [!" + (kind == .warning ? "WARNING" : "NOTE") + "]\n> " + inline(inlines) + "\n\n"
                case .section(_, let inner):
                    emit(inner)
                case .rule:
                    out += "---\n\n"
                case .records:
                    break
                }
            }
        }
        emit(document.blocks)
        out += "---\n\n*" + words.generated + "*\n"
        return (out, files)
    }

    private func inline(_ inlines: [Inline]) -> String {
        inlines.map { node -> String in
            switch node {
            case .text(let s): return Escape.markdown(s)
            case .emphasis(let s): return "*" + Escape.markdown(s) + "*"
            case .strong(let s): return "**" + Escape.markdown(s) + "**"
            case .code(let s): return "`" + codeSpan(s) + "`"
            case .link(let text, let target):
                guard let safe = Escape.safeLink(target) else { return Escape.markdown(text) }
                return "[" + Escape.markdown(text) + "](" + safe.replacingSpacesAndParens() + ")"
            case .number(let v, let style): return Escape.markdown(formatter.format(v, style))
            }
        }.joined()
    }

    private func codeSpan(_ s: String) -> String {
        String(s.map { $0 == "`" ? "'" : ($0 == "\n" ? " " : $0) })
    }

    private func table(_ table: ReportTable) -> String {
        var out = ""
        if let caption = table.caption { out += "**" + Escape.markdown(caption) + "**\n\n" }
        func cell(_ s: String) -> String { Escape.markdown(s) }
        out += "| " + table.columns.map { cell($0.title) }.joined(separator: " | ") + " |\n"
        out +=
            "|"
            + table.columns.indices.map { i in
                table.rows.contains { $0[i].numericValue != nil } ? " ---: " : " --- "
            }.joined(separator: "|") + "|\n"
        for row in table.rows {
            out +=
                "| " + zip(row, table.columns).map { cell(formatter.cellText($0, columnStyle: $1.style)) }.joined(separator: " | ") + " |\n"
        }
        out += "\n"
        if let total = table.totalRows { out += "*" + words.shownRows(table.rows.count, of: total, formatter: formatter) + "*\n\n" }
        return out
    }

    private func fileName(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

    private func percentEncoded(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            let c = Character(UnicodeScalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || "-_.~".contains(c)) {
                out.append(c)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

private extension String {
    func replacingSpacesAndParens() -> String {
        var out = ""
        for c in self {
            switch c {
            case " ": out += "%20"
            case "(": out += "%28"
            case ")": out += "%29"
            default: out.append(c)
            }
        }
        return out
    }
}
