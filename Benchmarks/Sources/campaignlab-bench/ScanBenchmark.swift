import CampaignLabData
import Foundation
import GRDB
import GRDBSQLite

/// How fast can the data layer read `customer_months`? Three readers of the same columns:
///
/// - raw: the SQLite C API in a tight loop (sqlite3_step + sqlite3_column_*), the floor
///   that any SQLite-based reader pays;
/// - ChunkedScan: CampaignLab's streaming reader (type checks, month parsing, columnar chunks);
/// - GRDB: `Row.fetchCursor` with typed subscripts, the idiomatic GRDB way.
///
/// Each is run `repeats` times; the best time counts (the file is in the page cache after the
/// first run, so all three read from memory).
struct ScanBenchmark {
    let path: String
    let repeats: Int

    static let sql = "SELECT customer_id, month, aum, products_held, app_logins FROM customer_months"

    struct Result {
        var name: String
        var seconds: Double
        var rows: Int
        var checksum: Double
    }

    func run() throws -> [Result] {
        [try best("raw SQLite C API", raw),
         try best("ChunkedScan", chunked),
         try best("GRDB Row cursor", grdb)]
    }

    private func best(_ name: String, _ body: () throws -> (Int, Double)) throws -> Result {
        var result = Result(name: name, seconds: .infinity, rows: 0, checksum: 0)
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let (rows, checksum) = try body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds < result.seconds { result = Result(name: name, seconds: seconds, rows: rows, checksum: checksum) }
        }
        return result
    }

    /// The floor: step and read each column with the C API, month bytes summed, not parsed.
    private func raw() throws -> (Int, Double) {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw DataError.sqlite(code: 1, message: "cannot open \(path)", sql: nil)
        }
        defer { sqlite3_close_v2(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, Self.sql, -1, &statement, nil) == SQLITE_OK else {
            throw DataError.sqlite(code: 1, message: String(cString: sqlite3_errmsg(db)), sql: Self.sql)
        }
        defer { sqlite3_finalize(statement) }
        var rows = 0
        var checksum = 0.0
        while sqlite3_step(statement) == SQLITE_ROW {
            checksum += Double(sqlite3_column_int64(statement, 0) & 1)
            checksum += Double(sqlite3_column_bytes(statement, 1))
            _ = sqlite3_column_text(statement, 1)
            checksum += sqlite3_column_double(statement, 2) * 1e-9
            checksum += sqlite3_column_double(statement, 3)
            checksum += sqlite3_column_double(statement, 4)
            rows += 1
        }
        return (rows, checksum)
    }

    private func chunked() throws -> (Int, Double) {
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let scan = try ChunkedScan(database: db, table: "customer_months", sql: Self.sql,
                                   types: [.integer, .month, .double, .double, .double])
        var rows = 0
        var checksum = 0.0
        while let chunk = try scan.next() {
            for id in chunk.integers(0) { checksum += Double(id & 1) }
            checksum += 7 * Double(chunk.count)  // month text length, as the raw loop counts it
            for v in chunk.doubles(2) where !v.isNaN { checksum += v * 1e-9 }
            for v in chunk.doubles(3) where !v.isNaN { checksum += v }
            for v in chunk.doubles(4) where !v.isNaN { checksum += v }
            rows += chunk.count
        }
        return (rows, checksum)
    }

    private func grdb() throws -> (Int, Double) {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            var rows = 0
            var checksum = 0.0
            let cursor = try Row.fetchCursor(db, sql: Self.sql)
            while let row = try cursor.next() {
                let id: Int64 = row[0]
                let month: String = row[1]
                let aum: Double? = row[2]
                let products: Double? = row[3]
                let logins: Double? = row[4]
                checksum += Double(id & 1) + Double(month.utf8.count) + (aum ?? 0) * 1e-9 + (products ?? 0) + (logins ?? 0)
                rows += 1
            }
            return (rows, checksum)
        }
    }
}
