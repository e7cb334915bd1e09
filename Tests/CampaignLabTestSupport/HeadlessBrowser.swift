import Foundation

/// What a real browser made of an HTML file.
public struct BrowserPage: Sendable {
    /// The DOM after loading, serialized by the browser (`--dump-dom`); the file's text when
    /// the page never finished loading.
    public var dom: String
    /// Console messages and uncaught exceptions logged while loading.
    public var consoleMessages: [String]
    /// The share of screenshot pixels that have the most common colour (1.0 = blank).
    public var blankFraction: Double
    /// Where the screenshot was saved (PNG).
    public var screenshotPath: String
}

/// Opens HTML files in headless Chromium (Debian's `chromium`, installed by `make test-deps`).
///
/// Two launches per page: a load whose console is logged and whose DOM is dumped
/// (`--enable-logging=stderr` prints every console message as a "CONSOLE" line, uncaught
/// exceptions included; a page that blocks, e.g. on an injected alert(), is reported after
/// 20 s instead of hanging, with the file's text checked in place of the DOM), and a screenshot. The screenshot's PNG is decoded by a small Python standard-library
/// script (zlib + the five PNG row filters): Swift on Linux has no PNG decoder, and
/// python3 is present wherever the tests run.
public enum HeadlessBrowser {
    public enum Failure: Error, CustomStringConvertible {
        case notInstalled
        case failed(String)
        public var description: String {
            switch self {
            case .notInstalled: return "chromium is not installed: run `make test-deps` (the HTML reports must be checked in a real browser)"
            case .failed(let why): return "headless chromium failed: \(why)"
            }
        }
    }

    public static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Loads `htmlFile` and returns the DOM, console messages and a screenshot's blankness.
    public static func load(htmlFile: String, width: Int = 1000, height: Int = 1400) throws -> BrowserPage {
        guard let chromium = executable else { throw Failure.notInstalled }
        let work = try TemporaryDirectory("campaignlab-browser")
        defer { work.remove() }
        let url = URL(fileURLWithPath: htmlFile).absoluteString
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                      "--hide-scrollbars", "--user-data-dir=\(work.file("profile"))"]
        // 1. Load with the console logged and dump the DOM. A page whose injected script
        //    blocks (alert()) never finishes: that is reported as a console problem, and the
        //    file's own text stands in for the DOM.
        let dom: String
        let console: [String]
        do {
            let live = try run(chromium, common + ["--enable-logging=stderr", "--v=0", "--dump-dom", url], timeout: 20)
            dom = live.stdout
            console = live.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        } catch Failure.failed(let why) where why.hasPrefix("timed out") {
            let source = (try? String(contentsOfFile: htmlFile, encoding: .utf8)) ?? ""
            return BrowserPage(dom: source, consoleMessages: ["the page did not finish loading within 20 s (a script blocked it, e.g. alert())"],
                               blankFraction: 1, screenshotPath: "")
        }
        // 3. A screenshot (headless screenshots need scripts on).
        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent(
            "campaignlab-shot-\(URL(fileURLWithPath: htmlFile).deletingPathExtension().lastPathComponent).png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        _ = try run(chromium, common + ["--window-size=\(width),\(height)", "--screenshot=\(screenshot)", url], timeout: 30)
        guard FileManager.default.fileExists(atPath: screenshot) else { throw Failure.failed("no screenshot written") }
        let script = work.file("blank.py")
        try Data(blankScript.utf8).write(to: URL(fileURLWithPath: script))
        let measured = try run("/usr/bin/env", ["python3", script, screenshot])
        guard let fraction = Double(measured.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure.failed("cannot measure the screenshot: \(measured.stderr)")
        }
        return BrowserPage(dom: dom, consoleMessages: console, blankFraction: fraction, screenshotPath: screenshot)
    }

    /// What is wrong with a loaded report page (empty when nothing is): console messages, a
    /// blank screenshot, any script, event handler, embedded or external resource, and a
    /// chart count different from `expectedCharts`.
    public static func reportProblems(_ page: BrowserPage, expectedCharts: Int) -> [String] {
        var problems: [String] = []
        problems += page.consoleMessages.map { "console: \($0)" }
        if page.blankFraction >= 0.995 { problems.append("the screenshot is blank (\(page.blankFraction) of pixels one colour)") }
        let dom = page.dom.lowercased()
        for tag in ["<script", "<img", "<iframe", "<object", "<embed", "<link", "<base", "<meta http-equiv"] where dom.contains(tag) {
            problems.append("the DOM contains a \(tag)> element")
        }
        // An event-handler attribute: ` on…=` inside a tag.
        var inTag = false
        var previous: Character = " "
        var index = dom.startIndex
        while index < dom.endIndex {
            let c = dom[index]
            if c == "<" { inTag = true } else if c == ">" { inTag = false }
            if inTag, previous.isWhitespace, dom[index...].hasPrefix("on"),
               let eq = dom[index...].firstIndex(where: { $0 == "=" || $0.isWhitespace || $0 == ">" }), dom[eq] == "=",
               dom[index..<eq].allSatisfy({ $0.isLetter }) {
                problems.append("the DOM has an event-handler attribute \(dom[index..<eq])")
                break
            }
            previous = c
            index = dom.index(after: index)
        }
        for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http", "url(//", "@import"] where dom.contains(attribute) {
            problems.append("the page refers to an external resource (\(attribute)…)")
        }
        let charts = dom.components(separatedBy: "<svg").count - 1
        if charts != expectedCharts { problems.append("\(charts) charts in the page, expected \(expectedCharts)") }
        return problems
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 90) throws -> (stdout: String, stderr: String) {
        let work = try TemporaryDirectory("campaignlab-run")
        defer { work.remove() }
        let outPath = work.file("out"), errPath = work.file("err")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw Failure.failed("timed out after \(Int(timeout)) s: \(arguments.last ?? "")")
            }
            usleep(20_000)
        }
        try out.close()
        try err.close()
        let stdout = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self)
        let stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        return (stdout, stderr)
    }

    /// Prints the share of pixels having the most common colour (every 4th pixel sampled).
    static let blankScript = """
    import struct, sys, zlib
    from collections import Counter
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour = struct.unpack('>IIBB', chunk[:10])
            assert depth == 8 and colour in (2, 6), 'unsupported PNG'
            bpp = 3 if colour == 2 else 4
        elif kind == b'IDAT':
            idat.append(chunk)
        pos += 12 + length
    raw = zlib.decompress(b''.join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    counts = Counter()
    for y in range(height):
        f = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride): row[i] = (row[i] + row[i - bpp]) & 255
        elif f == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif f == 3:
            for i in range(stride): row[i] = (row[i] + ((row[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        counts.update(bytes(row[i:i + bpp]) for i in range(0, stride, bpp * 4))
        prev = row
    print(counts.most_common(1)[0][1] / sum(counts.values()))
    """
}
