import ArgumentParser
import CampaignLabAnalyses
import Foundation

/// `campaignlab tiers --db FILE | --backend URL [--quarter 2026Q3]`: tiers at a quarter's end and their migration.
struct TiersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiers",
        abstract:
            "Tiers at a quarter's end (customers, AUM, shares) and the quarter-over-quarter migration matrix, against a year earlier.",
        discussion: """
            Tiers are set on the monthly average daily balance (月日均) of the quarter's
            last month (--metric, default aum; --tiers, default 50000,500000,6000000).
            The migration matrix has a row per starting tier at the end of the previous
            quarter (and "new": no snapshot then) and a column per ending tier (and
            "dormant": no activity for --dormant-months by --activity; "closed": no
            snapshot at the end), with row shares and Wilson intervals. The net upgrade
            rate is (moved up − moved down) / customers with a tier at both ends, with its
            interval, against the same quarter a year earlier. JSON list migration:
            from_tier, to_tier, customers, share, low, high.

            Examples:
              campaignlab tiers --db bank.sqlite
              campaignlab tiers --backend postgres://analyst@warehouse/bank?schema=mart
              campaignlab tiers --db bank.sqlite --quarter 2026Q2 --tiers 10000,100000,1000000 --metric balance
            """
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("The quarter (default: the latest with data at its end).", valueName: "2026Q3"))
    var quarter: String?

    @Option(name: .long, help: ArgumentHelp("The customer_months column tiers are set on (default: aum).", valueName: "column"))
    var metric: String?

    @Option(name: .long, help: ArgumentHelp("Ascending tier boundaries (default 50000,500000,6000000).", valueName: "list"))
    var tiers: String?

    @OptionGroup var dormancy: DormancyOptions

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let options = try AnalysisCommandRunner.options(
            TierMigration.Options.self,
            [
                "quarter": quarter, "metric": metric, "tiers": tiers, "activity": dormancy.activity,
                "dormant_months": dormancy.dormantMonths, "dormant_balance": dormancy.dormantBalance,
            ])
        try AnalysisCommandRunner.run(
            TierMigration.self, options: options, db: data.db, backend: data.backend, output: output, name: "tiers",
            title: { $0 == .zh ? "客户层级与迁移" : "Tiers and migration" })
    }
}
