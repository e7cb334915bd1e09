import ArgumentParser
import CampaignLabAnalyses
import CampaignLabData
import CampaignLabReport
import Foundation

/// The options every command that writes a report shares: where, in which formats and
/// language, and whether to show progress.
struct ReportOutputOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory for the report files (created when missing); the analysis commands print Markdown without it.", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Formats to write, comma-separated: md, html, json.", valueName: "list"))
    var format = "md,html,json"

    @Option(name: .long, help: ArgumentHelp("The report language: en or zh.", valueName: "lang"))
    var lang = "en"

    @Flag(name: .long, help: "Do not print progress to standard error.")
    var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The reporting time zone: timestamps with an offset (…+08:00, …Z) are converted to it, those without are taken as its local time (west of UTC: --time-zone=-05:00).",
            valueName: "+HH:MM|UTC"))
    var timeZone = "+08:00"

    @Flag(
        name: .long,
        help:
            "Leave out rows that break the data contract (a word in a numeric column, an unparsable date, a customer assigned twice or unknown) and list them at the top of the report, instead of stopping at the first."
    )
    var excludeBadRows = false

    /// What to do with rows that break the contract (`--exclude-bad-rows`).
    func badRows() -> BadRows { BadRows(excludeBadRows ? .exclude : .refuse) }

    /// Says on stderr what was left out (the report lists it at its top).
    func sayExcludedRows(_ document: ReportDocument) {
        for excluded in document.excludedRows { printError("note: left out \(excluded) (listed at the top of the report)") }
    }

    /// `--lang`, or a one-line error and exit 1; also applies `--time-zone` (every report
    /// command asks for its language first).
    func language() throws -> ReportLanguage {
        guard let language = ReportLanguage(rawValue: lang) else {
            printError("error: --lang must be en or zh, not '\(lang)'")
            throw ExitCode(1)
        }
        guard let offset = Timestamp.parseOffset(timeZone) else {
            printError("error: --time-zone takes an offset such as +08:00 or -05:00, or UTC, not '\(timeZone)'")
            throw ExitCode(1)
        }
        Timestamp.reportingOffsetSeconds = offset
        return language
    }

    /// `--format`, or a one-line error and exit 1.
    func formats() throws -> [String] { try ReportOutput.formats(format) }

    /// Prints progress lines with the seconds since `started` on standard error (unless --quiet).
    func progress(since started: Date) -> @Sendable (String) -> Void {
        let quiet = quiet
        return { line in if !quiet { printError(String(format: "%6.1fs  ", Date().timeIntervalSince(started)) + line) } }
    }
}

/// The database and campaign an analysis command reads.
/// Where the data are: `--db FILE` or `--backend URL` (exactly one; `DataSource.open`).
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file (opened read-only).", valueName: "file"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(DataSource.backendHelp, valueName: "url"))
    var backend: String?

    func validate() throws {
        if db == nil && backend == nil { throw ValidationError("name the data: --db FILE or --backend URL") }
        if db != nil && backend != nil { throw ValidationError("--db and --backend: give one of them, not both") }
    }
}

struct CampaignOptions: ParsableArguments {
    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("The campaign_id.", valueName: "id"))
    var campaign: String
}

/// What `uplift` and `yoy` compare: the campaign, its metrics, the arm and the pre-period.
struct CampaignSelectionOptions: ParsableArguments {
    @OptionGroup var source: CampaignOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Metrics, comma-separated (default: every customer_months metric, then the events metrics of metric_definitions).",
            valueName: "list"))
    var metrics: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The arm compared with the control arm (default: uplift compares every other arm, yoy the first).", valueName: "arm"))
    var arm: String?

    @Option(name: .long, help: ArgumentHelp("Months before the campaign in the pre-period (default: as many as it lasts).", valueName: "n"))
    var preMonths: Int?

    /// The typed selection the analyses take.
    var selection: CampaignSelection {
        CampaignSelection(
            campaign: source.campaign,
            metrics: metrics.map(OptionValues.names(in:)),
            arm: arm, preMonths: preMonths)
    }
}

/// What activity is and when a customer is dormant: the flags the checkup commands share.
struct DormancyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "What activity is: months:COLUMN>0 or events:NAME,NAME (default: months:app_logins>0, else events:app_login).",
            valueName: "rule"))
    var activity: String?

    @Option(name: .long, help: ArgumentHelp("Months without activity after which a customer is dormant (default 6).", valueName: "n"))
    var dormantMonths: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A balance (aum, or the tier metric) at or above which an inactive customer is not dormant (default: activity alone).",
            valueName: "amount"))
    var dormantBalance: String?
}
