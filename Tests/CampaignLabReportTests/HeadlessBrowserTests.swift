import Foundation
import Testing

@testable import CampaignLabTestSupport

/// The headless-browser check that HTML report tests call, tested on hand-written fixture
/// pages (Fixtures/). The browser tests fail, never skip, when chromium is missing: `make
/// test` installs it (`make test-deps`), and a silent skip would hide a missing install step.
@Suite(.serialized)
struct HeadlessBrowserTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name).path
    }

    @Test func chromiumIsInstalled() {
        #expect(HeadlessBrowser.isAvailable, "chromium is not installed: run `make test-deps`")
        #expect(HeadlessBrowser.Failure.notInstalled.description.contains("make test-deps"))
    }

    @Test func chromiumIsFoundOnThePathOrNotAtAll() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(HeadlessBrowser.findChromium(path: dir.path, fallbacks: []) == nil)
        #expect(
            FileManager.default.createFile(
                atPath: dir.file("chromium-browser"), contents: Data("#!/bin/sh\n".utf8),
                attributes: [.posixPermissions: 0o755]))
        #expect(HeadlessBrowser.findChromium(path: "/nonexistent:" + dir.path, fallbacks: []) == dir.file("chromium-browser"))
    }

    // MARK: Pages in the browser

    @Test func aCleanReportPassesEveryCheckAndShowsHostileStringsAsText() throws {
        let page = try HeadlessBrowser.load(htmlFile: Self.fixture("clean-report.html"))
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: 2) == [])
        #expect(page.consoleMessages == [])
        #expect(page.requestedURLs == [])
        #expect(page.svgCount == 2)
        #expect(page.blankFraction < 0.95)
        // The load event came before the load limit (a third of the time limit).
        #expect(!page.consoleMessages.contains { $0.contains("did not finish loading") })
        // The browser re-serializes text with < and > escaped: the hostile strings are text,
        // in the table and in the chart's label, and no element came out of them.
        #expect(page.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.dom.contains("\"&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!page.dom.contains("<script"))
        #expect(!page.dom.contains("<img"))
        #expect(page.dom.hasPrefix("<!DOCTYPE html>"))
        #expect(page.dom.contains("北京朝阳"))
        // One chart too many or too few is a problem.
        #expect(HeadlessBrowser.reportProblems(page, expectedCharts: 3) == ["2 charts (<svg> elements) in the page, expected 3"])

        // The screenshot is the page: 1280 px wide, as tall as the content, and the charts'
        // colours are in it.
        let image = try PNGImage(png: page.screenshot)
        #expect(image.width == 1280)
        #expect(image.height > 400 && image.height < 3000)
        // Computed by hand: the orange bar is a 100×80 rectangle at whole-pixel coordinates
        // (scale 1; the axis below it covers row 180 only), so 8,000 pixels of #E69F00.
        #expect(Self.pixels(of: image, red: 0xE6, green: 0x9F, blue: 0x00) == 8_000)
        // The green bar: 100×160 = 16,000 pixels of #009E73 (computed by hand).
        #expect(Self.pixels(of: image, red: 0x00, green: 0x9E, blue: 0x73) == 16_000)
        if let directory = ProcessInfo.processInfo.environment["CAMPAIGNLAB_SCREENSHOTS"] {
            try Data(page.screenshot).write(to: URL(fileURLWithPath: directory + "/clean-report.png"))
        }
    }

    @Test func unescapedHostileStringsAreCaught() throws {
        let page = try HeadlessBrowser.load(htmlFile: Self.fixture("unescaped-report.html"))
        let problems = HeadlessBrowser.reportProblems(page, expectedCharts: 2)
        for expected in [
            "the DOM contains a <script> element", "the DOM contains a <img> element",
            "the DOM has an event-handler attribute onerror on <img>", "did not finish loading",
        ] {
            #expect(problems.contains { $0.contains(expected) }, "\(expected) not in \(problems)")
        }
        // Every injected alert ran and was dismissed: the <script>, and the onerror of both
        // injected images (one broke out of the title attribute, one is in the cell's text).
        #expect(page.consoleMessages.filter { $0.hasPrefix("alert(\"1\")") }.count == 3, "\(page.consoleMessages)")
        #expect(page.consoleMessages.contains { $0.contains("Failed to load resource: net::ERR_FILE_NOT_FOUND") })
        // The injected <img src=x> made the browser fetch a file next to the page.
        #expect(page.requestedURLs.contains { $0.hasSuffix("/Fixtures/x") }, "\(page.requestedURLs)")
        #expect(page.svgCount == 2)
    }

    @Test func aScriptErrorAndAConsoleWarningAreReported() throws {
        let page = try HeadlessBrowser.load(htmlFile: Self.fixture("script-error.html"))
        #expect(
            page.consoleMessages.contains { $0.contains("Uncaught ReferenceError: notDefined is not defined") },
            "\(page.consoleMessages)")
        #expect(page.consoleMessages.contains { $0.hasPrefix("console.warning: deliberate warning") }, "\(page.consoleMessages)")
        let problems = HeadlessBrowser.reportProblems(page, expectedCharts: 1)
        #expect(problems.contains { $0.hasPrefix("console: ") })
        #expect(problems.contains("the DOM contains a <script> element"))
        #expect(page.blankFraction < HeadlessBrowser.blankThreshold)
    }

    @Test func anEmptyPageIsBlank() throws {
        let page = try HeadlessBrowser.load(htmlFile: Self.fixture("blank.html"))
        #expect(page.blankFraction == 1)
        #expect(
            HeadlessBrowser.reportProblems(page, expectedCharts: 0) == ["the screenshot is blank (100.0 % of its pixels are one colour)"])
        #expect(page.consoleMessages == [])
        #expect(try PNGImage(png: page.screenshot).width == 1280)
    }

    /// What does not fit at 1280 px is found: a table wider than its scrolling box, a chart
    /// wider than its column, chart text outside the chart, a page wider than the window.
    @Test func whatDoesNotFitIsFound() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cells = (1...40).map { "<td>column \($0) with a long header</td>" }.joined()
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><style>.cl-table { overflow-x: auto; } td { white-space: nowrap; }</style></head>
            <body style="margin:0"><div style="max-width: 900px">
            <div class="cl-table"><table><caption>Too wide</caption><tr>\(cells)</tr></table></div>
            <figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100" aria-labelledby="t">
            <title id="t">Clipped</title><text x="190" y="50">¥300k and more</text></svg></figure>
            </div><div style="width: 1500px; height: 10px"></div></body></html>
            """
        try writeFile(dir.file("overflow.html"), html)
        let page = try HeadlessBrowser.load(htmlFile: dir.file("overflow.html"))
        #expect(page.overflows.contains { $0.hasPrefix("table \"Too wide\" is ") && $0.hasSuffix(" px box") }, "\(page.overflows)")
        #expect(page.overflows.contains("chart \"Clipped\": the text \"¥300k and more\" reaches outside the chart and is cut off"))
        #expect(page.overflows.contains { $0.hasPrefix("the page is ") }, "\(page.overflows)")
        #expect(
            HeadlessBrowser.reportProblems(page, expectedCharts: 1).filter { $0.hasPrefix("does not fit: ") }.count == page.overflows.count)
    }

    @Test func externalStylesheetsAndImagesAreCaught() throws {
        let page = try HeadlessBrowser.load(htmlFile: Self.fixture("external.html"))
        // Host names resolve to nothing: the load fails fast, it never waits on the network
        // (waiting would hold back the load event past the load limit, and say so).
        #expect(!page.consoleMessages.contains { $0.contains("did not finish loading") }, "\(page.consoleMessages)")
        for url in ["https://cdn.example.com/report.css", "https://cdn.example.com/logo.png", "https://cdn.example.com/banner.png"] {
            #expect(page.requestedURLs.contains(url), "\(url) not in \(page.requestedURLs)")
        }
        let problems = HeadlessBrowser.reportProblems(page, expectedCharts: 1)
        for expected in [
            "the DOM contains a <link> element", "the DOM contains a <img> element",
            "(href=\"https://cdn.example.com/report.css\" on <link>)", "(src=\"https://cdn.example.com/logo.png\" on <img>)",
            "(CSS url(https://cdn.example.com/banner.png))", "the page fetched another resource: https://cdn.example.com/logo.png",
        ] {
            #expect(problems.contains { $0.contains(expected) }, "\(expected) not in \(problems)")
        }
    }

    @Test func aScriptThatNeverEndsFailsTheLoadInsteadOfHanging() throws {
        // The load limit (a third of the time limit) ends the wait for the load event, and the
        // time limit ends the wait for the busy page's answer: the message says which fired. No
        // wall-clock bound: under a loaded test run chromium's start and close alone vary by tens
        // of seconds (45 s measured once), and a hang would never reach an assertion anyway.
        let error = #expect(throws: HeadlessBrowser.Failure.self) {
            try HeadlessBrowser.load(htmlFile: Self.fixture("busy-loop.html"), timeLimit: 6)
        }
        #expect(error?.description.contains("within the time limit of 6 s") == true, "\(String(describing: error))")
        #expect(error?.description.contains("the page did not finish loading within 2 s") == true, "\(String(describing: error))")
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: HeadlessBrowser.Failure.self) {
            try HeadlessBrowser.load(htmlFile: Self.fixture("no-such-page.html"))
        }
    }

    // MARK: The DOM checks alone

    @Test(arguments: [
        // (serialized DOM, the problem expected, or "" for none)
        ("<html><head><meta charset=\"utf-8\"></head><body><p>ok</p></body></html>", ""),
        ("<a href=\"https://example.com/a\">a</a><a href=\"#top\">b</a><a href=\"mailto:x@example.com\">c</a>", ""),
        ("<svg><rect fill=\"url(#g1)\" clip-path=\"url('#c')\"></rect><use href=\"#m\"></use></svg>", ""),
        ("<td title=\"&lt;script&gt; onerror=x\">&lt;img src=x onerror=alert(1)&gt;</td>", ""),
        ("<style>p { color: red; }</style><p style=\"color: blue\">x</p>", ""),
        ("<style>/* <script> */ p { color: red; }</style>", ""),
        ("<SCRIPT>alert(1)</SCRIPT>", "the DOM contains a <script> element"),
        ("<svg><script>alert(1)</script></svg>", "the DOM contains a <script> element"),
        ("<p onclick=\"x()\">p</p>", "the DOM has an event-handler attribute onclick on <p>"),
        ("<svg onload=\"x()\"></svg>", "the DOM has an event-handler attribute onload on <svg>"),
        ("<a href=\"javascript:alert(1)\">a</a>", "the page refers to an external resource (href=\"javascript:alert(1)\" on <a>)"),
        ("<a href=\"data:text/html,x\">a</a>", "the page refers to an external resource (href=\"data:text/html,x\" on <a>)"),
        ("<svg><image href=\"data:image/png;base64,AAAA\"></image></svg>", "the DOM contains a <image> element"),
        (
            "<svg><use xlink:href=\"https://x.example/s.svg#a\"></use></svg>",
            "the page refers to an external resource (xlink:href=\"https://x.example/s.svg#a\" on <use>)"
        ),
        ("<div style=\"background: url(&quot;x.png&quot;)\"></div>", "the page refers to an external resource (CSS url(x.png))"),
        ("<style>@import \"x.css\";</style>", "the page refers to an external resource (CSS @import)"),
        (
            "<meta http-equiv=\"refresh\" content=\"0; url=https://x.example\">",
            "the DOM contains a <meta http-equiv> element (it can refresh or redirect the page)"
        ),
        ("<iframe srcdoc=\"x\"></iframe>", "the DOM contains a <iframe> element"),
        ("<!-- <script> --><p>x</p>", ""),
        ("<svg aria-label=\"url(https://x.example) @import\"><title>url(x)</title></svg>", ""),
        (
            "<svg><rect fill=\"url(https://x.example/p.svg#g)\"></rect></svg>",
            "the page refers to an external resource (CSS url(https://x.example/p.svg#g))"
        ),
    ])
    func theDOMCheck(dom: String, expected: String) {
        let problems = HeadlessBrowser.domProblems(dom)
        if expected.isEmpty {
            #expect(problems == [])
        } else {
            #expect(problems.contains(expected), "\(expected) not in \(problems)")
        }
    }

    @Test func everyKindOfProblemIsReported() {
        let page = BrowserPage(
            dom: "<p>x</p>", consoleMessages: ["console.error: x"], blankFraction: 0.999,
            svgCount: 1, requestedURLs: ["file:///tmp/x.png"])
        #expect(
            HeadlessBrowser.reportProblems(page, expectedCharts: 2) == [
                "console: console.error: x",
                "the screenshot is blank (99.9 % of its pixels are one colour)",
                "the page fetched another resource: file:///tmp/x.png (an external resource; a report must load nothing)",
                "1 charts (<svg> elements) in the page, expected 2",
            ])
        #expect(HeadlessBrowser.reportProblems(BrowserPage(dom: "<p>x</p>", blankFraction: 0.9, svgCount: 0), expectedCharts: 0) == [])
    }

    // MARK: PNG and inflate

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test func inflateReadsStoredFixedAndDynamicBlocks() throws {
        // Python: zlib.compress(b"hello, stored block", 0) — one stored block.
        #expect(
            try Inflate.zlib(Self.bytes(hex: "7801011300ecff68656c6c6f2c2073746f72656420626c6f636b46ce071d"))
                == Array("hello, stored block".utf8))
        // Python: zlib.compress(b"CampaignLab CampaignLab CampaignLab!", 9) — fixed Huffman codes, back-references.
        #expect(
            try Inflate.zlib(Self.bytes(hex: "78da734ecc2d48cc4ccff3494c5270c6ce560400f2ce0cef"))
                == Array("CampaignLab CampaignLab CampaignLab!".utf8))
        // Python: zlib.compress(b"".join(b"row %d: value %d; " % (i, (i * 7919) % 1000) for i in range(200)), 9)
        // — dynamic Huffman codes (933 bytes for 3,864).
        let text = (0..<200).map { "row \($0): value \(($0 * 7919) % 1000); " }.joined()
        #expect(try Inflate.zlib(Self.bytes(hex: Self.dynamicStream)) == Array(text.utf8))
        // A damaged stream is an error, not a wrong answer.
        var damaged = Self.bytes(hex: Self.dynamicStream)
        damaged[400] ^= 0x10
        #expect(throws: (any Error).self) { try Inflate.zlib(damaged) }
    }

    @Test func aPNGWithEveryRowFilterDecodes() throws {
        // Python (struct + zlib): a 5×5 RGBA PNG whose row y uses filter type y (None, Sub, Up,
        // Average, Paeth) for pixels (x·50, y·60, x·y·13 mod 256, 255).
        let image = try PNGImage(png: Self.bytes(hex: Self.fiveByFivePNG))
        #expect(image.width == 5 && image.height == 5)
        var expected: [UInt8] = []
        for y in 0..<5 { for x in 0..<5 { expected += [UInt8(x * 50), UInt8(y * 60), UInt8((x * y * 13) % 256), 255] } }
        #expect(image.rgba == expected)
        #expect(throws: PNGImage.DecodingError.self) { try PNGImage(png: Array("GIF89a not a png".utf8)) }
    }

    @Test func theMostCommonColourFraction() {
        // Computed by hand: 10×10 white with 3 red pixels → 97 / 100 = 0.97.
        var rgba = [UInt8](repeating: 255, count: 400)
        for p in [0, 55, 99] { rgba[4 * p + 1] = 0; rgba[4 * p + 2] = 0 }
        #expect(PNGImage(width: 10, height: 10, rgba: rgba).mostCommonColourFraction == 0.97)
        #expect(PNGImage(width: 2, height: 1, rgba: [0, 0, 0, 255, 255, 255, 255, 255]).mostCommonColourFraction == 0.5)
    }

    static func pixels(of image: PNGImage, red: UInt8, green: UInt8, blue: UInt8) -> Int {
        var count = 0
        for p in 0..<(image.width * image.height)
        where image.rgba[4 * p] == red && image.rgba[4 * p + 1] == green && image.rgba[4 * p + 2] == blue {
            count += 1
        }
        return count
    }

    static let fiveByFivePNG = """
        89504e470d0a1a0a0000000d49484452000000050000000508060000008d6f26e50000004c4944415478da4dcbab1180300004d1e5\
        6353402232838a43309129274520a9829ae80a1614e2999b3d807b53d7a94b03ed1d037fa323b4a0a4a2cac4ce117322e645452bf3\
        577a014b2ca93cdd290e01efe29bdb0000000049454e44ae426082
        """

    static let dynamicStream = """
        78da4dd74b8a25471044d1add412c2e21fd26a34d0ac41d02069fb6af1ccfcd6b0021a6e66bbbf93f1f3af7fbfda6f5ffffcf1e3ef3f\
        bfdaef5f3f7ffdadfcfdf43e273d2777dccfc9c8c959e7733273b2cffe9cac9cacb73e27bb4e343f272727738ccfc9cdc958fd73f272\
        d28f5c58c97a89ae6a3557abb2bbab55d96f3a5bd57db7bb55e1e73a5c557e9acb55e9bb3b5dd5bea6db55f1733bbe57fcb88eef15df\
        5f5e39f1727daf7a0dd7f7aa5f8eef15ff8ee37bc5dfe7f85ef1578eef157f86e37bc5efe5f851f1eb387e54fcbc8e1f153f5b06a6e2\
        4777fca8f83e5d3faa5edbf5837ac78f8a77faa8f4d79d3e1effcae9b3d2cf76fa1443ebf4d9995aa7cfc1d866d82773ebf4b9185ca7\
        cfcde4ba7d1e26d7f5b3ea25d7cfaa1f8e5f15ff96e397985cc7afcee43a7eb1a9cdf18b55ed595576753a7e6d26d7f18b177f1dbf58\
        d7e6f8c5be76d76ff675ba7e8bf7ec93cee43a7e0f26d7f19b7d95e337fb3af243b3995cc7efc3e43a7e57fc7c8edfecab1c7fd8d7e1\
        f8c3be4ed79fcee4bafe50eff8c39bf701dbda9d7ebecd7b7e240f93ebf453e9fb3afdb0adcde9976ded4ebf6ceb70faed4caed3ef60\
        72dd7e2793ebfacbb6caf5b7ea87e3ef6172f3137f79318ebf157f9ee31ffb2ac73ff6b53bfeb1afd3f16f30b98e7f93c975fc635f9b\
        e31ffbda5dffd8d7e9fac7ab0f5015ff6e09c5c2b610d5d8d8c8aac6cac656b5c1f486a9c62f7d7c555bcc6fa06aac6d8c55636fa3ac\
        5a3d458fb3bfe0ac872d69f5ed3972c407424e58dda2166b6f590bb6a7b045db5ddac2ed2e6ef17695b7803b0b5cc41d115790db43ae\
        3057af3e1858e2a02bd40dba42dd177685bb37ee0a784fe015f29ec82be8dda157d8bb62afc077065fa1ef88be82dfd1eacb878d8ebf\
        026005602170001602bf102c0c7e2d8f01c3370c0b874f1c1610ef402c245e9158503c43b1b078aabee058ee602c34eed15870ac702c\
        3c0ec7fae6719e028f5f401622df882c483e215998bc63b240790765a1f2eaf521ca828765e1f288cb02e61e9885cc3d320b9a159a85\
        cda159d8fc82b3d0f94667c1f309cfc2e7139f05d07bd407357781082d889e215a183d62b4f6b7cfa33c064af7282d985698d6f9f6df\
        91236e05815a48fd5a1e03ac6fb0165a9f5917036e06e15a78bde2b5007b056c21f68cd882ec11b285d93d660bb415b485da415bdfd4\
        ce53a0f60bdbc2edbbea7ec31d21700bb977e41674efd02dec5eb15be03d83b7d07b446fc1770fdfc2ef1ebf05e00ae07adfae9839e2\
        beb0eb9ec685e17fc3ff0365494c7d
        """
}
