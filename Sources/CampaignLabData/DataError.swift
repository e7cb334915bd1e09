import CSQLite

/// A problem with a database file or with the data in it, phrased for the analyst.
///
/// Every case names what the user has to look at: the file, and where it applies the
/// table, column and an example row. `description` is the one-line message the CLI prints.
public enum DataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The path is a directory, not a database file.
    case isDirectory(path: String)
    /// The file exists but has zero bytes.
    case emptyFile(path: String)
    /// The file does not start with the SQLite header.
    case notSQLite(path: String)
    /// SQLite reported the file as damaged while reading it.
    case corrupt(path: String, detail: String)
    /// Another program holds a lock that keeps readers out (it is writing to the file).
    case locked(path: String)
    /// SQLite cannot open the file for reading here: no permission on the file, or a WAL
    /// database whose directory this user cannot write (SQLite needs its -shm/-wal files).
    case cannotOpen(path: String, detail: String)
    /// An SQLite call failed; `sql` is the statement involved, when there is one.
    case sqlite(code: Int32, message: String, sql: String?)
    /// The data breaks the data contract at a named place.
    case contract(table: String, column: String?, row: String?, message: String)
    /// A user-supplied query was refused because it would do more than read.
    case refusedQuery(reason: String)
    /// A query ran past its time limit and was stopped (see `SQLiteDatabase.withTimeLimit`).
    case timeLimitExceeded(seconds: Double)
    /// The work was stopped on request (Ctrl-C); see `Cancellation`.
    case interrupted
    /// A remote engine failed: unreachable, refused the login, or an error in a query (the
    /// engine's own words after CampaignLab's).
    case engine(name: String, location: String, message: String)
    /// The analysis does not run on this engine yet (it runs on SQLite).
    case notOnEngine(name: String, what: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file."
        case .isDirectory(let path):
            return "\(path): is a directory, not an SQLite database file."
        case .emptyFile(let path):
            return "\(path): the file is empty (0 bytes), not an SQLite database."
        case .notSQLite(let path):
            return "\(path): not an SQLite database (the file does not start with the SQLite header)."
        case .corrupt(let path, let detail):
            return "\(path): the database file is corrupt (\(detail))."
        case .locked(let path):
            return "\(path): \(Self.troubleWords[.locked]!)."
        case .cannotOpen(let path, let detail):
            return
                "\(path): SQLite cannot open the database for reading here (\(detail)); check the file's permissions, and for a database in WAL mode that its folder is writable (or work on a copy)."
        case .sqlite(let code, let message, let sql):
            if let trouble = trouble {
                // Not the query's fault: what happened to the file, in plain words.
                return "\(Self.troubleWords[trouble]!) (SQLite error \(code): \(message))"
            }
            if let sql { return "SQLite error \(code): \(message) (in: \(sql))" }
            return "SQLite error \(code): \(message)"
        case .contract(let table, let column, let row, let message):
            var place = "table \(table)"
            if let column { place += ", column \(column)" }
            if let row { place += ", row \(row)" }
            return "\(place): \(message)"
        case .refusedQuery(let reason):
            return "refused: \(reason); only a single read-only SELECT (or WITH … SELECT) is allowed"
        case .interrupted:
            return "interrupted"
        case .engine(let name, let location, let message):
            return location.isEmpty ? "\(name): \(message)" : "\(name) at \(location): \(message)"
        case .notOnEngine(let name, let what):
            return "\(what) runs on SQLite files only for now, not on \(name); run it with --db FILE"
        case .timeLimitExceeded(let seconds):
            return
                "stopped after its time limit of \(formatPlain(seconds)) s (a query that never ends, such as a recursive CTE without a stop, or one that needs more time)"
        }
    }
}

extension DataError {
    /// What went wrong with the file or the machine rather than with the data or a query:
    /// the classes each with its own message and exit status.
    public enum Trouble: String, Sendable, CaseIterable {
        /// Missing, a directory.
        case notFound
        /// Empty, or not an SQLite file.
        case notADatabase
        /// Damaged pages, or an I/O error while reading.
        case corrupt
        /// Another program holds a lock (it is writing): try again later.
        case locked
        /// No permission to read here (file mode; a WAL database in a folder this user cannot write).
        case permission
        /// The disk (or the temporary space SQLite sorts in) is full.
        case diskFull
    }

    /// The class of an error that is not the data's or the query's fault (nil for those).
    public var trouble: Trouble? {
        switch self {
        case .fileNotFound, .isDirectory: return .notFound
        case .emptyFile, .notSQLite: return .notADatabase
        case .corrupt: return .corrupt
        case .locked: return .locked
        case .cannotOpen: return .permission
        case .sqlite(let code, _, _):
            switch code & 0xFF {
            case SQLITE_BUSY, SQLITE_LOCKED: return .locked
            case SQLITE_CORRUPT, SQLITE_IOERR: return .corrupt
            case SQLITE_NOTADB: return .notADatabase
            case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH: return .permission
            case SQLITE_FULL: return .diskFull
            default: return nil
            }
        case .contract, .refusedQuery, .timeLimitExceeded, .interrupted, .engine, .notOnEngine: return nil
        }
    }

    static let troubleWords: [Trouble: String] = [
        .notFound: "the database file cannot be found",
        .notADatabase: "the file is not an SQLite database",
        .corrupt: "the database file is damaged or could not be read from the disk; work on a fresh copy",
        .locked:
            "the database is locked by another program that is writing to it; try again when it has finished, or work on a copy of the file",
        .permission:
            "SQLite may not read the database here; check the file's permissions, and for a database in WAL mode that its folder is writable (or work on a copy)",
        .diskFull:
            "the disk is full (SQLite writes temporary data while sorting large tables); free some space, or point TMPDIR (SQLITE_TMPDIR) at a larger disk",
    ]
}
