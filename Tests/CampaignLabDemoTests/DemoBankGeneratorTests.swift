import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabDemo
import CampaignLabTestSupport
import Foundation
import Testing

/// One generated bank shared by the realism tests (4,000 customers, seed 3: about a second).
private enum SharedBank {
    /// Kept for the whole run (a static is never released); removed when the process exits.
    static let directory: TemporaryDirectory = {
        let directory = try! TemporaryDirectory("campaignlab-demo-shared")
        atexit { SharedBank.directory.remove() }
        return directory
    }()
    static let path: String = {
        let path = directory.file("bank.sqlite")
        _ = try! DemoBank.generate(DemoBankConfiguration(customers: 4_000, seed: 3), to: path)
        return path
    }()

    static func open() throws -> SQLiteDatabase { try SQLiteDatabase.open(readOnlyAt: path) }
}

private func double(_ db: SQLiteDatabase, _ sql: String) throws -> Double {
    let rows = try db.rows(sql)
    guard case .real(let value)? = rows.first?.first else {
        if case .integer(let value)? = rows.first?.first { return Double(value) }
        Issue.record("no number from \(sql)")
        return .nan
    }
    return value
}

struct DemoBankDeterminismTests {
    @Test func sameSeedGivesByteIdenticalFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = DemoBankConfiguration(customers: 800, seed: 5)
        _ = try DemoBank.generate(config, to: directory.file("a.sqlite"))
        _ = try DemoBank.generate(config, to: directory.file("b.sqlite"))
        #expect(try fileBytes(directory.file("a.sqlite")) == fileBytes(directory.file("b.sqlite")))

        _ = try DemoBank.generate(DemoBankConfiguration(customers: 800, seed: 6), to: directory.file("c.sqlite"))
        let a = try SQLiteDatabase.open(readOnlyAt: directory.file("a.sqlite"))
        let c = try SQLiteDatabase.open(readOnlyAt: directory.file("c.sqlite"))
        #expect(try tableContent(a, "customer_months") != tableContent(c, "customer_months"))
    }

    @Test func refusesToOverwriteWithoutPermission() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("bank.sqlite")
        try writeFile(path, "keep me")
        #expect(throws: DemoBankError.outputExists(path: path)) {
            _ = try DemoBank.generate(DemoBankConfiguration(customers: 200, seed: 1), to: path)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        _ = try DemoBank.generate(DemoBankConfiguration(customers: 200, seed: 1), to: path, overwrite: true)
        #expect(try SQLiteDatabase.open(readOnlyAt: path).scalarInt("SELECT count(*) FROM customers") == 200)
    }
}

struct DemoBankRealismTests {
    @Test func passesTheContractCheckWithoutProblems() throws {
        let report = try ContractChecker.check(databaseAt: SharedBank.path)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.message))")
        #expect(report.summary.customers?.count == 4_000)
        #expect(report.summary.customerMonths?.firstMonth == "2023-11")
        #expect(report.summary.customerMonths?.lastMonth == "2026-10")
    }

    /// Issue 2: "heavily long-tailed: many near zero, a few very large — the top 2% should
    /// hold most of the AUM"; app_logins "many zeros".
    @Test func aumIsLongTailedAndLoginsHaveManyZeros() throws {
        let db = try SharedBank.open()
        let topShare = try double(
            db,
            """
            WITH m AS (SELECT customer_id, avg(aum) AS a FROM customer_months WHERE month BETWEEN '2026-01' AND '2026-06' GROUP BY 1),
                 r AS (SELECT a, row_number() OVER (ORDER BY a DESC) AS rn, count(*) OVER () AS n FROM m)
            SELECT sum(CASE WHEN rn <= n * 0.02 THEN a END) / sum(a) FROM r
            """)
        #expect(topShare > 0.5)
        let nearZero = try double(db, "SELECT avg(aum < 1000) FROM customer_months")
        #expect(nearZero > 0.10)
        let median = try double(
            db,
            """
            SELECT aum FROM customer_months WHERE month = '2026-06' ORDER BY aum
            LIMIT 1 OFFSET (SELECT count(*) / 2 FROM customer_months WHERE month = '2026-06')
            """)
        let mean = try double(db, "SELECT avg(aum) FROM customer_months WHERE month = '2026-06'")
        #expect(mean > 5 * median)  // a long right tail: the mean far above the median
        let zeroLogins = try double(db, "SELECT avg(app_logins = 0) FROM customer_months")
        #expect(zeroLogins > 0.25 && zeroLogins < 0.6)
    }

    /// Issue 2: "the chance of taking part rises with prior activity and balance".
    @Test func participationRisesWithPriorActivityAndBalance() throws {
        let db = try SharedBank.open()
        for (campaign, pre) in [("growth_journey_2026", "'2026-07', '2026-08'"), ("growth_journey_2025", "'2025-07', '2025-08'")] {
            let rows = try db.rows(
                """
                WITH pre AS (SELECT customer_id, avg(app_logins) AS l, avg(aum) AS a FROM customer_months
                             WHERE month IN (\(pre)) GROUP BY 1)
                SELECT arm, avg(l), avg(a) FROM assignments JOIN pre USING (customer_id)
                WHERE campaign_id = '\(campaign)' GROUP BY arm ORDER BY arm
                """)
            #expect(rows.count == 2)
            guard rows.count == 2, case .real(let loginsNon) = rows[0][1], case .real(let loginsPart) = rows[1][1],
                case .real(let aumNon) = rows[0][2], case .real(let aumPart) = rows[1][2]
            else { continue }
            #expect(loginsPart > 2 * loginsNon, "\(campaign): participants' prior logins \(loginsPart) vs \(loginsNon)")
            #expect(aumPart > 1.5 * aumNon, "\(campaign): participants' prior AUM \(aumPart) vs \(aumNon)")

            // Participation rate by quartile of prior logins rises from the bottom to the top quartile.
            let rates = try db.rows(
                """
                WITH pre AS (SELECT customer_id, avg(app_logins) AS l FROM customer_months WHERE month IN (\(pre)) GROUP BY 1),
                     q AS (SELECT customer_id, ntile(4) OVER (ORDER BY l, customer_id) AS quartile FROM pre)
                SELECT quartile, avg(arm = 'participant') FROM assignments JOIN q USING (customer_id)
                WHERE campaign_id = '\(campaign)' GROUP BY quartile ORDER BY quartile
                """
            ).compactMap { row -> Double? in if case .real(let r) = row[1] { return r } else { return nil } }
            #expect(rates.count == 4)
            #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 < $1 }, "\(campaign): participation by quartile \(rates)")
        }
    }

    /// The ground truth is written for every campaign and metric, with effects that differ
    /// between segments (DemoBankModel: per-segment effects) and overall ATTs inside their range.
    @Test func groundTruthIsComplete() throws {
        let db = try SharedBank.open()
        for campaign in ["growth_journey_2026", "growth_journey_2025"] {
            for metric in ["aum", "products_held", "app_logins"] {
                let overall = try db.rows(
                    """
                    SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = ? AND estimand = 'ATT'
                      AND dimension IS NULL AND arm = 'participant'
                    """, [.text(campaign), .text(metric)])
                let bySegment = try db.rows(
                    """
                    SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = ? AND estimand = 'ATT'
                      AND dimension = 'segment'
                    """, [.text(campaign), .text(metric)]
                ).compactMap { row -> Double? in
                    if case .real(let v) = row[0] { return v } else { return nil }
                }
                #expect(overall.count == 1, "\(campaign) \(metric)")
                #expect(bySegment.count >= 3, "\(campaign) \(metric)")
                #expect(Set(bySegment).count >= 2, "\(campaign) \(metric): segment effects should differ")
                if case .real(let att)? = overall.first?.first, let low = bySegment.min(), let high = bySegment.max() {
                    #expect(att > 0 && att >= low && att <= high, "\(campaign) \(metric): ATT \(att) outside [\(low), \(high)]")
                }
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM ground_truth WHERE estimand = 'market_growth'") == 3)
        let pageRows = try db.rows(
            """
            SELECT arm, metric FROM ground_truth WHERE campaign_id = 'page_ab_2026' AND estimand = 'ATE' ORDER BY arm, metric
            """
        ).map { "\($0[0]) \($0[1])" }
        #expect(pageRows.count == 6)
        #expect(try db.scalarInt("SELECT count(*) FROM ground_truth WHERE definition = '' OR true_value IS NULL") == 0)
    }

    /// DemoCalendar: logins dip by 20% in the Spring-Festival month (2026-02-17) and AUM rises
    /// 6% in the month three weeks before it (2026-01).
    @Test func springFestivalSeasonality() throws {
        let db = try SharedBank.open()
        func monthly(_ column: String, _ month: String) throws -> Double {
            try double(db, "SELECT avg(\(column)) FROM customer_months WHERE month = '\(month)'")
        }
        let loginsFeb = try monthly("app_logins", "2026-02")
        #expect(loginsFeb < 0.9 * (try monthly("app_logins", "2026-01")))
        #expect(loginsFeb < 0.9 * (try monthly("app_logins", "2026-03")))
        let aumJan = try monthly("aum", "2026-01")
        #expect(aumJan > (try monthly("aum", "2025-12")))
        #expect(aumJan > (try monthly("aum", "2026-02")))
    }

    /// Events agree with the monthly numbers, and the campaign funnel narrows step by step.
    @Test func eventsAreConsistentWithMonthsAndFunnel() throws {
        let db = try SharedBank.open()
        let first = try #require(try db.scalarText("SELECT value FROM demo_info WHERE key = 'login_events_first_month'"))
        let mismatches = try db.scalarInt(
            """
            WITH e AS (SELECT customer_id, substr(occurred_at, 1, 7) AS month, count(*) AS n FROM events
                       WHERE event = 'app_login' GROUP BY 1, 2)
            SELECT count(*) FROM customer_months cm LEFT JOIN e USING (customer_id, month)
            WHERE cm.month >= ? AND cm.app_logins != coalesce(e.n, 0)
            """, [.text(first)])
        #expect(mismatches == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM events WHERE event = 'app_login' AND occurred_at < ?", [.text(first)]) == 0)

        let steps = ["page_view", "click", "enroll", "task_complete", "reward"]
        var previous = Int.max
        for step in steps {
            let customers = try #require(
                try db.scalarInt(
                    """
                    SELECT count(DISTINCT customer_id) FROM events WHERE campaign_id = 'growth_journey_2026' AND event = ?
                    """, [.text(step)]))
            #expect(customers > 0 && customers <= previous, "\(step): \(customers) customers after \(previous)")
            previous = customers
        }
        // Every enrolled customer saw the page first.
        #expect(
            try db.scalarInt(
                """
                SELECT count(*) FROM events e WHERE e.event = 'enroll' AND e.campaign_id = 'growth_journey_2026'
                  AND NOT EXISTS (SELECT 1 FROM events v WHERE v.customer_id = e.customer_id AND v.event = 'page_view'
                                  AND v.campaign_id = e.campaign_id AND v.occurred_at <= e.occurred_at)
                """) == 0)
    }

    /// The page test is randomized: arms of near-equal size and equal pre-period behaviour.
    @Test func pageTestArmsAreBalanced() throws {
        let db = try SharedBank.open()
        let sizes = try db.rows("SELECT arm, count(*) FROM assignments WHERE campaign_id = 'page_ab_2026' GROUP BY arm ORDER BY arm")
            .compactMap { row -> Double? in if case .integer(let n) = row[1] { return Double(n) } else { return nil } }
        #expect(sizes.count == 3)
        let total = sizes.reduce(0, +)
        // χ² against equal allocation, 2 df: 13.8 is the 0.999 quantile (R: qchisq(0.999, 2)).
        let chiSquare = sizes.reduce(0) { $0 + pow($1 - total / 3, 2) / (total / 3) }
        #expect(chiSquare < 13.8, "arm sizes \(sizes)")
        #expect(try db.scalarText("SELECT control_arm FROM campaigns WHERE campaign_id = 'page_ab_2026'") == "control")
        #expect(try db.scalarText("SELECT design FROM campaigns WHERE campaign_id = 'page_ab_2026'") == "randomized")
    }
}
