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

    @OptionGroup var source: CampaignOptions

    @Option(name: .long, help: ArgumentHelp("customer_months metrics, comma-separated (default: every metric).", valueName: "list"))
    var metrics: String?

    @Option(name: .long, help: ArgumentHelp("The arm compared with the control arm (default: the first other arm).", valueName: "arm"))
    var arm: String?

    @Option(name: .long, help: ArgumentHelp("Months before the campaign in the pre-period (default: as many as it lasts).", valueName: "n"))
    var preMonths: Int?

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let campaign = source.campaign
        var options: [String: String] = ["campaign": campaign]
        if let metrics { options["metrics"] = metrics }
        if let arm { options["arm"] = arm }
        if let preMonths { options["pre_months"] = String(preMonths) }
        try AnalysisCommandRunner.run(analysis: CampaignUplift.self, options: options, db: source.db, output: output,
                                      name: "uplift-\(campaign)", title: { $0 == .zh ? "活动效果：\(campaign)" : "Campaign uplift: \(campaign)" })
    }
}

/// Runs one analysis from the command line and prints or writes its report.
enum AnalysisCommandRunner {
    static func run(analysis: any Analysis.Type, options: [String: String], db: String, output: ReportOutputOptions,
                    name: String, title: (ReportLanguage) -> String) throws {
        let language = try output.language()
        let formats = try output.formats()
        let progress = output.progress(since: Date())
        do {
            let database = try SQLiteDatabase.open(readOnlyAt: db)
            let context = AnalysisContext(database: database, schema: try ContractSchema.discover(in: database), language: language,
                                          parameters: options, progress: progress)
            let blocks = try analysis.run(context, AnalysisOptions(options))
            let document = ReportDocument(title: title(language), language: language,
                                          parameters: options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                          blocks: blocks, source: URL(fileURLWithPath: db).lastPathComponent)
            if let out = output.out {
                for path in try ReportOutput.write(document, name: name, to: out, formats: formats) { print(path) }
            } else {
                let text = MarkdownRenderer(language: language).render(document.withoutCharts, chartDirectory: "charts").text
                print(text, terminator: "")
            }
            progress("done")
        } catch let error as AnalysisError {
            printError("error: \(error)")
            throw ExitCode(1)
        } catch let error as DataError {
            printError("error: \(error.description)")
            switch error {
            case .fileNotFound, .isDirectory, .emptyFile, .notSQLite, .corrupt: throw ExitCode(2)
            default: throw ExitCode(1)
            }
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
