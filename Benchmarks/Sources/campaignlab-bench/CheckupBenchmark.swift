import CampaignLabAnalyses
import CampaignLabData
import CampaignLabNotebook
import CampaignLabReport
import Foundation

/// The quarterly health checkup (`campaignlab health`: pain points, tiers and migration,
/// lifecycle, cohort retention, the AARRR funnel, KPIs by segment, concentration) on a
/// database, against SQLite's own read of the columns involved and against the pandas peer
/// (Benchmarks/peers/checkup_peer.py). The checkup runs in a child process (this program with
/// --checkup-child), so that its peak memory is its own.
struct CheckupBenchmark {
    var path: String
    var quarter: String

    /// The notebook the tool ships.
    static let notebook = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/campaignlab/Notebooks/health-checkup.md").path

    /// Seconds for SQLite alone, on one connection, to return every column the checkup reads:
    /// customers (id, opening day, the dimension), customer_months (every column), the
    /// funnel's events (purchase, referral) and the latest month.
    func sqliteFloor() throws -> (seconds: Double, rows: Int) {
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let schema = try ContractSchema.discover(in: db)
        let metrics = schema.metrics
        let start = DispatchTime.now().uptimeNanoseconds
        var rows = 0, checksum = 0.0
        let c = try db.prepare("SELECT customer_id, opened_on, \(quoteIdentifier(schema.dimensions[0])) FROM customers")
        while try c.step() { rows += 1; checksum += Double(c.int64(0)); _ = c.text(1); _ = c.text(2) }
        let m = try db.prepare("SELECT customer_id, month\(metrics.map { ", " + quoteIdentifier($0) }.joined()) FROM customer_months")
        while try m.step() {
            rows += 1
            _ = m.text(1)
            for k in metrics.indices { checksum += m.double(2 + k) }
        }
        let e = try db.prepare("SELECT customer_id, event, occurred_at FROM events WHERE event IN ('purchase', 'referral')")
        while try e.step() { rows += 1; checksum += Double(e.int64(0)); _ = e.text(1); _ = e.text(2) }
        _ = try db.scalarText("SELECT max(month) FROM customer_months")
        precondition(checksum.isFinite)
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, rows)
    }

    /// Runs the checkup in a child process: seconds, its peak memory (MB) and figures to check against the peer.
    func campaignLab() throws -> (seconds: Double, peakMB: Double, figures: [String: Any]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--checkup-child", path, quarter]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DataError.refusedQuery(reason: "the checkup child failed (exit \(process.terminationStatus))")
        }
        return (json["seconds"] as! Double, json["peak_mb"] as! Double, json)
    }

    /// The child: renders the checkup notebook to HTML and prints one JSON line.
    static func child(path: String, quarter: String) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        let parsed = try NotebookParser.parse(text, file: "health-checkup.md")
        let runner = NotebookRunner(database: try SQLiteDatabase.open(readOnlyAt: path), databaseName: "bench", language: .en)
        let document = try runner.run(parsed, parameters: ["quarter": quarter])
        _ = HTMLRenderer(language: .en).render(document)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var figures: [String: Any] = ["seconds": seconds, "peak_mb": peakMemoryMB(), "notes": document.notes.count]
        func records(_ name: String) -> [[String: RecordValue]] {
            var found: [[String: RecordValue]] = []
            func walk(_ blocks: [ReportBlock]) {
                for block in blocks {
                    switch block {
                    case .records(let n, let list) where n == name:
                        found += list.map { r in Dictionary(uniqueKeysWithValues: zip(r.keys, r.values)) }
                    case .section(_, let inner): walk(inner)
                    default: break
                    }
                }
            }
            walk(document.blocks)
            return found
        }
        func number(_ v: RecordValue?) -> Double? { if case .number(let x)? = v { return x } else { return nil } }
        if let mau = records("lifecycle").last(where: { $0["state"] == .text("mau") }) { figures["mau_latest"] = number(mau["customers"]) }
        var retention: [String: Double] = [:]
        for r in records("retention") where r["cohort"] == .text("all") {
            if let k = number(r["period"]), [1.0, 3, 6, 12].contains(k), let rate = number(r["rate"]) { retention[String(Int(k))] = rate }
        }
        figures["retention_mean"] = retention
        var reached: [String: Double] = [:]
        for r in records("funnel") { if case .text(let node)? = r["node"] { reached[node] = number(r["customers"]) } }
        figures["funnel_reached"] = reached
        if let activation = records("funnel").first(where: { $0["node"] == .text("activation") }) {
            figures["funnel_activation_converted_90d"] = number(activation["converted_90d"])
        }
        var kpis: [String: Double] = [:]
        for r in records("kpis") where r["level"] == .null {
            if case .text(let kpi)? = r["kpi"] { kpis[kpi] = number(r["value"]) }
        }
        figures["kpis_all"] = kpis
        let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        FileHandle.standardOutput.write(data)
    }
}
