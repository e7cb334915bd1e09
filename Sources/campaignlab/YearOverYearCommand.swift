import ArgumentParser
import CampaignLabAnalyses
import Foundation

/// `campaignlab yoy --db FILE --campaign ID`: the year-over-year activity-vs-market decomposition.
struct YearOverYearCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yoy",
        abstract: "Year over year: each arm against the same windows a year earlier (activity factor, market factor, triple difference).",
        discussion: """
            The campaign's pre-period and campaign months are compared with the same
            windows a year earlier, for both arms. Per customer: (change this year) −
            (change in the same windows last year). Its mean over participants is the
            activity factor, over non-participants the market factor; their difference
            (a triple difference, Welch interval) is what the campaign added beyond the
            market, assuming both arms would otherwise have repeated last year's
            pattern. Also each arm's campaign-month mean last year and this year with
            the year-over-year growth (paired delta-method interval).

            Alignment (monthly data), --alignment:
              same-dates        the same months a year earlier (default)
              52-week           the same (months cannot be weekday-aligned)
              spring-festival   windows touching January or February move so that the
                                Spring Festival month matches (e.g. Feb 2026 vs Jan 2025)
              jan-feb           windows touching January or February are widened to
                                January + February in both years
            The report prints both date ranges used.

            Examples:
              campaignlab yoy --db bank.sqlite --campaign growth_journey_2026
              campaignlab yoy --db bank.sqlite --campaign spring_2026 --alignment spring-festival --lang zh --out reports
            """
    )

    @OptionGroup var selection: CampaignSelectionOptions

    @Option(name: .long, help: ArgumentHelp("same-dates, 52-week, spring-festival or jan-feb.", valueName: "mode"))
    var alignment = "same-dates"

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let campaign = selection.source.campaign
        let alignment = try CommandFailure.handling { try CampaignYearOverYear.Options.alignment(named: self.alignment) }
        try AnalysisCommandRunner.run(
            CampaignYearOverYear.self, options: CampaignYearOverYear.Options(selection.selection, alignment: alignment),
            db: selection.source.data.db, backend: selection.source.data.backend, output: output, name: "yoy-\(campaign)",
            title: { $0 == .zh ? "同比分析：\(campaign)" : "Year over year: \(campaign)" })
    }
}
