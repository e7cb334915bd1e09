/// Renders a document as one self-contained HTML file: inline CSS and inline SVG charts, no
/// scripts, no fonts or images from the network, readable when printed to PDF.
///
/// Every string from the document is escaped, so data such as `<script>` shows as text.
public struct HTMLRenderer: Sendable {
    public var formatter: ReportFormatter
    private var words: RendererWords { RendererWords(language: formatter.language) }

    public init(language: ReportLanguage) {
        self.formatter = ReportFormatter(language: language)
    }

    public func render(_ document: ReportDocument) -> String {
        let lang = document.language == .zh ? "zh-CN" : "en"
        var out = """
            <!DOCTYPE html>
            <html lang="\(lang)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="CampaignLab">
            <title>\(Escape.html(document.title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main class="cl-report">
            <header>
            <h1>\(Escape.html(document.title))</h1>

            """
        var meta: [String] = []
        if let source = document.source {
            meta.append("<span>\(Escape.html(words.source + words.colon))<code>\(Escape.html(source))</code></span>")
        }
        if let zone = document.timeZone { meta.append("<span>\(Escape.html(words.timeZone + words.colon))\(Escape.html(zone))</span>") }
        if !document.parameters.isEmpty {
            let list = document.parameters.map {
                "<code>\(Escape.html($0.name))</code> = "
                    + ($0.value.isEmpty ? Escape.html(words.defaultValue) : "<code>\(Escape.html($0.value))</code>")
            }
            meta.append("<span>\(Escape.html(words.parameters + words.colon))\(list.joined(separator: ", "))</span>")
        }
        if !meta.isEmpty { out += "<p class=\"cl-meta\">" + meta.joined(separator: " · ") + "</p>\n" }
        out += "</header>\n"
        let svg = SVGChartRenderer(formatter: formatter)
        func emit(_ blocks: [ReportBlock]) {
            for block in blocks {
                switch block {
                case .heading(let level, let inlines):
                    let h = min(6, max(2, level + 0))
                    out += "<h\(h)>" + inline(inlines) + "</h\(h)>\n"
                case .paragraph(let inlines):
                    out += "<p>" + inline(inlines) + "</p>\n"
                case .list(let ordered, let items):
                    let tag = ordered ? "ol" : "ul"
                    out += "<\(tag)>" + items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>\n"
                case .quote(let inlines):
                    out += "<blockquote>" + inline(inlines) + "</blockquote>\n"
                case .code(let text):
                    out += "<pre><code>" + Escape.html(text) + "</code></pre>\n"
                case .table(let table):
                    out += self.table(table)
                case .chart(let chart):
                    out += "<figure class=\"cl-chart\" id=\"chart-\(Escape.html(chart.id))\">\n" + svg.render(chart) + "\n"
                    if let note = chart.note { out += "<figcaption>" + Escape.html(note) + "</figcaption>\n" }
                    out += "</figure>\n"
                case .keyFigures(let figures):
                    out += "<div class=\"cl-figures\">\n"
                    for figure in figures {
                        out +=
                            "<div class=\"cl-figure\"><div class=\"cl-figure-label\">" + Escape.html(figure.label)
                            + "</div><div class=\"cl-figure-value\">" + Escape.html(formatter.format(figure.value, figure.style)) + "</div>"
                        // The interval on a line of its own: a card stays two lines high.
                        if let interval = figure.interval {
                            out +=
                                "<div class=\"cl-figure-detail\">"
                                + Escape.html(
                                    words.interval + formatter.interval(interval.lowerBound, interval.upperBound, figure.style)) + "</div>"
                        }
                        if let detail = figure.detail { out += "<div class=\"cl-figure-detail\">" + Escape.html(detail) + "</div>" }
                        out += "</div>\n"
                    }
                    out += "</div>\n"
                case .callout(let kind, let inlines):
                    let label = kind == .warning ? words.warning : words.note
                    out +=
                        "<div class=\"cl-callout cl-\(kind.rawValue)\" role=\"note\"><strong>" + Escape.html(label) + "</strong> "
                        + inline(inlines) + "</div>\n"
                case .section(let id, let inner):
                    out += "<section id=\"\(Escape.html(id))\">\n"
                    emit(inner)
                    out += "</section>\n"
                case .rule:
                    out += "<hr>\n"
                case .records:
                    break
                }
            }
        }
        emit(document.blocks)
        out += "<footer>" + Escape.html(words.generated) + "</footer>\n</main>\n</body>\n</html>\n"
        return out
    }

    private func inline(_ inlines: [Inline]) -> String {
        inlines.map { node -> String in
            switch node {
            case .text(let s): return Escape.html(s)
            case .emphasis(let s): return "<em>" + Escape.html(s) + "</em>"
            case .strong(let s): return "<strong>" + Escape.html(s) + "</strong>"
            case .code(let s): return "<code>" + Escape.html(s) + "</code>"
            case .link(let text, let target):
                guard let safe = Escape.safeLink(target) else { return Escape.html(text) }
                return "<a href=\"" + Escape.html(safe) + "\">" + Escape.html(text) + "</a>"
            case .number(let v, let style): return "<span class=\"cl-num\">" + Escape.html(formatter.format(v, style)) + "</span>"
            }
        }.joined()
    }

    private func table(_ table: ReportTable) -> String {
        var out = "<div class=\"cl-table\"><table>\n"
        if let caption = table.caption { out += "<caption>" + Escape.html(caption) + "</caption>\n" }
        let numeric = table.columns.indices.map { i in table.rows.contains { $0[i].numericValue != nil } }
        out +=
            "<thead><tr>"
            + zip(table.columns, numeric).map { column, isNumber in
                "<th scope=\"col\"" + (isNumber ? " class=\"cl-n\"" : "") + ">" + Escape.html(column.title) + "</th>"
            }.joined() + "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            out +=
                "<tr>"
                + row.indices.map { i in
                    // An interval goes on a line of its own under its estimate: tables of
                    // estimates stay narrow enough for the page.
                    let text: String
                    if case .interval(let v, let low, let high, let style) = row[i] {
                        let s = style ?? table.columns[i].style
                        text =
                            Escape.html(formatter.format(v, s)) + "<span class=\"cl-ci\">"
                            + Escape.html(formatter.interval(low, high, s)) + "</span>"
                    } else {
                        text = Escape.html(formatter.cellText(row[i], columnStyle: table.columns[i].style))
                    }
                    return (numeric[i] ? "<td class=\"cl-n\">" : "<td>") + text + "</td>"
                }.joined() + "</tr>\n"
        }
        out += "</tbody></table></div>\n"
        if let total = table.totalRows {
            out += "<p class=\"cl-more\">" + Escape.html(words.shownRows(table.rows.count, of: total, formatter: formatter)) + "</p>\n"
        }
        return out
    }

    static let css = """

        :root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0072b2; --warn: #b35900; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #fff; color: var(--ink); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; }
        .cl-report { max-width: 980px; margin: 0 auto; padding: 32px 24px 48px; }
        h1 { font-size: 28px; margin: 0 0 8px; }
        h2 { font-size: 21px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        h3 { font-size: 17px; margin: 24px 0 8px; }
        h4, h5, h6 { font-size: 15px; margin: 16px 0 6px; }
        p, ul, ol, blockquote { margin: 0 0 12px; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; background: var(--soft); padding: 1px 4px; border-radius: 4px; }
        pre { background: var(--soft); padding: 12px; border-radius: 6px; overflow-x: auto; }
        pre code { background: none; padding: 0; }
        blockquote { border-left: 4px solid var(--line); padding: 2px 12px; color: var(--muted); }
        a { color: var(--accent); }
        .cl-meta { color: var(--muted); font-size: 13px; }
        .cl-table { overflow-x: auto; margin: 0 0 16px; }
        table { border-collapse: collapse; font-size: 13.5px; min-width: 40%; }
        caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
        th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid var(--ink); background: var(--soft); }
        td.cl-n, th.cl-n { text-align: right; font-variant-numeric: tabular-nums; }
        td.cl-n { white-space: nowrap; }
        th { min-width: 4em; }
        .cl-ci { display: block; color: var(--muted); font-size: 12px; }
        tbody tr:nth-child(even) { background: #fbfcfd; }
        .cl-more { color: var(--muted); font-size: 13px; }
        .cl-figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin: 8px 0 20px; }
        .cl-figure { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
        .cl-figure-label { color: var(--muted); font-size: 13px; }
        .cl-figure-value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .cl-figure-detail { color: var(--muted); font-size: 12px; }
        .cl-callout { border-left: 4px solid var(--accent); background: #eef6fb; padding: 8px 12px; border-radius: 4px; margin: 0 0 14px; }
        .cl-callout.cl-warning { border-left-color: var(--warn); background: #fff4e5; }
        .cl-chart { margin: 12px 0 24px; }
        .cl-chart svg { max-width: 100%; height: auto; display: block; }
        .cl-chart figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
        footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
        @media print {
          body { font-size: 11pt; }
          .cl-report { max-width: none; padding: 0; }
          .cl-chart, table, .cl-figures, .cl-callout { break-inside: avoid; }
          h2, h3 { break-after: avoid; }
          .cl-table { overflow: visible; }
        }

        """
}
