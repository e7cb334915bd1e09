import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabWarehouse

/// A PostgreSQL server for the warehouse tests. `make test` (and so `.ci/run`) starts a throwaway
/// one on loopback (scripts/warehouse/pg-start.sh), puts its password in PGPASSWORD and its
/// address in CAMPAIGNLAB_PG_URL, and sets CAMPAIGNLAB_REQUIRE_WAREHOUSE=1: there a missing
/// server fails `serverIsThereWhenRequired`. A plain `swift test` without a server skips them.
enum TestWarehouse {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["CAMPAIGNLAB_PG_URL"]
    static let available = url != nil && environment["PGPASSWORD"] != nil
    static let required = environment["CAMPAIGNLAB_REQUIRE_WAREHOUSE"] == "1"

    private static let lock = NSLock()

    /// A file of datasets/, or an absolute path.
    static func path(_ file: String) -> String { file.hasPrefix("/") ? file : repositoryRoot + "/datasets/" + file }

    /// SelfSelectedBank in a temporary file named after `name`, with `sql` run on it after.
    static func selfSelectedBank(_ name: String, then sql: String) -> Result<String, any Error> {
        Result {
            let file = NSTemporaryDirectory() + "campaignlab-warehouse-\(name)-\(getpid()).sqlite"
            try? FileManager.default.removeItem(atPath: file)
            try SelfSelectedBank.make(at: file, then: sql)
            return file
        }
    }

    /// A bank made for the engines' edge cases (SelfSelectedBank, 3,000 customers, plus rows):
    /// `last`, `max` and `sum` months rollups; events of a name with a quote; times written with
    /// 'Z', '+00:00', '-00:00', '+09:00', '-05:00', none, 'T' or a space and fractions, on the
    /// days where the reporting zone's month differs from the written one.
    static let edgeBank = selfSelectedBank(
        "edge",
        then: """
            CREATE TABLE metric_definitions (metric TEXT PRIMARY KEY, label TEXT, unit TEXT, source TEXT, rollup TEXT,
                                             event TEXT, numerator TEXT, denominator TEXT, higher_is_better INTEGER);
            INSERT INTO metric_definitions VALUES
              ('aum', 'AUM, last month', 'CNY', 'months', 'last', NULL, NULL, NULL, 1),
              ('products_held', 'Products, most in a month', NULL, 'months', 'max', NULL, NULL, NULL, 1),
              ('app_logins', 'Logins, all months', NULL, 'months', 'sum', NULL, NULL, NULL, 1),
              ('visits', 'Visits', NULL, 'events', 'count', 'it''s a visit', NULL, NULL, 1),
              ('spend', 'Spend', 'CNY', 'events', 'sum', 'buy\\', NULL, NULL, 1),
              ('bought', 'Bought', NULL, 'events', 'any', 'buy\\', NULL, NULL, 1);
            WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < 6)
            INSERT INTO events (customer_id, event, occurred_at, value, campaign_id)
            SELECT customer_id, 'it''s a visit', printf('2024-%02d-01 00:30:00+09:00', i), NULL, NULL
              FROM customers, m WHERE (customer_id + i) % 3 = 0
            UNION ALL SELECT customer_id, 'it''s a visit', printf('2024-%02d-28T20:00:00Z', i), NULL, NULL
              FROM customers, m WHERE (customer_id * i) % 4 = 1
            UNION ALL SELECT customer_id, 'it''s a visit', '2024-04-30T18:00:00.5Z', NULL, NULL FROM customers WHERE customer_id % 5 = 2
            UNION ALL SELECT customer_id, 'buy\\', '2024-03-31 23:59:59.999', (customer_id % 7) * 10.5, 'growth'
              FROM customers WHERE customer_id % 2 = 0
            UNION ALL SELECT customer_id, 'buy\\', '2024-03-31T16:00:00+00:00', (customer_id % 11) * 3.25, NULL
              FROM customers WHERE customer_id % 3 = 1
            UNION ALL SELECT customer_id, 'buy\\', '2024-04-01 07:59:59-00:00', NULL, NULL FROM customers WHERE customer_id % 4 = 3
            UNION ALL SELECT customer_id, 'buy\\', '2024-06-30 20:00:00-05:00', 99.5, NULL FROM customers WHERE customer_id % 6 = 5
            UNION ALL SELECT customer_id, 'buy\\', '2024-01-15T12:00:00.25+05:30', 7.75, NULL FROM customers WHERE customer_id % 9 = 4;
            """)
    /// A bank with what the data-quality check looks for, in rows every loader carries (no
    /// storage-class mix-ups, which typed engines cannot hold): a 30 February, a 13th month, an
    /// infinite and a negative balance, a missing month, unknown customers and campaigns, times
    /// that are not times, a campaign ending before it starts with a design not allowed and no
    /// assignments, an assignment without an arm.
    static let checkBank = selfSelectedBank(
        "check",
        then: """
            INSERT INTO customers VALUES (900001, '2024-02-30', 'retail', 'north'), (900002, '2023-13-01', NULL, NULL),
                                         (900003, '2023-02-28', 'retail', 'south');
            INSERT INTO customer_months (customer_id, month, aum) VALUES (5, '2024-13', 1.0), (9999999, '2024-01', 2.0),
                                                                  (900003, '2022-12', 3.0);
            UPDATE customer_months SET aum = -250.5 WHERE customer_id = 7 AND month = '2024-02';
            UPDATE customer_months SET aum = 1e999 WHERE customer_id = 8 AND month = '2024-03';
            DELETE FROM customer_months WHERE customer_id IN (11, 12) AND month = '2024-02';
            INSERT INTO events (customer_id, event, occurred_at, value, campaign_id) VALUES
              (1, 'visit', 'yesterday', NULL, NULL), (2, 'visit', '2024-02-30 10:00:00', NULL, NULL),
              (3, 'visit', '2024-05-01T25:00:00Z', NULL, NULL), (4, 'visit', '2024-05-01 10:00:00+05:30', NULL, 'no_such'),
              (8888888, 'visit', '2024-05-01 10:00:00', NULL, NULL);
            INSERT INTO campaigns VALUES ('broken', 'Broken', 'quasi', '2024-06-01', '2024-05-01', 'control');
            INSERT INTO assignments VALUES ('growth', 900001, NULL, '2024-04-01 00:00:00');
            CREATE TABLE metric_definitions (metric TEXT PRIMARY KEY, label TEXT, unit TEXT, source TEXT, rollup TEXT,
                                             event TEXT, numerator TEXT, denominator TEXT, higher_is_better INTEGER);
            INSERT INTO metric_definitions VALUES ('aum', 'AUM', 'CNY', 'months', 'last', NULL, NULL, NULL, 1);
            ALTER TABLE customers ADD COLUMN cl_flag0 TEXT;  -- named like the engine check's own flag columns
            """)
    /// demo-small with two customers whose opening day is not a date: 9 and 10, INTEGER ids
    /// (an engine orders them as numbers, '10' before '9' as texts).
    static let badOpeningBank = Result<String, any Error> {
        let file = NSTemporaryDirectory() + "campaignlab-warehouse-badopening-\(getpid()).sqlite"
        try? FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: path("demo-small.sqlite"), toPath: file)
        try SQLiteDatabase(path: file, mode: .readWrite(create: false)).execute(
            "UPDATE customers SET opened_on = '2024-02-30' WHERE customer_id IN (9, 10)")
        return file
    }
    nonisolated(unsafe) private static var loaded: [String: Result<String, any Error>] = [:]

    /// The backend URL of schema `schema` holding the contract tables of `file` (a file of
    /// datasets/), loaded once per test run by scripts/warehouse/pg-load.sh.
    static func backend(_ file: String, schema: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let done = loaded[schema] { return try done.get() }
        let result = Result { try load(file, schema: schema) }
        loaded[schema] = result
        return try result.get()
    }

    /// PGHOST, PGPORT, PGUSER and PGDATABASE for psql, from the URL.
    static var psqlEnvironment: [String: String] {
        var env = environment
        guard let url, let parts = URLComponents(string: url) else { return env }
        env["PGHOST"] = parts.host
        env["PGPORT"] = String(parts.port ?? 5432)
        env["PGUSER"] = parts.user
        env["PGDATABASE"] = String(parts.path.dropFirst())
        return env
    }

    /// A schema `name` of views over the contract tables of schema `source`, those of `replacing`
    /// (table → SELECT) defined otherwise.
    static func viewSchema(_ name: String, over source: String, replacing: [String: String] = [:]) throws {
        var sql = "DROP SCHEMA IF EXISTS \(name) CASCADE; CREATE SCHEMA \(name);\n"
        for table in ContractFixtures.tableNames {
            sql += "CREATE VIEW \(name).\(table) AS \(replacing[table] ?? "SELECT * FROM \(source).\(table)");\n"
        }
        try psql(sql)
    }

    /// A schema `name` of copies of the contract tables of schema `source` (loaded from `file`
    /// first), with dates and times typed as a warehouse would: `columns` maps table → column →
    /// (type, USING expression over the column's text).
    static func typedSchema(
        _ name: String, file: String, over source: String, columns: [String: [String: (type: String, using: String)]]
    ) throws -> String {
        _ = try backend(file, schema: source)
        var sql = "DROP SCHEMA IF EXISTS \(name) CASCADE; CREATE SCHEMA \(name);\n"
        for table in ContractFixtures.tableNames {
            sql += "CREATE TABLE \(name).\(table) AS SELECT * FROM \(source).\(table);\n"
            for (column, typed) in (columns[table] ?? [:]).sorted(by: { $0.key < $1.key }) {
                sql += "ALTER TABLE \(name).\(table) ALTER COLUMN \(column) TYPE \(typed.type) USING \(typed.using);\n"
            }
        }
        try psql(sql)
        return url! + "?schema=" + name
    }

    /// Runs `sql` with psql as the test user (outside CampaignLab, which never writes).
    static func psql(_ sql: String) throws {
        try run("/bin/sh", ["-c", "psql -X -q -v ON_ERROR_STOP=1 -c \"$SQL\""], extra: ["SQL": sql])
    }

    private static func load(_ file: String, schema: String) throws -> String {
        try psql("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)")
        try run(
            "/bin/sh", [repositoryRoot + "/scripts/warehouse/pg-load.sh", path(file)],
            extra: ["PGOPTIONS": "-c search_path=\(schema)"])
        return url! + "?schema=" + schema
    }

    private static func run(_ executable: String, _ arguments: [String], extra: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = psqlEnvironment.merging(extra) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LoadFailure(message: "\(arguments.last ?? executable): \(String(decoding: message, as: UTF8.self))")
        }
    }

    // MARK: Spark

    /// The Spark Connect server `make test` starts (scripts/warehouse/spark-start.sh), and the
    /// Python of its venv, which writes the Parquet folders (scripts/warehouse/spark-load.py).
    static let sparkURL = environment["CAMPAIGNLAB_SPARK_URL"]
    static let sparkPython = environment["CAMPAIGNLAB_SPARK_PYTHON"]
    static let sparkAvailable = sparkURL != nil && sparkPython != nil

    /// The backend URL of `file` written as Parquet folders (once per test run).
    /// `typed`: dates and times typed as date and timestamp (spark-load.py --typed).
    static func sparkBackend(_ file: String, name: String, typed: Bool = false) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let key = "spark:" + name
        if let done = loaded[key] { return try done.get() }
        let folder = NSTemporaryDirectory() + "campaignlab-spark-tests/" + name
        let result = Result {
            try run(
                sparkPython!, [repositoryRoot + "/scripts/warehouse/spark-load.py", path(file), folder] + (typed ? ["--typed"] : []),
                extra: [:])
            return sparkURL! + "?parquet=" + folder
        }
        loaded[key] = result
        return try result.get()
    }

    /// A JSON document of the Spark application's REST API (the Connect server's driver UI, or
    /// the master's), fetched with curl.
    static func sparkREST(_ url: String) throws -> Any {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sf", "--max-time", "10", url]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LoadFailure(message: "curl \(url): exit \(process.terminationStatus)") }
        return try JSONSerialization.jsonObject(with: data)
    }

    struct LoadFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// The same analyses on a SQLite file and on PostgreSQL holding the same rows: the same
/// numbers (within the cross-machine tolerance: the engines add a customer's months in
/// another order) and the same report text; the same message for the same mistake.
@Suite(.serialized, .enabled(if: TestWarehouse.available))
struct PostgresBackendTests {
    /// The report as JSON with its `source` (the file name, or the URL) left out.
    static func json(_ text: String) throws -> JSONNode {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("  \"source\":") }
        return try JSONNode.parse(lines.joined(separator: "\n"))
    }

    /// Markdown without its "Data:" line (the file name or the URL).
    static func markdown(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Data: ") }.joined(separator: "\n")
    }

    /// The cases every engine is compared on: uplift, yoy, funnel and the A/B readout on
    /// demo-small (the demo generator) and on the foreign bank (another generator: TEXT ids, times
    /// written at +05:30 read in UTC+08:00, other events, a ratio metric, a months metric in the
    /// readout). The foreign bank's data do not reach back a year: its yoy is the same message
    /// from every engine, as is the readout of an observational campaign.
    static let cases = [
        ("demo-small.sqlite", "demo_small", "growth_journey_2026", "uplift"),
        ("demo-small.sqlite", "demo_small", "growth_journey_2026", "yoy"),
        ("demo-small.sqlite", "demo_small", "page_ab_2026", "uplift"),
        ("foreign-ab.sqlite", "foreign_ab", "checkout_copy_q3", "uplift"),
        ("foreign-ab.sqlite", "foreign_ab", "other_promo", "uplift"),
        ("foreign-ab.sqlite", "foreign_ab", "other_promo", "yoy"),
        ("demo-small.sqlite", "demo_small", "growth_journey_2026", "funnel"),
        ("foreign-ab.sqlite", "foreign_ab", "checkout_copy_q3", "funnel"),
        ("demo-small.sqlite", "demo_small", "page_ab_2026", "readout"),
        ("foreign-ab.sqlite", "foreign_ab", "checkout_copy_q3", "readout"),
        ("demo-small.sqlite", "demo_small", "growth_journey_2026", "readout"),
    ]

    /// The edge bank's funnel: its quoted and backslashed event names as steps, times written
    /// with every offset and fractions (a purchase at 07:59:59-00:00, then a visit at 00:30+09:00
    /// or at 18:00:00.5Z; 234 buy, 204 visit after), entry at the assignment.
    static let edgeFunnel = ["--steps", "assigned,buy\\,it's a visit", "--by", "region"]

    /// `command` on the SQLite file and on `backend`, each run once writing Markdown and JSON:
    /// the same exit, the same numbers (JSON), the same text (Markdown) or the same message.
    /// `campaign` nil: a command on the whole base (`aarrr`, `tiers`, `retention`).
    static func compare(
        _ command: String, file: String, campaign: String?, backend: String, scheme: String, extra: [String] = []
    ) throws {
        let dir = try TemporaryDirectory()
        let common = (campaign.map { ["--campaign", $0] } ?? []) + ["--format", "md,json", "--quiet"] + extra
        let local = try runCampaignLab([command, "--db", TestWarehouse.path(file), "--out", dir.file("local")] + common)
        let remote = try runCampaignLab([command, "--backend", backend, "--out", dir.file("remote")] + common)
        #expect(remote.exitCode == local.exitCode, "\(remote.stderr)")
        guard local.exitCode == 0 else {
            #expect(remote.stderr == local.stderr)
            return
        }
        let read = { (side: String, format: String) throws -> String in
            try String(contentsOfFile: dir.file(side) + "/\(campaign.map { "\(command)-\($0)" } ?? command).en.\(format)", encoding: .utf8)
        }
        let differences = jsonDifferences(expected: try json(read("local", "json")), actual: try json(read("remote", "json")))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        #expect(try read("remote", "json").contains("\"source\": \"\(scheme)://"))
        #expect(markdown(try read("remote", "md")) == markdown(try read("local", "md")))
    }

    /// `check` on the SQLite file and on `backend`: the same problems (kind, table, column,
    /// rows affected), exit status and summary. Examples differ by design (an engine names the
    /// value, SQLite the row and its rowid).
    static func compareCheck(file: String, backend: String) throws {
        let local = try runCampaignLab(["check", "--db", TestWarehouse.path(file), "--json", "--quiet"])
        let remote = try runCampaignLab(["check", "--backend", backend, "--json", "--quiet"])
        #expect(remote.exitCode == local.exitCode, "\(remote.stderr)")
        guard case .object(let a) = try json(local.stdout), case .object(let b) = try json(remote.stdout) else {
            Issue.record("check did not print JSON: \(remote.stderr)")
            return
        }
        func problems(_ document: [JSONNode.Member]) -> [String] {
            guard case .array(let list)? = document.first(where: { $0.key == "problems" })?.value else { return [] }
            return list.map { problem -> String in
                guard case .object(let fields) = problem else { return "?" }
                return ["kind", "table", "column", "affected", "severity"].map { key in
                    fields.first { $0.key == key }.map { "\($0.value)" } ?? "-"
                }.joined(separator: " ")
            }.sorted()
        }
        #expect(problems(b) == problems(a))
        let summary = { (document: [JSONNode.Member]) in document.first { $0.key == "summary" }?.value }
        let differences = jsonDifferences(expected: try #require(summary(a)), actual: try #require(summary(b)))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    /// The data-quality check runs on the engine: demo-small, the foreign bank and a bank of bad rows.
    @Test func sameCheckOnPostgreSQL() throws {
        let bad = try TestWarehouse.checkBank.get()
        try Self.compareCheck(file: bad, backend: try TestWarehouse.backend(bad, schema: "check_bank"))
        #expect(try runCampaignLab(["check", "--db", bad, "--quiet"]).exitCode == 8)
        for (file, schema) in [("demo-small.sqlite", "demo_small"), ("foreign-ab.sqlite", "foreign_ab")] {
            try Self.compareCheck(file: file, backend: try TestWarehouse.backend(file, schema: schema))
        }
    }

    /// The edge bank: rollups, offsets and names the demo banks do not have.
    @Test func sameEdgeReportOnPostgreSQL() throws {
        let file = try TestWarehouse.edgeBank.get()
        let backend = try TestWarehouse.backend(file, schema: "edge_bank")
        try Self.compare("uplift", file: file, campaign: "growth", backend: backend, scheme: "postgres")
        try Self.compare("funnel", file: file, campaign: "growth", backend: backend, scheme: "postgres", extra: Self.edgeFunnel)
    }

    /// Dates and times typed as a warehouse types them, read as the contract's text: demo-small
    /// with DATE days, a month as the DATE of its last day and TIMESTAMP (wall-clock) times; the
    /// foreign bank with months as their first day and TIMESTAMP WITH TIME ZONE times (written
    /// with +05:30 and Z, read back in UTC). The same reports and check as from the text.
    static let typedCases = [
        ("uplift", "growth_journey_2026"), ("yoy", "growth_journey_2026"), ("funnel", "growth_journey_2026"),
        ("readout", "page_ab_2026"),
    ]
    static let typedForeignCases = [("uplift", "checkout_copy_q3"), ("uplift", "other_promo"), ("readout", "checkout_copy_q3")]

    @Test func typedDatesAndTimesOnPostgreSQL() throws {
        let days: [String: (type: String, using: String)] = [
            "starts_on": ("date", "CAST(starts_on AS date)"), "ends_on": ("date", "CAST(ends_on AS date)"),
        ]
        let small = try TestWarehouse.typedSchema(
            "typed_small", file: "demo-small.sqlite", over: "demo_small",
            columns: [
                "customers": ["opened_on": ("date", "CAST(opened_on AS date)")],
                "customer_months": [
                    "month": ("date", "CAST(CAST(month || '-01' AS date) + interval '1 month' - interval '1 day' AS date)")
                ],
                "events": ["occurred_at": ("timestamp", "CAST(occurred_at AS timestamp)")],
                "assignments": ["assigned_at": ("timestamp(3)", "CAST(assigned_at AS timestamp)")],
                "campaigns": days,
            ])
        for (command, campaign) in Self.typedCases {
            try Self.compare(command, file: "demo-small.sqlite", campaign: campaign, backend: small, scheme: "postgres")
        }
        try Self.compareCheck(file: "demo-small.sqlite", backend: small)
        try Self.compareCheckup(file: "demo-small.sqlite", backend: small, activity: "months:app_logins>0", dormantMonths: 6)
        let foreign = try TestWarehouse.typedSchema(
            "typed_foreign", file: "foreign-ab.sqlite", over: "foreign_ab",
            columns: [
                "customers": ["opened_on": ("date", "CAST(opened_on AS date)")],
                // A month as the instant it begins in the reporting zone (16:00Z the day before).
                "customer_months": ["month": ("timestamptz", "CAST(month || '-01 00:00:00+08:00' AS timestamptz)")],
                "events": ["occurred_at": ("timestamptz", "CAST(occurred_at AS timestamptz)")],
                "assignments": ["assigned_at": ("timestamptz", "CAST(assigned_at AS timestamptz)")],
                "campaigns": days,
            ])
        for (command, campaign) in Self.typedForeignCases {
            try Self.compare(command, file: "foreign-ab.sqlite", campaign: campaign, backend: foreign, scheme: "postgres")
        }
        try Self.compareCheck(file: "foreign-ab.sqlite", backend: foreign)
        // Customer ids as UUIDs (PostgreSQL neither orders nor collates them as text): read as
        // text, the same reports but for the customers' order (sums agree to 1e-9).
        let uuid = ("uuid", "CAST(md5(CAST(customer_id AS TEXT)) AS uuid)")
        let uuids = try TestWarehouse.typedSchema(
            "uuid_small", file: "demo-small.sqlite", over: "demo_small",
            columns: [
                "customers": ["customer_id": uuid], "customer_months": ["customer_id": uuid], "events": ["customer_id": uuid],
                "assignments": ["customer_id": uuid],
            ])
        for (command, campaign) in Self.typedCases {
            try Self.compare(command, file: "demo-small.sqlite", campaign: campaign, backend: uuids, scheme: "postgres")
        }
        try Self.compareCheck(file: "demo-small.sqlite", backend: uuids)
        // Arms, segments and campaign ids as blank-padded CHAR(n), event names as an ENUM: read
        // as plain text, the same reports (before: "the control arm 'control' has no customers
        // (arms: control             , …)", "operator does not exist: event_kind = text").
        try TestWarehouse.psql(
            """
            DROP TYPE IF EXISTS cl_event_kind CASCADE;
            CREATE TYPE cl_event_kind AS ENUM ('page_view', 'click', 'enroll', 'task_complete', 'reward', 'purchase', 'app_login', 'referral');
            """)
        let padded = try TestWarehouse.typedSchema(
            "padded_small", file: "demo-small.sqlite", over: "demo_small",
            columns: [
                "assignments": ["arm": ("char(20)", "arm"), "campaign_id": ("char(24)", "campaign_id")],
                "campaigns": ["campaign_id": ("char(24)", "campaign_id"), "control_arm": ("char(16)", "control_arm")],
                "customers": ["segment": ("char(12)", "segment")],
                "events": ["event": ("public.cl_event_kind", "CAST(event AS public.cl_event_kind)")],
            ])
        for (command, campaign) in Self.typedCases {
            try Self.compare(command, file: "demo-small.sqlite", campaign: campaign, backend: padded, scheme: "postgres")
        }
        try Self.compareCheck(file: "demo-small.sqlite", backend: padded)
        // Flags as BOOLEAN (a metric of customer_months, a dimension of customers), against the
        // same flags as 0/1 in SQLite: read as 0/1, the same reports (PostgreSQL cannot cast a
        // boolean to a double: every months query stopped). Balances and amounts (in cents) as
        // MONEY: read as their decimals.
        let flagsDir = try TemporaryDirectory()
        defer { flagsDir.remove() }
        let flags = flagsDir.file("flags.sqlite")
        try FileManager.default.copyItem(atPath: TestWarehouse.path("demo-small.sqlite"), toPath: flags)
        try SQLiteDatabase(path: flags, mode: .readWrite(create: false)).execute(
            """
            ALTER TABLE customer_months ADD COLUMN is_active INTEGER; UPDATE customer_months SET is_active = app_logins > 0;
            ALTER TABLE customers ADD COLUMN vip INTEGER; UPDATE customers SET vip = segment = 'wealth';
            UPDATE customer_months SET aum = round(aum, 2); UPDATE events SET value = round(value, 2);
            """)
        let booleans = try TestWarehouse.typedSchema(
            "flags_small", file: flags, over: "flags_small_text",
            columns: [
                "customer_months": ["is_active": ("boolean", "is_active <> 0"), "aum": ("money", "CAST(CAST(aum AS numeric) AS money)")],
                "customers": ["vip": ("boolean", "vip <> 0")], "events": ["value": ("money", "CAST(CAST(value AS numeric) AS money)")],
            ])
        try Self.compare(
            "uplift", file: flags, campaign: "growth_journey_2026", backend: booleans, scheme: "postgres",
            extra: ["--metrics", "is_active,aum,purchase_amount", "--covariates", "vip"])
        try Self.compareCheck(file: flags, backend: booleans)
        // An SQL block sees the text too: a time of +05:30 in UTC with Z, a month-start date as its month.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(
            dir.file("t.md"),
            "# T\n\n```sql\nSELECT min(occurred_at) AS t FROM events\n```\n\n```sql\nSELECT min(month) AS m FROM customer_months\n```\n"
                // A block's own WITH may name a table: inside it reads the typed table's form.
                + "\n```sql\nWITH customers AS (SELECT * FROM customers WHERE opened_on >= '2021-01-01')\n"
                + "SELECT 'n=' || CAST(count(*) AS TEXT) AS n FROM customers -- since 2021\n```\n")
        let block = try runCampaignLab(["render", dir.file("t.md"), "--backend", foreign, "--out", dir.path, "--format", "md", "--quiet"])
        #expect(block.exitCode == 0, "\(block.stderr)")
        let rendered = try String(contentsOfFile: dir.file("t.en.md"), encoding: .utf8)
        // SQLite's strftime reads the offset: the first time in UTC.
        let local = try SQLiteDatabase.open(readOnlyAt: TestWarehouse.path("foreign-ab.sqlite"))
        let time = try local.allRows("SELECT min(strftime('%Y-%m-%d %H:%M:%SZ', occurred_at)) FROM events").first?.first?.textValue
        let month = try local.allRows("SELECT min(month) FROM customer_months").first?.first?.textValue
        let since = try local.allRows("SELECT count(*) FROM customers WHERE opened_on >= '2021-01-01'").first?.first?.intValue
        let (firstTime, firstMonth) = (try #require(time), try #require(month))
        #expect(rendered.contains("| \(firstTime) |") && rendered.contains("| \(firstMonth) |"), "\(rendered)")
        #expect(rendered.contains("| n=\(try #require(since)) |"), "\(rendered)")
    }

    /// On an engine: a customer assigned twice is one clear line (no hang while the rows stream),
    /// a time that is not a timestamp is named, and one of a customer outside the campaign is not read.
    @Test func badRowsOnPostgreSQL() throws {
        _ = try TestWarehouse.backend(try TestWarehouse.edgeBank.get(), schema: "edge_bank")
        try TestWarehouse.viewSchema(
            "edge_bad", over: "edge_bank",
            replacing: [
                "assignments": """
                SELECT * FROM edge_bank.assignments UNION ALL SELECT campaign_id, customer_id, 'participant', assigned_at
                FROM edge_bank.assignments WHERE campaign_id = 'growth' AND customer_id = 2999
                """,
                "events": "SELECT * FROM edge_bank.events UNION ALL SELECT 4000000, 'buy\\', '2024-05-02 not a time', 1.0, NULL",
            ])
        try TestWarehouse.viewSchema(
            "edge_badtime", over: "edge_bank",
            replacing: ["events": "SELECT * FROM edge_bank.events UNION ALL SELECT 5, 'buy\\', '2024-05-02 10:00:00+08', 1.0, NULL"])
        let url = TestWarehouse.url!
        let twice = try runCampaignLab(["uplift", "--backend", url + "?schema=edge_bad", "--campaign", "growth", "--quiet"])
        #expect(twice.exitCode == 8)
        #expect(
            twice.stderr.hasPrefix(
                "error: table assignments, column customer_id, row campaign_id='growth', customer_id=2999: the customer is assigned more than once"
            ),
            "\(twice.stderr)")
        let excluded = try runCampaignLab([
            "uplift", "--backend", url + "?schema=edge_bad", "--campaign", "growth", "--exclude-bad-rows", "--format", "json", "--quiet",
        ])
        #expect(excluded.exitCode == 0, "\(excluded.stderr)")
        // A day April does not have is not a time (Timestamp.parse refuses it); an hour past 23 of
        // an event the funnel does not read does not stop it (where the data end is found).
        try TestWarehouse.viewSchema(
            "edge_baddate", over: "edge_bank",
            replacing: [
                "events": """
                SELECT * FROM edge_bank.events UNION ALL SELECT 5, 'buy\\', '2024-04-31 10:00:00', 1.0, NULL
                UNION ALL SELECT 6, 'login', '2024-06-30 99:00:00', NULL, NULL
                """
            ])
        let badDate = try runCampaignLab(["uplift", "--backend", url + "?schema=edge_baddate", "--campaign", "growth", "--quiet"])
        #expect(badDate.exitCode == 8)
        #expect(badDate.stderr.contains("row occurred_at='2024-04-31 10:00:00': not an ISO 8601"), "\(badDate.stderr)")
        let funnel = try runCampaignLab(
            ["funnel", "--backend", url + "?schema=edge_baddate", "--campaign", "growth", "--steps", "assigned,it's a visit", "--quiet"])
        #expect(funnel.exitCode == 0, "\(funnel.stderr)")
        let badTime = try runCampaignLab(["uplift", "--backend", url + "?schema=edge_badtime", "--campaign", "growth", "--quiet"])
        #expect(badTime.exitCode == 8)
        #expect(
            badTime.stderr.hasPrefix("error: table events, column occurred_at, row occurred_at='2024-05-02 10:00:00+08': not an ISO 8601"),
            "\(badTime.stderr)")
    }

    /// The base's reports on both banks: the AARRR funnel walked by the engine — months and
    /// events steps mixed, an events retention in a later month, an events step after a months
    /// step dated at the month's first day, a year earlier, no segments — tiers and cohort retention.
    static let baseCases: [(file: String, command: String, extra: [String])] = [
        ("demo-small.sqlite", "aarrr", []),
        ("demo-small.sqlite", "aarrr", ["--activation", "events:page_view", "--retention", "events:page_view"]),
        (
            "demo-small.sqlite", "aarrr",
            [
                "--activation", "months:app_logins>0", "--retention", "events:purchase", "--revenue", "months:app_logins>0", "--referral",
                "events:page_view", "--by", "none", "--quarters", "2",
            ]
        ),
        ("demo-small.sqlite", "tiers", []),
        ("demo-small.sqlite", "retention", ["--activity", "events:page_view,purchase"]),
        (
            "foreign-ab.sqlite", "aarrr",
            ["--activation", "events:signin,order", "--retention", "months:logins>0", "--revenue", "events:order"]
        ),
        ("foreign-ab.sqlite", "aarrr", ["--activation", "events:signin", "--revenue", "events:order", "--referral", "none"]),
        ("foreign-ab.sqlite", "retention", []),
    ]

    @Test func sameBaseReportsOnPostgreSQL() throws {
        for (file, command, extra) in Self.baseCases {
            let schema = file == "demo-small.sqlite" ? "demo_small" : "foreign_ab"
            try Self.compare(
                command, file: file, campaign: nil, backend: try TestWarehouse.backend(file, schema: schema), scheme: "postgres",
                extra: extra)
        }
    }

    /// Opening days that are not dates, left out: every block that reads them names the same
    /// example, so the report lists them once (the funnel's read and the months pass's alike).
    @Test func badOpeningDaysOnPostgreSQL() throws {
        let file = try TestWarehouse.badOpeningBank.get()
        let backend = try TestWarehouse.backend(file, schema: "bad_opening")
        try Self.compareCheckup(file: file, backend: backend, activity: "months:app_logins>0", dormantMonths: 6, excludeBadRows: true)
        let run = try runCampaignLab(["aarrr", "--backend", backend, "--exclude-bad-rows", "--format", "json", "--quiet"])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let notes = run.stderr.split(separator: "\n").filter { $0.contains("opened_on") }
        #expect(
            notes == [
                "note: left out customers.opened_on: 2 rows not a date (e.g. customer_id=9), left out of the cohorts and the funnel (listed at the top of the report)"
            ], "\(run.stderr)")
        let refused = try runCampaignLab(["aarrr", "--backend", backend, "--quiet"])
        #expect(refused.exitCode != 0 && refused.stderr.contains("row customer_id=9: '2024-02-30' is not a date"), "\(refused.stderr)")
    }

    @Test(arguments: cases)
    func sameReportOnPostgreSQL(file: String, schema: String, campaign: String, command: String) throws {
        try Self.compare(
            command, file: file, campaign: campaign, backend: try TestWarehouse.backend(file, schema: schema), scheme: "postgres")
    }

    /// `notebook` rendered from the SQLite file `file` and from `backend` (JSON, English): the
    /// same blocks, each the same to 1e-9 — the analyses, the prose and the SQL blocks — and no
    /// note on either side.
    /// `notesAllowed`: a block may be a note (the same note on both sides: the data do not allow it).
    static func compareNotebook(
        _ notebook: String, file: String, backend: String, parameters: [String], notesAllowed: Bool = false, excludeBadRows: Bool = false
    ) throws {
        let dir = try TemporaryDirectory()
        let common =
            parameters.flatMap { ["--param", $0] } + ["--format", "json", "--quiet"] + (excludeBadRows ? ["--exclude-bad-rows"] : [])
        let local = try runCampaignLab(["render", notebook, "--db", TestWarehouse.path(file), "--out", dir.file("sqlite")] + common)
        let remote = try runCampaignLab(["render", notebook, "--backend", backend, "--out", dir.file("engine")] + common)
        #expect(local.exitCode == 0 && remote.exitCode == 0, "\(remote.stderr)")
        let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
        let read = { (folder: String) throws -> [JSONNode.Member] in
            guard case .object(let document) = try json(String(contentsOfFile: dir.file(folder) + "/\(name).en.json", encoding: .utf8))
            else { return [] }
            return document
        }
        let sqlite = try read("sqlite"), engine = try read("engine")
        let blocks = { (document: [JSONNode.Member]) -> [JSONNode] in
            guard case .array(let list)? = document.first(where: { $0.key == "blocks" })?.value else { return [] }
            return list
        }
        #expect(!blocks(sqlite).isEmpty && blocks(sqlite).count == blocks(engine).count)
        for (expected, actual) in zip(blocks(sqlite), blocks(engine)) {
            let differences = jsonDifferences(expected: expected, actual: actual)
            #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        }
        #expect(notesAllowed || (!"\(engine)".contains("not-computed") && !"\(sqlite)".contains("not-computed")), "\(remote.stderr)")
    }

    /// The post-campaign review notebook: every block, its SQL block too, is the SQLite file's.
    @Test func reviewNotebookOnPostgreSQL() throws {
        try Self.compareNotebook(
            repositoryRoot + "/notebooks-md/post-campaign-review.md", file: "demo-small.sqlite",
            backend: try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small"), parameters: ["campaign=growth_journey_2026"])
    }

    /// The A/B readout notebook (the split check, the readout with CUPED, segments and quantiles):
    /// every block is the SQLite file's.
    @Test func readoutNotebookOnPostgreSQL() throws {
        try Self.compareNotebook(
            repositoryRoot + "/notebooks-md/ab-readout.md", file: "demo-small.sqlite",
            backend: try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small"), parameters: ["campaign=page_ab_2026"])
    }

    /// The data overview and the checkup on the engine `backend` holding `file`: every block the
    /// SQLite file's. The overview's data checks are compared by `compareCheck` (their examples
    /// name a value on an engine, a row on SQLite, and come in another order): left out here.
    static func compareOverviewAndCheckup(file: String, backend: String, activity: String, dormantMonths: Int = 6) throws {
        let dir = try TemporaryDirectory()
        let overview = dir.file("data-overview.md")
        let text = try String(contentsOfFile: repositoryRoot + "/notebooks-md/data-overview.md", encoding: .utf8)
        try text.replacingOccurrences(of: "```campaignlab overview.checks\n```", with: "").write(
            toFile: overview, atomically: true, encoding: .utf8)
        #expect(try String(contentsOfFile: overview, encoding: .utf8) != text)
        try compareNotebook(overview, file: file, backend: backend, parameters: [])
        try compareCheckup(file: file, backend: backend, activity: activity, dormantMonths: dormantMonths)
    }

    /// The health-checkup notebook — pain points, tiers and migration, lifecycle, cohort
    /// retention, the base's AARRR funnel (walked by the engine), KPIs by segment — on the SQLite
    /// file and on the engine: every block the same.
    static func compareCheckup(
        file: String, backend: String, activity: String, dormantMonths: Int, notesAllowed: Bool = false, excludeBadRows: Bool = false
    ) throws {
        try compareNotebook(
            repositoryRoot + "/notebooks-md/health-checkup.md", file: file, backend: backend,
            parameters: ["activity=\(activity)", "dormant_months=\(dormantMonths)"], notesAllowed: notesAllowed,
            excludeBadRows: excludeBadRows)
    }

    @Test func overviewAndCheckupOnPostgreSQL() throws {
        try Self.compareOverviewAndCheckup(
            file: "demo-small.sqlite", backend: try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small"),
            activity: "months:app_logins>0")
        try Self.compareOverviewAndCheckup(
            file: "foreign-ab.sqlite", backend: try TestWarehouse.backend("foreign-ab.sqlite", schema: "foreign_ab"),
            activity: "months:logins>0", dormantMonths: 3)
        // Activity from events (months of reporting-zone times computed by the engine).
        try Self.compareCheckup(
            file: "demo-small.sqlite", backend: try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small"),
            activity: "events:page_view,purchase", dormantMonths: 3)
        try Self.compareCheckup(
            file: "foreign-ab.sqlite", backend: try TestWarehouse.backend("foreign-ab.sqlite", schema: "foreign_ab"),
            activity: "events:signin,order", dormantMonths: 3, notesAllowed: true)
        // An event the table does not have: SQLite's note on every block, not an engine error.
        try Self.compareCheckup(
            file: "demo-small.sqlite", backend: try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small"),
            activity: "events:pageview", dormantMonths: 3, notesAllowed: true)
    }

    /// SQL blocks in the engine's dialect (this one reads alike on all three): a named parameter,
    /// decimals (negative, Spark's decimal128), an empty result (its columns named all the same).
    static let sqlNotebook = """
        ---
        title: SQL blocks on engines
        params:
          campaign: growth_journey_2026
        ---

        ```sql
        --| format: share=percent
        SELECT arm, count(*) AS customers, count(*) * 1.0 / sum(count(*)) OVER () AS share
        FROM assignments WHERE campaign_id = :campaign GROUP BY arm ORDER BY arm
        ```

        ```sql
        SELECT CAST(-12.34 AS DECIMAL(10, 2)) AS negative, CAST(0.5 AS DECIMAL(5, 1)) AS half, 'it''s' AS quoted
        ```

        ```sql
        SELECT arm, count(*) AS n FROM assignments WHERE campaign_id = 'no such campaign' GROUP BY arm
        ```
        """

    static func compareSQLBlocks(backend: String) throws {
        let dir = try TemporaryDirectory()
        let notebook = dir.file("sql-blocks.md")
        try sqlNotebook.write(toFile: notebook, atomically: true, encoding: .utf8)
        try compareNotebook(notebook, file: "demo-small.sqlite", backend: backend, parameters: [])
        // One query that only reads: anything else is a note naming why.
        let refused = dir.file("refused.md")
        try "# Refused\n\n```sql\nDELETE FROM assignments\n```\n".write(toFile: refused, atomically: true, encoding: .utf8)
        let run = try runCampaignLab(["render", refused, "--backend", backend, "--out", dir.file("out"), "--format", "md", "--quiet"])
        #expect(run.exitCode == 0 && run.stderr.contains("must be one query (SELECT or WITH … SELECT)"), "\(run.stderr)")
    }

    /// CAMPAIGNLAB_SQL_LOG lists every query sent, as sent, with its rows and timings, and the
    /// values bound to it; never the password; the report is the same with it.
    @Test func queryLogListsWhatWasSent() throws {
        let backend = try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small")
        let dir = try TemporaryDirectory()
        let arguments = ["funnel", "--backend", backend, "--campaign", "growth_journey_2026", "--format", "json", "--quiet"]
        var env = TestWarehouse.environment
        env["CAMPAIGNLAB_SQL_LOG"] = dir.file("sql.log")
        let logged = try runCampaignLab(arguments + ["--out", dir.file("logged")], environment: env)
        let plain = try runCampaignLab(arguments + ["--out", dir.file("plain")])
        #expect(logged.exitCode == 0 && plain.exitCode == 0, "\(logged.stderr)\(plain.stderr)")
        let json = "/funnel-growth_journey_2026.en.json"
        #expect(
            try String(contentsOfFile: dir.file("logged") + json, encoding: .utf8)
                == String(contentsOfFile: dir.file("plain") + json, encoding: .utf8))
        let log = try String(contentsOfFile: dir.file("sql.log"), encoding: .utf8)
        let headers = log.split(separator: "\n").filter { $0.hasPrefix("-- PostgreSQL ") }
        #expect(headers.count >= 5, "\(log.prefix(2_000))")
        // The funnel's walk: one row per campaign customer (demo-small's growth journey has 1,930
        // assigned: SELECT count(*) FROM assignments WHERE campaign_id = 'growth_journey_2026').
        let walk = try #require(
            headers.first { $0.contains("1930 rows; first after ") && $0.contains("'growth_journey_2026'") }, "\(headers)")
        #expect(walk.contains(" s, last after ") && walk.contains("bindings: "))
        #expect(log.contains("GROUP BY") && log.contains("$1"))
        #expect(!log.contains(TestWarehouse.environment["PGPASSWORD"]!))
    }

    @Test func sqlBlocksOnPostgreSQL() throws {
        try Self.compareSQLBlocks(backend: try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small"))
    }

    /// The session's planning settings are set after login (a server without one still connects).
    @Test func sessionIsSetForWholeTableScans() async throws {
        let settings = try await onOwnThread {
            let engine = try PostgresEngine.connect(TestWarehouse.url!, environment: TestWarehouse.environment)
            return try engine.allRows(
                """
                SELECT current_setting('max_parallel_workers_per_gather'), current_setting('jit'), current_setting('enable_nestloop'),
                       current_setting('work_mem'), current_setting('default_transaction_read_only')
                """)
        }
        #expect(settings == [[.text("0"), .text("off"), .text("off"), .text("256MB"), .text("on")]])
    }

    /// What a user gets wrong: one line naming it, a non-zero exit, never the password.
    @Test func connectionMistakesAreOneClearLine() throws {
        let url = TestWarehouse.url!
        var env = TestWarehouse.environment
        env["PGPASSWORD"] = "not-the-password-417"
        let wrong = try runCampaignLab(["uplift", "--backend", url, "--campaign", "x", "--quiet"], environment: env)
        #expect(wrong.exitCode != 0)
        #expect(wrong.stderr.contains("the server refused the login") && wrong.stderr.contains("PGPASSWORD"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-the-password-417"))

        let withPassword = url.replacingOccurrences(of: "@", with: ":hunter2@")
        let inURL = try runCampaignLab(["uplift", "--backend", withPassword, "--campaign", "x", "--quiet"])
        #expect(inURL.exitCode != 0 && inURL.stderr.contains("the URL holds a password"))
        #expect(!inURL.stderr.contains("hunter2"))

        // Port 1 on loopback: nothing listens.
        let unreachable = try runCampaignLab(
            ["uplift", "--backend", "postgres://campaignlab@127.0.0.1:1/campaignlab", "--campaign", "x", "--quiet"])
        #expect(unreachable.exitCode != 0 && unreachable.stderr.contains("cannot connect"), "\(unreachable.stderr)")

        let path = try #require(URLComponents(string: url)?.path)
        let noDatabase = try runCampaignLab(
            ["uplift", "--backend", String(url.dropLast(path.count)) + "/no_such_db", "--campaign", "x", "--quiet"])
        #expect(noDatabase.exitCode != 0 && noDatabase.stderr.contains("database \"no_such_db\" does not exist"), "\(noDatabase.stderr)")

        let both = try runCampaignLab(["uplift", "--backend", url, "--db", "x.sqlite", "--campaign", "x", "--quiet"])
        #expect(both.exitCode != 0 && both.stderr.contains("give one of them, not both"))
    }

    /// A missing table, a missing column and ids of two types: the contract's messages, naming
    /// the table and column as for a SQLite file.
    @Test func contractMistakesNameTheTable() throws {
        let url = TestWarehouse.url!
        try TestWarehouse.psql("DROP SCHEMA IF EXISTS empty_bank CASCADE; CREATE SCHEMA empty_bank")
        let empty = try runCampaignLab(["uplift", "--backend", url + "?schema=empty_bank", "--campaign", "x", "--quiet"])
        #expect(empty.exitCode != 0)
        #expect(empty.stderr.hasPrefix("error: table campaigns: the table is missing"), "\(empty.stderr)")

        // A copy of demo-small whose events hold customer ids as text, and whose customer_months lost a column.
        _ = try TestWarehouse.backend("demo-small.sqlite", schema: "demo_small")
        try TestWarehouse.viewSchema(
            "odd_bank", over: "demo_small",
            replacing: [
                "customer_months": "SELECT customer_id, month, aum, app_logins FROM demo_small.customer_months",
                "events": "SELECT CAST(customer_id AS TEXT) AS customer_id, event, occurred_at, campaign_id, value FROM demo_small.events",
            ])
        let odd = url + "?schema=odd_bank"
        let types = try runCampaignLab(["uplift", "--backend", odd, "--campaign", "growth_journey_2026", "--quiet"])
        #expect(types.exitCode == 8)
        #expect(
            types.stderr.hasPrefix("error: table events, column customer_id: customer_id is TEXT here but INTEGER in assignments"),
            "\(types.stderr)")
        let column = try runCampaignLab([
            "uplift", "--backend", odd, "--campaign", "growth_journey_2026", "--metrics", "products_held", "--quiet",
        ])
        #expect(column.exitCode != 0)
        #expect(
            column.stderr.contains("table metric_definitions, column metric, row metric='products_held'")
                && column.stderr.contains("customer_months has no numeric column 'products_held'"), "\(column.stderr)")
    }
}

/// The same analyses on a Spark standalone cluster (one master, two workers, Spark Connect on
/// loopback) reading the same rows as Parquet: the same numbers, and the work was spread over
/// both workers.
@Suite(.serialized, .enabled(if: TestWarehouse.sparkAvailable))
struct SparkBackendTests {
    @Test(arguments: PostgresBackendTests.cases)
    func sameReportOnSpark(file: String, name: String, campaign: String, command: String) throws {
        let backend = try TestWarehouse.sparkBackend(file, name: name)
        try PostgresBackendTests.compare(command, file: file, campaign: campaign, backend: backend, scheme: "sc")
    }

    @Test func sameEdgeReportOnSpark() throws {
        let file = try TestWarehouse.edgeBank.get()
        let backend = try TestWarehouse.sparkBackend(file, name: "edge_bank")
        try PostgresBackendTests.compare("uplift", file: file, campaign: "growth", backend: backend, scheme: "sc")
        try PostgresBackendTests.compare(
            "funnel", file: file, campaign: "growth", backend: backend, scheme: "sc", extra: PostgresBackendTests.edgeFunnel)
    }

    /// The AARRR funnels that mix months and events steps (both banks), walked by Spark.
    @Test func sameBaseReportsOnSpark() throws {
        for (file, command, extra) in [PostgresBackendTests.baseCases[2], PostgresBackendTests.baseCases[5]] {
            let name = file == "demo-small.sqlite" ? "demo_small" : "foreign_ab"
            try PostgresBackendTests.compare(
                command, file: file, campaign: nil, backend: try TestWarehouse.sparkBackend(file, name: name), scheme: "sc", extra: extra)
        }
    }

    /// The typed dates and times of `typedDatesAndTimesOnPostgreSQL` as Spark types them: date,
    /// a month as the date of its last day, timestamp_ntz (demo-small) and timestamp (the foreign
    /// bank's instants, read in UTC whatever the session's zone was; its months the instants
    /// they begin in UTC+08:00).
    @Test func typedDatesAndTimesOnSpark() throws {
        let small = try TestWarehouse.sparkBackend("demo-small.sqlite", name: "typed_small", typed: true)
        for (command, campaign) in PostgresBackendTests.typedCases {
            try PostgresBackendTests.compare(command, file: "demo-small.sqlite", campaign: campaign, backend: small, scheme: "sc")
        }
        try PostgresBackendTests.compareCheck(file: "demo-small.sqlite", backend: small)
        let foreign = try TestWarehouse.sparkBackend("foreign-ab.sqlite", name: "typed_foreign", typed: true)
        for (command, campaign) in PostgresBackendTests.typedForeignCases {
            try PostgresBackendTests.compare(command, file: "foreign-ab.sqlite", campaign: campaign, backend: foreign, scheme: "sc")
        }
    }

    @Test func sameCheckOnSpark() throws {
        let bad = try TestWarehouse.checkBank.get()
        try PostgresBackendTests.compareCheck(file: bad, backend: try TestWarehouse.sparkBackend(bad, name: "check_bank"))
        try PostgresBackendTests.compareCheck(
            file: "foreign-ab.sqlite", backend: try TestWarehouse.sparkBackend("foreign-ab.sqlite", name: "foreign_ab"))
    }

    @Test func notebooksAndSQLBlocksOnSpark() throws {
        let backend = try TestWarehouse.sparkBackend("demo-small.sqlite", name: "demo_small")
        try PostgresBackendTests.compareNotebook(
            repositoryRoot + "/notebooks-md/post-campaign-review.md", file: "demo-small.sqlite", backend: backend,
            parameters: ["campaign=growth_journey_2026"])
        try PostgresBackendTests.compareNotebook(
            repositoryRoot + "/notebooks-md/ab-readout.md", file: "demo-small.sqlite", backend: backend,
            parameters: ["campaign=page_ab_2026"])
        try PostgresBackendTests.compareSQLBlocks(backend: backend)
        try PostgresBackendTests.compareOverviewAndCheckup(file: "demo-small.sqlite", backend: backend, activity: "months:app_logins>0")
        try PostgresBackendTests.compareOverviewAndCheckup(
            file: "foreign-ab.sqlite", backend: try TestWarehouse.sparkBackend("foreign-ab.sqlite", name: "foreign_ab"),
            activity: "months:logins>0", dormantMonths: 3)
        try PostgresBackendTests.compareCheckup(
            file: "demo-small.sqlite", backend: backend, activity: "events:page_view,purchase", dormantMonths: 3)
        try PostgresBackendTests.compareCheckup(
            file: "foreign-ab.sqlite", backend: try TestWarehouse.sparkBackend("foreign-ab.sqlite", name: "foreign_ab"),
            activity: "events:signin,order", dormantMonths: 3, notesAllowed: true)
    }

    /// Tables of the Spark catalog (`?database=`), as a bank's platform has them: external
    /// Parquet tables of a database, with text dates (demo-small) and typed ones (read through
    /// temporary views of the session over the catalog's qualified tables). The test creates the
    /// tables with its own session (CampaignLab never writes); a missing table is named.
    @Test func catalogTablesOnSpark() async throws {
        /// Runs `statements` in a session of the test's own, and the rows of the last.
        func catalog(_ statements: [String]) async throws -> [[SQLiteValue]] {
            try await onOwnThread {
                let setup = try SparkEngine.connect(TestWarehouse.sparkURL!)
                var rows: [[SQLiteValue]] = []
                for statement in statements { rows = try setup.allRows(statement) }
                return rows
            }
        }
        for (name, typed) in [("demo_small", false), ("typed_small", true)] {
            let parquet = try TestWarehouse.sparkBackend("demo-small.sqlite", name: name, typed: typed)
            let folder = String(parquet[try #require(parquet.range(of: "?parquet="))!.upperBound...])
            _ = try await catalog(
                ["CREATE DATABASE IF NOT EXISTS cl_\(name)"]
                    + ContractFixtures.tableNames.map {
                        "CREATE TABLE IF NOT EXISTS cl_\(name).\($0) USING parquet LOCATION '\(folder)/\($0)'"
                    })
            let backend = TestWarehouse.sparkURL! + "?database=cl_\(name)"
            try PostgresBackendTests.compare(
                "uplift", file: "demo-small.sqlite", campaign: "growth_journey_2026", backend: backend, scheme: "sc")
            try PostgresBackendTests.compareCheck(file: "demo-small.sqlite", backend: backend)
        }
        // Arms as CHAR(20) in the catalog (Spark pads them on read): read trimmed, the same uplift.
        let parquet = try TestWarehouse.sparkBackend("demo-small.sqlite", name: "demo_small")
        let folder = String(parquet[try #require(parquet.range(of: "?parquet="))!.upperBound...])
        let longest = try await catalog(
            ["CREATE DATABASE IF NOT EXISTS cl_padded"]
                + ContractFixtures.tableNames.map { table in
                    let schema =
                        table == "assignments" ? "(campaign_id STRING, customer_id BIGINT, arm CHAR(20), assigned_at STRING) " : ""
                    return "CREATE TABLE IF NOT EXISTS cl_padded.\(table) \(schema)USING parquet LOCATION '\(folder)/\(table)'"
                } + ["SELECT max(length(arm)) FROM cl_padded.assignments"])
        #expect(longest.first?.first?.intValue == 20, "the arms are not padded: the test does not test the trimming")
        try PostgresBackendTests.compare(
            "uplift", file: "demo-small.sqlite", campaign: "growth_journey_2026", backend: TestWarehouse.sparkURL! + "?database=cl_padded",
            scheme: "sc")
        _ = try await catalog(["CREATE DATABASE IF NOT EXISTS cl_empty"])
        let empty = try runCampaignLab([
            "uplift", "--backend", TestWarehouse.sparkURL! + "?database=cl_empty", "--campaign", "x", "--quiet",
        ])
        #expect(empty.exitCode == 8)
        #expect(empty.stderr.hasPrefix("error: table campaigns: the table is missing"), "\(empty.stderr)")
    }

    /// Both workers are alive and each ran tasks of the application the queries went to.
    @Test func theWorkWasDistributed() throws {
        let backend = try TestWarehouse.sparkBackend("demo-small.sqlite", name: "demo_small")
        let dir = try TemporaryDirectory()
        var env = TestWarehouse.environment
        env["CAMPAIGNLAB_SQL_LOG"] = dir.file("sql.log")
        let run = try runCampaignLab(
            ["uplift", "--backend", backend, "--campaign", "growth_journey_2026", "--format", "json", "--quiet"], environment: env)
        #expect(run.exitCode == 0, "\(run.stderr)")
        // The query log: the session's settings, then the per-customer rollups with their timings.
        let log = try String(contentsOfFile: dir.file("sql.log"), encoding: .utf8)
        #expect(log.hasPrefix("-- Spark ") && log.contains("SET spark.sql.session.timeZone=UTC;"), "\(log.prefix(500))")
        // demo-small's growth journey: 1,930 assigned customers, each with months in the windows.
        let entries = log.components(separatedBy: "\n\n")
        #expect(
            entries.contains { $0.hasPrefix("-- Spark ") && $0.contains(": 1930 rows; first after ") && $0.hasSuffix("GROUP BY c;") },
            "\(entries.map { $0.prefix(200) })")
        let master = try #require(try TestWarehouse.sparkREST("http://127.0.0.1:8080/json/") as? [String: Any])
        #expect(master["aliveworkers"] as? Int == 2, "alive workers: \(master["aliveworkers"] ?? "none")")
        let applications = try #require(try TestWarehouse.sparkREST("http://127.0.0.1:4040/api/v1/applications") as? [[String: Any]])
        let id = try #require(applications.first?["id"] as? String)
        let executors = try #require(
            try TestWarehouse.sparkREST("http://127.0.0.1:4040/api/v1/applications/\(id)/executors") as? [[String: Any]])
        let workers = executors.filter { $0["id"] as? String != "driver" }
        #expect(workers.count == 2, "executors: \(workers.map { $0["id"] ?? "?" })")
        for executor in workers {
            #expect((executor["totalTasks"] as? Int ?? 0) > 0, "executor \(executor["id"] ?? "?") ran no task")
        }
    }

    /// What a user gets wrong with Spark: one clear line each.
    @Test func sparkMistakesAreOneClearLine() throws {
        let unreachable = try runCampaignLab(["uplift", "--backend", "sc://127.0.0.1:1", "--campaign", "x", "--quiet"])
        #expect(unreachable.exitCode != 0 && unreachable.stderr.contains("cannot connect"), "\(unreachable.stderr)")
        let url = TestWarehouse.sparkURL!
        let noFolder = try runCampaignLab(["uplift", "--backend", url + "?parquet=/nonexistent/bank", "--campaign", "x", "--quiet"])
        #expect(noFolder.exitCode != 0 && noFolder.stderr.contains("/nonexistent/bank is not a folder here"), "\(noFolder.stderr)")
        let dir = try TemporaryDirectory()
        let empty = try runCampaignLab(["uplift", "--backend", url + "?parquet=" + dir.path, "--campaign", "x", "--quiet"])
        #expect(empty.exitCode != 0)
        #expect(empty.stderr.hasPrefix("error: table campaigns: the table is missing"), "\(empty.stderr)")
    }
}

/// The session is read-only on the server: a statement that writes fails there, whatever sends it.
@Test(.enabled(if: TestWarehouse.available)) func postgresSessionIsReadOnly() async throws {
    let (refusal, after) = try await onOwnThread {
        let engine = try PostgresEngine.connect(TestWarehouse.url!)
        var refusal: String?
        do {
            _ = try engine.allRows("CREATE TABLE campaignlab_was_here (a integer)")
        } catch let error as DataError {
            refusal = "\(error)"
        }
        // The connection still answers after the refusal.
        return (refusal, try engine.allRows("SELECT CAST(1 AS BIGINT), CAST(0.5 AS DOUBLE PRECISION), 'x'"))
    }
    #expect(
        refusal?.contains("cannot execute CREATE TABLE in a read-only transaction: CampaignLab only reads") == true,
        "\(String(describing: refusal))")
    #expect(after == [[.integer(1), .real(0.5), .text("x")]])
}

/// Runs `body` on a thread of its own and awaits it. An engine's calls wait for tasks of Swift's
/// concurrency pool (`EngineCall.blocking`, for the CLI's threads): two tests waiting on pool
/// threads at once starved the pool of a 2-core machine and hung a CI run.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// An engine called from a task (as a test is run) says so at once instead of taking a thread of
/// the pool: no server is needed, the call is refused before it connects.
@Test func anEngineCalledFromATaskIsRefused() throws {
    let refusal = "an engine was called from a Swift task"
    #expect { _ = try PostgresEngine.connect("postgres://nobody@127.0.0.1:1/none", environment: [:]) } throws: {
        "\($0)".contains(refusal)
    }
    #expect { _ = try SparkEngine.connect("sc://127.0.0.1:1") } throws: { "\($0)".contains(refusal) }
}

/// The text forms of typed tables go in front of a query wherever it starts: before a SELECT
/// (after comments), inside its WITH (RECURSIVE), never before another statement.
@Test func contractFormsGoInFrontOfEachQuery() {
    let forms = ["\"events\" AS (SELECT 1)"]
    #expect(PostgresEngine.withContractForms("SELECT 1", definitions: forms) == "WITH \"events\" AS (SELECT 1) SELECT 1")
    #expect(PostgresEngine.withContractForms("SELECT 1", definitions: []) == "SELECT 1")
    #expect(
        PostgresEngine.withContractForms("-- a\n/* b */ select 1", definitions: forms)
            == "-- a\n/* b */ WITH \"events\" AS (SELECT 1) select 1"
    )
    #expect(
        PostgresEngine.withContractForms("with x AS (SELECT 2) SELECT * FROM x", definitions: forms)
            == "with \"events\" AS (SELECT 1), x AS (SELECT 2) SELECT * FROM x")
    #expect(
        PostgresEngine.withContractForms("WITH  RECURSIVE c(x) AS (SELECT 1) SELECT x FROM c", definitions: forms)
            == "WITH  RECURSIVE \"events\" AS (SELECT 1), c(x) AS (SELECT 1) SELECT x FROM c")
    // A block's WITH that repeats a table's name becomes a derived table (`wrapping`); so does a
    // parenthesized WITH (one WITH per query level); RECURSIVE is a word, not a quoted name.
    #expect(
        PostgresEngine.withContractForms("WITH events AS (SELECT * FROM events) SELECT 1", definitions: forms, wrapping: true)
            == "WITH \"events\" AS (SELECT 1) SELECT * FROM (\nWITH events AS (SELECT * FROM events) SELECT 1\n) AS cl_block")
    #expect(
        PostgresEngine.withContractForms("( WITH x AS (SELECT 1) SELECT 2)", definitions: forms)
            == "WITH \"events\" AS (SELECT 1) SELECT * FROM (\n( WITH x AS (SELECT 1) SELECT 2)\n) AS cl_block")
    #expect(
        PostgresEngine.withContractForms("WITH \"recursive\" AS (SELECT 1) SELECT 2", definitions: forms)
            == "WITH \"events\" AS (SELECT 1), \"recursive\" AS (SELECT 1) SELECT 2")
    #expect(PostgresEngine.withContractForms("SELECT 1", definitions: forms, wrapping: true) == "WITH \"events\" AS (SELECT 1) SELECT 1")
    #expect(PostgresEngine.withContractForms("(SELECT 1)", definitions: forms) == "WITH \"events\" AS (SELECT 1) (SELECT 1)")
    for statement in ["SET jit = 'off'", "SHOW search_path", "EXPLAIN SELECT 1", ""] {
        #expect(PostgresEngine.withContractForms(statement, definitions: forms) == statement)
    }
}

/// The contract's text of each typed column (the SQL is run by the engines' tests).
@Test func typedColumnsReadAsTheContractsText() {
    #expect(TypedColumn.of(engineType: "timestamp with time zone", dialect: .postgres) == .instant)
    #expect(TypedColumn.of(engineType: "timestamp without time zone", dialect: .postgres) == .localTimestamp)
    #expect(TypedColumn.of(engineType: "timestamp", dialect: .spark) == .instant)
    #expect(TypedColumn.of(engineType: "timestamp_ntz", dialect: .spark) == .localTimestamp)
    #expect(TypedColumn.of(engineType: "date", dialect: .spark) == .date)
    #expect(TypedColumn.of(engineType: "text", dialect: .postgres) == nil)
    #expect(TypedColumn.of(engineType: "uuid", dialect: .postgres) == .text)
    #expect(TypedColumn.of(engineType: "USER-DEFINED", dialect: .postgres) == .text)
    #expect(TypedColumn.of(engineType: "char(20)", dialect: .spark) == .text)
    #expect(TypedColumn.text.expression("c", kind: .identifier, dialect: .postgres) == "CAST(c AS TEXT)")
    #expect(TypedColumn.text.expression("c", kind: nil, dialect: .spark) == "rtrim(CAST(c AS STRING))")
    #expect(TypedColumn.of(engineType: "DATE", dialect: .sqlite) == nil)
    #expect(TypedColumn.contractKind(table: "customer_months", column: "month") == .month)
    #expect(TypedColumn.contractKind(table: "customers", column: "segment") == nil)
    let select = TypedColumn.contractSelectList(
        table: "events", columns: [("customer_id", "bigint"), ("occurred_at", "timestamp with time zone"), ("value", "double precision")],
        dialect: .postgres)
    #expect(select?.select == "\"customer_id\", CAST((\"occurred_at\" AT TIME ZONE 'UTC') AS TEXT) || 'Z' AS \"occurred_at\", \"value\"")
    #expect(select?.converted == ["occurred_at": .instant])
    #expect(TypedColumn.of(engineType: "boolean", dialect: .postgres)?.declaredType == "INTEGER")
    #expect(TypedColumn.boolean.expression("f", kind: nil, dialect: .postgres) == "CAST(f AS INTEGER)")
    #expect(TypedColumn.of(engineType: "money", dialect: .postgres)?.declaredType == "NUMERIC")
    #expect(TypedColumn.contractSelectList(table: "events", columns: [("event", "text")], dialect: .postgres) == nil)
    #expect(TypedColumn.date.expression("d", kind: .month, dialect: .spark) == "date_format(d, 'yyyy-MM')")
    // The month of an instant is its month in the reporting zone (UTC+08:00 by default).
    #expect(
        TypedColumn.instant.expression("m", kind: .month, dialect: .postgres)
            == "to_char(((m AT TIME ZONE 'UTC') + INTERVAL '28800 seconds'), 'YYYY-MM')")
}

/// Addresses: defaults from the environment, a password in the URL refused.
@Test func postgresAddresses() throws {
    let env = ["PGUSER": "analyst", "PGPORT": "6543", "PGDATABASE": "bank"]
    #expect(
        try PostgresEngine.Address.parse("postgres://wh.example", environment: env)
            == .init(host: "wh.example", port: 6543, user: "analyst", database: "bank", schema: nil))
    #expect(
        try PostgresEngine.Address.parse("postgresql://ro@10.0.0.5:5433/dw?schema=mart", environment: [:])
            == .init(host: "10.0.0.5", port: 5433, user: "ro", database: "dw", schema: "mart"))
    #expect(throws: DataError.self) { try PostgresEngine.Address.parse("postgres://u:pw@h/db", environment: [:]) }
    #expect(throws: DataError.self) { try PostgresEngine.Address.parse("mysql://h/db", environment: [:]) }
}

/// Under `make test` the server must be there: a missing one is a failure, not a skip.
@Test(.enabled(if: TestWarehouse.required)) func serverIsThereWhenRequired() {
    #expect(TestWarehouse.available, "CAMPAIGNLAB_PG_URL and PGPASSWORD are not set: make test starts the server")
    #expect(TestWarehouse.sparkAvailable, "CAMPAIGNLAB_SPARK_URL and CAMPAIGNLAB_SPARK_PYTHON are not set: make test starts the cluster")
}
