import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Testing

/// Opens a database built from `sql` and discovers its schema.
private func discover(_ sql: String) throws -> ContractSchema {
    let dir = try TemporaryDirectory("schema")
    defer { dir.remove() }
    let path = dir.file("s.sqlite")
    try makeDatabase(at: path, sql: sql)
    return try ContractSchema.discover(in: try SQLiteDatabase.open(readOnlyAt: path))
}

struct ContractSchemaTests {
    @Test func fixtureSchema() throws {
        let schema = try discover(ContractFixtures.sql())
        #expect(Set(schema.tables.keys) == Set(Contract.tables.map(\.name)))
        #expect(schema.tables.values.allSatisfy { $0.kind == .table && $0.hasRowID && $0.readError == nil })
        #expect(schema.dimensions == ["segment", "branch"])
        #expect(schema.metrics == ["aum", "products_held", "app_logins"])
        #expect(schema.nonNumericMonthsColumns == [])
        #expect(schema.metricDefinitionIssues == [])
        #expect(schema.metricDefinitions.map(\.metric) == ["aum", "products_held", "logins", "enrolled", "aum_per_product", "app_logins"])
        #expect(schema.table("customer_months")?.enforcesUniqueness(of: ["customer_id", "month"]) == true)
        #expect(schema.table("events")?.enforcesUniqueness(of: ["customer_id"]) == false)
    }

    @Test func metricDefinitionsAndDefaults() throws {
        let schema = try discover(ContractFixtures.sql())
        let aum = try schema.definition(of: "aum")
        #expect(
            aum
                == MetricDefinition(
                    metric: "aum", label: "AUM (monthly average daily balance)", unit: "CNY",
                    source: .months, rollup: .mean))
        #expect(try schema.definition(of: "products_held").rollup == .last)
        let logins = try schema.definition(of: "logins")
        #expect(logins.source == .events && logins.rollup == .count && logins.event == "app_login")
        #expect(try schema.definition(of: "enrolled").rollup == .any)
        let ratio = try schema.definition(of: "aum_per_product")
        #expect(ratio.isRatio && ratio.numerator == "aum" && ratio.denominator == "products_held")
        #expect(!aum.isRatio)
        // app_logins is not in metric_definitions: the default.
        let appLogins = try schema.definition(of: "app_logins")
        #expect(
            appLogins
                == MetricDefinition(
                    metric: "app_logins", label: "app_logins", source: .months, rollup: .mean,
                    higherIsBetter: true, isDefault: true))
        #expect(throws: DataError.self) { try schema.definition(of: "nps") }
    }

    @Test func nullSourceAndRollupTakeDefaults() throws {
        let schema = try discover(
            ContractFixtures.sql(
                then: """
                    INSERT INTO metric_definitions (metric, event, higher_is_better) VALUES ('referrals', 'referral', 0);
                    UPDATE metric_definitions SET source = NULL, rollup = NULL WHERE metric = 'aum';
                    """))
        let referrals = try schema.definition(of: "referrals")
        #expect(referrals.source == .events && referrals.rollup == .count && !referrals.higherIsBetter)
        #expect(referrals.label == "referrals")
        let aum = try schema.definition(of: "aum")
        #expect(aum.source == .months && aum.rollup == .mean)
    }

    @Test func invalidDefinitionIsRefusedByName() throws {
        let schema = try discover(ContractFixtures.sql(then: "UPDATE metric_definitions SET rollup = 'median' WHERE metric = 'aum'"))
        #expect(schema.metricDefinitionIssues.map(\.column) == ["rollup"])
        #expect(!schema.metricDefinitions.contains { $0.metric == "aum" })  // no default either
        #expect(
            throws: DataError.contract(
                table: "metric_definitions", column: "rollup", row: "metric='aum' (rowid 1)",
                message: "unknown rollup 'median'; for source 'months' use one of 'mean', 'sum', 'last', 'max'")
        ) {
            try schema.definition(of: "aum")
        }
    }

    @Test func ratioOfARatioIsRefused() throws {
        let schema = try discover(
            ContractFixtures.sql(
                then: """
                    INSERT INTO metric_definitions (metric, numerator, denominator) VALUES ('nested', 'aum_per_product', 'aum');
                    """))
        #expect(schema.metricDefinitionIssues.map(\.metric) == ["nested"])
        #expect(schema.metricDefinitionIssues.map(\.column) == ["numerator"])
    }

    @Test func requireNamesWhatIsMissing() throws {
        let schema = try discover(ContractFixtures.sql(omitting: ["events"], then: "ALTER TABLE customers DROP COLUMN opened_on"))
        #expect(
            throws: DataError.contract(
                table: "events", column: nil, row: nil,
                message: "the table is missing; create it (or a view with this name) as the data contract describes")
        ) {
            try schema.require(Contract.events)
        }
        #expect(
            throws: DataError.contract(
                table: "customers", column: "opened_on", row: nil,
                message: "the column is missing; the data contract requires it")
        ) {
            try schema.require(Contract.customers)
        }
        try schema.require(Contract.customerMonths)
        try schema.require(Contract.customers, columns: ["customer_id", "segment"])
        #expect(!schema.has(Contract.events))
        #expect(schema.has(Contract.customers, column: "segment"))
        #expect(!schema.has(Contract.customers, column: "opened_on"))
    }

    @Test func numericColumnsByDeclaredTypeAndBySampling() throws {
        let schema = try discover(
            """
            CREATE TABLE raw (customer_id INTEGER, month TEXT, a REAL, b INTEGER, c DECIMAL(12,2), d BOOLEAN,
                              e TEXT, f DATE, g VARCHAR(10), h BLOB, u);
            INSERT INTO raw VALUES (1, '2024-01', 1.5, 2, 3.25, 1, 'x', '2024-01-01', 'y', x'00', 7);
            CREATE VIEW customer_months AS
                SELECT customer_id, month, a, b, c, d, e, f, g, h, u, a * 2 AS twice, e || '!' AS shout,
                       NULL AS empty_metric FROM raw;
            """)
        // Affinity rules: SQLite documentation, "Datatypes In SQLite", section 3.1; DATE is
        // NUMERIC affinity but holds dates, so it is not a metric. Untyped columns are sampled.
        #expect(schema.metrics == ["a", "b", "c", "d", "u", "twice", "empty_metric"])
        #expect(schema.nonNumericMonthsColumns == ["e", "f", "g", "h", "shout"])
        #expect(schema.table("customer_months")?.kind == .view)
        #expect(schema.table("customer_months")?.hasRowID == false)
        #expect(schema.table("customer_months")?.enforcesUniqueness(of: ["customer_id", "month"]) == false)
    }

    @Test func columnNamesAreCaseInsensitive() throws {
        let schema = try discover(
            """
            CREATE TABLE customers (Customer_ID INTEGER PRIMARY KEY, Opened_On TEXT, Segment TEXT);
            CREATE TABLE customer_months (CUSTOMER_ID INTEGER, MONTH TEXT, AUM REAL);
            CREATE UNIQUE INDEX cm_key ON customer_months (CUSTOMER_ID, MONTH);
            """)
        try schema.require(Contract.customers)
        #expect(schema.dimensions == ["Segment"])
        #expect(schema.metrics == ["AUM"])
        #expect(schema.table("customer_months")?.enforcesUniqueness(of: ["customer_id", "month"]) == true)
    }
}
