import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    public static func load(
        htmlFile: String, width: Int = 1280, height: Int = 3000,
        timeLimit: TimeInterval = defaultTimeLimit
    ) throws -> BrowserPage {
        precondition(width > 0 && height > 0 && timeLimit > 0, "the viewport and the time limit must be positive")
        guard let chromium = executable else { throw Failure.notInstalled }
        let absolute = URL(fileURLWithPath: htmlFile).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure.missingFile(htmlFile)
        }
        let work = try TemporaryDirectory("campaignlab-browser")
        defer { work.remove() }
        let session = try DevToolsSession(
            chromium: chromium, profile: work.file("profile"), log: work.file("chromium.log"),
            timeLimit: timeLimit)
        defer { session.close() }
        return try session.load(url: absolute.absoluteString, width: width, height: height)
    }
}
