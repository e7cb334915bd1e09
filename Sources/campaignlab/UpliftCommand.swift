import ArgumentParser
import CampaignLabAnalyses
import CampaignLabData
import CampaignLabReport
import Foundation

/// `campaignlab uplift --db FILE --campaign ID`: participant-versus-control uplift.
struct UpliftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplift",
        abstract: "Participant vs control uplift for every metric of a campaign, naive and honest side by side.",
        discussion: """
            For each customer_months metric: customers, pre-period and campaign-month
            means and the change per arm; the "participants grew N× as much" multiple
            with Fieller's interval (flagged as meaningless when the control's change
            is indistinguishable from zero); and the honest estimates of the effect on
            participants: difference-in-differences, regression adjustment (pre-period
            values and dimensions, HC1), propensity weighting (logistic propensity on
            log1p pre-period values and dimensions, M-estimation standard error) with
            balance, overlap and effective sample size, and doubly robust AIPW; Holm
            correction across metrics; effects by segment as forest plots.

            The pre-period is as many months before the campaign as it lasts (change
            with --pre-months). Customers without every metric in both periods, and
            customers of a dimension level that only one arm has, are left out (and
            counted in the report).

            Without --out the report is printed as Markdown (charts omitted); with
            --out DIR it is written like `campaignlab render` does (md, html, json).

            Examples:
              campaignlab uplift --db bank.sqlite --campaign growth_journey_2026
              campaignlab uplift --db bank.sqlite --campaign growth_journey_2026 --out reports --lang zh
              campaignlab uplift --db bank.sqlite --campaign page_ab_2026 --arm variant_b --metrics aum,app_logins
            """
    )

    @OptionGroup var selection: CampaignSelectionOptions

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let campaign = selection.source.campaign
        try AnalysisCommandRunner.run(
            CampaignUplift.self, options: CampaignUplift.Options(selection.selection),
            db: selection.source.db, output: output, name: "uplift-\(campaign)",
            title: { $0 == .zh ? "活动效果：\(campaign)" : "Campaign uplift: \(campaign)" })
    }
}

/// Runs one analysis from the command line and prints or writes its report.
enum AnalysisCommandRunner {
    /// Validates the options (the same check a notebook block gets), runs the analysis on the
    /// database read-only, and prints the report as Markdown or writes it to `--out`.
    static func run<A: Analysis>(
        _ analysis: A.Type, options: A.Options, db: String, output: ReportOutputOptions,
        name: String, title: (ReportLanguage) -> String
    ) throws {
        let language = try output.language()
        let formats = try output.formats()
        let progress = output.progress(since: Date())
        try CommandFailure.handling {
            try options.validate()
            let database = try SQLiteDatabase.open(readOnlyAt: db)
            let context = AnalysisContext(
                database: database, schema: try ContractSchema.discover(in: database), language: language,
                progress: progress)
            let blocks = try analysis.run(context, options)
            let document = ReportDocument(
                title: title(language), language: language,
                parameters: options.encoded().sorted { $0.name < $1.name }.map { ($0.name, $0.value) },
                blocks: blocks, source: URL(fileURLWithPath: db).lastPathComponent)
            if let out = output.out {
                for path in try ReportOutput.write(document, name: name, to: out, formats: formats) { print(path) }
            } else {
                let text = MarkdownRenderer(language: language).render(document.withoutCharts, chartDirectory: "charts").text
                print(text, terminator: "")
            }
            progress("done")
        }
    }
}

extension ReportDocument {
    /// The document with its charts removed (for plain-text output).
    var withoutCharts: ReportDocument {
        func strip(_ blocks: [ReportBlock]) -> [ReportBlock] {
            blocks.compactMap { block in
                switch block {
                case .chart: return nil
                case .section(let id, let inner): return .section(id: id, strip(inner))
                default: return block
                }
            }
        }
        var copy = self
        copy.blocks = strip(blocks)
        return copy
    }
}
