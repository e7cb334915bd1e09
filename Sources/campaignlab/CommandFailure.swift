import ArgumentParser
import CampaignLabAnalyses
import CampaignLabData
import CampaignLabDemo
import CampaignLabNotebook
import Foundation

/// The exit statuses of every command: one map, printed by `campaignlab --help` and listed in
/// the README (a test checks that the two agree).
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case usage = 1
    case notFound = 2
    case notADatabase = 3
    case corrupt = 4
    case locked = 5
    case permission = 6
    case cannotWrite = 7
    case badData = 8
    case timeLimit = 9
    case interrupted = 130

    var meaning: String {
        switch self {
        case .success: "success (check: no errors, warnings at most)"
        case .usage: "a mistake in the command line, the notebook or an option value (the message names it)"
        case .notFound: "a file to read cannot be found or read: no such file, a directory, a notebook that is not UTF-8 text"
        case .notADatabase: "the database file is empty or not an SQLite database"
        case .corrupt: "the database file is damaged, or the disk could not be read"
        case .locked: "the database is locked or busy: another program is writing to it (try again later, or work on a copy)"
        case .permission: "SQLite may not read the database here (file permissions; WAL mode in a folder this user cannot write)"
        case .cannotWrite: "a report or file cannot be written: permission denied, a read-only volume, the disk is full"
        case .badData:
            "the data break the contract: check found errors, or an analysis refused a row (the message names table, column and row)"
        case .timeLimit: "a query ran past its time limit"
        case .interrupted: "interrupted (Ctrl-C)"
        }
    }

    /// The map as text (for --help).
    static var table: String {
        allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0))\($0.meaning)" }.joined(separator: "\n")
    }

    var code: ExitCode { ExitCode(rawValue) }
}

/// The one map from errors to what the user reads and the exit status (`ExitStatus`), for
/// every command.
enum CommandFailure {
    /// Prints the error on standard error (`error: …`, one line per problem) and returns the
    /// exit status to throw. Option names are written as the user typed them on the command line.
    static func report(_ error: Error) -> ExitCode {
        if Cancellation.isRequested { return ExitStatus.interrupted.code }
        if let error = error as? ExitCode { return error }
        let (message, status) = describe(error)
        printError("error: " + message)
        return status.code
    }

    /// The message (without "error: ") and the exit status for `error`.
    static func describe(_ error: Error) -> (message: String, status: ExitStatus) {
        switch error {
        case let error as AnalysisError:
            return (error.description(.commandLine), .usage)
        case let error as DataError:
            return (error.description, status(of: error))
        case let error as DemoBankError:
            return (error.description, .usage)
        case let error as CocoaError:
            let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? error.userInfo[NSURLErrorKey].map { "\($0)" } ?? "the output"
            return ("cannot write \(path): \(writeReason(error))", .cannotWrite)
        default:
            return ("\(error)", .usage)
        }
    }

    static func status(of error: DataError) -> ExitStatus {
        switch error.trouble {
        case .notFound: return .notFound
        case .notADatabase: return .notADatabase
        case .corrupt: return .corrupt
        case .locked: return .locked
        case .permission: return .permission
        case .diskFull: return .cannotWrite
        case nil:
            switch error {
            case .interrupted: return .interrupted
            case .contract: return .badData
            case .timeLimitExceeded: return .timeLimit
            default: return .usage
            }
        }
    }

    private static func writeReason(_ error: CocoaError) -> String {
        switch error.code {
        case .fileWriteNoPermission: "permission denied"
        case .fileWriteOutOfSpace: "the disk is full"
        case .fileWriteVolumeReadOnly: "the volume is read-only"
        case .fileWriteFileExists: "a file is in the way"
        default:
            (error.userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }.map { underlying in
                switch underlying.code {
                case Int(ENOSPC): "the disk is full"
                case Int(EACCES), Int(EPERM): "permission denied"
                case Int(EROFS): "the volume is read-only"
                case Int(ENOTDIR): "a file is in the way (not a folder)"
                default: underlying.localizedDescription
                }
            } ?? "the file cannot be written"
        }
    }

    /// Runs `body`, reporting any error through ``report(_:)``.
    static func handling<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw report(error)
        }
    }
}
