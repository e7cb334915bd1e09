/// Renders a document as JSON for BI tools and tests: every number with full precision
/// (the shortest text that reads back as the same double), NaN and infinities as null,
/// keys in a fixed order, so the same document gives the same bytes.
public struct JSONRenderer: Sendable {
    public init() {}

    public func render(_ document: ReportDocument) -> String {
        let w = JSONWriter()
        w.object {
            w.key("format"); w.string("campaignlab-report")
            w.key("version"); w.raw("1")
            w.key("title"); w.string(document.title)
            w.key("language"); w.string(document.language.rawValue)
            w.key("source"); document.source.map { w.string($0) } ?? w.raw("null")
            w.key("time_zone"); document.timeZone.map { w.string($0) } ?? w.raw("null")
            w.key("parameters");
            w.array(document.parameters) { p in
                w.object {
                    w.key("name"); w.string(p.name); w.key("value"); w.string(p.value)
                }
            }
            w.key("notes"); w.array(document.notes) { w.string($0) }
            w.key("blocks"); blocks(document.blocks, w)
            var lists: [(name: String, records: [DataRecord])] = []
            func collect(_ list: [ReportBlock]) {
                for block in list {
                    switch block {
                    case .records(let name, let records):
                        if let index = lists.firstIndex(where: { $0.name == name }) {
                            lists[index].records += records
                        } else {
                            lists.append((name, records))
                        }
                    case .section(_, let inner): collect(inner)
                    default: break
                    }
                }
            }
            collect(document.blocks)
            for list in lists {
                w.key(list.name)
                w.array(list.records) { record in
                    w.object {
                        for (key, value) in zip(record.keys, record.values) {
                            w.key(key)
                            switch value {
                            case .text(let text): w.string(text)
                            case .number(let number): w.number(number)
                            case .bool(let flag): w.raw(flag ? "true" : "false")
                            case .null: w.raw("null")
                            }
                        }
                    }
                }
            }
        }
        return w.text + "\n"
    }

    private func blocks(_ list: [ReportBlock], _ w: JSONWriter) {
        w.array(list) { block in
            w.object {
                switch block {
                case .heading(let level, let inlines):
                    w.key("type"); w.string("heading"); w.key("level"); w.raw(String(level)); w.key("text"); inline(inlines, w)
                case .paragraph(let inlines):
                    w.key("type"); w.string("paragraph"); w.key("text"); inline(inlines, w)
                case .list(let ordered, let items):
                    w.key("type"); w.string("list"); w.key("ordered"); w.raw(ordered ? "true" : "false")
                    w.key("items"); w.array(items) { inline($0, w) }
                case .quote(let inlines):
                    w.key("type"); w.string("quote"); w.key("text"); inline(inlines, w)
                case .code(let text):
                    w.key("type"); w.string("code"); w.key("text"); w.string(text)
                case .table(let table):
                    w.key("type"); w.string("table")
                    w.key("caption"); table.caption.map { w.string($0) } ?? w.raw("null")
                    w.key("columns");
                    w.array(table.columns) { c in
                        w.object {
                            w.key("title"); w.string(c.title); w.key("style"); w.string(c.style.name)
                        }
                    }
                    w.key("rows"); w.array(table.rows) { row in w.array(row) { cell($0, w) } }
                    w.key("total_rows"); w.raw(String(table.totalRows ?? table.rows.count))
                case .chart(let chart):
                    w.key("type"); w.string("chart"); self.chart(chart, w)
                case .keyFigures(let figures):
                    w.key("type"); w.string("key_figures")
                    w.key("figures");
                    w.array(figures) { f in
                        w.object {
                            w.key("label"); w.string(f.label)
                            w.key("value"); w.number(f.value)
                            w.key("style"); w.string(f.style.name)
                            if let i = f.interval { w.key("low"); w.number(i.lowerBound); w.key("high"); w.number(i.upperBound) }
                            if let d = f.detail { w.key("detail"); w.string(d) }
                        }
                    }
                case .callout(let kind, let inlines):
                    w.key("type"); w.string("callout"); w.key("kind"); w.string(kind.rawValue); w.key("text"); inline(inlines, w)
                case .section(let id, let inner):
                    w.key("type"); w.string("section"); w.key("id"); w.string(id); w.key("blocks"); blocks(inner, w)
                case .rule:
                    w.key("type"); w.string("rule")
                case .records(let name, let records):
                    w.key("type"); w.string("records"); w.key("name"); w.string(name)
                    w.key("count"); w.raw(String(records.count))
                }
            }
        }
    }

    private func inline(_ inlines: [Inline], _ w: JSONWriter) {
        w.array(inlines) { node in
            w.object {
                switch node {
                case .text(let s): w.key("text"); w.string(s)
                case .emphasis(let s): w.key("emphasis"); w.string(s)
                case .strong(let s): w.key("strong"); w.string(s)
                case .code(let s): w.key("code"); w.string(s)
                case .link(let text, let target): w.key("link"); w.string(text); w.key("target"); w.string(target)
                case .number(let v, let style): w.key("number"); w.number(v); w.key("style"); w.string(style.name)
                }
            }
        }
    }

    private func cell(_ cell: Cell, _ w: JSONWriter) {
        switch cell {
        case .text(let s): w.string(s)
        case .integer(let v): w.raw(String(v))
        case .number(let v, _): w.number(v)
        case .interval(let v, let low, let high, _):
            w.object {
                w.key("estimate"); w.number(v); w.key("low"); w.number(low); w.key("high"); w.number(high)
            }
        case .null: w.raw("null")
        }
    }

    private func chart(_ chart: Chart, _ w: JSONWriter) {
        w.key("id"); w.string(chart.id)
        w.key("title"); w.string(chart.title)
        w.key("subtitle"); chart.subtitle.map { w.string($0) } ?? w.raw("null")
        w.key("x_label"); w.string(chart.xAxis.label)
        w.key("y_label"); w.string(chart.yAxis.label)
        w.key("note"); chart.note.map { w.string($0) } ?? w.raw("null")
        w.key("kind")
        switch chart.kind {
        case .bars(let d):
            w.string(d.horizontal ? "horizontal_bars" : "bars")
            w.key("categories"); w.array(d.categories) { w.string($0) }
            w.key("series");
            w.array(d.series) { s in
                w.object {
                    w.key("name"); w.string(s.name)
                    w.key("values"); w.array(s.values) { w.number($0) }
                    if let intervals = s.intervals {
                        w.key("intervals"); w.array(intervals) { i in w.array([i.lowerBound, i.upperBound]) { w.number($0) } }
                    }
                }
            }
        case .forest(let d):
            w.string("forest"); w.key("reference"); w.number(d.reference)
            w.key("rows");
            w.array(d.rows) { r in
                w.object {
                    w.key("label"); w.string(r.label); w.key("estimate"); w.number(r.estimate)
                    w.key("low"); w.number(r.low); w.key("high"); w.number(r.high)
                    w.key("summary"); w.raw(r.isSummary ? "true" : "false")
                    if let d = r.detail { w.key("detail"); w.string(d) }
                }
            }
        case .funnel(let steps):
            w.string("funnel")
            w.key("steps");
            w.array(steps) { s in
                w.object {
                    w.key("label"); w.string(s.label); w.key("count"); w.number(s.count)
                }
            }
        case .steps(let series):
            w.string("steps")
            w.key("series");
            w.array(series) { s in
                w.object {
                    w.key("name"); w.string(s.name)
                    w.key("x"); w.array(s.points.map(\.x)) { w.number($0) }
                    w.key("y"); w.array(s.points.map(\.y)) { w.number($0) }
                    if let band = s.band {
                        w.key("low"); w.array(band.map(\.low)) { w.number($0) }
                        w.key("high"); w.array(band.map(\.high)) { w.number($0) }
                    }
                    w.key("censored"); w.array(s.censored) { w.number($0) }
                }
            }
        case .heatmap(let d):
            w.string("heatmap")
            w.key("rows"); w.array(d.rowLabels) { w.string($0) }
            w.key("columns"); w.array(d.columnLabels) { w.string($0) }
            w.key("values"); w.array(d.values) { row in w.array(row) { v in v.map { w.number($0) } ?? w.raw("null") } }
        case .lines(let d):
            w.string("lines")
            w.key("categories"); w.array(d.categories) { w.string($0) }
            w.key("series");
            w.array(d.series) { s in
                w.object {
                    w.key("name"); w.string(s.name); w.key("values"); w.array(s.values) { v in v.map { w.number($0) } ?? w.raw("null") }
                }
            }
        case .histogram(let d):
            w.string("histogram")
            w.key("edges"); w.array(d.edges) { w.number($0) }
            w.key("counts"); w.array(d.counts) { w.number($0) }
        case .lorenz(let d):
            w.string("lorenz"); w.key("gini"); w.number(d.gini)
            w.key("population"); w.array(d.points.map(\.population)) { w.number($0) }
            w.key("share"); w.array(d.points.map(\.share)) { w.number($0) }
        }
    }
}

/// A small streaming JSON writer with two-space indentation.
final class JSONWriter {
    private(set) var text = ""
    private var depth = 0
    private var needsComma: [Bool] = []
    private var afterKey = false

    private func beginValue() {
        if afterKey { afterKey = false; return }
        if let last = needsComma.last {
            if last { text += "," }
            text += "\n" + String(repeating: "  ", count: depth)
            needsComma[needsComma.count - 1] = true
        }
    }

    func raw(_ s: String) { beginValue(); text += s }
    func string(_ s: String) { beginValue(); text += Escape.json(s) }
    /// Full precision: Swift's shortest round-tripping representation; non-finite → null.
    func number(_ v: Double) {
        beginValue()
        guard v.isFinite else { text += "null"; return }
        if v == v.rounded(), abs(v) < 1e15 { text += String(Int64(v)); return }
        text += String(describing: v)
    }
    func key(_ k: String) {
        beginValue()
        text += Escape.json(k) + ": "
        afterKey = true
    }
    func object(_ body: () -> Void) {
        beginValue()
        text += "{"
        depth += 1; needsComma.append(false)
        body()
        let had = needsComma.removeLast(); depth -= 1
        if had { text += "\n" + String(repeating: "  ", count: depth) }
        text += "}"
    }
    func array<T>(_ items: [T], _ body: (T) -> Void) {
        beginValue()
        text += "["
        depth += 1; needsComma.append(false)
        for item in items { body(item) }
        let had = needsComma.removeLast(); depth -= 1
        if had { text += "\n" + String(repeating: "  ", count: depth) }
        text += "]"
    }
}
