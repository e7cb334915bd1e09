import ArgumentParser
import CampaignLabData
import Foundation

/// `campaignlab check --db FILE | --backend URL [--json]`: validates a database against the data contract.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check an SQLite file (or a warehouse's tables) against the CampaignLab data contract and summarize it.",
        discussion: """
            Reads the file read-only (it is never changed) and reports every
            problem with its severity, table, column, an example row and how many
            rows are affected; then a summary (customers, months, dimensions,
            events, campaigns and their arms); then "N errors, M warnings".

            Errors (analyses would fail or be wrong):
              - a missing table or column, or a column declared with a type that
                cannot hold its values (e.g. opened_on INTEGER);
              - NULL where a value is required; a value stored with the wrong
                type (text in a metric, a REAL customer_id, a number in a date);
              - a date, month or timestamp that does not parse; a design other
                than 'randomized' or 'observational'; an infinite metric value;
              - customer_id stored as INTEGER in one table and TEXT in another;
              - duplicate keys; rows whose customer does not exist; assignments
                whose campaign does not exist;
              - a campaign that ends before it starts, has no assignments, has
                an empty control arm or only one arm, or a customer in two arms;
              - an invalid row of metric_definitions (unknown source or rollup,
                a months metric without its column, an events metric without
                its event, a ratio of undefined metrics).

            Warnings (usable, but look at them):
              - NULL metric values; negative aum or balance values; text columns
                in customer_months (not metrics);
              - events of unknown campaigns;
              - customers with months missing between their first and last
                snapshot, or with snapshots before their opened_on month;
              - a campaign without any customer_months before it starts (no
                pre-period, so no baseline).

            Exit status: 0 when there are no errors (warnings allowed), 8 when
            there is at least one error; when the file cannot be read: 2 missing
            or a directory, 3 empty or not SQLite, 4 corrupt, 5 locked by a
            program writing to it, 6 no permission (campaignlab --help lists all).

            On a warehouse (--backend postgres://… or sc://…) every check is an
            aggregate query the engine runs (counts, examples and ranges come back,
            never rows); the columns' declared types stand for their values, and an
            example names the value rather than the row.

            Examples:
              campaignlab check --db bank.sqlite
              campaignlab check --db bank.sqlite --json > check.json
              PGPASSWORD=… campaignlab check --backend postgres://analyst@dw:5432/bank?schema=marketing
            """
    )

    @Option(name: .long, help: ArgumentHelp("The SQLite database file to check.", valueName: "file"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(DataSource.backendHelp, valueName: "url"))
    var backend: String?

    @Flag(name: .long, help: "Print the report as JSON (stable key order) instead of text.")
    var json = false

    @Flag(name: .long, help: "Do not print progress to standard error.")
    var quiet = false

    func run() throws {
        let quiet = quiet
        let progress = { (line: String) in if !quiet { printError(line) } }
        let (report, name) = try CommandFailure.handling {
            if let db, backend == nil { return (try ContractChecker.check(databaseAt: db, progress: progress), db) }
            let source = try DataSource.open(db: db, backend: backend)
            return (try ContractChecker(engine: source.engine, progress: progress).run(), source.name)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(report)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(CheckReportText.render(report, path: name), terminator: "")
        }
        if report.hasErrors { throw ExitStatus.badData.code }
    }
}

/// The text form of a check report.
enum CheckReportText {
    static func render(_ report: ContractCheckReport, path: String) -> String {
        var out = "Checked \(path)\n\n"
        if report.problems.isEmpty {
            out += "No problems found.\n\n"
        } else {
            out += "Problems\n"
            for problem in report.problems {
                out += "  \(problem.severity == .error ? "ERROR  " : "WARNING") \(problem.place)"
                if problem.affectedRows > 0 { out += " (\(problem.countText))" }
                out += "\n          \(problem.message)\n"
                if let example = problem.exampleRow { out += "          example: \(example)\n" }
            }
            out += "\n"
        }
        out += renderSummary(report.summary)
        out += "\n\(count(report.errorCount, "error")), \(count(report.warningCount, "warning"))\n"
        return out
    }

    static func renderSummary(_ summary: DatabaseSummary) -> String {
        var out = "Summary\n"
        func line(_ label: String, _ text: String) {
            out += "  " + label.padding(toLength: 16, withPad: " ", startingAt: 0) + text + "\n"
        }
        let cont = String(repeating: " ", count: 18)
        if let customers = summary.customers {
            var text = "\(formatCount(customers.count))"
            if let first = customers.firstOpenedOn, let last = customers.lastOpenedOn { text += ", opened \(first) … \(last)" }
            line("customers", text)
        } else {
            line("customers", "(missing)")
        }
        if let months = summary.customerMonths {
            var text = "\(formatCount(months.rows)) rows"
            if let first = months.firstMonth, let last = months.lastMonth { text += ", months \(first) … \(last)" }
            line("customer_months", text)
            out += cont + "metrics: " + (months.metrics.isEmpty ? "(none)" : months.metrics.joined(separator: ", ")) + "\n"
        } else {
            line("customer_months", "(missing)")
        }
        if summary.dimensions.isEmpty {
            line("dimensions", "(none)")
        } else {
            for (i, dimension) in summary.dimensions.enumerated() {
                let values = dimension.topValues.map { "\($0.value) \(formatCount($0.count))" }.joined(separator: ", ")
                let more = dimension.distinctValues > dimension.topValues.count ? ", …" : ""
                line(
                    i == 0 ? "dimensions" : "",
                    "\(dimension.name): \(count(dimension.distinctValues, "value")) (\(values)\(more))")
            }
        }
        if let events = summary.events {
            let types = events.types.map { "\($0.value) \(formatCount($0.count))" }.joined(separator: ", ")
            let more = events.distinctTypes > events.types.count ? ", …" : ""
            line(
                "events",
                "\(formatCount(events.rows)) rows, \(count(events.distinctTypes, "type"))"
                    + (types.isEmpty ? "" : " (\(types)\(more))"))
        } else {
            line("events", "(missing)")
        }
        if summary.campaigns.isEmpty {
            line("campaigns", "(none)")
        } else {
            for (i, campaign) in summary.campaigns.enumerated() {
                line(
                    i == 0 ? "campaigns" : "",
                    "\(campaign.campaignID) (\(campaign.design)) \(campaign.startsOn) … \(campaign.endsOn), control '\(campaign.controlArm)'"
                )
                let arms = campaign.arms.map { "\($0.value) \(formatCount($0.count))" }.joined(separator: ", ")
                out += cont + "arms: " + (arms.isEmpty ? "(no assignments)" : arms) + "\n"
            }
        }
        if !summary.metricDefinitions.isEmpty {
            let defined = summary.metricDefinitions.filter { !$0.isDefault }.map(\.metric)
            let defaults = summary.metricDefinitions.filter(\.isDefault).map(\.metric)
            var text = defined.isEmpty ? "" : "defined: " + defined.joined(separator: ", ")
            if !defaults.isEmpty { text += (text.isEmpty ? "" : "; ") + "default: " + defaults.joined(separator: ", ") }
            line("metrics", text)
        }
        return out
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        "\(formatCount(n)) \(noun)\(n == 1 ? "" : "s")"
    }
}
