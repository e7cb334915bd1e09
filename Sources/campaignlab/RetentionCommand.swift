import ArgumentParser
import CampaignLabAnalyses
import Foundation

/// `campaignlab retention --db FILE | --backend URL`: cohort retention of the base.
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Cohort retention: cohorts by month (or quarter) opened or first active, the share active k periods later.",
        discussion: """
            A customer is active in a month when a customer_months column is above 0
            (--activity months:app_logins>0) or when they have one of a list of events
            (--activity events:app_login,transfer). Cohorts are the month of
            customers.opened_on (--cohort opened) or of the first activity
            (--cohort first-activity; the data's first month is not a cohort, its
            customers may have been active before). Retention is "on" period k (active in
            it) or "on or after" k (--mode on-or-after). Periods that are not over in the
            data are left out, never shown as 0. The mean over cohorts is weighted by
            size, with 95% Wilson intervals; two cohorts are compared period by period
            (--compare, default the latest with three periods over against the one a year
            earlier) with Holm's correction. The JSON list retention has one record per
            cell: cohort, period, mode, cohort_size, retained, rate, low, high, mature.

            Examples:
              campaignlab retention --db bank.sqlite
              campaignlab retention --backend postgres://analyst@warehouse/bank?schema=mart
              campaignlab retention --db bank.sqlite --cohort first-activity --activity events:app_login,purchase --period quarter
              campaignlab retention --db bank.sqlite --cohorts 2025-01..2026-06 --compare 2026-01,2025-01 --mode on-or-after
            """
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("opened or first-activity.", valueName: "cohort"))
    var cohort = "opened"

    @Option(
        name: .long,
        help: ArgumentHelp("months:COLUMN>0 or events:NAME,NAME (default: months:app_logins>0, else events:app_login).", valueName: "rule"))
    var activity: String?

    @Option(name: .long, help: ArgumentHelp("month or quarter.", valueName: "period"))
    var period = "month"

    @Option(name: .long, help: ArgumentHelp("on or on-or-after.", valueName: "mode"))
    var mode = "on"

    @Option(name: .long, help: ArgumentHelp("Periods after the cohort's own shown (default 12 months or 8 quarters).", valueName: "n"))
    var periods: String?

    @Option(name: .long, help: ArgumentHelp("The cohorts shown, FROM..TO months.", valueName: "YYYY-MM..YYYY-MM"))
    var cohorts: String?

    @Option(name: .long, help: ArgumentHelp("Two cohorts compared period by period.", valueName: "YYYY-MM,YYYY-MM"))
    var compare: String?

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let options = try AnalysisCommandRunner.options(
            CohortRetention.Options.self,
            [
                "cohort": cohort, "period": period, "mode": mode, "activity": activity, "periods": periods, "cohorts": cohorts,
                "compare": compare,
            ])
        try AnalysisCommandRunner.run(
            CohortRetention.self, options: options, db: data.db, backend: data.backend, output: output, name: "retention",
            title: { $0 == .zh ? "群组留存" : "Cohort retention" })
    }
}
