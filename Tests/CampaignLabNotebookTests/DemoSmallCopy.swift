import CampaignLabData
import CampaignLabTestSupport
import Foundation

@testable import CampaignLabAnalyses

/// An analysis context on a copy of datasets/demo-small.sqlite in `dir`, changed by `sql` first
/// (nil: as it is): a foreign bank's quirk reproduced on known data. Each call makes its own file.
/// `badRows`: the run's policy for rows breaking the contract (refused by default).
/// `file`: another committed database of datasets/ (e.g. "foreign-ab.sqlite").
func demoSmallCopy(
    in dir: TemporaryDirectory, then sql: String? = nil, badRows: BadRows = .refusing, file: String = "demo-small.sqlite"
) throws -> AnalysisContext {
    let path = dir.file("bank-\(UUID().uuidString).sqlite")
    try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets/" + file, toPath: path)
    if let sql { try SQLiteDatabase(path: path, mode: .readWrite(create: false)).execute(sql) }
    let db = try SQLiteDatabase.open(readOnlyAt: path)
    return AnalysisContext(database: db, schema: try ContractSchema.discover(in: db), language: .en, badRows: badRows)
}

/// SQL that puts table events behind a view whose customer_id is `id` (an expression of the
/// stored id: `CAST(customer_id AS TEXT)`), as a bank's export may store it.
func eventsView(_ id: String) -> String {
    "ALTER TABLE events RENAME TO events_raw; CREATE VIEW events AS SELECT \(id) AS customer_id, event, occurred_at, value, campaign_id FROM events_raw"
}
