import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Testing

struct ChunkedScanTests {
    /// 10 rows: customer_id 1…10, aum = 100 × id, NULL for id 4.
    static func database(_ dir: TemporaryDirectory) throws -> SQLiteDatabase {
        let path = dir.file("scan.sqlite")
        try makeDatabase(
            at: path,
            sql: """
                CREATE TABLE customer_months(customer_id INTEGER, month TEXT, aum REAL);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
                INSERT INTO customer_months SELECT i, '2026-01', CASE WHEN i = 4 THEN NULL ELSE 100.0 * i END FROM n;
                """)
        return try SQLiteDatabase.open(readOnlyAt: path)
    }

    @Test(arguments: [1, 3, 10, 64])
    func chunksCoverEveryRowOnce(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.database(dir)
        let scan = try ChunkedScan(
            database: db, table: "customer_months",
            sql: "SELECT customer_id, month, aum FROM customer_months ORDER BY customer_id",
            types: [.integer, .text, .double], chunkSize: chunkSize)
        var ids: [Int64] = []
        var sum = 0.0, nulls = 0, chunks = 0
        while let chunk = try scan.next() {
            #expect(chunk.count <= chunkSize)
            #expect(chunk.firstRow == ids.count)
            ids += chunk.integers(0)
            #expect(chunk.texts(1).allSatisfy { $0 == "2026-01" })
            sum += chunk.doubles(2).filter { !$0.isNaN }.reduce(0, +)
            nulls += chunk.nullCounts[2]
            chunks += 1
        }
        #expect(ids == Array(1...10))
        // 100 × (1 + … + 10) − 100 × 4 = 5500 − 400, by hand.
        #expect(sum == 5100)
        #expect(nulls == 1)
        #expect(chunks == (10 + chunkSize - 1) / chunkSize)
        #expect(try scan.next() == nil)
    }

    @Test func textInANumericColumnNamesTableColumnAndRow() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bad.sqlite")
        try makeDatabase(
            at: path,
            sql: """
                CREATE TABLE customer_months(customer_id INTEGER, month TEXT, aum REAL);
                INSERT INTO customer_months VALUES (1, '2026-01', 5.0), (2, '2026-01', 'lots');
                """)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let scan = try ChunkedScan(
            database: db, table: "customer_months",
            sql: "SELECT customer_id, aum FROM customer_months", types: [.integer, .double])
        #expect(
            throws: DataError.contract(
                table: "customer_months", column: "aum", row: "customer_id=2 (row 2 of the scan)",
                message: "expected a number, found text value 'lots' (--exclude-bad-rows leaves such rows out)")
        ) {
            while try scan.next() != nil {}
        }
        // Leaving bad rows out, the word is a missing value, counted once the scan ends.
        let badRows = BadRows(.exclude)
        let lenient = try ChunkedScan(
            database: db, table: "customer_months",
            sql: "SELECT customer_id, aum FROM customer_months", types: [.integer, .double], badRows: badRows)
        var values: [Double] = []
        while let chunk = try lenient.next() { values += chunk.doubles(1) }
        #expect(values.count == 2 && values[0] == 5 && values[1].isNaN)
        #expect(
            badRows.excluded == [
                BadRows.Excluded(
                    table: "customer_months", column: "aum", problem: "not a number", count: 1,
                    exampleRow: "customer_id=2 (row 2 of the scan)", treatment: "treated as missing")
            ])
    }
}

struct ChunkedScanCalendarTests {
    @Test func calendarColumnsAreParsed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("cal.sqlite")
        try makeDatabase(
            at: path,
            sql: """
                CREATE TABLE t(m TEXT, d TEXT, ts TEXT);
                INSERT INTO t VALUES ('2026-02', '2026-02-17', '2026-02-17T08:00:00+08:00');
                """)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let scan = try ChunkedScan(database: db, table: "t", sql: "SELECT m, d, ts FROM t", types: [.month, .date, .timestamp])
        let chunk = try #require(try scan.next())
        #expect(chunk.integers(0) == [Int64(YearMonth(year: 2026, month: 2)!.index)])
        #expect(chunk.integers(1) == [Int64(CivilDate(year: 2026, month: 2, day: 17)!.daysSinceEpoch)])
        // Python: datetime.fromisoformat('2026-02-17T08:00:00+08:00').timestamp() == 1771286400.0,
        // as wall-clock time of the reporting zone (UTC+08:00): + 8 × 3600.
        #expect(chunk.doubles(2) == [1_771_286_400 + 28_800])
    }

    @Test(arguments: [("2026-13", "m"), (nil, "m")] as [(String?, String)])
    func badMonthIsAnErrorNamingTheColumn(value: String?, column: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("cal.sqlite")
        let literal = value.map { "'\($0)'" } ?? "NULL"
        try makeDatabase(at: path, sql: "CREATE TABLE t(k INTEGER, m TEXT); INSERT INTO t VALUES (7, \(literal));")
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let scan = try ChunkedScan(database: db, table: "t", sql: "SELECT k, m FROM t", types: [.integer, .month])
        do {
            _ = try scan.next()
            Issue.record("no error for month \(literal)")
        } catch let DataError.contract(table, col, row, message) {
            #expect(table == "t")
            #expect(col == column)
            #expect(row == "k=7 (row 1 of the scan)")
            #expect(message.contains("a month 'YYYY-MM'"))
        }
    }
}
