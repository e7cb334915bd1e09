import ArgumentParser
import CampaignLabData
import CampaignLabStats

/// The `campaignlab` command-line tool. Subcommands are thin: they parse arguments,
/// call the library and turn its errors into one-line messages and exit codes.
@main
struct CampaignLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignlab",
        abstract: "Campaign and experiment evaluation for bank analysts.",
        discussion: """
            Reads campaign data from an SQLite file that follows the CampaignLab data
            contract (customers, customer_months, events, campaigns, assignments,
            metric_definitions), always read-only, and computes honest campaign numbers.

            Start with:  campaignlab demo --out demo.sqlite
                         campaignlab check --db demo.sqlite

            Exit status (every command):
            """ + ExitStatus.table,
        version: CampaignLabVersion.current,
        subcommands: [
            CheckCommand.self, ImportCommand.self, DemoCommand.self, RenderCommand.self, UpliftCommand.self, YearOverYearCommand.self,
            FunnelCommand.self, ReadoutCommand.self, RetentionCommand.self, TiersCommand.self, AARRRCommand.self, HealthCommand.self,
        ]
    )

    static func main() {
        ProcessMemory.keepFreedMemory()
        Interruption.install()
        main(nil)
    }
}

enum CampaignLabVersion {
    static let current = "0.1.0"
}
