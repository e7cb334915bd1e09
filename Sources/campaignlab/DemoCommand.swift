import ArgumentParser
import CampaignLabData
import CampaignLabDemo
import Foundation

/// `campaignlab demo`: writes the synthetic demo bank with known ground truth.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a synthetic demo bank (an SQLite file with known ground truth).",
        discussion: """
            Writes every contract table (customers, customer_months, events, campaigns,
            assignments, metric_definitions) plus ground_truth (the exact effects the generator
            put in) and demo_info. The same --seed and --customers always give the same data.
            Campaigns: growth_journey_2026 and growth_journey_2025 (observational, self-selected
            participants) and page_ab_2026 (a randomized three-arm activity-page test).
            """
    )

    @Option(help: "Number of customers (at least 100).")
    var customers: Int = 100_000

    @Option(help: "Random seed: the same seed gives the same database content.")
    var seed: UInt64 = 42

    @Option(help: "The database file to write.")
    var out: String = "demo.sqlite"

    @Option(help: "Months of customer_months history ending 2026-10 (at least 36).")
    var months: Int = 36

    @Flag(help: "Overwrite the output file if it exists.")
    var force = false

    func run() throws {
        let config = DemoBankConfiguration(customers: customers, seed: seed, months: months)
        try CommandFailure.handling {
            try config.validate()
            let token = Interruption.writing([DemoBank.temporaryPath(for: out)])
            defer { Interruption.finished(token) }
            let summary = try DemoBank.generate(config, to: out, overwrite: force) { progress in
                let percent = 100 * progress.customersDone / max(1, progress.customersTotal)
                printError(
                    String(
                        format: "demo: %3d%%  %d of %d customers  %.1f s", percent,
                        progress.customersDone, progress.customersTotal, progress.elapsed))
            }
            print("Wrote \(summary.path) (seed \(seed), \(customers) customers)")
            for (table, rows) in summary.rowCounts {
                print("  " + table.padding(toLength: 20, withPad: " ", startingAt: 0) + String(rows))
            }
            print(String(format: "  file size           %.1f MB", Double(summary.fileBytes) / 1_048_576))
            print(String(format: "  elapsed             %.1f s", summary.elapsed))
        }
    }
}
