import ArgumentParser
import CampaignLabAnalyses
import Foundation

/// `campaignlab aarrr --db FILE | --backend URL [--quarter 2026Q3]`: the AARRR funnel of the base.
struct AARRRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aarrr",
        abstract:
            "The AARRR funnel of the base: acquisition → activation → retention → revenue → referral, time between nodes by Kaplan–Meier, against a year earlier.",
        discussion: """
            Follows the customers acquired (opened_on) in the --quarters quarters
            (default 4) ending with --quarter to its end (or where the data end): each
            step counts at its first occurrence not before the previous step — a rule
            months:COLUMN>0 (a month of customer_months, from its first day) or
            events:NAME,NAME (at the event's time); retention must come in a calendar
            month after the activation's. Defaults: activation and retention = the
            activity rule (months:app_logins>0, else events:app_login), revenue =
            events:purchase, referral = events:referral (left out, with a note, when
            events has none); 'none' drops a step. Reported: customers per node, step
            and overall conversion, days between nodes (Kaplan–Meier, censored at the
            cut-off) with the share converted within 30 and 90 days, the 90-day share
            against the customers acquired a year earlier (z test), and the first step
            by a customers dimension (--by) with a log-rank test. JSON list funnel:
            node, rule, customers, step_conversion, overall_conversion, median_days,
            median_low, median_high, converted_30d, converted_90d, converted_90d_low,
            converted_90d_high, converted_90d_year_earlier, p_value, logrank_p.

            Examples:
              campaignlab aarrr --db bank.sqlite
              campaignlab aarrr --backend postgres://analyst@warehouse/bank --activation events:login
              campaignlab aarrr --db bank.sqlite --quarter 2026Q2 --activation events:login,transfer --revenue months:products_held>0 --referral none
            """
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("The quarter whose end is the cut-off (default: the latest with data).", valueName: "2026Q3"))
    var quarter: String?

    @Option(name: .long, help: ArgumentHelp("Quarters of new customers followed, ending with the quarter (default 4).", valueName: "n"))
    var quarters: String?

    @Option(name: .long, help: ArgumentHelp("Activation: months:COLUMN>0, events:NAME,NAME or none.", valueName: "rule"))
    var activation: String?

    @Option(name: .long, help: ArgumentHelp("Retention, in a later month (default: the activation rule).", valueName: "rule"))
    var retention: String?

    @Option(name: .long, help: ArgumentHelp("Revenue (default: events:purchase).", valueName: "rule"))
    var revenue: String?

    @Option(name: .long, help: ArgumentHelp("Referral (default: events:referral).", valueName: "rule"))
    var referral: String?

    @Option(name: .long, help: ArgumentHelp("A customers dimension to compare, or none (default: the first).", valueName: "dimension"))
    var by: String?

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let options = try AnalysisCommandRunner.options(
            BaseFunnel.Options.self,
            [
                "quarter": quarter, "quarters": quarters, "activation": activation, "retention": retention, "revenue": revenue,
                "referral": referral, "by": by,
            ])
        try AnalysisCommandRunner.run(
            BaseFunnel.self, options: options, db: data.db, backend: data.backend, output: output, name: "aarrr",
            title: { $0 == .zh ? "客户 AARRR 漏斗" : "AARRR funnel of the base" })
    }
}
