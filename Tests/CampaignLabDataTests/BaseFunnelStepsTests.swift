import CSQLite
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// The AARRR funnel's walk as an engine runs it (`BaseFunnelSteps`, its SQL run here by SQLite;
/// PostgreSQL and Spark run it in the warehouse tests against the Swift walk): each step's first
/// occurrence not before the previous step, worked out by hand below.
struct BaseFunnelStepsTests {
    /// Defines translate(text, from, to) on `db` as PostgreSQL and Spark have it (each character
    /// of `from` in the text replaced by the one at its place in `to`): the engines' SQL that
    /// checks a text's shape runs on SQLite then.
    static func addTranslate(_ db: SQLiteDatabase) {
        sqlite3_create_function_v2(
            db.handle, "translate", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, _, values in
                guard let values, let text = sqlite3_value_text(values[0]) else { return sqlite3_result_null(context) }
                let from = Array(String(cString: sqlite3_value_text(values[1])!)),
                    to = Array(String(cString: sqlite3_value_text(values[2])!))
                let out = String(String(cString: text).map { c in from.firstIndex(of: c).map { to[$0] } ?? c })
                sqlite3_result_text(context, out, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            }, nil, nil, nil)
    }

    /// Seconds since 1970 of a reporting-zone (UTC+08:00) text.
    static func at(_ text: String) -> Double { Timestamp(text)!.secondsSinceEpoch }

    @Test func eachStepIsTheFirstOccurrenceNotBeforeThePreviousOne() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        // 1 and 2 are followed; 3 never logs in; 4 opened before the window (its login still sets
        // where the login data begin), 5's opening day is not a date, 99 is not a customer.
        try makeDatabase(
            at: path,
            sql: """
                CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT);
                INSERT INTO customers VALUES (1, '2024-01-15'), (2, '2024-01-31'), (3, '2024-02-10'), (4, '2023-12-31'), (5, '2024-02-30');
                CREATE TABLE customer_months (customer_id INTEGER, month TEXT, logins INTEGER, PRIMARY KEY (customer_id, month));
                INSERT INTO customer_months VALUES (1, '2024-01', 2), (1, '2024-04', 1), (2, '2024-01', 0), (2, '2024-03', 4),
                  (2, '2024-04', 1), (3, '2024-02', 0), (5, '2024-02', 1);
                CREATE TABLE events (customer_id INTEGER, event TEXT, occurred_at TEXT);
                INSERT INTO events VALUES
                  (1, 'login', '2024-01-20 00:00:00'), (1, 'login', '2024-02-03 10:00:00'),
                  (1, 'buy', '2024-02-03 09:00:00'), (1, 'buy', '2024-02-03T02:00:00Z'), (1, 'buy', '2024-04-02 00:00:00'),
                  (2, 'login', '2024-03-31 20:00:00-04:00'), (2, 'buy', '2024-04-01 05:00:00'), (2, 'buy', '2024-04-01T00:00:00Z'),
                  (4, 'login', '2023-12-31 12:00:00'), (99, 'login', '2023-06-01 00:00:00');
                """)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        Self.addTranslate(db)
        let schema = try ContractSchema.discover(in: db)
        let steps = [
            BaseFunnelSteps.Step(rule: .months(column: "logins"), laterMonth: false),
            BaseFunnelSteps.Step(rule: .events(["login"]), laterMonth: true),
            BaseFunnelSteps.Step(rule: .events(["buy"]), laterMonth: false),
            BaseFunnelSteps.Step(rule: .months(column: "logins"), laterMonth: false),
            BaseFunnelSteps.Step(rule: .events(["buy"]), laterMonth: false),
        ]
        func walk(cutoff: String) throws -> (times: [Int64: [Double?]], earliest: [Double?]) {
            var tally = BadRows.Tally(.refuse)
            let walked = try BaseFunnelSteps.walk(
                steps, openedFrom: CivilDate("2024-01-01")!, through: CivilDate("2024-03-31")!, cutoff: CivilDate(cutoff)!,
                schema: schema, database: db, tally: &tally, progress: { _ in })
            var times: [Int64: [Double?]] = [:]
            for (id, row) in zip(walked.ids, walked.times) { times[id.intValue.map(Int64.init) ?? -1] = row }
            return (times, walked.earliest)
        }
        let month = { (text: String) in Double(CivilDate(text)!.daysSinceEpoch) * 86_400 }
        let full = try walk(cutoff: "2024-05-01")
        #expect(full.times.keys.sorted() == [1, 2, 3])
        // 1: active in its opening month (the month's first day; the step dated at the opening);
        // the January login is not in a later month; the 09:00 purchase is before the login, the
        // one at 02:00Z (10:00 here) is at it; April's months; a purchase after April's first day.
        #expect(
            full.times[1]! == [
                month("2024-01-01"), Self.at("2024-02-03 10:00:00"), Self.at("2024-02-03 10:00:00"), month("2024-04-01"),
                Self.at("2024-04-02 00:00:00"),
            ])
        // 2: March; a login at 20:00-04:00 is 08:00 on 1 April here; the purchase at 00:00Z is
        // 08:00 too; April's months dated at 08:00 (later than the first day), so the 05:00
        // purchase does not count for the last step.
        #expect(
            full.times[2]! == [
                month("2024-03-01"), Self.at("2024-04-01 08:00:00"), Self.at("2024-04-01 08:00:00"), month("2024-04-01"),
                Self.at("2024-04-01 08:00:00"),
            ])
        #expect(full.times[3]! == [nil, nil, nil, nil, nil])
        // Where the events steps' data begin: customer 4's login (99 is not a customer).
        #expect(
            full.earliest == [nil, Self.at("2023-12-31 12:00:00"), Self.at("2024-02-03 09:00:00"), nil, Self.at("2024-02-03 09:00:00")])

        // Events from 1 April on do not count: 2 stops before retention, 1 before the last purchase.
        let cut = try walk(cutoff: "2024-04-01")
        #expect(cut.times[2]! == [month("2024-03-01"), nil, nil, nil, nil])
        #expect(
            cut.times[1]! == [
                month("2024-01-01"), Self.at("2024-02-03 10:00:00"), Self.at("2024-02-03 10:00:00"), month("2024-04-01"), nil,
            ])
    }

    /// The first instant of every month from 1970 to 2099 in SQL, against `YearMonth.firstDay`.
    @Test func monthStartIsTheFirstDay() throws {
        let db = try SQLiteDatabase(path: ":memory:", mode: .readWrite(create: true))
        let first = YearMonth(year: 1970, month: 1)!.index, last = YearMonth(year: 2099, month: 12)!.index
        let sql = "SELECT \(EventTimes.monthStartMicros("m", dialect: .sqlite)) FROM (SELECT ? AS m)"
        for index in first...last {
            let value = try db.rows(sql, [.integer(Int64(index))]).first?[0]
            #expect(
                value == .integer(Int64(YearMonth(index: index).firstDay.daysSinceEpoch) * 86_400_000_000), "\(YearMonth(index: index))")
        }
    }
}
