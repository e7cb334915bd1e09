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
            For each metric, every arm against the control. An observational campaign
            (customers chose to join): the naive gap, difference-in-differences, then
            the adjusted estimates — regression adjustment, propensity weighting (of the
            value and of the change), entropy balancing (the default: the comparison
            group reweighted to match the participants' pre-period averages, raw and
            log scale, and dimension shares exactly), doubly robust DiD and AIPW — each
            in money and in per cent of the counterfactual, with the balance table,
            overlap and effective sample size; the "N× as much growth" multiple only
            when the growth it divides by is clearly above zero. A randomized campaign:
            per-arm means, the difference with its standard error, t and p, and the
            regression-adjusted (CUPED-like) estimate. Holm across metrics; per segment
            the effect with Holm across levels, a shrunken estimate and a test of equal
            effects. With --format json the report carries a flat `estimates` list.

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
              campaignlab uplift --db bank.sqlite --campaign growth_journey_2026 --covariates segment,age,app_logins --baseline monthly
            """
    )

    @OptionGroup var selection: CampaignSelectionOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "What the models adjust for besides each metric's own pre-period value, comma-separated: dimensions (as categories), numeric customers columns (as numbers; age:5 for five bands of about equal size instead), other metrics (their pre-period values). Default: every customers column.",
            valueName: "list"))
    var covariates: String?

    @Option(name: .long, help: ArgumentHelp("The pre-period as its mean, or each month as its own covariate.", valueName: "mean|monthly"))
    var baseline: UpliftModel.Baseline = .mean

    @Flag(
        name: .long,
        help: "Leave out customers whose propensity to take part has no counterpart in the other arm (Crump et al. 2009's overlap bounds).")
    var trim = false

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let campaign = selection.source.campaign
        let model = UpliftModel(covariates: covariates.map(OptionValues.names(in:)), baseline: baseline, trim: trim)
        try AnalysisCommandRunner.run(
            CampaignUplift.self, options: CampaignUplift.Options(selection.selection, model: model),
            db: selection.source.data.db, backend: selection.source.data.backend, output: output, name: "uplift-\(campaign)",
            title: { $0 == .zh ? "活动效果：\(campaign)" : "Campaign uplift: \(campaign)" })
    }
}

extension UpliftModel.Baseline: ExpressibleByArgument {}

/// Runs one analysis from the command line and prints or writes its report.
enum AnalysisCommandRunner {
    /// The flags that were given, by option name.
    static func given(_ flags: KeyValuePairs<String, String?>) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in flags { if let value { values[key] = value } }
        return values
    }

    /// A command's flags decoded as a notebook block's options would be: a mistake is one
    /// line naming the flag, and exit status 1.
    static func options<O: AnalysisOptionSet>(_ type: O.Type, _ flags: KeyValuePairs<String, String?>) throws -> O {
        do {
            return try O(OptionValues(given(flags)))
        } catch let error as AnalysisError {
            printError("error: \(error.description(.commandLine))")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
    }

    /// Validates the options (the same check a notebook block gets), runs the analysis on the
    /// database read-only, and prints the report as Markdown or writes it to `--out`.
    /// - Parameters: `db`: nil for an analysis that reads a file of its own (an empty
    ///   in-memory database stands in); `source`: the report's data source (default: the db's name).
    static func run<A: Analysis>(
        _ analysis: A.Type, options: A.Options, db: String?, backend: String? = nil, source: String? = nil,
        output: ReportOutputOptions,
        name: String, title: (ReportLanguage) -> String
    ) throws {
        let language = try output.language()
        let formats = try output.formats()
        let progress = output.progress(since: Date())
        try CommandFailure.handling {
            try options.validate()
            let (database, sourceName): (any QueryEngine, String?) =
                db == nil && backend == nil
                ? (try SQLiteDatabase(path: ":memory:", mode: .readOnly), nil) : try DataSource.open(db: db, backend: backend)
            let badRows = output.badRows()
            let context = AnalysisContext(
                database: database, schema: try ContractSchema.discover(in: database), language: language, badRows: badRows,
                progress: progress)
            // What it reads of customer_months, in one pass (the activity and the sums alike).
            if let needs = try? analysis.monthsNeeds(context, options), !needs.isEmpty { context.expectMonths(needs) }
            var blocks = try analysis.run(context, options)
            if output.excludeBadRows { blocks.insert(ExcludedRows.section(badRows.excluded, language), at: 0) }
            var document = ReportDocument(
                title: title(language), language: language,
                parameters: options.encoded().sorted { $0.name < $1.name }.map { ($0.name, $0.value) },
                blocks: blocks, source: source ?? sourceName)
            document.excludedRows = badRows.excluded.map(\.description)
            document.timeZone = Timestamp.offsetName(Timestamp.reportingOffsetSeconds)
            if let out = output.out {
                for path in try ReportOutput.write(document, name: name, to: out, formats: formats) { print(path) }
            } else if formats == ["json"] {
                print(JSONRenderer().render(document), terminator: "")
            } else {
                let text = MarkdownRenderer(language: language).render(document.withoutCharts, chartDirectory: "charts").text
                print(text, terminator: "")
            }
            progress("done")
            output.sayExcludedRows(document)
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
