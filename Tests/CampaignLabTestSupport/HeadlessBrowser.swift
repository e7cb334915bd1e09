import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The page

/// What a real browser made of an HTML file: the live DOM, what the page logged, what it
/// tried to fetch, and a screenshot.
public struct BrowserPage: Sendable {
    /// The DOM after load, serialized by the browser (doctype + `outerHTML`, what
    /// `chromium --dump-dom` prints). Text nodes come back escaped (`&lt;script&gt;`).
    public var dom: String
    /// Console messages (every `console.*` call, with its level), uncaught exceptions, browser
    /// errors and warnings (a resource that failed to load, …), JavaScript dialogs the page
    /// opened, and a load that never finished. A self-contained report has none.
    public var consoleMessages: [String]
    /// The screenshot (PNG) of the page's content: `width` wide, as tall as the content but at
    /// most `height`.
    public var screenshot: [UInt8]
    /// The share of screenshot pixels that have the most common colour (1.0 = blank).
    public var blankFraction: Double
    /// The number of `<svg>` elements in the live DOM.
    public var svgCount: Int
    /// Every URL the page asked the browser to fetch (images, styles, fonts, frames, scripts,
    /// navigations), except the page itself. A self-contained report requests nothing.
    public var requestedURLs: [String]

    public init(dom: String, consoleMessages: [String] = [], screenshot: [UInt8] = [], blankFraction: Double = 0,
                svgCount: Int = 0, requestedURLs: [String] = []) {
        self.dom = dom
        self.consoleMessages = consoleMessages
        self.screenshot = screenshot
        self.blankFraction = blankFraction
        self.svgCount = svgCount
        self.requestedURLs = requestedURLs
    }
}

// MARK: - The browser

/// Opens HTML files in headless Chromium (Debian's `chromium`, installed by `make test-deps`)
/// and checks what every HTML report must satisfy.
///
/// One chromium launch per page. The browser is driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: it reads commands on fd 3 and writes on fd 4; a `/bin/sh exec`
/// maps those to the `Process`'s stdin and stdout). That one session gives everything:
/// console calls and uncaught exceptions (`Runtime`), browser errors such as a failed image
/// (`Log`), every fetch (`Network.requestWillBeSent`), JavaScript dialogs (`Page`; an
/// injected `alert()` is dismissed and reported instead of blocking the load), the DOM and
/// the `<svg>` count (read in an isolated JavaScript world, so page scripts cannot tamper
/// with the answer), and the screenshot. Host names resolve to nothing
/// (`--host-resolver-rules`), so an external reference fails fast and never reaches the
/// network, but is still recorded.
///
/// The screenshot's blankness is measured by ``PNGImage`` (a small PNG decoder with its own
/// inflate, below): Swift on Linux has no PNG decoder, and linking zlib would need a
/// system-library target in Package.swift just for the tests.
///
/// ```swift
/// let page = try HeadlessBrowser.load(htmlFile: path)
/// #expect(HeadlessBrowser.reportProblems(page, expectedCharts: document.charts.count) == [])
/// ```
public enum HeadlessBrowser {
    /// Why a page could not be loaded.
    public enum Failure: Error, CustomStringConvertible {
        /// No chromium executable on this machine.
        case notInstalled
        /// The file to open does not exist.
        case missingFile(String)
        /// Chromium failed, crashed or did not answer in time.
        case failed(String)

        public var description: String {
            switch self {
            case .notInstalled:
                return "chromium is not installed: run `make test-deps` (HTML reports are checked in a real browser; CI installs it)"
            case .missingFile(let path): return "no HTML file at \(path)"
            case .failed(let why): return "headless chromium failed: \(why)"
            }
        }
    }

    /// The default longest time a whole `load` may take before chromium is killed and the
    /// load fails. A third of it is left for the page's load event; a page that takes longer
    /// is reported as not finishing and is read as it is.
    public static let defaultTimeLimit: TimeInterval = 60
    /// A screenshot with at least this share of one colour is blank (see ``reportProblems(_:expectedCharts:)``).
    public static let blankThreshold = 0.995

    /// The chromium executable: `chromium` or `chromium-browser` on `PATH`, then in `/usr/bin`,
    /// `/usr/local/bin` or `/snap/bin`.
    public static var executable: String? {
        findChromium(path: ProcessInfo.processInfo.environment["PATH"] ?? "", fallbacks: ["/usr/bin", "/usr/local/bin", "/snap/bin"])
    }

    /// The first executable `chromium` or `chromium-browser` in the `:`-separated `path`, then in `fallbacks`.
    static func findChromium(path: String, fallbacks: [String]) -> String? {
        let directories = path.split(separator: ":").map(String.init) + fallbacks
        for name in ["chromium", "chromium-browser"] {
            for directory in directories where !directory.isEmpty {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Whether chromium is installed (tests that need it fail, not skip, when it is not).
    public static var isAvailable: Bool { executable != nil }

    /// Loads `htmlFile` in headless chromium and returns its DOM, console, requests and screenshot.
    ///
    /// - Parameters:
    ///   - htmlFile: path of the HTML file.
    ///   - width: viewport width in CSS pixels (device scale 1).
    ///   - height: viewport height; the screenshot covers the content up to this height.
    ///   - timeLimit: after this many seconds chromium is killed and the load fails.
    /// - Returns: the loaded page.
    /// - Throws: ``Failure/notInstalled`` (message: run `make test-deps`), ``Failure/missingFile(_:)``,
    ///   or ``Failure/failed(_:)`` when chromium fails or takes longer than `timeLimit`.
    /// - Complexity: one chromium launch: about 1 s for a small page, 4 s for a 10-chart report
    ///   (1200×3000 screenshot; about 1 s of that is decoding the PNG in a debug build).
    public static func load(htmlFile: String, width: Int = 1200, height: Int = 3000,
                            timeLimit: TimeInterval = defaultTimeLimit) throws -> BrowserPage {
        precondition(width > 0 && height > 0 && timeLimit > 0, "the viewport and the time limit must be positive")
        guard let chromium = executable else { throw Failure.notInstalled }
        let absolute = URL(fileURLWithPath: htmlFile).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure.missingFile(htmlFile)
        }
        let work = try TemporaryDirectory("campaignlab-browser")
        defer { work.remove() }
        let session = try DevToolsSession(chromium: chromium, profile: work.file("profile"), log: work.file("chromium.log"),
                                          timeLimit: timeLimit)
        defer { session.close() }
        return try session.load(url: absolute.absoluteString, width: width, height: height)
    }

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
                      bytes[j] != UInt8(ascii: "/") || j == nameStart { j += 1 }
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
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let v = UInt32(entity.dropFirst(2), radix: 16), let s = Unicode.Scalar(v) {
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

// MARK: - DevTools protocol over a pipe

/// One chromium process driven over `--remote-debugging-pipe`.
///
/// Messages are JSON objects separated by NUL bytes. Every read waits with `poll` against
/// one deadline, so a stuck browser fails the load instead of hanging the test.
final class DevToolsSession {
    private let process = Process()
    private let commands: FileHandle
    private let replies: Int32
    private let logPath: String
    private let deadline: Date
    private let timeLimit: TimeInterval
    private var buffer: [UInt8] = []
    private var nextID = 1
    private var closed = false

    // What the page did, collected from events.
    private var pageURL = ""
    private var sessionID: String?
    private var console: [String] = []
    private var requested: [String] = []
    private var loaded = false
    private var dialogs = 0

    init(chromium: String, profile: String, log: String, timeLimit: TimeInterval) throws {
        Self.ignoreBrokenPipes
        self.logPath = log
        self.timeLimit = timeLimit
        self.deadline = Date().addingTimeInterval(timeLimit)
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw HeadlessBrowser.Failure.failed("cannot create \(log)") }
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let input = Pipe(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // fd 3 = commands to chromium (our stdin pipe), fd 4 = its replies (our stdout pipe);
        // chromium's own stdout goes to the log with its stderr.
        process.arguments = ["-c", "exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null 1>&2", chromium,
                             "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--no-default-browser-check", "--user-data-dir=\(profile)", "--remote-debugging-pipe",
                             "--hide-scrollbars", "--mute-audio", "--disable-extensions", "--disable-sync",
                             "--disable-background-networking", "--disable-component-update", "--force-color-profile=srgb",
                             "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = logHandle
        try process.run()
        try? logHandle.close()
        commands = input.fileHandleForWriting
        replies = output.fileHandleForReading.fileDescriptor
        // Keep the read end alive as long as the session (the descriptor belongs to it).
        replyHandle = output.fileHandleForReading
    }

    private let replyHandle: FileHandle

    /// SIGPIPE would kill the test process if chromium died while we write a command; the
    /// write then fails with EPIPE instead. Done once per process.
    private static let ignoreBrokenPipes: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Loads `url` into a fresh tab and collects everything ``BrowserPage`` holds.
    func load(url: String, width: Int, height: Int) throws -> BrowserPage {
        pageURL = url
        let target = try call("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"] as? String else { throw failure("no tab was created") }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let session = attached["sessionId"] as? String else { throw failure("cannot attach to the tab") }
        sessionID = session
        for method in ["Page.enable", "Runtime.enable", "Log.enable", "Network.enable"] {
            _ = try call(method, session: session)
        }
        _ = try call("Emulation.setDeviceMetricsOverride",
                     ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false], session: session)
        let navigation = try call("Page.navigate", ["url": url], session: session)
        if let error = navigation["errorText"] as? String, !error.isEmpty {
            throw failure("cannot open \(url): \(error)")
        }
        guard let frameID = navigation["frameId"] as? String else { throw failure("no frame for \(url)") }
        let loadDeadline = min(deadline, Date().addingTimeInterval(timeLimit / 3))
        while !loaded {
            guard let message = try nextMessage(until: loadDeadline) else {
                console.append("the page did not finish loading within \(Int(timeLimit / 3)) s (a script keeps it busy)")
                break
            }
            handle(message)
        }
        // Read the page from an isolated world: page scripts cannot redefine what we call.
        let world = try call("Page.createIsolatedWorld", ["frameId": frameID, "worldName": "campaignlab-check"], session: session)
        guard let context = world["executionContextId"] as? Int else { throw failure("no isolated world for the page") }
        let facts = try call("Runtime.evaluate", [
            "expression": Self.pageFactsScript, "contextId": context, "awaitPromise": true, "returnByValue": true,
        ], session: session)
        if let exception = facts["exceptionDetails"] as? [String: Any] {
            throw failure("cannot read the page: \(Self.describe(exception: exception))")
        }
        guard let value = (facts["result"] as? [String: Any])?["value"] as? [String: Any],
              let dom = value["dom"] as? String, let svgs = value["svgs"] as? Int, let contentHeight = value["height"] as? Int
        else { throw failure("cannot read the page's DOM") }
        // The screenshot covers the content (at least one pixel row, at most the viewport).
        let clipHeight = max(1, min(contentHeight, height))
        let shot = try call("Page.captureScreenshot", [
            "format": "png", "captureBeyondViewport": false,
            "clip": ["x": 0, "y": 0, "width": width, "height": clipHeight, "scale": 1],
        ], session: session)
        guard let base64 = shot["data"] as? String, let png = Data(base64Encoded: base64) else {
            throw failure("no screenshot")
        }
        let screenshot = [UInt8](png)
        let image: PNGImage
        do { image = try PNGImage(png: screenshot) } catch { throw failure("cannot decode the screenshot: \(error)") }
        // Late events (a failed image reported after load) arrive before the screenshot reply.
        return BrowserPage(dom: dom, consoleMessages: console, screenshot: screenshot,
                           blankFraction: image.mostCommonColourFraction, svgCount: svgs, requestedURLs: requested)
    }

    /// Runs in the page's isolated world after load: waits for fonts and two frames, then
    /// returns the serialized DOM (as `--dump-dom`), the `<svg>` count and the content height.
    static let pageFactsScript = """
    (async () => {
      await document.fonts.ready;
      await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const root = document.documentElement;
      const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\\n" : "";
      return {
        dom: doctype + (root ? root.outerHTML : ""),
        svgs: document.getElementsByTagName("svg").length,
        height: root ? Math.ceil(root.getBoundingClientRect().height) : 0
      };
    })()
    """

    /// Sends a command and waits for its reply, handling the events that arrive meanwhile.
    private func call(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil) throws -> [String: Any] {
        let id = try send(method, parameters, session: session)
        while true {
            guard let message = try nextMessage(until: deadline) else {
                let logged = console.isEmpty ? "" : "; the page logged: " + console.suffix(3).joined(separator: "; ")
                throw failure("no answer to \(method) within the time limit of \(Int(timeLimit)) s\(logged)")
            }
            if message["id"] as? Int == id {
                if let error = message["error"] as? [String: Any] {
                    throw failure("\(method): \(error["message"] as? String ?? "error")")
                }
                return message["result"] as? [String: Any] ?? [:]
            }
            handle(message)
        }
    }

    @discardableResult
    private func send(_ method: String, _ parameters: [String: Any], session: String?) throws -> Int {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        do { try commands.write(contentsOf: data) } catch { throw failure("chromium stopped reading commands (\(error))") }
        return id
    }

    /// Records what an event says about the page.
    private func handle(_ message: [String: Any]) {
        guard let method = message["method"] as? String,
              message["sessionId"] as? String == sessionID, sessionID != nil else { return }
        let params = message["params"] as? [String: Any] ?? [:]
        switch method {
        case "Page.loadEventFired":
            loaded = true
        case "Runtime.consoleAPICalled":
            let type = params["type"] as? String ?? "log"
            let arguments = (params["args"] as? [[String: Any]] ?? []).map(Self.describe(remoteObject:))
            console.append("console.\(type): \(arguments.joined(separator: " "))\(Self.location(params["stackTrace"]))")
        case "Runtime.exceptionThrown":
            if let details = params["exceptionDetails"] as? [String: Any] {
                console.append(Self.describe(exception: details))
            }
        case "Log.entryAdded":
            guard let entry = params["entry"] as? [String: Any] else { return }
            let level = entry["level"] as? String ?? ""
            guard level == "error" || level == "warning" else { return }
            var line = "\(entry["source"] as? String ?? "browser") \(level): \(entry["text"] as? String ?? "")"
            if let url = entry["url"] as? String, !url.isEmpty { line += " (\(url))" }
            console.append(line)
        case "Network.requestWillBeSent":
            guard let request = params["request"] as? [String: Any], let url = request["url"] as? String else { return }
            if url != pageURL, !requested.contains(url) { requested.append(url) }
        case "Page.javascriptDialogOpening":
            dialogs += 1
            let type = params["type"] as? String ?? "dialog"
            let text = params["message"] as? String ?? ""
            console.append("\(type)(\"\(text.prefix(200))\") opened: the page did not finish loading until the dialog was dismissed")
            // Dismiss it so the load goes on (a page opening dialogs forever runs into the load limit).
            if dialogs <= 50 { _ = try? send("Page.handleJavaScriptDialog", ["accept": false], session: sessionID) }
        case "Inspector.targetCrashed":
            console.append("the page crashed")
            loaded = true
        default:
            break
        }
    }

    /// The next message, or nil when `until` passes first.
    private func nextMessage(until limit: Date) throws -> [String: Any]? {
        while true {
            if let zero = buffer.firstIndex(of: 0) {
                let bytes = buffer[..<zero]
                buffer.removeSubrange(...zero)
                guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw failure("unreadable DevTools message: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
                }
                return object
            }
            let remaining = limit.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var descriptor = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, 1000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw failure("poll failed (errno \(errno))")
            }
            if ready == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw failure("cannot read from chromium (errno \(errno))")
            }
            if count == 0 { throw failure("chromium exited") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Closes the browser: politely, then by signal; never leaves it running.
    func close() {
        guard !closed else { return }
        closed = true
        if process.isRunning {
            _ = try? send("Browser.close", [:], session: nil)
            try? commands.close()
            let politeDeadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < politeDeadline { usleep(20_000) }
            if process.isRunning {
                process.terminate()
                let termDeadline = Date().addingTimeInterval(2)
                while process.isRunning, Date() < termDeadline { usleep(20_000) }
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        } else {
            try? commands.close()
        }
        process.waitUntilExit()
        try? replyHandle.close()
    }

    deinit { close() }

    private func failure(_ why: String) -> HeadlessBrowser.Failure {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        // Chromium's own errors, without the D-Bus noise of a machine with no session bus.
        let lastLines = log.split(separator: "\n").filter { ($0.contains("ERROR:") || $0.contains("FATAL:")) && !$0.contains("dbus") }
            .suffix(3).joined(separator: "\n  ")
        return .failed(why + (lastLines.isEmpty ? "" : "\n  chromium said: " + lastLines))
    }

    static func describe(remoteObject object: [String: Any]) -> String {
        if let value = object["value"] { return "\(value)" }
        if let description = object["description"] as? String { return description }
        return object["type"] as? String ?? "?"
    }

    static func describe(exception details: [String: Any]) -> String {
        var text = details["text"] as? String ?? "Uncaught"
        if let exception = details["exception"] as? [String: Any], let description = exception["description"] as? String {
            text += " " + (description.split(separator: "\n").first.map(String.init) ?? description)
        }
        if let url = details["url"] as? String, let line = details["lineNumber"] as? Int {
            text += " (\(URL(string: url)?.lastPathComponent ?? url):\(line + 1))"
        }
        return text
    }

    static func location(_ stackTrace: Any?) -> String {
        guard let frames = (stackTrace as? [String: Any])?["callFrames"] as? [[String: Any]], let top = frames.first,
              let url = top["url"] as? String, let line = top["lineNumber"] as? Int else { return "" }
        return " (\(URL(string: url)?.lastPathComponent ?? url):\(line + 1))"
    }
}

// MARK: - PNG

/// A decoded PNG image (8-bit channels, not interlaced: what Chromium's screenshots are).
///
/// Decodes the zlib stream with its own inflate (RFC 1950/1951: stored, fixed and dynamic
/// Huffman blocks; Adler-32 checked) and undoes the five PNG row filters (PNG spec §9).
///
/// ```swift
/// let image = try PNGImage(png: page.screenshot)
/// print(image.width, image.height, image.mostCommonColourFraction)
/// ```
public struct PNGImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width × height × 4` bytes: red, green, blue, alpha, row by row.
    public var rgba: [UInt8]

    /// An image from its RGBA bytes (`width × height × 4` of them).
    public init(width: Int, height: Int, rgba: [UInt8]) {
        precondition(width >= 0 && height >= 0 && rgba.count == width * height * 4, "rgba must hold width × height × 4 bytes")
        self.width = width
        self.height = height
        self.rgba = rgba
    }

    /// Why PNG bytes could not be decoded.
    public struct DecodingError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Decodes PNG bytes.
    /// - Throws: ``DecodingError`` for anything but a valid 8-bit, non-interlaced greyscale,
    ///   RGB, palette, grey+alpha or RGBA PNG.
    /// - Complexity: O(pixels).
    public init(png bytes: [UInt8]) throws {
        func fail(_ why: String) -> DecodingError { DecodingError(description: why) }
        guard bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw fail("not a PNG file")
        }
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var position = 8
        var header: (width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8)?
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        var ended = false
        while position + 8 <= bytes.count, !ended {
            let length = u32(position)
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let start = position + 8
            guard length >= 0, start + length + 4 <= bytes.count else { throw fail("truncated \(type) chunk") }
            let data = bytes[start..<(start + length)]
            switch type {
            case "IHDR":
                guard length == 13 else { throw fail("bad IHDR") }
                header = (u32(start), u32(start + 4), bytes[start + 8], bytes[start + 9], bytes[start + 12])
            case "PLTE": palette = Array(data)
            case "IDAT": compressed.append(contentsOf: data)
            case "IEND": ended = true
            default: break
            }
            position = start + length + 4
        }
        guard let header else { throw fail("no IHDR chunk") }
        guard header.depth == 8 else { throw fail("unsupported bit depth \(header.depth)") }
        guard header.interlace == 0 else { throw fail("interlaced PNGs are not supported") }
        let channels: Int
        switch header.colour {
        case 0: channels = 1
        case 2: channels = 3
        case 3: channels = 1
        case 4: channels = 2
        case 6: channels = 4
        default: throw fail("unknown colour type \(header.colour)")
        }
        guard header.width > 0, header.height > 0, header.width <= 1 << 15, header.height <= 1 << 16 else {
            throw fail("unsupported size \(header.width)×\(header.height)")
        }
        let stride = header.width * channels
        let expected = header.height * (stride + 1)
        let raw = try Inflate.zlib(compressed, expectedSize: expected)
        guard raw.count == expected else { throw fail("image data has \(raw.count) bytes, expected \(expected)") }
        width = header.width
        height = header.height
        var pixels = [UInt8](repeating: 0, count: stride * header.height)
        try raw.withUnsafeBufferPointer { src in
            try pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<header.height {
                    let filter = src[y * (stride + 1)]
                    let input = y * (stride + 1) + 1, row = y * stride, above = row - stride
                    for x in 0..<stride {
                        let a = x >= channels ? Int(dst[row + x - channels]) : 0
                        let b = y > 0 ? Int(dst[above + x]) : 0
                        let c = x >= channels && y > 0 ? Int(dst[above + x - channels]) : 0
                        let predictor: Int
                        switch filter {
                        case 0: predictor = 0
                        case 1: predictor = a
                        case 2: predictor = b
                        case 3: predictor = (a + b) / 2
                        case 4:
                            let p = a + b - c
                            let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                            predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                        default: throw fail("unknown row filter \(filter) in row \(y)")
                        }
                        dst[row + x] = UInt8(truncatingIfNeeded: Int(src[input + x]) + predictor)
                    }
                }
            }
        }
        var rgba = [UInt8](repeating: 255, count: header.width * header.height * 4)
        let count = header.width * header.height
        switch header.colour {
        case 6: rgba = pixels
        case 2: for p in 0..<count { rgba[4 * p] = pixels[3 * p]; rgba[4 * p + 1] = pixels[3 * p + 1]; rgba[4 * p + 2] = pixels[3 * p + 2] }
        case 0: for p in 0..<count { rgba[4 * p] = pixels[p]; rgba[4 * p + 1] = pixels[p]; rgba[4 * p + 2] = pixels[p] }
        case 4:
            for p in 0..<count {
                rgba[4 * p] = pixels[2 * p]; rgba[4 * p + 1] = pixels[2 * p]; rgba[4 * p + 2] = pixels[2 * p]; rgba[4 * p + 3] = pixels[2 * p + 1]
            }
        default: // palette
            for p in 0..<count {
                let index = Int(pixels[p]) * 3
                guard index + 2 < palette.count else { throw fail("palette index \(pixels[p]) out of range") }
                rgba[4 * p] = palette[index]; rgba[4 * p + 1] = palette[index + 1]; rgba[4 * p + 2] = palette[index + 2]
            }
        }
        self.rgba = rgba
    }

    /// The share of pixels that have the most common colour (RGBA): 1.0 for a one-colour image.
    /// - Complexity: O(pixels); colours are counted per run of equal pixels.
    public var mostCommonColourFraction: Double {
        let count = width * height
        guard count > 0 else { return 1 }
        var runs: [UInt32: Int] = [:]
        rgba.withUnsafeBytes { raw in
            let pixels = raw.bindMemory(to: UInt32.self)
            var current = pixels[0], length = 0
            for p in 0..<count {
                let pixel = pixels[p]
                if pixel == current { length += 1 } else {
                    runs[current, default: 0] += length
                    current = pixel
                    length = 1
                }
            }
            runs[current, default: 0] += length
        }
        return Double(runs.values.max() ?? 0) / Double(count)
    }
}

/// zlib inflate (RFC 1950 wrapper, RFC 1951 deflate), after Mark Adler's `puff.c`: canonical
/// Huffman codes decoded bit by bit. Small and slow per symbol, but screenshots are mostly
/// long back-references, so the byte copies dominate.
enum Inflate {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The decompressed bytes of a zlib stream.
    static func zlib(_ input: [UInt8], expectedSize: Int = 0) throws -> [UInt8] {
        guard input.count >= 6 else { throw Failure(description: "zlib stream too short") }
        let cmf = Int(input[0]), flg = Int(input[1])
        guard cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0, flg & 0x20 == 0 else { throw Failure(description: "bad zlib header") }
        var state = Bits(input: input, position: 2)
        var output = Output(capacity: max(expectedSize, 4 * input.count, 1024))
        try inflate(&state, into: &output)
        let at = state.position
        guard at + 4 <= input.count else { throw Failure(description: "zlib checksum missing") }
        let stored = UInt32(input[at]) << 24 | UInt32(input[at + 1]) << 16 | UInt32(input[at + 2]) << 8 | UInt32(input[at + 3])
        let bytes = Array(output.bytes[..<output.count])
        guard stored == adler32(bytes) else { throw Failure(description: "zlib checksum mismatch") }
        return bytes
    }

    /// The inflated bytes so far: a buffer that grows by doubling and a count. (Appending a
    /// slice of an array to itself would copy the whole array on every back-reference.)
    struct Output {
        var bytes: [UInt8]
        var count = 0

        init(capacity: Int) { bytes = [UInt8](repeating: 0, count: capacity) }

        mutating func reserve(_ extra: Int) {
            if count + extra > bytes.count { bytes += repeatElement(0, count: max(bytes.count, extra)) }
        }

        mutating func append(_ byte: UInt8) {
            reserve(1)
            bytes[count] = byte
            count += 1
        }

        mutating func append<C: Collection>(contentsOf source: C) where C.Element == UInt8 {
            reserve(source.count)
            var index = count
            for byte in source { bytes[index] = byte; index += 1 }
            count = index
        }

        /// Copies `length` bytes from `distance` back (overlapping copies repeat the pattern).
        mutating func copy(distance: Int, length: Int) {
            reserve(length)
            let end = count + length
            bytes.withUnsafeMutableBufferPointer { buffer in
                var to = count
                while to < end { buffer[to] = buffer[to - distance]; to += 1 }
            }
            count = end
        }
    }

    /// RFC 1950 §8.2.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let end = min(index + 5552, bytes.count)
            for k in index..<end { a += UInt32(bytes[k]); b += a }
            a %= 65521; b %= 65521
            index = end
        }
        return b << 16 | a
    }

    /// Reads bits least-significant first (RFC 1951 §3.1.1).
    struct Bits {
        let input: [UInt8]
        var position: Int
        var buffer = 0
        var count = 0

        init(input: [UInt8], position: Int) { self.input = input; self.position = position }

        mutating func take(_ n: Int) throws -> Int {
            while count < n {
                guard position < input.count else { throw Failure(description: "deflate stream is truncated") }
                buffer |= Int(input[position]) << count
                position += 1
                count += 8
            }
            let value = buffer & ((1 << n) - 1)
            buffer >>= n
            count -= n
            return value
        }

        mutating func alignToByte() { buffer = 0; count = 0 }
    }

    /// A canonical Huffman code: how many codes have each length, and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: ArraySlice<Int>) throws {
            symbols = [Int](repeating: 0, count: lengths.count)
            for length in lengths { counts[length] += 1 }
            var left = 1
            for length in 1...15 {
                left = (left << 1) - counts[length]
                if left < 0 { throw Failure(description: "over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }

        func decode(_ bits: inout Bits) throws -> Int {
            var code = 0, first = 0, index = 0
            for length in 1...15 {
                code |= try bits.take(1)
                let count = counts[length]
                if code - first < count { return symbols[index + code - first] }
                index += count
                first = (first + count) << 1
                code <<= 1
            }
            throw Failure(description: "invalid Huffman code")
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                               4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static let fixed: (literals: Huffman, distances: Huffman) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // The fixed codes are complete by construction (RFC 1951 §3.2.6).
        return (try! Huffman(lengths: lengths[...]), try! Huffman(lengths: [Int](repeating: 5, count: 30)[...]))
    }()

    static func inflate(_ bits: inout Bits, into output: inout Output) throws {
        var last = false
        while !last {
            last = try bits.take(1) == 1
            switch try bits.take(2) {
            case 0:
                bits.alignToByte()
                guard bits.position + 4 <= bits.input.count else { throw Failure(description: "truncated stored block") }
                let p = bits.position
                let length = Int(bits.input[p]) | Int(bits.input[p + 1]) << 8
                let complement = Int(bits.input[p + 2]) | Int(bits.input[p + 3]) << 8
                guard length == ~complement & 0xFFFF else { throw Failure(description: "stored block length check failed") }
                guard p + 4 + length <= bits.input.count else { throw Failure(description: "truncated stored block") }
                output.append(contentsOf: bits.input[(p + 4)..<(p + 4 + length)])
                bits.position = p + 4 + length
            case 1:
                try codes(&bits, fixed.literals, fixed.distances, into: &output)
            case 2:
                let literalCount = try bits.take(5) + 257, distanceCount = try bits.take(5) + 1, codeCount = try bits.take(4) + 4
                guard literalCount <= 286, distanceCount <= 30 else { throw Failure(description: "bad dynamic block counts") }
                var codeLengths = [Int](repeating: 0, count: 19)
                for i in 0..<codeCount { codeLengths[codeLengthOrder[i]] = try bits.take(3) }
                let lengthCode = try Huffman(lengths: codeLengths[...])
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try lengthCode.decode(&bits)
                    switch symbol {
                    case 0...15: lengths.append(symbol)
                    case 16:
                        guard let previous = lengths.last else { throw Failure(description: "repeat with no previous length") }
                        lengths += repeatElement(previous, count: 3 + (try bits.take(2)))
                    case 17: lengths += repeatElement(0, count: 3 + (try bits.take(3)))
                    default: lengths += repeatElement(0, count: 11 + (try bits.take(7)))
                    }
                }
                guard lengths.count == literalCount + distanceCount else { throw Failure(description: "too many code lengths") }
                guard lengths[256] != 0 else { throw Failure(description: "no end-of-block code") }
                let literals = try Huffman(lengths: lengths[0..<literalCount])
                let distances = try Huffman(lengths: lengths[literalCount...])
                try codes(&bits, literals, distances, into: &output)
            default:
                throw Failure(description: "invalid deflate block type")
            }
        }
    }

    static func codes(_ bits: inout Bits, _ literals: Huffman, _ distances: Huffman, into output: inout Output) throws {
        while true {
            let symbol = try literals.decode(&bits)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < 29 else { throw Failure(description: "invalid length code") }
                let length = lengthBase[index] + (try bits.take(lengthExtra[index]))
                let code = try distances.decode(&bits)
                guard code < 30 else { throw Failure(description: "invalid distance code") }
                let distance = distanceBase[code] + (try bits.take(distanceExtra[code]))
                guard distance <= output.count else { throw Failure(description: "distance too far back") }
                output.copy(distance: distance, length: length)
            }
        }
    }
}
