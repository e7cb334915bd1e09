import CampaignLabData
import Foundation

/// Every query a remote engine runs, with its timings, appended to the file named by the
/// environment variable `CAMPAIGNLAB_SQL_LOG` (none when it is not set): what a warehouse's
/// administrator asks to see, and where a run's time goes — until the first row (the engine's
/// work) and from it to the last (the rows crossing the wire and read here).
///
/// ```text
/// -- PostgreSQL postgres://analyst@warehouse:5432/bank: 96199 rows; first after 2.417 s, last after 4.095 s; bindings: 'growth_journey_2026'
/// SELECT c, CAST(count(*) AS BIGINT), NULL, … WHERE a.campaign_id = $1 … GROUP BY c;
/// ```
///
/// The text is the query as sent: on PostgreSQL with its `$n` parameters (and the typed tables'
/// forms in front, ``PostgresEngine/withContractForms(_:definitions:wrapping:)``), on Spark with
/// its values written in.
final class QueryLog: @unchecked Sendable {
    /// The log of this process, or nil when `CAMPAIGNLAB_SQL_LOG` is not set.
    static let shared: QueryLog? = ProcessInfo.processInfo.environment["CAMPAIGNLAB_SQL_LOG"].flatMap {
        $0.isEmpty ? nil : QueryLog(path: $0)
    }

    private let path: String
    private let lock = NSLock()

    init(path: String) { self.path = path }

    /// A clock started when a query is sent (shared with the task that reads its rows).
    final class Timing: @unchecked Sendable {
        let start = DispatchTime.now().uptimeNanoseconds
        var firstRow: Double?
        var rows = 0
        var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        /// Counts rows, noting when the first came.
        func row(_ count: Int = 1) {
            if firstRow == nil { firstRow = seconds }
            rows += count
        }
    }

    /// Appends one query: its engine and location, its rows and timings, its values bound
    /// (`bindings`, as SQL literals) and its text. A failure to write is ignored: the log never
    /// stops a run.
    func record(engine: String, location: String, sql: String, bindings: [String] = [], timing: Timing, failed: Bool = false) {
        let total = timing.seconds
        var header = "-- \(engine) \(location): "
        header += failed ? "failed after \(Self.format(total)) s" : "\(timing.rows) rows"
        if !failed {
            header +=
                timing.firstRow.map { "; first after \(Self.format($0)) s, last after \(Self.format(total)) s" }
                ?? " after \(Self.format(total)) s"
        }
        if !bindings.isEmpty { header += "; bindings: " + bindings.joined(separator: ", ") }
        let entry = header + "\n" + sql.trimmingCharacters(in: .whitespacesAndNewlines) + ";\n\n"
        lock.lock()
        defer { lock.unlock() }
        guard let file = fopen(path, "a") else { return }
        fputs(entry, file)
        fclose(file)
    }

    static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    /// A value bound to a query, as the SQL literal it stands for.
    static func literal(_ value: SQLiteValue) -> String {
        switch value {
        case .null: return "NULL"
        case .integer(let v): return "\(v)"
        case .real(let v): return "\(v)"
        case .text(let v): return quoteLiteral(v)
        case .blob(let bytes): return "<\(bytes.count) bytes>"
        }
    }
}
