import Foundation

// MARK: - What every HTML report must satisfy

extension HeadlessBrowser {
    /// The checks every HTML report must pass, as readable problems (empty = OK).
    ///
    /// - any console message, uncaught exception, dialog or unfinished load;
    /// - a blank screenshot: ``blankThreshold`` (99.5 %) or more of its pixels one colour. The
    ///   screenshot covers only the content's height, so a short page is not diluted by the
    ///   empty viewport below it, and the measure does not depend on page length. Measured:
    ///   the rendered data overview and post-campaign review 0.84–0.88, the fixtures with text
    ///   and charts 0.84–0.94, an empty page 1.0. A page whose content is hidden, has the
    ///   background's colour or has no size is blank; one line of text is not;
    /// - a `<script>`, `<img>`, `<iframe>`, `<object>`, `<embed>`, `<link>`, `<base>`, frame,
    ///   media, `<form>` or `<meta http-equiv>` element;
    /// - an event-handler attribute (`on…=`);
    /// - a reference to anything but an in-page `#anchor` in `src`, `href`, `xlink:href`,
    ///   `srcset`, `poster`, `action`, `data`, … or in CSS `url(…)` / `@import`. Hyperlinks
    ///   (`<a href>`) may also point to `http(s):` and `mailto:` pages, as the renderer allows:
    ///   a link is followed only when clicked, it loads nothing;
    /// - any URL the browser actually fetched;
    /// - a number of `<svg>` charts other than `expectedCharts`.
    ///
    /// - Parameters:
    ///   - page: a page from ``load(htmlFile:width:height:timeLimit:)``.
    ///   - expectedCharts: how many `<svg>` elements the report must contain.
    /// - Returns: one line per problem.
    public static func reportProblems(_ page: BrowserPage, expectedCharts: Int) -> [String] {
        var problems = page.consoleMessages.map { "console: " + $0 }
        if page.blankFraction >= blankThreshold {
            let percent = (page.blankFraction * 1000).rounded(.down) / 10
            problems.append("the screenshot is blank (\(percent) % of its pixels are one colour)")
        }
        problems += domProblems(page.dom)
        problems += page.requestedURLs.map { "the page fetched another resource: \($0) (an external resource; a report must load nothing)" }
        problems += page.overflows.map { "does not fit: " + $0 }
        if page.svgCount != expectedCharts {
            problems.append("\(page.svgCount) charts (<svg> elements) in the page, expected \(expectedCharts)")
        }
        return problems
    }

    // MARK: Static checks of the serialized DOM

    /// Elements a self-contained report never contains.
    static let forbiddenElements: Set<String> = [
        "script", "img", "iframe", "object", "embed", "link", "base", "frame", "frameset", "applet",
        "audio", "video", "source", "track", "picture", "portal", "form", "image", "feimage", "foreignobject",
    ]
    /// Attributes whose value is a URL.
    static let urlAttributes: Set<String> = [
        "src", "href", "xlink:href", "srcset", "poster", "action", "formaction", "data", "background",
        "ping", "longdesc", "manifest", "codebase", "archive", "lowsrc", "dynsrc", "cite", "itemtype",
    ]
    /// Attributes whose value is CSS or may hold a CSS `url(…)` (SVG presentation attributes).
    /// Text attributes (`title`, `aria-label`) are not: data shown there may contain "url(".
    static let cssAttributes: Set<String> = [
        "style", "fill", "stroke", "clip-path", "mask", "filter", "marker-start", "marker-mid", "marker-end", "cursor",
    ]
    /// Elements whose text the browser serializes unescaped.
    static let rawTextElements: Set<String> = ["script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"]

    /// Problems visible in the serialized DOM (elements, event handlers, references).
    ///
    /// The DOM comes from the browser's serializer, so its syntax is regular: quoted attribute
    /// values, escaped text; only raw-text elements (`<style>`, `<script>`, …) hold unescaped
    /// text, and those are skipped (a `<style>`'s CSS is checked for `url(` and `@import`).
    static func domProblems(_ dom: String) -> [String] {
        var problems: [String] = []
        func add(_ problem: String) { if !problems.contains(problem) { problems.append(problem) } }
        for element in scanElements(dom) {
            let name = element.name
            if forbiddenElements.contains(name) { add("the DOM contains a <\(name)> element") }
            if name == "meta", element.attributes.contains(where: { $0.name == "http-equiv" }) {
                add("the DOM contains a <meta http-equiv> element (it can refresh or redirect the page)")
            }
            for attribute in element.attributes {
                if attribute.name.count > 2, attribute.name.hasPrefix("on"), attribute.name.allSatisfy({ $0.isLetter }) {
                    add("the DOM has an event-handler attribute \(attribute.name) on <\(name)>")
                }
                let value = attribute.value.trimmingCharacters(in: .whitespacesAndNewlines)
                if urlAttributes.contains(attribute.name), !value.hasPrefix("#") {
                    let lower = value.lowercased()
                    let isHyperlink = (name == "a" || name == "area") && (attribute.name == "href" || attribute.name == "xlink:href")
                    if isHyperlink, lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") {
                        continue
                    }
                    add("the page refers to an external resource (\(attribute.name)=\"\(value.prefix(80))\" on <\(name)>)")
                }
                if cssAttributes.contains(attribute.name) {
                    problems += cssProblems(attribute.value).filter { !problems.contains($0) }
                }
            }
            if let text = element.rawText, name == "style" {
                problems += cssProblems(text).filter { !problems.contains($0) }
            }
        }
        return problems
    }

    /// `url(…)` other than `url(#…)`, and `@import`, in CSS or an attribute value.
    static func cssProblems(_ css: String) -> [String] {
        var problems: [String] = []
        let lower = css.lowercased()
        if lower.contains("@import") { problems.append("the page refers to an external resource (CSS @import)") }
        var rest = lower[...]
        while let range = rest.range(of: "url(") {
            var target = rest[range.upperBound...].drop { $0 == " " || $0 == "\"" || $0 == "'" }
            if let end = target.firstIndex(where: { $0 == ")" || $0 == "\"" || $0 == "'" }) { target = target[..<end] }
            if !target.hasPrefix("#") {
                problems.append("the page refers to an external resource (CSS url(\(target.prefix(80))))")
            }
            rest = rest[range.upperBound...]
        }
        return problems
    }

    /// One start tag of the serialized DOM.
    struct ScannedElement {
        var name: String
        var attributes: [(name: String, value: String)]
        /// The unescaped text of a raw-text element (`<style>`, `<script>`, …).
        var rawText: String?
    }

    /// The start tags of serialized HTML, in order; comments, doctype and end tags skipped.
    static func scanElements(_ html: String) -> [ScannedElement] {
        let bytes = Array(html.utf8)
        let n = bytes.count
        var elements: [ScannedElement] = []
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D }
        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        func text(_ from: Int, _ to: Int) -> String { String(decoding: bytes[from..<to], as: UTF8.self) }
        func find(_ needle: [UInt8], from: Int, caseInsensitive: Bool = false) -> Int? {
            guard needle.count <= n else { return nil }
            var i = from
            while i + needle.count <= n {
                var match = true
                for k in 0..<needle.count {
                    let a = bytes[i + k], b = needle[k]
                    if a != b && !(caseInsensitive && isLetter(a) && (a | 0x20) == (b | 0x20)) { match = false; break }
                }
                if match { return i }
                i += 1
            }
            return nil
        }
        var i = 0
        while i < n {
            guard bytes[i] == UInt8(ascii: "<"), i + 1 < n else { i += 1; continue }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "!") {
                if i + 3 < n, bytes[i + 2] == UInt8(ascii: "-"), bytes[i + 3] == UInt8(ascii: "-") {
                    i = (find(Array("-->".utf8), from: i + 4) ?? n - 3) + 3
                } else {
                    i = (find([UInt8(ascii: ">")], from: i) ?? n - 1) + 1
                }
                continue
            }
            if next == UInt8(ascii: "/") || next == UInt8(ascii: "?") {
                i = (find([UInt8(ascii: ">")], from: i) ?? n - 1) + 1
                continue
            }
            guard isLetter(next) else { i += 1; continue }
            // Tag name.
            var j = i + 1
            while j < n, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: "/"), bytes[j] != UInt8(ascii: ">") { j += 1 }
            var element = ScannedElement(name: text(i + 1, j).lowercased(), attributes: [], rawText: nil)
            // Attributes.
            while j < n {
                while j < n, isSpace(bytes[j]) || bytes[j] == UInt8(ascii: "/") { j += 1 }
                guard j < n, bytes[j] != UInt8(ascii: ">") else { break }
                let nameStart = j
                while j < n, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: "="), bytes[j] != UInt8(ascii: ">"),
                    bytes[j] != UInt8(ascii: "/") || j == nameStart
                { j += 1 }
                let attributeName = text(nameStart, j).lowercased()
                var k = j
                while k < n, isSpace(bytes[k]) { k += 1 }
                var value = ""
                if k < n, bytes[k] == UInt8(ascii: "=") {
                    k += 1
                    while k < n, isSpace(bytes[k]) { k += 1 }
                    if k < n, bytes[k] == UInt8(ascii: "\"") || bytes[k] == UInt8(ascii: "'") {
                        let quote = bytes[k]
                        let end = find([quote], from: k + 1) ?? n
                        value = decodeEntities(text(k + 1, end))
                        k = min(end + 1, n)
                    } else {
                        let start = k
                        while k < n, !isSpace(bytes[k]), bytes[k] != UInt8(ascii: ">") { k += 1 }
                        value = decodeEntities(text(start, k))
                    }
                    j = k
                }
                element.attributes.append((attributeName, value))
            }
            i = j + 1
            if rawTextElements.contains(element.name) {
                let close = find(Array("</\(element.name)".utf8), from: i, caseInsensitive: true) ?? n
                element.rawText = text(min(i, close), close)
                i = close
            }
            elements.append(element)
        }
        return elements
    }

    /// Replaces the character references a serializer writes (`&amp;`, `&quot;`, `&#39;`, …).
    static func decodeEntities(_ value: String) -> String {
        guard value.contains("&") else { return value }
        var out = ""
        var rest = value[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let tail = rest[amp...]
            guard let semicolon = tail.prefix(12).firstIndex(of: ";") else { out += "&"; rest = rest[rest.index(after: amp)...]; continue }
            let entity = tail[tail.index(after: tail.startIndex)..<semicolon]
            var replacement: String?
            switch entity {
            case "amp": replacement = "&"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "nbsp": replacement = "\u{A0}"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let v = UInt32(entity.dropFirst(2), radix: 16),
                    let s = Unicode.Scalar(v)
                {
                    replacement = String(Character(s))
                } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = Unicode.Scalar(v) {
                    replacement = String(Character(s))
                }
            }
            if let replacement {
                out += replacement
                rest = rest[rest.index(after: semicolon)...]
            } else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }
}
