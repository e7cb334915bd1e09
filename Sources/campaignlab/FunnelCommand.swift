import ArgumentParser
import CampaignLabAnalyses
import Foundation

/// `campaignlab funnel --db FILE --campaign ID`: the campaign funnel and time to convert.
struct FunnelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funnel",
        abstract:
            "The campaign funnel: customers per step, step and overall conversion, time to convert by Kaplan–Meier, segments compared by log-rank.",
        discussion: """
            Steps are ordered (default: assigned, page_view, click, enroll,
            task_complete, reward). Entry is the customer's assigned_at; each step
            counts once, at its first occurrence after the previous step, within the
            conversion window (--window-days after entry, never after the campaign's
            last day or the data cut-off); events of this campaign or without a
            campaign count. Time to convert runs from entry to the last step;
            customers who have not reached it are censored at their window end.
            Reported: counts, step and overall conversion, median and quartiles of
            the days to convert with intervals, share converted by day 7 and day 30,
            and the same by a customers dimension (--by) with a log-rank test.

            Examples:
              campaignlab funnel --db bank.sqlite --campaign growth_journey_2026
              campaignlab funnel --db bank.sqlite --campaign growth_journey_2026 --steps assigned,enroll,reward --window-days 14 --by age_band
            """
    )

    @OptionGroup var source: CampaignOptions

    @Option(name: .long, help: ArgumentHelp("Ordered steps, comma-separated ('assigned' first only).", valueName: "list"))
    var steps: String?

    @Option(
        name: .long, help: ArgumentHelp("Days after entry a customer has to convert (default: until the campaign ends).", valueName: "n"))
    var windowDays: Double?

    @Option(name: .long, help: ArgumentHelp("The arm entering the funnel (default: every arm but the control).", valueName: "arm"))
    var arm: String?

    @Option(name: .long, help: ArgumentHelp("A customers dimension to compare (default: the first).", valueName: "dimension"))
    var by: String?

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let campaign = source.campaign
        let steps = self.steps.map(OptionValues.names(in:))
        let options = CampaignFunnel.Options(
            campaign: campaign, steps: steps ?? CampaignFunnel.defaultSteps, windowDays: windowDays,
            arm: arm, by: by)
        try AnalysisCommandRunner.run(
            CampaignFunnel.self, options: options, db: source.data.db, backend: source.data.backend, output: output,
            name: "funnel-\(campaign)",
            title: { $0 == .zh ? "活动漏斗：\(campaign)" : "Campaign funnel: \(campaign)" })
    }
}
