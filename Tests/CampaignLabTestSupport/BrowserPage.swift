import Foundation

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
    /// What does not fit at the window's width: tables wider than their box, charts wider than
    /// the column, chart text cut off at the chart's edge, a page wider than the window.
    public var overflows: [String]

    public init(
        dom: String, consoleMessages: [String] = [], screenshot: [UInt8] = [], blankFraction: Double = 0,
        svgCount: Int = 0, requestedURLs: [String] = [], overflows: [String] = []
    ) {
        self.overflows = overflows
        self.dom = dom
        self.consoleMessages = consoleMessages
        self.screenshot = screenshot
        self.blankFraction = blankFraction
        self.svgCount = svgCount
        self.requestedURLs = requestedURLs
    }
}
