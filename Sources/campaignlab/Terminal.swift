import Foundation

/// Writes one line to standard error (progress and warnings; stdout is for results).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
