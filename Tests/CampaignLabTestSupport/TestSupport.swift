import Foundation

/// A fresh directory under the system temporary directory, removed by `remove()`.
/// A directory of its own under the system's temporary folder, removed with its contents when
/// the last reference to it goes (or at `remove()`): a test that forgets to clean up leaves
/// nothing behind. Keep it alive while its files are used.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "campaignlab-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/" + label + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    /// `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The bytes of a file, for byte-identity checks.
public func fileBytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}

/// The repository root (the folder holding Package.swift), found from this source file.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            return url.path
        }
    }
    fatalError("Package.swift not found above \(#filePath)")
}()

/// What a run of the `campaignlab` executable produced.
public struct CommandResult: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
}

/// The built `campaignlab` executable: `$CAMPAIGNLAB_BIN`, or the one next to the test bundle.
public func campaignlabExecutable() -> String {
    if let path = ProcessInfo.processInfo.environment["CAMPAIGNLAB_BIN"] { return path }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // Inside a .xctest bundle on macOS the binary sits deeper; walk up to the products folder.
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("campaignlab").path), dir.path != "/" {
        dir.deleteLastPathComponent()
    }
    return dir.appendingPathComponent("campaignlab").path
}

/// Runs `campaignlab` with `arguments` and returns its exit code and output.
public func runCampaignLab(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
    try runCampaignLab(arguments, stdin: stdin) { _, _ in }
}

/// Runs `campaignlab` with `arguments` and `environment` (instead of this process's).
public func runCampaignLab(_ arguments: [String], environment: [String: String]) throws -> CommandResult {
    try runCampaignLab(arguments, stdin: nil, environment: environment) { _, _ in }
}

/// Runs `campaignlab` with `arguments` and sends it SIGINT (as Ctrl-C does) once its
/// standard error contains `marker`; returns what it produced and the seconds from the
/// signal to its exit (infinity when the marker never came and it ended on its own).
public func interruptCampaignLab(
    _ arguments: [String], whenStderrContains marker: String
) throws -> (
    result: CommandResult, secondsToExit: Double
) {
    var signalled: Date?
    let result = try runCampaignLab(arguments, stdin: nil) { stderr, process in
        if signalled == nil && String(decoding: stderr, as: UTF8.self).contains(marker) {
            signalled = Date()
            process.interrupt()
        }
    }
    return (result, signalled.map { Date().timeIntervalSince($0) } ?? .infinity)
}

/// Runs `campaignlab`, calling `watch` with the standard error read so far (and the
/// process) each time more arrives. Both pipes are read to the end before waiting, so a
/// chatty child cannot block.
private func runCampaignLab(
    _ arguments: [String], stdin: String?, environment: [String: String]? = nil, watch: (Data, Process) -> Void
) throws -> CommandResult {
    let process = Process()
    if let environment { process.environment = environment }
    process.executableURL = URL(fileURLWithPath: campaignlabExecutable())
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let stdin {
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data()
    group.enter()
    DispatchQueue.global().async {
        outData = out.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    var errData = Data()
    while true {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        errData.append(chunk)
        watch(errData, process)
    }
    group.wait()
    process.waitUntilExit()
    return CommandResult(
        exitCode: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Writes `text` (UTF-8) to `path`, replacing the file.
public func writeFile(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// Writes raw `bytes` to `path`, replacing the file (for byte-order marks, bad UTF-8, …).
public func writeFile(_ path: String, bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Small CSV files for all six contract tables, consistent with each other: integer
/// customer ids 1–3, Chinese text, quoted commas, every timestamp form of the contract.
public enum SampleCSV {
    public static let customers = """
        customer_id,opened_on,segment,branch
        1,2019-03-15,mass,北京朝阳
        2,2020-07-01,affluent,"上海, 浦东"
        3,2021-11-30,mass,

        """

    public static let customerMonths = """
        customer_id,month,aum,products_held,app_logins
        1,2024-01,12000.5,2,5
        1,2024-02,13000,2,
        2,2024-01,250000,4,12
        2,2024-02,260000.25,5,9
        3,2024-01,0,0,0

        """

    public static let events = """
        customer_id,event,occurred_at,value,campaign_id,channel
        1,app_login,2024-01-03 08:15:00,,,app
        2,purchase,2024-01-10T14:00:00+08:00,5000,SPRING24,app
        3,enroll,2024-01-05 09:00:00.250Z,,SPRING24,

        """

    public static let campaigns = """
        campaign_id,name,design,starts_on,ends_on,control_arm
        SPRING24,春季理财节,observational,2024-01-01,2024-02-29,non_participant
        PAGE-AB,Activity page test,randomized,2024-02-01,2024-02-14,control

        """

    public static let assignments = """
        campaign_id,customer_id,arm,assigned_at
        SPRING24,1,non_participant,2024-01-01 00:00:00
        SPRING24,2,participant,2024-01-10 14:00:00
        SPRING24,3,participant,2024-01-05 09:00:00
        PAGE-AB,1,control,2024-02-01 10:00:00
        PAGE-AB,2,variant_b,2024-02-01 10:05:00

        """

    public static let metricDefinitions = """
        metric,label,unit,source,rollup,event,numerator,denominator,higher_is_better
        aum,月日均资产,CNY,months,mean,,,,1
        purchases,Purchases,,events,count,purchase,,,1

        """

    /// Table name → CSV text, in contract order.
    public static let all: [(table: String, text: String)] = [
        ("customers", customers), ("customer_months", customerMonths), ("events", events),
        ("campaigns", campaigns), ("assignments", assignments), ("metric_definitions", metricDefinitions),
    ]

    /// Writes `<table>.csv` for every table into `directory`; returns the paths in contract order.
    @discardableResult
    public static func writeAll(in directory: TemporaryDirectory) throws -> [String] {
        try all.map { table, text in
            let path = directory.file(table + ".csv")
            try writeFile(path, text)
            return path
        }
    }
}

/// Relative closeness of a computed value to a reference: |a − b| ≤ tolerance · max(|b|, floor).
///
/// The default floor (1e-300) makes it purely relative; `floor: 1` makes it absolute for
/// references below 1 in magnitude (p-values and shares compared at 1e-9 absolute). A
/// reference that is missing or not a number (`b` read from a JSON fixture) never matches.
public func close(_ a: Double, _ b: Any?, _ tolerance: Double = 1e-9, floor: Double = 1e-300) -> Bool {
    let reference: Double
    switch b {
    case let value as Double: reference = value
    case let value as Int: reference = Double(value)
    default: return false
    }
    return abs(a - reference) <= tolerance * max(abs(reference), floor)
}
