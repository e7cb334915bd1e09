import Foundation

/// Compares `text` with the golden file `Golden/<name>` next to the calling test file.
///
/// Set `RECORD_GOLDEN=1` to (re)write the golden files instead; the call then reports the
/// recording as a failure so a recording run is never mistaken for a passing one.
/// A `.json` golden file is compared node by node (`jsonDifferences`): the same keys in the
/// same order, the same strings, and numbers within `crossMachineRelativeTolerance`, so a
/// processor whose BLAS kernels add in another order still matches. Every other file
/// (Markdown, HTML, SVG) must match byte for byte.
/// - Returns: nil when the text matches, otherwise a message with the first differing line
///   (for JSON: the JSON paths that differ and both values).
public func goldenMismatch(_ text: String, named name: String, testFile: String = #filePath) -> String? {
    let directory = URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Golden")
    let url = directory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
        return "recorded \(url.path) (RECORD_GOLDEN=1); run again without it"
    }
    guard let data = try? Data(contentsOf: url) else {
        return "no golden file \(url.path); record it with RECORD_GOLDEN=1"
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected == text { return nil }
    if name.hasSuffix(".json") { return jsonGoldenMismatch(expected: expected, actual: text, named: name) }
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let b = text.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, b.count) {
        let left = i < a.count ? String(a[i]) : "<end of file>"
        let right = i < b.count ? String(b[i]) : "<end of output>"
        if left != right {
            return
                "\(name) differs from the golden file at line \(i + 1):\n  golden: \(left.prefix(300))\n  actual: \(right.prefix(300))\n(re-record with RECORD_GOLDEN=1 if the change is intended)"
        }
    }
    return "\(name) differs from the golden file"
}

/// The node-by-node comparison of a JSON output with its golden text; nil when they agree.
public func jsonGoldenMismatch(
    expected: String, actual: String, named name: String,
    relativeTolerance: Double = crossMachineRelativeTolerance
) -> String? {
    let golden: JSONNode, output: JSONNode
    do { golden = try JSONNode.parse(expected) } catch { return "\(name): the golden file is not JSON (\(error))" }
    do { output = try JSONNode.parse(actual) } catch { return "\(name): the output is not JSON (\(error))" }
    let differences = jsonDifferences(expected: golden, actual: output, relativeTolerance: relativeTolerance)
    if differences.isEmpty { return nil }
    return "\(name) differs from the golden file:\n  " + differences.joined(separator: "\n  ")
        + "\n(re-record with RECORD_GOLDEN=1 if the change is intended)"
}
