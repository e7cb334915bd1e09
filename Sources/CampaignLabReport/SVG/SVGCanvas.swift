/// Builds the text of one SVG chart: coordinates with fixed decimals, escaped text, the
/// shared styles and palette. Internal to the SVG renderers.
struct SVGCanvas {
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D31", "#000000"]
    static let fontStack =
        "system-ui, -apple-system, &quot;Segoe UI&quot;, &quot;Noto Sans CJK SC&quot;, &quot;WenQuanYi Micro Hei&quot;, &quot;PingFang SC&quot;, sans-serif"

    let width: Double
    var height: Double
    let idPrefix: String
    private(set) var body = ""
    var skipped: [String] = []

    init(width: Double, height: Double, chartID: String) {
        self.width = width
        self.height = height
        let safe = String(
            chartID.unicodeScalars.map { s -> Character in
                s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-") ? Character(s) : "-"
            })
        self.idPrefix = "cl-" + safe
    }

    mutating func append(_ s: String) { body += s; body += "\n" }

    /// A coordinate or length with at most one decimal ("12.5", "3", "-0" never).
    ///
    /// Clamped to ±10⁷ px (far outside any drawing) so a data point far off its scale — a
    /// Lorenz point at 10¹⁷ — cannot overflow the integer conversion below.
    static func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (min(max(v, -1e7), 1e7) * 10).rounded() / 10
        if r == r.rounded() { return String(Int(r)) }
        let whole = Int(r.magnitude)
        let tenth = Int(((r.magnitude - Double(whole)) * 10).rounded())
        return (r < 0 ? "-" : "") + String(whole) + "." + String(tenth)
    }

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// Rough text width in pixels at `size` (CJK and other wide characters count double).
    static func textWidth(_ s: String, size: Double = 12) -> Double {
        s.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? size : size * 0.56) }
    }

    /// The text cut to `maxWidth` pixels with "…", and whether it was cut.
    static func fit(_ s: String, maxWidth: Double, size: Double = 12) -> (String, Bool) {
        if textWidth(s, size: size) <= maxWidth { return (s, false) }
        var out = ""
        for c in s {
            if textWidth(out + String(c) + "…", size: size) > maxWidth { break }
            out.append(c)
        }
        return (out + "…", true)
    }

    /// A text element; `full` adds a tooltip with the untruncated text.
    mutating func text(
        _ s: String, x: Double, y: Double, anchor: String = "start", cls: String = "cl-l",
        maxWidth: Double? = nil, rotate: Double? = nil, fill: String? = nil
    ) {
        var shown = s, cut = false
        let size: Double = cls == "cl-t" ? 16 : cls == "cl-m" ? 11 : 12
        if let maxWidth { (shown, cut) = Self.fit(s, maxWidth: maxWidth, size: size) }
        // Text the canvas edge would cut (a tick label under the last gridline) moves inside.
        var x = x, anchor = anchor
        if rotate == nil {
            let w = Self.textWidth(shown, size: size)
            let left = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x
            if left + w > width - 2 {
                (x, anchor) = (width - 2, "end")
            } else if left < 2 {
                (x, anchor) = (2, "start")
            }
        }
        var attributes = "x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" class=\"\(cls)\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if let rotate { attributes += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        // A style attribute, because the class rule would win over a fill attribute.
        if let fill { attributes += " style=\"fill:\(fill)\"" }
        let tooltip = cut ? "<title>\(Escape.html(s))</title>" : ""
        append("<text \(attributes)>\(tooltip)\(Escape.html(shown))</text>")
    }

    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#59636e",
        width: Double = 1, dash: String? = nil
    ) {
        var s = "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\""
        if width != 1 { s += " stroke-width=\"\(Self.n(width))\"" }
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        append(s + "/>")
    }

    mutating func rect(
        _ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, tooltip: String? = nil,
        stroke: String? = nil
    ) {
        var s =
            "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0, w)))\" height=\"\(Self.n(max(0, h)))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\"" }
        if let tooltip { append(s + "><title>\(Escape.html(tooltip))</title></rect>") } else { append(s + "/>") }
    }

    mutating func path(
        _ d: String, stroke: String = "none", fill: String = "none", width: Double = 2, dash: String? = nil,
        opacity: Double? = nil
    ) {
        var s = "<path d=\"\(d)\" fill=\"\(fill)\" stroke=\"\(stroke)\""
        if stroke != "none" { s += " stroke-width=\"\(Self.n(width))\" stroke-linejoin=\"round\"" }
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if let opacity { s += " fill-opacity=\"\(opacity)\"" }
        append(s + "/>")
    }

    /// The header (title, subtitle) and the finished element.
    func finish(title: String, subtitle: String?, description: String) -> String {
        var desc = description
        if !skipped.isEmpty { desc += " " + skipped.joined(separator: " ") }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" role=\"img\" aria-labelledby=\"\(idPrefix)-title \(idPrefix)-desc\" font-family=\"\(Self.fontStack)\">\n"
        out += "<title id=\"\(idPrefix)-title\">\(Escape.html(title))</title>\n"
        out += "<desc id=\"\(idPrefix)-desc\">\(Escape.html(desc))</desc>\n"
        out +=
            "<style>.cl-t{font-size:16px;font-weight:600;fill:#1f2328}.cl-s{font-size:13px;fill:#59636e}.cl-l{font-size:12px;fill:#1f2328}.cl-m{font-size:11px;fill:#59636e}.cl-a{font-size:12px;fill:#59636e}</style>\n"
        out += "<rect width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" fill=\"#ffffff\"/>\n"
        var header = ""
        // (Bold: about a tenth wider than the estimate for regular text.)
        let (shownTitle, cut) = Self.fit(title, maxWidth: (width - 24) / 1.1, size: 16)
        header +=
            "<text x=\"12\" y=\"22\" class=\"cl-t\">\(cut ? "<title>\(Escape.html(title))</title>" : "")\(Escape.html(shownTitle))</text>\n"
        if let subtitle {
            let (shown, _) = Self.fit(subtitle, maxWidth: width - 24, size: 13)
            header += "<text x=\"12\" y=\"40\" class=\"cl-s\">\(Escape.html(shown))</text>\n"
        }
        return out + header + body + "</svg>"
    }
}

/// A linear scale from a data domain to pixels, with "nice" ticks (1, 2, 5 × 10ᵏ).
struct LinearScale {
    var domain: (Double, Double)
    var range: (Double, Double)

    /// A scale whose domain covers `values` (finite ones), widened to nice tick bounds.
    init(covering values: [Double], range: (Double, Double), includeZero: Bool = false, tickCount: Int = 5) {
        // Beyond ±10³⁰⁰ the nice bounds (and high − low) would overflow to infinity.
        var finite = values.filter(\.isFinite).map { min(max($0, -1e300), 1e300) }
        if includeZero { finite.append(0) }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= includeZero && low == 0 ? 0 : pad
            high += pad
        }
        let step = LinearScale.niceStep((high - low) / Double(tickCount))
        domain = ((low / step).rounded(.down) * step, (high / step).rounded(.up) * step)
        if includeZero && low >= 0 { domain.0 = 0 }
        self.range = range
        self.step = step
    }

    init(domain: (Double, Double), range: (Double, Double), tickCount: Int = 5) {
        self.domain = domain
        self.range = range
        self.step = LinearScale.niceStep((domain.1 - domain.0) / Double(tickCount))
    }

    private(set) var step: Double

    func callAsFunction(_ v: Double) -> Double {
        let span = domain.1 - domain.0
        guard span > 0, v.isFinite else { return range.0 }
        return range.0 + (v - domain.0) / span * (range.1 - range.0)
    }

    var ticks: [Double] {
        guard step > 0, step.isFinite else { return [domain.0] }
        var out: [Double] = []
        let first = (domain.0 / step).rounded(.up)
        // At most 50 candidates; where step is below the resolution of the values (10¹⁷ apart
        // by 10) consecutive candidates coincide and are kept once.
        for i in 0..<50 {
            let v = (first + Double(i)) * step
            guard v.isFinite, v <= domain.1 + step * 1e-9 else { break }
            let tick = abs(v) < step * 1e-9 ? 0 : v
            if let last = out.last, tick <= last { continue }
            out.append(tick)
        }
        return out
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        var power = 1.0
        while power * 10 <= raw { power *= 10 }
        while power > raw { power /= 10 }
        let f = raw / power
        let nice: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        return nice * power
    }
}
