import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

/// Checks a database made by `ContractFixtures` with the given changes.
private func check(
    creating: [String: String] = [:], omitting: Set<String> = [], then extra: String = ""
) throws
    -> ContractCheckReport
{
    let dir = try TemporaryDirectory("check")
    defer { dir.remove() }
    let path = dir.file("bank.sqlite")
    try ContractFixtures.makeDatabase(at: path, creating: creating, omitting: omitting, then: extra)
    return try ContractChecker.check(databaseAt: path)
}

/// One defect added to the valid fixture, and the one problem the checker must report.
struct Defect: CustomTestStringConvertible, Sendable {
    var name: String
    var creating: [String: String] = [:]
    var omitting: Set<String> = []
    var sql: String = ""
    var severity: ContractProblem.Severity
    var kind: ContractProblem.Kind
    var table: String
    var column: String?
    /// The exact example row, or nil when the problem has none.
    var example: String?
    var affected: Int

    var testDescription: String { name }
}

// Expected counts (`affected`) are computed by hand from the fixture: e.g. 6 customers have a
// 2024-02 row; assignments has 12 rows; a duplicated key means 2 rows.
// Row ids follow the fixture's insertion order (see ContractFixtures): customer_months row
// (customer c, month 2024-0m) has rowid 6·(c−1)+m; events rows 1…8; campaigns growth=1, page_ab=2.
let defects: [Defect] = [
    // Schema
    Defect(
        name: "missing required table", omitting: ["events"],
        severity: .error, kind: .missingTable, table: "events", affected: 0),
    Defect(
        name: "missing required column", sql: "ALTER TABLE customers DROP COLUMN opened_on",
        severity: .error, kind: .missingColumn, table: "customers", column: "opened_on", affected: 0),
    Defect(
        name: "required column of the wrong declared type",
        creating: ["customers": "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on INTEGER, segment TEXT, branch TEXT)"],
        severity: .error, kind: .wrongDeclaredType, table: "customers", column: "opened_on", affected: 0),
    Defect(
        name: "text column in customer_months",
        creating: [
            "customer_months": """
            CREATE TABLE customer_months (customer_id INTEGER, month TEXT, aum REAL, products_held INTEGER,
                                          app_logins INTEGER, note TEXT, PRIMARY KEY (customer_id, month))
            """
        ],
        severity: .warning, kind: .nonNumericColumn, table: "customer_months", column: "note", affected: 0),
    // Per row
    Defect(
        name: "NULL in a NOT NULL column", sql: "UPDATE events SET occurred_at = NULL WHERE rowid = 3",
        severity: .error, kind: .nullValue, table: "events", column: "occurred_at",
        example: "customer_id=2, event='enroll', occurred_at=NULL (rowid 3)", affected: 1),
    Defect(
        name: "text in a metric column",
        sql: "UPDATE customer_months SET aum = 'n/a' WHERE customer_id = 2 AND month = '2024-03'",
        severity: .error, kind: .wrongStorageType, table: "customer_months", column: "aum",
        example: "customer_id=2, month='2024-03' (rowid 9)", affected: 1),
    Defect(
        name: "a real in customer_id",
        creating: ["events": "CREATE TABLE events (customer_id, event TEXT, occurred_at TEXT, value REAL, campaign_id TEXT)"],
        sql: "UPDATE events SET customer_id = 5.0 WHERE rowid = 7",
        severity: .error, kind: .wrongStorageType, table: "events", column: "customer_id",
        example: "customer_id=5.0, event='click', occurred_at='2024-05-03 12:01:00' (rowid 7)", affected: 1),
    Defect(
        name: "a number in a date column",
        creating: ["customers": "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on DATE, segment TEXT, branch TEXT)"],
        sql: "UPDATE customers SET opened_on = 20230120 WHERE customer_id = 3",
        severity: .error, kind: .wrongStorageType, table: "customers", column: "opened_on",
        example: "customer_id=3 (rowid 3)", affected: 1),
    Defect(
        name: "unparsable month",
        sql: "UPDATE customer_months SET month = '2024-13' WHERE customer_id = 4 AND month = '2024-06'",
        severity: .error, kind: .unparsableValue, table: "customer_months", column: "month",
        example: "customer_id=4, month='2024-13' (rowid 24)", affected: 1),
    Defect(
        name: "unparsable date", sql: "UPDATE campaigns SET ends_on = '2024-02-30' WHERE campaign_id = 'page_ab'",
        severity: .error, kind: .unparsableValue, table: "campaigns", column: "ends_on",
        example: "campaign_id='page_ab' (rowid 2)", affected: 1),
    Defect(
        name: "unparsable timestamp",
        sql: "UPDATE assignments SET assigned_at = '2024-05-01 25:00:00' WHERE campaign_id = 'page_ab' AND customer_id IN (2, 4)",
        severity: .error, kind: .unparsableValue, table: "assignments", column: "assigned_at",
        example: "campaign_id='page_ab', customer_id=2 (rowid 8)", affected: 2),
    Defect(
        name: "design not allowed", sql: "UPDATE campaigns SET design = 'quasi-experiment' WHERE campaign_id = 'growth'",
        severity: .error, kind: .valueNotAllowed, table: "campaigns", column: "design",
        example: "campaign_id='growth' (rowid 1)", affected: 1),
    Defect(
        name: "infinite metric",
        sql: "UPDATE customer_months SET aum = -9e999 WHERE customer_id = 1 AND month = '2024-02'",
        severity: .error, kind: .infiniteValue, table: "customer_months", column: "aum",
        example: "customer_id=1, month='2024-02' (rowid 2)", affected: 1),
    Defect(
        name: "NULL metric (NaN is stored as NULL)",
        sql: "UPDATE customer_months SET app_logins = 0.0 / 0.0 WHERE month = '2024-02'",
        severity: .warning, kind: .nullMetric, table: "customer_months", column: "app_logins",
        example: "customer_id=1, month='2024-02' (rowid 2)", affected: 6),
    Defect(
        name: "negative aum", sql: "UPDATE customer_months SET aum = -12.5 WHERE customer_id = 6 AND month = '2024-01'",
        severity: .warning, kind: .negativeBalance, table: "customer_months", column: "aum",
        example: "customer_id=6, month='2024-01' (rowid 31)", affected: 1),
    Defect(
        name: "negative balance column",
        creating: [
            "customer_months": """
            CREATE TABLE customer_months (customer_id INTEGER, month TEXT, aum REAL, products_held INTEGER,
                                          app_logins INTEGER, deposit_balance REAL DEFAULT 0, PRIMARY KEY (customer_id, month))
            """
        ],
        sql: "UPDATE customer_months SET deposit_balance = -1 WHERE customer_id = 2 AND month = '2024-05'",
        severity: .warning, kind: .negativeBalance, table: "customer_months", column: "deposit_balance",
        example: "customer_id=2, month='2024-05' (rowid 11)", affected: 1),
    // Time zones: events rows 2 and 4 written with offsets, the rest without (events rowids 1…8).
    Defect(
        name: "timestamps with and without offsets",
        sql:
            "UPDATE events SET occurred_at = '2024-04-03T10:00:00+08:00' WHERE rowid = 2; UPDATE events SET occurred_at = '2024-04-20 14:30:00Z' WHERE rowid = 4",
        severity: .warning, kind: .mixedTimeZones, table: "events", column: "occurred_at",
        example: "customer_id=1, event='purchase', occurred_at='2024-04-20 14:30:00Z' (rowid 4)", affected: 2),
    // Identifier types
    Defect(
        name: "customer_id TEXT in one table, INTEGER in another",
        creating: [
            "assignments": """
            CREATE TABLE assignments (campaign_id TEXT, customer_id TEXT, arm TEXT, assigned_at TEXT,
                                      PRIMARY KEY (campaign_id, customer_id))
            """
        ],
        severity: .error, kind: .mixedIdentifierTypes, table: "assignments", column: "customer_id",
        example: "campaign_id='growth', customer_id='1' (rowid 1)", affected: 12),
    // Keys and references
    Defect(
        name: "duplicate primary key",
        creating: [
            "customer_months": """
            CREATE TABLE customer_months (customer_id INTEGER, month TEXT, aum REAL, products_held INTEGER, app_logins INTEGER)
            """
        ],
        sql: "INSERT INTO customer_months SELECT * FROM customer_months WHERE customer_id = 5 AND month = '2024-02'",
        severity: .error, kind: .duplicateKey, table: "customer_months", column: nil,
        example: "customer_id=5, month='2024-02'", affected: 2),
    Defect(
        name: "customer_months of an unknown customer",
        sql: "INSERT INTO customer_months VALUES (99, '2024-03', 1.0, 1, 1)",
        severity: .error, kind: .orphanCustomer, table: "customer_months", column: "customer_id",
        example: "customer_id=99, month='2024-03'", affected: 1),
    Defect(
        name: "events of an unknown customer",
        sql: "INSERT INTO events VALUES (99, 'app_login', '2024-05-01 10:00:00', NULL, NULL)",
        severity: .error, kind: .orphanCustomer, table: "events", column: "customer_id",
        example: "customer_id=99, event='app_login', occurred_at='2024-05-01 10:00:00' (rowid 9)", affected: 1),
    Defect(
        name: "assignment of an unknown customer",
        sql: "INSERT INTO assignments VALUES ('growth', 99, 'non_participant', '2024-04-01 00:00:00')",
        severity: .error, kind: .orphanCustomer, table: "assignments", column: "customer_id",
        example: "campaign_id='growth', customer_id=99 (rowid 13)", affected: 1),
    Defect(
        name: "assignment of an unknown campaign",
        sql: "INSERT INTO assignments VALUES ('ghost', 1, 'participant', '2024-04-01 00:00:00')",
        severity: .error, kind: .orphanCampaign, table: "assignments", column: "campaign_id",
        example: "campaign_id='ghost', customer_id=1 (rowid 13)", affected: 1),
    Defect(
        name: "event of an unknown campaign", sql: "UPDATE events SET campaign_id = 'ghost' WHERE rowid IN (6, 7)",
        severity: .warning, kind: .orphanCampaign, table: "events", column: "campaign_id",
        example: "customer_id=4, event='page_view', occurred_at='2024-05-03 12:00:00.250' (rowid 6)", affected: 2),
    // Campaigns
    Defect(
        name: "campaign ends before it starts", sql: "UPDATE campaigns SET ends_on = '2024-03-31' WHERE campaign_id = 'growth'",
        severity: .error, kind: .campaignEndsBeforeStart, table: "campaigns", column: "ends_on",
        example: "campaign_id='growth' (rowid 1)", affected: 1),
    Defect(
        name: "campaign without assignments",
        sql: "INSERT INTO campaigns VALUES ('winter', 'Winter push', 'observational', '2024-06-01', '2024-06-30', 'non_participant')",
        severity: .error, kind: .campaignWithoutAssignments, table: "campaigns", column: "campaign_id",
        example: "campaign_id='winter'", affected: 1),
    Defect(
        name: "control arm without assignments", sql: "UPDATE campaigns SET control_arm = 'holdout' WHERE campaign_id = 'page_ab'",
        severity: .error, kind: .controlArmEmpty, table: "campaigns", column: "control_arm",
        example: "campaign_id='page_ab'", affected: 1),
    Defect(
        name: "campaign with one arm", sql: "DELETE FROM assignments WHERE campaign_id = 'page_ab' AND arm = 'B'",
        severity: .error, kind: .singleArm, table: "campaigns", column: "campaign_id",
        example: "campaign_id='page_ab'", affected: 1),
    Defect(
        name: "customer in two arms",
        creating: ["assignments": "CREATE TABLE assignments (campaign_id TEXT, customer_id INTEGER, arm TEXT, assigned_at TEXT)"],
        sql: "INSERT INTO assignments VALUES ('page_ab', 3, 'B', '2024-05-02 00:00:00')",
        severity: .error, kind: .customerInTwoArms, table: "assignments", column: "arm",
        example: "campaign_id='page_ab', customer_id=3", affected: 2),
    Defect(
        name: "campaign without a pre-period", sql: "UPDATE campaigns SET starts_on = '2024-01-15' WHERE campaign_id = 'page_ab'",
        severity: .warning, kind: .noPrePeriod, table: "campaigns", column: "starts_on",
        example: "campaign_id='page_ab'", affected: 1),
    // customer_months
    Defect(
        name: "gap in a customer's months", sql: "DELETE FROM customer_months WHERE customer_id = 3 AND month IN ('2024-03', '2024-04')",
        severity: .warning, kind: .monthGaps, table: "customer_months", column: "month",
        example: "customer_id=3 (2024-01…2024-06: 2 of 6 months missing)", affected: 1),
    Defect(
        name: "months before opened_on", sql: "UPDATE customers SET opened_on = '2024-03-10' WHERE customer_id = 6",
        severity: .warning, kind: .monthsBeforeOpening, table: "customer_months", column: "month",
        example: "customer_id=6, month='2024-01' (opened_on '2024-03-10')", affected: 1),
    // metric_definitions
    Defect(
        name: "unknown metric source", sql: "UPDATE metric_definitions SET source = 'ledger' WHERE metric = 'aum'",
        severity: .error, kind: .invalidMetricDefinition, table: "metric_definitions", column: "source",
        example: "metric='aum' (rowid 1)", affected: 1),
    Defect(
        name: "unknown metric rollup", sql: "UPDATE metric_definitions SET rollup = 'median' WHERE metric = 'products_held'",
        severity: .error, kind: .invalidMetricDefinition, table: "metric_definitions", column: "rollup",
        example: "metric='products_held' (rowid 2)", affected: 1),
    Defect(
        name: "rollup of the other source", sql: "UPDATE metric_definitions SET rollup = 'any' WHERE metric = 'aum'",
        severity: .error, kind: .invalidMetricDefinition, table: "metric_definitions", column: "rollup",
        example: "metric='aum' (rowid 1)", affected: 1),
    Defect(
        name: "months metric naming no column",
        sql: "INSERT INTO metric_definitions (metric, source, rollup) VALUES ('nps', 'months', 'mean')",
        severity: .error, kind: .invalidMetricDefinition, table: "metric_definitions", column: "metric",
        example: "metric='nps' (rowid 6)", affected: 1),
    Defect(
        name: "events metric without event", sql: "UPDATE metric_definitions SET event = NULL WHERE metric = 'logins'",
        severity: .error, kind: .invalidMetricDefinition, table: "metric_definitions", column: "event",
        example: "metric='logins' (rowid 3)", affected: 1),
    Defect(
        name: "ratio of an undefined metric",
        sql: "UPDATE metric_definitions SET denominator = 'product_count' WHERE metric = 'aum_per_product'",
        severity: .error, kind: .invalidMetricDefinition, table: "metric_definitions", column: "denominator",
        example: "metric='aum_per_product' (rowid 5)", affected: 1),
]

struct ContractCheckTests {
    @Test func validFixtureHasNoProblems() throws {
        let report = try check()
        #expect(report.problems == [], "\(report.problems.map(\.message))")
        #expect(!report.hasErrors)
        // Counts from ContractFixtures: 6 customers × 6 months; 8 events; 2 campaigns.
        #expect(report.summary.customers == .init(count: 6, firstOpenedOn: "2022-03-15", lastOpenedOn: "2023-12-31"))
        #expect(
            report.summary.customerMonths
                == .init(
                    rows: 36, firstMonth: "2024-01", lastMonth: "2024-06",
                    metrics: ["aum", "products_held", "app_logins"]))
        #expect(report.summary.dimensions.map(\.name) == ["segment", "branch"])
        #expect(report.summary.dimensions.first?.distinctValues == 2)
        #expect(report.summary.dimensions.first?.topValues == [ValueCount("mass", 4), ValueCount("affluent", 2)])
        #expect(report.summary.events?.rows == 8)
        #expect(report.summary.events?.types.first == ValueCount("app_login", 3))
        #expect(report.summary.events?.distinctTypes == 5)
        #expect(report.summary.campaigns.map(\.campaignID) == ["growth", "page_ab"])
        #expect(report.summary.campaigns.first?.arms == [ValueCount("non_participant", 4), ValueCount("participant", 2)])
        #expect(report.summary.campaigns.last?.arms == [ValueCount("B", 3), ValueCount("control", 3)])
    }

    @Test func missingMetricDefinitionsIsNoProblem() throws {
        let report = try check(omitting: ["metric_definitions"])
        #expect(report.problems == [])
        #expect(report.summary.metricDefinitions.map(\.metric) == ["aum", "products_held", "app_logins"])
        #expect(report.summary.metricDefinitions.allSatisfy { $0.isDefault })
    }

    @Test(arguments: defects)
    func reportsExactlyTheDefect(_ defect: Defect) throws {
        let report = try check(creating: defect.creating, omitting: defect.omitting, then: defect.sql)
        #expect(report.problems.count == 1, "\(report.problems.map { "\($0.kind) \($0.place): \($0.message)" })")
        let problem = try #require(report.problems.first)
        #expect(problem.severity == defect.severity)
        #expect(problem.kind == defect.kind)
        #expect(problem.table == defect.table)
        #expect(problem.column == defect.column)
        #expect(problem.exampleRow == defect.example)
        #expect(problem.affectedRows == defect.affected)
        #expect(!problem.message.isEmpty)
        #expect(report.hasErrors == (defect.severity == .error))
    }

    @Test func messagesNameTheValue() throws {
        let report = try check(then: "UPDATE customer_months SET month = '2024-13' WHERE customer_id = 4 AND month = '2024-06'")
        let problem = try #require(report.problems.first)
        #expect(problem.message == "'2024-13' is not a month 'YYYY-MM'")
    }

    @Test func examplesStayOnOneLine() throws {
        let report = try check(then: "UPDATE customer_months SET month = '2024-03' || char(10) WHERE rowid = 3")
        #expect(report.problems.first?.exampleRow == "customer_id=1, month='2024-03\\n' (rowid 3)")
        #expect(report.problems.first?.message == "'2024-03\\n' is not a month 'YYYY-MM'")
        let long = String(repeating: "x", count: 100)
        #expect(SQLiteValue.text(long).shortDescription == "'" + String(repeating: "x", count: 37) + "…'")
        #expect(SQLiteValue.text("it's").shortDescription == "'it''s'")
    }

    @Test func countsEveryBadRowButKeepsOneExample() throws {
        // 36 rows, all with text in aum (computed by hand: 6 customers × 6 months).
        let report = try check(then: "UPDATE customer_months SET aum = 'unknown'")
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.affectedRows == 36)
        #expect(report.problems.first?.exampleRow == "customer_id=1, month='2024-01' (rowid 1)")
    }

    @Test func errorsComeBeforeWarnings() throws {
        let report = try check(
            then: """
                UPDATE customer_months SET aum = -1 WHERE customer_id = 1 AND month = '2024-01';
                UPDATE campaigns SET design = 'ab' WHERE campaign_id = 'page_ab';
                """)
        #expect(report.problems.map(\.severity) == [.error, .warning])
        #expect(report.errorCount == 1 && report.warningCount == 1)
    }

    @Test func checkDoesNotChangeTheFile() throws {
        let dir = try TemporaryDirectory("check")
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: path, then: "UPDATE customer_months SET aum = 'n/a' WHERE rowid = 3")
        let before = try fileBytes(path)
        let report = try ContractChecker.check(databaseAt: path)
        #expect(report.hasErrors)
        #expect(try fileBytes(path) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func viewsOverOtherTablesCheckClean() throws {
        let dir = try TemporaryDirectory("check")
        defer { dir.remove() }
        let path = dir.file("views.sqlite")
        // The fixture under other names, then contract views over them — one with a computed,
        // untyped metric column (sampled to find that it is numeric).
        let renamed = ContractFixtures.sql()
        try makeDatabase(
            at: path,
            sql: renamed + """
                ALTER TABLE customers RENAME TO crm_customers;
                ALTER TABLE customer_months RENAME TO dw_monthly;
                ALTER TABLE events RENAME TO app_events;
                ALTER TABLE campaigns RENAME TO mkt_campaigns;
                ALTER TABLE assignments RENAME TO mkt_assignments;
                CREATE VIEW customers AS SELECT customer_id, opened_on, segment AS customer_segment FROM crm_customers;
                CREATE VIEW customer_months AS
                    SELECT customer_id, month, aum, aum / 10000.0 AS aum_wan, products_held, app_logins FROM dw_monthly;
                CREATE VIEW events AS SELECT customer_id, event, occurred_at, value, campaign_id FROM app_events;
                CREATE VIEW campaigns AS SELECT * FROM mkt_campaigns;
                CREATE VIEW assignments AS SELECT * FROM mkt_assignments;
                """)
        let report = try ContractChecker.check(databaseAt: path)
        #expect(report.problems == [], "\(report.problems.map { "\($0.kind) \($0.place): \($0.message)" })")
        #expect(report.summary.customerMonths?.metrics == ["aum", "aum_wan", "products_held", "app_logins"])
        #expect(report.summary.customerMonths?.rows == 36)
        #expect(report.summary.dimensions.map(\.name) == ["customer_segment"])
    }

    @Test func duplicatesInAViewAreFound() throws {
        let dir = try TemporaryDirectory("check")
        defer { dir.remove() }
        let path = dir.file("views.sqlite")
        try makeDatabase(
            at: path,
            sql: ContractFixtures.sql() + """
                ALTER TABLE customers RENAME TO crm_customers;
                CREATE VIEW customers AS SELECT * FROM crm_customers UNION ALL SELECT * FROM crm_customers WHERE customer_id = 2;
                """)
        let report = try ContractChecker.check(databaseAt: path)
        #expect(report.problems.count == 1)
        let problem = try #require(report.problems.first)
        #expect(problem.kind == .duplicateKey && problem.table == "customers" && problem.column == "customer_id")
        #expect(problem.exampleRow == "customer_id=2")  // a view has no rowid
        #expect(problem.affectedRows == 2)
    }

    @Test func brokenViewIsAnErrorNotACrash() throws {
        let dir = try TemporaryDirectory("check")
        defer { dir.remove() }
        let path = dir.file("views.sqlite")
        try makeDatabase(
            at: path,
            sql: ContractFixtures.sql(omitting: ["events"]) + """
                CREATE TABLE raw_events (customer_id, event, occurred_at);
                CREATE VIEW events AS SELECT customer_id, event, occurred_at FROM raw_events;
                DROP TABLE raw_events;
                """)
        let report = try ContractChecker.check(databaseAt: path)
        #expect(report.problems.map(\.kind) == [.unreadableTable])
        #expect(report.problems.first?.table == "events")
        #expect(report.problems.first?.message.contains("raw_events") == true)
    }

    @Test func progressIsReported() throws {
        let dir = try TemporaryDirectory("check")
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try ContractFixtures.makeDatabase(at: path)
        nonisolated(unsafe) var lines: [String] = []
        _ = try ContractChecker.check(databaseAt: path) { lines.append($0) }
        #expect(lines.contains("checking customer_months…"))
        #expect(lines.contains("checking campaigns…"))
    }

    @Test func textIdentifiersEverywhereAreFine() throws {
        let report = try check(creating: [
            "customers": "CREATE TABLE customers (customer_id TEXT PRIMARY KEY, opened_on TEXT, segment TEXT, branch TEXT)",
            "customer_months": """
            CREATE TABLE customer_months (customer_id TEXT, month TEXT, aum REAL, products_held INTEGER,
                                          app_logins INTEGER, PRIMARY KEY (customer_id, month))
            """,
            "events": "CREATE TABLE events (customer_id TEXT, event TEXT, occurred_at TEXT, value REAL, campaign_id TEXT)",
            "assignments": """
            CREATE TABLE assignments (campaign_id TEXT, customer_id TEXT, arm TEXT, assigned_at TEXT,
                                      PRIMARY KEY (campaign_id, customer_id))
            """,
        ])
        #expect(report.problems == [], "\(report.problems.map { "\($0.kind) \($0.place): \($0.message)" })")
    }

    @Test func withoutRowIDTablesNameRowsByKeyOnly() throws {
        let report = try check(
            creating: [
                "customers":
                    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT, segment TEXT, branch TEXT) WITHOUT ROWID"
            ],
            then: "UPDATE customers SET opened_on = '2023-02-29' WHERE customer_id = 5")
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.kind == .unparsableValue)
        #expect(report.problems.first?.exampleRow == "customer_id=5")
    }

    @Test func emptyDatabaseReportsEveryRequiredTable() throws {
        let dir = try TemporaryDirectory("check")
        defer { dir.remove() }
        let path = dir.file("empty.sqlite")
        try makeDatabase(at: path, sql: "CREATE TABLE unrelated(x)")
        let report = try ContractChecker.check(databaseAt: path)
        #expect(report.problems.map(\.table) == ["customers", "customer_months", "events", "campaigns", "assignments"])
        #expect(report.problems.allSatisfy { $0.kind == .missingTable && $0.severity == .error })
    }
}
