import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// Per-customer months of activity (issue 15, cohort retention): bits per month, months met in
/// any order, TEXT ids, an unknown customer, offsets, the last month complete or not.
struct CustomerActivityTests {
    func database(_ sql: String) throws -> (SQLiteDatabase, ContractSchema, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        let path = dir.file("bank.sqlite")
        try makeDatabase(at: path, sql: sql)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        return (db, try ContractSchema.discover(in: db), dir)
    }

    @Test func monthsAboveZeroAreActive() throws {
        // Months deliberately out of order (2024-01 after 2026-02): the bits re-base.
        let (db, schema, dir) = try database(
            """
            CREATE TABLE customers (customer_id TEXT PRIMARY KEY, opened_on TEXT NOT NULL);
            INSERT INTO customers VALUES ('A', '2024-01-15'), ('B', '2025-06-01'), ('C', '2026-02-28');
            CREATE TABLE customer_months (customer_id TEXT NOT NULL, month TEXT NOT NULL, logins INTEGER, PRIMARY KEY (customer_id, month));
            INSERT INTO customer_months VALUES ('B', '2025-06', 3), ('B', '2025-07', 0), ('B', '2026-02', 1),
              ('A', '2024-01', 2), ('C', '2026-02', NULL), ('Z', '2025-01', 5);
            """)
        defer { dir.remove() }
        let a = try CustomerActivity.read(.months(column: "logins"), schema: schema, database: db)
        #expect(a.ids == [.text("A"), .text("B"), .text("C")])
        #expect(a.first == YearMonth("2024-01") && a.last == YearMonth("2026-02") && a.lastComplete == a.last)
        #expect(a.opened == [YearMonth("2024-01"), YearMonth("2025-06"), YearMonth("2026-02")])
        #expect(a.isActive(customer: 0, month: YearMonth("2024-01")!))
        #expect(a.isActive(customer: 1, month: YearMonth("2025-06")!) && !a.isActive(customer: 1, month: YearMonth("2025-07")!))
        #expect(a.isActive(customer: 1, month: YearMonth("2026-02")!))
        #expect(a.firstActive(customer: 1) == YearMonth("2025-06") && a.firstActive(customer: 2) == nil)
        // 'Z' is not in customers.
        #expect(a.unknownCustomers == 1)
    }

    @Test func eventsAreReadInTheReportingZone() throws {
        // 2026-03-31 20:00 in India is 2026-03-31 22:30 UTC+08:00; 23:00 in India is April 1st there.
        let (db, schema, dir) = try database(
            """
            CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT NOT NULL);
            INSERT INTO customers VALUES (1, '2026-01-02'), (2, '2026-03-01');
            CREATE TABLE events (customer_id INTEGER NOT NULL, event TEXT NOT NULL, occurred_at TEXT NOT NULL, value REAL, campaign_id TEXT);
            INSERT INTO events VALUES (1, 'login', '2026-01-05 09:00:00', NULL, NULL), (1, 'login', '2026-03-31T20:00:00+05:30', NULL, NULL),
              (2, 'login', '2026-03-31T23:00:00+05:30', NULL, NULL), (2, 'statement', '2026-02-01 00:00:00', NULL, NULL);
            """)
        defer { dir.remove() }
        let a = try CustomerActivity.read(.events(["login"]), schema: schema, database: db)
        #expect(a.first == YearMonth("2026-01") && a.last == YearMonth("2026-04"))
        // The events stop on April 1st: April is not complete.
        #expect(a.lastComplete == YearMonth("2026-03"))
        #expect(a.isActive(customer: 0, month: YearMonth("2026-03")!) && a.isActive(customer: 1, month: YearMonth("2026-04")!))
        #expect(!a.isActive(customer: 1, month: YearMonth("2026-02")!))
    }

    @Test func noActivityIsNamed() throws {
        let (db, schema, dir) = try database(
            """
            CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT NOT NULL);
            CREATE TABLE events (customer_id INTEGER NOT NULL, event TEXT NOT NULL, occurred_at TEXT NOT NULL, value REAL, campaign_id TEXT);
            """)
        defer { dir.remove() }
        do {
            _ = try CustomerActivity.read(.events(["login"]), schema: schema, database: db)
            Issue.record("no error")
        } catch { #expect("\(error)".contains("table events has no 'login' events")) }
        #expect(ActivityRule("months:app_logins>0") == .months(column: "app_logins"))
        #expect(ActivityRule("events:app_login, purchase") == .events(["app_login", "purchase"]))
        #expect(ActivityRule("logins") == nil && ActivityRule("months:a>5") == nil)
    }

    /// customer_months as the contract declares it (WITHOUT ROWID, key customer_id, month),
    /// large enough to be read in two customer-id halves: the one pass gives what SQL counts,
    /// a TEXT id of an integer customer included (it sorts after every integer: upper half).
    @Test func oneWithoutRowidPassInHalvesMatchesSQL() throws {
        let (db, schema, dir) = try database(
            """
            CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250001)
            INSERT INTO customers SELECT i, '2026-01-01' FROM n;
            CREATE TABLE customer_months (customer_id NOT NULL, month TEXT NOT NULL, aum REAL, logins INTEGER,
              PRIMARY KEY (customer_id, month)) WITHOUT ROWID;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250001)
            INSERT INTO customer_months SELECT i, '2026-0' || m, i * 0.5 + m, (i + m) % 3 FROM n, (SELECT 1 AS m UNION SELECT 2 UNION SELECT 3 UNION SELECT 4);
            INSERT INTO customer_months VALUES ('7', '2026-05', 100.0, 1);
            """)
        defer { dir.remove() }
        let groups = [[YearMonth("2026-01")!, YearMonth("2026-02")!], [YearMonth("2026-05")!]]
        let request = CustomerMonthsRequest(activity: ["logins"], sums: Set(groups.map { .init("aum", $0) }))
        let pass = try CustomerMonthsPass.read(request, schema: schema, database: db)
        let activity = pass.activity["logins"]!
        #expect(activity.first == YearMonth("2026-01")! && activity.last == YearMonth("2026-05")!)
        for m in 1...5 {
            let month = YearMonth("2026-0\(m)")!
            let sql = try db.scalarInt("SELECT count(*) FROM customer_months WHERE month = '\(month)' AND logins > 0") ?? -1
            #expect((0..<activity.count).filter { activity.isActive(customer: $0, month: month) }.count == sql, "\(month)")
        }
        let snapshots = pass.snapshots(metrics: ["aum"], groups: groups)
        let total = (0..<snapshots.ids.count).reduce(0.0) { $0 + (snapshots.value(group: 0, customer: $1) ?? 0) * 2 }
        let expected = try db.rows("SELECT sum(aum) FROM customer_months WHERE month IN ('2026-01', '2026-02')")[0][0].doubleValue!
        #expect(abs(total - expected) <= 1e-9 * expected)
        // The TEXT '7' row belongs to customer 7, read in the upper half.
        #expect(snapshots.value(group: 1, customer: 6) == 100 && activity.isActive(customer: 6, month: YearMonth("2026-05")!))
        #expect((0..<snapshots.ids.count).filter { snapshots.value(group: 1, customer: $0) != nil }.count == 1)
    }
}
