import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        guard FileManager.default.createFile(atPath: log, contents: nil) else {
            throw HeadlessBrowser.Failure.failed("cannot create \(log)")
        }
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let input = Pipe(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // fd 3 = commands to chromium (our stdin pipe), fd 4 = its replies (our stdout pipe);
        // chromium's own stdout goes to the log with its stderr.
        process.arguments = [
            "-c", "exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null 1>&2", chromium,
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--user-data-dir=\(profile)", "--remote-debugging-pipe",
            "--hide-scrollbars", "--mute-audio", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--force-color-profile=srgb",
            "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank",
        ]
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
        _ = try call(
            "Emulation.setDeviceMetricsOverride",
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
        let facts = try call(
            "Runtime.evaluate",
            [
                "expression": Self.pageFactsScript, "contextId": context, "awaitPromise": true, "returnByValue": true,
            ], session: session)
        if let exception = facts["exceptionDetails"] as? [String: Any] {
            throw failure("cannot read the page: \(Self.describe(exception: exception))")
        }
        guard let value = (facts["result"] as? [String: Any])?["value"] as? [String: Any],
            let dom = value["dom"] as? String, let svgs = value["svgs"] as? Int, let contentHeight = value["height"] as? Int,
            let overflows = value["overflows"] as? [String]
        else { throw failure("cannot read the page's DOM") }
        // The screenshot covers the content (at least one pixel row, at most the viewport).
        let clipHeight = max(1, min(contentHeight, height))
        let shot = try call(
            "Page.captureScreenshot",
            [
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
        return BrowserPage(
            dom: dom, consoleMessages: console, screenshot: screenshot,
            blankFraction: image.mostCommonColourFraction, svgCount: svgs, requestedURLs: requested, overflows: overflows)
    }

    /// Runs in the page's isolated world after load: waits for fonts and two frames, then
    /// returns the serialized DOM (as `--dump-dom`), the `<svg>` count, the content height and
    /// what does not fit: a table wider than its box (it scrolls sideways, its last columns out
    /// of sight and out of print), a chart wider than the page, a chart's text outside the
    /// chart (clipped: SVG draws nothing outside its viewport), a page wider than the window.
    static let pageFactsScript = """
        (async () => {
          await document.fonts.ready;
          await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
          const root = document.documentElement;
          const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\\n" : "";
          const overflows = [];
          const short = text => (text || "").trim().replace(/\\s+/g, " ").slice(0, 60);
          for (const box of document.querySelectorAll(".cl-table")) {
            if (box.scrollWidth > box.clientWidth + 1) {
              const caption = box.querySelector("caption");
              overflows.push(`table "${short(caption ? caption.textContent : box.textContent)}" is ${box.scrollWidth} px wide in its ${box.clientWidth} px box`);
            }
          }
          for (const svg of document.querySelectorAll("svg")) {
            const area = svg.getBoundingClientRect();
            const figure = svg.closest("figure");
            const labelled = document.getElementById((svg.getAttribute("aria-labelledby") || "").split(" ")[0]);
            const title = short(labelled ? labelled.textContent : (figure && figure.querySelector("figcaption") ? figure.querySelector("figcaption").textContent : "chart"));
            const holder = svg.parentElement.getBoundingClientRect();
            if (area.right > holder.right + 1) overflows.push(`chart "${title}" is ${Math.round(area.width)} px wide in a ${Math.round(holder.width)} px column`);
            for (const text of svg.querySelectorAll("text")) {
              const box = text.getBoundingClientRect();
              if (box.width === 0) continue;
              if (box.left < area.left - 1 || box.right > area.right + 1 || box.top < area.top - 1 || box.bottom > area.bottom + 1) {
                overflows.push(`chart "${title}": the text "${short(text.textContent)}" reaches outside the chart and is cut off`);
              }
            }
          }
          if (root && root.scrollWidth > window.innerWidth + 1) overflows.push(`the page is ${root.scrollWidth} px wide in a ${window.innerWidth} px window`);
          return {
            overflows,
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
            message["sessionId"] as? String == sessionID, sessionID != nil
        else { return }
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
            let url = top["url"] as? String, let line = top["lineNumber"] as? Int
        else { return "" }
        return " (\(URL(string: url)?.lastPathComponent ?? url):\(line + 1))"
    }
}
