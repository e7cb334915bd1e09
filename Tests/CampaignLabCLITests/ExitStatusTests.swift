import CSQLite
import CampaignLabData
import CampaignLabTestSupport
import Foundation
import Testing

@testable import campaignlab

/// One map from errors to messages and exit statuses (CommandFailure, ExitStatus), the same in
/// `campaignlab --help` and in the README.
struct ExitStatusTests {
    /// Each class of trouble with a file or the machine, as SQLite reports it mid-run (codes
    /// from sqlite3.h) and as the file checks report it: its words and its status.
    @Test(arguments: [
        (DataError.sqlite(code: SQLITE_BUSY, message: "database is locked", sql: "SELECT 1"), "locked by another program", 5),
        (DataError.sqlite(code: SQLITE_LOCKED, message: "database table is locked", sql: nil), "locked by another program", 5),
        (DataError.locked(path: "/x.sqlite"), "/x.sqlite: the database is locked by another program", 5),
        (
            DataError.sqlite(code: SQLITE_READONLY, message: "attempt to write a readonly database", sql: nil),
            "may not read the database here", 6
        ),
        (DataError.sqlite(code: SQLITE_CANTOPEN, message: "unable to open database file", sql: nil), "may not read the database here", 6),
        (DataError.sqlite(code: SQLITE_PERM, message: "access permission denied", sql: nil), "may not read the database here", 6),
        (DataError.cannotOpen(path: "/x.sqlite", detail: "SQLite error 14"), "check the file's permissions", 6),
        (DataError.sqlite(code: SQLITE_FULL, message: "database or disk is full", sql: nil), "the disk is full", 7),
        (DataError.sqlite(code: SQLITE_CORRUPT, message: "database disk image is malformed", sql: nil), "damaged", 4),
        (DataError.sqlite(code: SQLITE_IOERR | (1 << 8), message: "disk I/O error", sql: nil), "could not be read from the disk", 4),
        (DataError.corrupt(path: "/x.sqlite", detail: "SQLite error 11"), "the database file is corrupt", 4),
        (DataError.sqlite(code: SQLITE_NOTADB, message: "file is not a database", sql: nil), "not an SQLite database", 3),
        (DataError.notSQLite(path: "/x.txt"), "not an SQLite database", 3),
        (DataError.emptyFile(path: "/x.sqlite"), "the file is empty", 3),
        (DataError.fileNotFound(path: "/x.sqlite"), "no such file", 2),
        (
            DataError.contract(table: "events", column: "occurred_at", row: "customer_id=1", message: "'x' is not a timestamp"),
            "table events", 8
        ),
        (DataError.timeLimitExceeded(seconds: 5), "time limit", 9),
        (DataError.sqlite(code: SQLITE_ERROR, message: "no such column: x", sql: "SELECT x"), "no such column", 1),
    ])
    func eachTroubleHasItsWordsAndStatus(_ error: DataError, _ words: String, _ status: Int32) {
        let described = CommandFailure.describe(error)
        #expect(described.message.contains(words), "\(described.message)")
        #expect(described.status.rawValue == status)
    }

    /// A report that cannot be written: the reason in words (not NSCocoaErrorDomain), status 7.
    @Test func unwritableOutputsSayWhy() {
        let full = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/r/review.en.html"])
        #expect(CommandFailure.describe(full) == ("cannot write /r/review.en.html: the disk is full", .cannotWrite))
        let underlying = CocoaError(
            .fileWriteUnknown,
            userInfo: [NSFilePathErrorKey: "/r", NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        #expect(CommandFailure.describe(underlying).message == "cannot write /r: the disk is full")
    }

    /// From the command line: an --out under a regular file, for every command that writes a
    /// report, is one line naming the path and the reason, exit 7, nothing raw.
    @Test(arguments: ["uplift", "yoy", "funnel", "render"])
    func anUnwritableOutIsOneLine(_ command: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("file"), "x")
        let out = dir.file("file/reports")
        let db = repositoryRoot + "/datasets/demo-small.sqlite"
        let arguments =
            command == "render"
            ? ["render", repositoryRoot + "/notebooks-md/data-overview.md", "--db", db]
            : [command, "--db", db, "--campaign", "growth_journey_2026"]
        let result = try runCampaignLab(arguments + ["--out", out, "--quiet"])
        #expect(result.exitCode == 7)
        #expect(result.stderr == "error: cannot write \(out): a file is in the way (not a folder)\n", "\(result.stderr)")
    }

    /// The README's table is the code's map, and `campaignlab --help` prints it.
    @Test func theReadmeAndHelpListTheMap() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let after = try #require(readme.components(separatedBy: "### Exit status").dropFirst().first)
        let section = after.components(separatedBy: "\n## ")[0]
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| status") && !$0.hasPrefix("| ---") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.map { $0[0] } == ExitStatus.allCases.map { String($0.rawValue) })
        #expect(rows.map { $0[1] } == ExitStatus.allCases.map(\.meaning))
        // (--help wraps long lines.)
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let help = words(try runCampaignLab(["--help"]).stdout)
        for status in ExitStatus.allCases { #expect(help.contains("\(status.rawValue) \(words(status.meaning))"), "\(status)") }
    }
}
