import ArgumentParser
import CampaignLabAnalyses
import CampaignLabData
import Foundation

/// `campaignlab readout --db FILE --campaign ID` (or `--summary FILE --control ARM`): the A/B
/// readout of a randomized test.
struct ReadoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readout",
        abstract:
            "The A/B readout of a randomized test: ship, don't ship or keep running, with health, every metric per variant, guardrails and power.",
        discussion: """
            Health first: the split against the plan (χ², flagged at p < 0.001) overall,
            per assignment day and per segment, assignments outside the window, exposure
            without assignment. A failed check blocks every decision.

            Metrics are counted per customer from assigned_at to the end of the readout
            (the test's last day, --as-of, or where the events end): conversions (rollup
            any), counts and sums of events, ratios (numerator/denominator, delta method),
            customer_months metrics. CUPED uses the pre-period (as many days before the
            test as it lasts). Before the planned end the intervals are always-valid
            (confidence sequences). Every effect has its relative value, p-value, p adjusted
            across metrics × variants (Holm or BH), chance to win and expected loss.

            From a warehouse's sums instead of rows: --summary FILE.csv --control ARM, one
            row per metric × arm (× optional segment) with the columns metric, kind
            (mean|proportion|ratio), arm, users, main_sum, main_sum_squares, and for ratios
            denominator_sum, denominator_sum_squares, main_denominator_sum_product, for CUPED
            covariate_sum, covariate_sum_squares, main_covariate_sum_product.

            Examples:
              campaignlab readout --db bank.sqlite --campaign page_ab_2026 --primary purchase_conversion
              campaignlab readout --db bank.sqlite --campaign page_ab_2026 --guardrails "aum:2%,page_views:0.1" --as-of 2026-06-14
              campaignlab readout --backend postgres://analyst@warehouse:5432/bank --campaign page_ab_2026 --out reports
              campaignlab readout --summary sums.csv --control control --out reports
            """
    )

    @Option(name: .long, help: ArgumentHelp("The SQLite database file (opened read-only).", valueName: "file"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(DataSource.backendHelp, valueName: "url"))
    var backend: String?

    @Option(name: .long, help: ArgumentHelp("The campaign_id of a randomized test.", valueName: "id"))
    var campaign: String?

    @Option(name: .long, help: ArgumentHelp("A summary-statistics CSV read instead of the database (with --control).", valueName: "file"))
    var summary: String?

    @Option(name: .long, help: ArgumentHelp("The control arm of the summary file.", valueName: "arm"))
    var control: String?

    @Option(name: .long, help: ArgumentHelp("Metrics, comma-separated (default: every metric of metric_definitions).", valueName: "list"))
    var metrics: String?

    @Option(name: .long, help: ArgumentHelp("The metric the decision is about (default: the first conversion).", valueName: "metric"))
    var primary: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Metrics that must not get worse, each metric:margin (2% of control, or 0.5 in the metric's units).", valueName: "list"))
    var guardrails: String?

    @Option(name: .long, help: ArgumentHelp("Variance reduction with the pre-period: on or off.", valueName: "on|off"))
    var cuped = "on"

    @Option(name: .long, help: ArgumentHelp("Correction across metrics × variants: holm or bh.", valueName: "name"))
    var correction = "holm"

    @Option(name: .long, help: ArgumentHelp("Interval of relative effects: delta, fieller or log-ratio.", valueName: "name"))
    var relativeInterval = "delta"

    @Option(name: .long, help: ArgumentHelp("Standard deviation of a normal prior on the relative effect (default: flat).", valueName: "x"))
    var priorSd: String?

    @Option(name: .long, help: ArgumentHelp("Read the test as of the end of this day.", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Planned shares per arm, control first then the others by name (default: equal).", valueName: "list"))
    var split: String?

    @Option(name: .long, help: ArgumentHelp("The relative effect worth detecting, e.g. 2% (default: the observed one).", valueName: "x"))
    var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sample size at which the always-valid intervals are tightest (default: projected at the planned end).", valueName: "n"))
    var tuning: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Metrics whose P50 and P90 are compared, or none (default: every events metric with rollup sum).", valueName: "list"))
    var quantiles: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A customers dimension the primary metric is broken down by, or none (default: the first).", valueName: "dimension"))
    var by: String?

    @Option(name: .long, help: ArgumentHelp("With --summary: the days of data the sums cover.", valueName: "n"))
    var days: String?

    @Option(name: .long, help: ArgumentHelp("With --summary: the days the test is planned to run (default: --days).", valueName: "n"))
    var plannedDays: String?

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let options = try AnalysisCommandRunner.options(
            ExperimentReadout.Options.self,
            [
                "cuped": cuped, "correction": correction, "relative_interval": relativeInterval, "campaign": campaign, "summary": summary,
                "control": control, "metrics": metrics, "primary": primary, "guardrails": guardrails, "prior_sd": priorSd, "as_of": asOf,
                "split": split, "target": target, "tuning": tuning, "days": days, "planned_days": plannedDays, "quantiles": quantiles,
                "by": by,
            ])
        if summary == nil && db == nil && backend == nil {
            printError("error: give --db FILE (or --backend URL) --campaign ID, or --summary FILE --control ARM")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        if summary != nil && (db != nil || backend != nil) {
            printError("error: --summary replaces --db and --backend: give one of them")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let name = campaign ?? summary.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "summary"
        try AnalysisCommandRunner.run(
            ExperimentReadout.self, options: options, db: db, backend: backend,
            source: summary.map { URL(fileURLWithPath: $0).lastPathComponent },
            output: output, name: "readout-\(name)",
            title: { $0 == .zh ? "A/B 测试读数：\(name)" : "A/B readout: \(name)" })
    }
}
