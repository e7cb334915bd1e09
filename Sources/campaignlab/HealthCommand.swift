import ArgumentParser
import CampaignLabAnalyses
import Foundation

/// `campaignlab health --db FILE | --backend URL [--quarter 2026Q3] --out DIR`: the quarterly health checkup
/// (the notebook notebooks-md/health-checkup.md, shipped with the tool).
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract:
            "The quarterly health checkup of the base: pain points first, tiers and migration, lifecycle, cohort retention, KPIs by segment, concentration.",
        discussion: """
            Runs the notebook notebooks-md/health-checkup.md (shipped inside the tool) on the
            database. The pain points are the significant deteriorations against a year
            earlier, ranked, each with its interval and where to look; what cannot be
            compared (too little history) is said, never shown as "no problem".

            Examples:
              campaignlab health --db bank.sqlite --out reports
              campaignlab health --backend sc://spark-gateway:15002?database=mart --out reports
              campaignlab health --db bank.sqlite --quarter 2026Q2 --by region --activity events:login,transfer --out reports --lang zh
            """
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("The quarter (default: the latest with data at its end).", valueName: "2026Q3"))
    var quarter: String?

    @Option(name: .long, help: ArgumentHelp("A customers dimension for the KPIs (default: the first).", valueName: "dimension"))
    var by: String?

    @OptionGroup var dormancy: DormancyOptions

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        guard let out = output.out else {
            printError("error: health writes a report: give --out DIR")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        guard let url = Bundle.module.url(forResource: "health-checkup", withExtension: "md", subdirectory: "Notebooks"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            printError("error: the health-checkup notebook is missing from the installation (Notebooks/health-checkup.md)")
            throw ExitCode(ExitStatus.notFound.rawValue)
        }
        let parameters = AnalysisCommandRunner.given([
            "quarter": quarter, "by": by, "activity": dormancy.activity, "dormant_months": dormancy.dormantMonths,
            "dormant_balance": dormancy.dormantBalance,
        ])
        try RenderCommand.render(
            text, file: "health-checkup.md", db: data.db, backend: data.backend, parameters: parameters, output: output, out: out)
    }
}
