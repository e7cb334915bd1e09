import CampaignLabData
import Foundation

// campaignlab-bench [--db FILE] [--repeats N]
// Prints one line per reader and the ratios to the raw SQLite scan.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let path = option("--db") ?? "datasets/demo.sqlite"
let repeats = Int(option("--repeats") ?? "3") ?? 3

do {
    try SQLiteDatabase.checkDatabaseFile(at: path)
    print("CampaignLab benchmarks — \(path), SQLite \(SQLiteDatabase.libraryVersion), best of \(repeats)")
    print()
    print("Scan of customer_months (customer_id, month, aum, products_held, app_logins):")
    let results = try ScanBenchmark(path: path, repeats: repeats).run()
    let floor = results[0].seconds
    for r in results {
        let rate = Double(r.rows) / r.seconds / 1e6
        print(String(format: "  %@ %10d rows  %7.3f s  %6.2f M rows/s  %5.2f× raw", (r.name.padding(toLength: 18, withPad: " ", startingAt: 0)) as NSString,
                     r.rows, r.seconds, rate, r.seconds / floor))
    }
    if Set(results.map { ($0.checksum * 1e3).rounded() }).count != 1 {
        print("  warning: the readers disagree on the checksum: \(results.map(\.checksum))")
    }
} catch {
    FileHandle.standardError.write(Data("campaignlab-bench: \(error)\n".utf8))
    exit(1)
}
