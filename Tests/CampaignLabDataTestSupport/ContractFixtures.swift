import CampaignLabData

/// A small database that satisfies the data contract, for tests that add one defect.
///
/// Six customers (ids 1…6, opened in 2022–2023, dimensions `segment` and `branch`), six
/// monthly snapshots each (2024-01…2024-06; metrics `aum`, `products_held`, `app_logins`),
/// eight events, an observational campaign `growth` (2024-04-01…2024-05-31, participants 1
/// and 2, non-participants 3…6) and a randomized campaign `page_ab` (2024-05-01…2024-05-31,
/// `control` 1, 3, 5 and `B` 2, 4, 6), and five metric definitions.
///
/// Tables are created without NOT NULL or CHECK constraints (but with their primary keys)
/// so that a test can break one rule with an UPDATE or INSERT:
///
/// ```swift
/// try ContractFixtures.makeDatabase(at: path, then: "UPDATE customer_months SET month = '2024-13' WHERE rowid = 24")
/// try ContractFixtures.makeDatabase(at: path, creating: ["customers": "CREATE TABLE customers(customer_id, opened_on INTEGER)"])
/// ```
///
/// Row ids: `customer_months` row (customer c, month 2024-0m) has rowid 6·(c−1)+m; `events`
/// rows are 1…8 in the order of ``insertStatements``; campaigns `growth` = 1, `page_ab` = 2.
public enum ContractFixtures {
    /// The contract tables in creation order.
    public static let tableNames = ["customers", "customer_months", "events", "campaigns", "assignments", "metric_definitions"]

    /// `CREATE TABLE` per contract table.
    public static let createStatements: [String: String] = [
        "customers": "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT, segment TEXT, branch TEXT)",
        "customer_months": """
        CREATE TABLE customer_months (customer_id INTEGER, month TEXT, aum REAL, products_held INTEGER,
                                      app_logins INTEGER, PRIMARY KEY (customer_id, month))
        """,
        "events": "CREATE TABLE events (customer_id INTEGER, event TEXT, occurred_at TEXT, value REAL, campaign_id TEXT)",
        "campaigns": """
        CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, name TEXT, design TEXT, starts_on TEXT, ends_on TEXT,
                                control_arm TEXT)
        """,
        "assignments": """
        CREATE TABLE assignments (campaign_id TEXT, customer_id INTEGER, arm TEXT, assigned_at TEXT,
                                  PRIMARY KEY (campaign_id, customer_id))
        """,
        "metric_definitions": """
        CREATE TABLE metric_definitions (metric TEXT PRIMARY KEY, label TEXT, unit TEXT, source TEXT, rollup TEXT,
                                         event TEXT, numerator TEXT, denominator TEXT, higher_is_better INTEGER)
        """,
    ]

    /// The rows per contract table (INSERTs with explicit column lists).
    public static let insertStatements: [String: String] = [
        "customers": """
        INSERT INTO customers (customer_id, opened_on, segment, branch) VALUES
          (1, '2022-03-15', 'affluent', 'Shanghai'), (2, '2022-07-01', 'mass', 'Shanghai'),
          (3, '2023-01-20', 'mass', 'Beijing'),      (4, '2023-06-30', 'mass', 'Beijing'),
          (5, '2023-11-11', 'affluent', 'Shenzhen'), (6, '2023-12-31', 'mass', 'Shenzhen');
        """,
        "customer_months": """
        INSERT INTO customer_months (customer_id, month, aum, products_held, app_logins)
        WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < 6)
        SELECT c.customer_id, printf('2024-%02d', m.i), 10000.0 * c.customer_id + 250.0 * m.i,
               1 + (c.customer_id + m.i) % 3, (c.customer_id * m.i) % 11
        FROM customers AS c, m ORDER BY c.customer_id, m.i;
        """,
        "events": """
        INSERT INTO events (customer_id, event, occurred_at, value, campaign_id) VALUES
          (1, 'app_login', '2024-03-02 09:15:00', NULL, NULL),
          (1, 'enroll', '2024-04-03T10:00:00', NULL, 'growth'),
          (2, 'enroll', '2024-04-05 11:00:00', NULL, 'growth'),
          (1, 'purchase', '2024-04-20 22:30:00', 5000.0, 'growth'),
          (3, 'app_login', '2024-05-02 08:00:00', NULL, NULL),
          (4, 'page_view', '2024-05-03 12:00:00.250', NULL, 'page_ab'),
          (5, 'click', '2024-05-03 12:01:00', NULL, 'page_ab'),
          (6, 'app_login', '2024-05-10 20:00:00', NULL, NULL);
        """,
        "campaigns": """
        INSERT INTO campaigns (campaign_id, name, design, starts_on, ends_on, control_arm) VALUES
          ('growth', 'Growth journey 2024', 'observational', '2024-04-01', '2024-05-31', 'non_participant'),
          ('page_ab', 'Fund page redesign', 'randomized', '2024-05-01', '2024-05-31', 'control');
        """,
        "assignments": """
        INSERT INTO assignments (campaign_id, customer_id, arm, assigned_at) VALUES
          ('growth', 1, 'participant', '2024-04-03 10:00:00'), ('growth', 2, 'participant', '2024-04-05 11:00:00'),
          ('growth', 3, 'non_participant', '2024-04-01 00:00:00'), ('growth', 4, 'non_participant', '2024-04-01 00:00:00'),
          ('growth', 5, 'non_participant', '2024-04-01 00:00:00'), ('growth', 6, 'non_participant', '2024-04-01 00:00:00'),
          ('page_ab', 1, 'control', '2024-05-01 00:00:00'), ('page_ab', 2, 'B', '2024-05-01 00:00:00'),
          ('page_ab', 3, 'control', '2024-05-01 00:00:00'), ('page_ab', 4, 'B', '2024-05-01 00:00:00'),
          ('page_ab', 5, 'control', '2024-05-01 00:00:00'), ('page_ab', 6, 'B', '2024-05-01 00:00:00');
        """,
        "metric_definitions": """
        INSERT INTO metric_definitions (metric, label, unit, source, rollup, event, numerator, denominator, higher_is_better) VALUES
          ('aum', 'AUM (monthly average daily balance)', 'CNY', 'months', 'mean', NULL, NULL, NULL, 1),
          ('products_held', 'Products held', 'products', 'months', 'last', NULL, NULL, NULL, 1),
          ('logins', 'App logins', 'logins', 'events', 'count', 'app_login', NULL, NULL, 1),
          ('enrolled', 'Enrolled', NULL, 'events', 'any', 'enroll', NULL, NULL, 1),
          ('aum_per_product', 'AUM per product', 'CNY', NULL, NULL, NULL, 'aum', 'products_held', 1);
        """,
    ]

    /// The SQL of the valid database, with table creates replaced, tables left out and SQL
    /// appended.
    ///
    /// - Parameters:
    ///   - creating: replacement `CREATE` statements by table name (the rows are still inserted).
    ///   - omitting: tables to leave out entirely.
    ///   - then: SQL run after all rows are inserted (the defect).
    public static func sql(creating: [String: String] = [:], omitting: Set<String> = [], then extra: String = "") -> String {
        var parts: [String] = []
        for name in tableNames where !omitting.contains(name) {
            parts.append((creating[name] ?? createStatements[name]!) + ";")
        }
        for name in tableNames where !omitting.contains(name) {
            parts.append(insertStatements[name]!)
        }
        parts.append(extra)
        return parts.joined(separator: "\n")
    }

    /// Writes the valid database (with the given changes) to `path`.
    public static func makeDatabase(
        at path: String, creating: [String: String] = [:], omitting: Set<String> = [],
        then extra: String = ""
    ) throws {
        try CampaignLabDataTestSupport.makeDatabase(at: path, sql: sql(creating: creating, omitting: omitting, then: extra))
    }
}
