import ArgumentParser
import CampaignLabAnalyses
import CampaignLabData
import CampaignLabDemo
import CampaignLabNotebook
import Foundation

/// The one map from errors to what the user reads and the exit status, for every command:
///
/// | status | when |
/// | --- | --- |
/// | 1 | a mistake the user can fix: an option, the notebook, the data (contract), a file to write |
/// | 2 | the database (or notebook) cannot be read: missing, a directory, empty, not SQLite, corrupt, locked |
/// | 130 | interrupted (Ctrl-C) |
enum CommandFailure {
    /// Prints the error on standard error (`error: …`, one line per problem) and returns the
    /// exit status to throw. Option names are written as the user typed them on the command line.
    static func report(_ error: Error) -> ExitCode {
        if Cancellation.isRequested { return ExitCode(130) }
        switch error {
        case let error as AnalysisError:
            printError("error: " + error.description(.commandLine))
        case let error as NotebookError:
            printError("error: \(error)")
        case let error as DataError:
            printError("error: \(error.description)")
            return ExitCode(status(of: error))
        case let error as DemoBankError:
            printError("error: \(error.description)")
        case let error as CocoaError:
            let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? error.userInfo[NSURLErrorKey].map { "\($0)" } ?? "the output"
            printError("error: cannot write \(path): \(writeReason(error))")
        case let error as ExitCode:
            return error
        default:
            printError("error: \(error)")
        }
        return ExitCode(1)
    }

    /// 2 when the database cannot be read at all, 130 when interrupted, else 1.
    static func status(of error: DataError) -> Int32 {
        switch error {
        case .fileNotFound, .isDirectory, .emptyFile, .notSQLite, .corrupt, .locked, .cannotOpen, .sqlite: 2
        case .interrupted: 130
        case .contract, .refusedQuery, .timeLimitExceeded: 1
        }
    }

    private static func writeReason(_ error: CocoaError) -> String {
        switch error.code {
        case .fileWriteNoPermission: "permission denied"
        case .fileWriteOutOfSpace: "the disk is full"
        case .fileWriteVolumeReadOnly: "the volume is read-only"
        case .fileWriteFileExists: "a file is in the way"
        default: (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? "the file cannot be written"
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
