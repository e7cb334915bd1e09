import Foundation

/// Runs a Python peer script and parses its one-line JSON answer; nil (with a note on
/// stderr) when Python or its packages are missing, so the Swift figures still print.
func runPeer(_ script: String, _ arguments: [String]) -> [String: Any]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script] + arguments
    let out = Pipe()
    process.standardOutput = out
    do { try process.run() } catch {
        FileHandle.standardError.write(Data("peer \(script): cannot run python3 (\(error))\n".utf8))
        return nil
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        FileHandle.standardError.write(Data("peer \(script) failed (exit \(process.terminationStatus)); is pandas/statsmodels installed? (pip install pandas statsmodels lifelines)\n".utf8))
        return nil
    }
    return json
}

/// The folder of the peer scripts, next to this package's Package.swift.
let peersDirectory: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("peers").path

/// This process's peak resident memory so far, in MB (getrusage RUSAGE_SELF; the Python
/// peers run as children and are not counted).
func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
