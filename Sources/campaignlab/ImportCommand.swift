import ArgumentParser
import CampaignLabData
import Foundation

/// `campaignlab import`: loads CSV files into the contract tables, all or nothing.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load CSV files into the contract tables of an SQLite file, all or nothing.",
        discussion: """
            Each SOURCE is table=path.csv, or path.csv when the file is named after its
            table (customers.csv, customer_months.csv, events.csv, campaigns.csv,
            assignments.csv, metric_definitions.csv).

            Every value is checked first (dates 'YYYY-MM-DD', months 'YYYY-MM', ISO 8601
            timestamps, numbers, customer ids of one type); only a clean set of files is
            inserted, in one transaction. When anything is wrong nothing is written: an
            existing database stays exactly as it was, a new one is not created.

            Missing tables are created. Extra columns become dimensions (TEXT) on
            customers and metrics (numbers) on customer_months. Into an existing table,
            the rows are added; --replace empties each loaded table first.

            Examples:
              campaignlab import --db bank.sqlite customers.csv customer_months.csv
              campaignlab import --db bank.sqlite events=exports/app_events_2024.csv
              campaignlab import --db bank.sqlite --replace campaigns.csv assignments.csv
            """
    )

    @Option(name: .long, help: ArgumentHelp("The SQLite file to load into (created when missing).", valueName: "file"))
    var db: String

    @Flag(name: .long, help: "Empty each loaded table before loading it (in the same transaction).")
    var replace = false

    @Flag(
        name: .long,
        help: "With --replace, let a file without data rows empty its table (refused otherwise: a header-only export would wipe it).")
    var allowEmpty = false

    @Argument(help: ArgumentHelp("CSV files: table=path.csv, or path.csv named after its table.", valueName: "source"))
    var sources: [String]

    func run() throws {
        var parsed: [ImportSource] = []
        var lines: [String] = []
        for argument in sources {
            do {
                parsed.append(try ImportSource(argument: argument))
            } catch let error as ImportError {
                lines += error.lines
            }
        }
        guard lines.isEmpty, !parsed.isEmpty else {
            if parsed.isEmpty && lines.isEmpty { lines.append("name at least one CSV file to import") }
            for line in lines { printError(line) }
            printError("Nothing was imported.")
            throw ExitCode(1)
        }

        let existed = FileManager.default.fileExists(atPath: db)
        // A database this import creates is removed when it is interrupted; an existing one
        // is rolled back by the importer (Cancellation) and stays as it was.
        let token = Interruption.writing(existed ? [] : [db])
        defer { Interruption.finished(token) }
        var importer = ContractImporter(databasePath: db, replace: replace) { printError($0) }
        importer.allowEmpty = allowEmpty
        let summary: ImportSummary
        do {
            summary = try importer.run(parsed)
        } catch let error as ImportError {
            for line in error.lines { printError(line) }
            printError(existed ? "Nothing was imported; \(db) is unchanged." : "Nothing was imported; \(db) was not created.")
            throw CommandFailure.report(ExitCode(1))
        }

        let seconds = String(format: "%.1f", summary.seconds)
        let rate = summary.seconds > 0 ? ", \(grouped(Int(summary.rowsPerSecond))) rows/s" : ""
        print(
            "Imported \(grouped(summary.rowsImported)) rows into \(db)"
                + (summary.databaseWasCreated ? " (new file)" : "") + " in \(seconds) s\(rate).")
        let nameWidth = summary.tables.map(\.table.count).max() ?? 0
        let countWidth = summary.tables.map { grouped($0.rowsImported).count }.max() ?? 0
        for table in summary.tables {
            let count = grouped(table.rowsImported)
            var line =
                "  " + table.table.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: countWidth - count.count) + count + (table.rowsImported == 1 ? " row " : " rows")
            var notes: [String] = []
            if table.wasCreated { notes.append("new table") }
            if replace && !table.wasCreated {
                notes.append("replaced \(grouped(table.rowsRemoved)) row\(table.rowsRemoved == 1 ? "" : "s")")
            }
            notes.append("from " + table.files.joined(separator: ", "))
            line += "  (" + notes.joined(separator: "; ") + ")"
            print(line)
        }
        if let type = summary.customerIDType { print("Customer ids are \(type).") }
        print("Next: campaignlab check --db \(shellQuoted(db))")
    }
}

/// 1234567 → "1,234,567".
private func grouped(_ value: Int) -> String {
    let digits = Array(String(value.magnitude))
    var out = value < 0 ? "-" : ""
    for (i, digit) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return out
}

/// `path` as one shell word: unchanged when it is plain, else in single quotes.
private func shellQuoted(_ path: String) -> String {
    let plain = path.unicodeScalars.allSatisfy {
        $0.properties.isAlphabetic || $0.properties.numericType != nil || "-_./+:@".unicodeScalars.contains($0)
    }
    return plain && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
