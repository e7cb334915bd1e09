import CSQLite

/// Checks a database against the data contract and summarizes what it holds.
///
/// The check reads only. It runs ONE streaming pass over each contract table for the
/// row-level checks (NULLs, storage types, dates/months/timestamps, allowed values, infinite
/// and negative numbers, identifier types), and SQL aggregate queries (GROUP BY, NOT EXISTS —
/// answered from the primary-key indexes) for the set-level checks (duplicate keys, orphans,
/// campaign arms and pre-periods, month gaps). Memory stays bounded: it keeps counts and the
/// first example row per problem, never a table.
///
/// Severities: an **error** means analyses would fail or give wrong numbers; a **warning**
/// means suspicious data that analyses can still use. See ``ContractProblem/Kind`` for the
/// list of checks.
///
/// ```swift
/// let report = try ContractChecker.check(databaseAt: "bank.sqlite") { print($0) }
/// for problem in report.problems { print(problem.severity, problem.place, problem.message) }
/// ```
public final class ContractChecker {
    /// Where the data are: the SQLite file (scanned row by row in process) or a remote engine
    /// (every check an aggregate query there: `EngineChecks`).
    let engine: any QueryEngine
    /// The SQLite file, when that is the engine.
    let database: SQLiteDatabase?
    let progress: (String) -> Void
    let schema: ContractSchema
    var problems = ProblemCollector()
    /// Storage classes of `customer_id`, per table, from the row scans.
    var identifierStats: [String: IdentifierStats] = [:]
    var summary = DatabaseSummary()
    /// The campaigns (a small table), in table order, from the scan of `campaigns`.
    var campaignRows: [CampaignRow] = []

    struct CampaignRow {
        var id: SQLiteValue
        var summary: DatabaseSummary.Campaign
        var startsOn: CivilDate?
        var example: String
    }

    /// Prepares a check of `database`.
    ///
    /// - Parameters:
    ///   - database: an open connection; the check only reads (open it with
    ///     ``SQLiteDatabase/open(readOnlyAt:)``).
    ///   - progress: called with short progress lines ("checking customer_months… 12,000,000 rows").
    /// - Throws: `DataError.sqlite` when the schema cannot be read.
    public init(database: SQLiteDatabase, progress: @escaping (String) -> Void = { _ in }) throws {
        self.engine = database
        self.database = database
        self.progress = progress
        self.schema = try ContractSchema.discover(in: database)
    }

    /// Prepares a check of the contract tables on `engine` (a remote engine, or SQLite).
    /// - Throws: `DataError.engine` when the engine's catalog cannot be read.
    public init(engine: any QueryEngine, progress: @escaping (String) -> Void = { _ in }) throws {
        self.engine = engine
        self.database = engine as? SQLiteDatabase
        self.progress = progress
        self.schema = try ContractSchema.discover(in: engine)
    }

    /// Opens `path` read-only and checks it.
    ///
    /// - Throws: `DataError.fileNotFound`, `.isDirectory`, `.emptyFile`, `.notSQLite` or
    ///   `.corrupt` when the file cannot be read as a database.
    public static func check(
        databaseAt path: String, progress: @escaping (String) -> Void = { _ in }
    ) throws
        -> ContractCheckReport
    {
        let database = try SQLiteDatabase.open(readOnlyAt: path)
        // A 32 MB page cache (the default is 2 MB) keeps the primary-key pages of customers
        // in memory during the orphan look-ups; it halves their time on large files.
        try database.execute("PRAGMA cache_size = -32768")
        return try ContractChecker(database: database, progress: progress).run()
    }

    /// Runs every check.
    ///
    /// - Returns: the problems (errors first) and the summary.
    /// - Throws: `DataError.corrupt` when SQLite finds the file damaged during the scan.
    ///   Other SQLite failures (a view that fails at run time) become problems of the table.
    /// - Complexity: one pass over each table plus index-backed aggregate queries;
    ///   memory O(columns + campaigns + problems).
    public func run() throws -> ContractCheckReport {
        problems = ProblemCollector()
        identifierStats = [:]
        summary = DatabaseSummary()
        campaignRows = []

        checkSchema()
        if database != nil {
            try guarded(Contract.customers) { try scanCustomers() }
            try guarded(Contract.customerMonths) { try scanCustomerMonths() }
            try guarded(Contract.events) { try scanEvents() }
            try guarded(Contract.campaigns) { try scanCampaigns() }
            try guarded(Contract.assignments) { _ = try scanRows(of: Contract.assignments) }
        } else {
            // One aggregate query per table (and one per time column) on the engine.
            try guarded(Contract.customers) { try aggregateCustomers() }
            try guarded(Contract.customerMonths) { try aggregateCustomerMonths() }
            try guarded(Contract.events) { try aggregateEvents() }
            try guarded(Contract.campaigns) { try aggregateCampaigns() }
            try guarded(Contract.assignments) { _ = try aggregateRows(of: Contract.assignments) }
        }
        checkIdentifierTypes()
        progress("checking keys and references…")
        for table in [
            Contract.customers, Contract.customerMonths, Contract.campaigns, Contract.assignments,
            Contract.metricDefinitions,
        ] {
            try guarded(table) { try checkDuplicateKeys(table) }
        }
        try guarded(Contract.customerMonths) {
            if database != nil { try checkCustomerMonthsPerCustomer() } else { try aggregateCustomerMonthsPerCustomer() }
        }
        try guarded(Contract.events) { try checkOrphans(of: Contract.events) }
        try guarded(Contract.assignments) { try checkOrphans(of: Contract.assignments) }
        progress("checking campaign arms and pre-periods…")
        try guarded(Contract.campaigns) { try checkCampaigns() }
        checkMetricDefinitions()
        progress("summarizing…")
        try guarded(Contract.customers) { try summarizeDimensions() }
        summary.metricDefinitions = schema.metricDefinitions
        return ContractCheckReport(problems: problems.sorted, summary: summary)
    }

    /// Runs `body`; an SQLite or engine failure becomes an error about `table` (corruption and
    /// a lost connection are thrown).
    private func guarded(_ table: ContractTable, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch DataError.engine(let name, _, let message) where database == nil && !message.contains("connect") {
            problems.add(
                ContractProblem(
                    .error, .unreadableTable, table: table.name, affectedRows: 0,
                    message: "reading it failed (\(name): \(message)); fix the table or view so that SELECT * FROM \(table.name) works"
                ))
        } catch DataError.sqlite(let code, let message, _) {
            let primary = code & 0xFF
            if primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB {
                throw DataError.corrupt(path: engine.location, detail: "SQLite error \(code): \(message)")
            }
            problems.add(
                ContractProblem(
                    .error, .unreadableTable, table: table.name, affectedRows: 0,
                    message:
                        "reading it failed (SQLite error \(code): \(message)); fix the table or view so that SELECT * FROM \(table.name) works"
                ))
        }
    }

    // MARK: Schema

    private func checkSchema() {
        for contract in Contract.tables {
            guard let table = schema.table(contract.name) else {
                if !contract.isOptional {
                    problems.add(
                        ContractProblem(
                            .error, .missingTable, table: contract.name, affectedRows: 0,
                            message: "the table is missing; create it (or a view with this name) as the data contract describes"))
                }
                continue
            }
            if let error = table.readError {
                problems.add(
                    ContractProblem(
                        .error, .unreadableTable, table: contract.name, affectedRows: 0,
                        message: "the \(table.kind.rawValue) cannot be read (\(error)); fix it so that SELECT * FROM \(contract.name) works"
                    ))
                continue
            }
            for column in contract.columns {
                guard let found = table.column(named: column.name) else {
                    if column.isRequired {
                        problems.add(
                            ContractProblem(
                                .error, .missingColumn, table: contract.name, column: column.name,
                                affectedRows: 0,
                                message: "the column is missing; it must hold \(column.kind.expectation)"))
                    }
                    continue
                }
                if let wrong = wrongDeclaredType(found, kind: column.kind) {
                    problems.add(
                        ContractProblem(
                            .error, .wrongDeclaredType, table: contract.name, column: column.name,
                            affectedRows: 0, message: wrong))
                }
            }
        }
        for column in schema.nonNumericMonthsColumns {
            let declared = schema.table(Contract.customerMonths.name)?.column(named: column)?.declaredType ?? ""
            problems.add(
                ContractProblem(
                    .warning, .nonNumericColumn, table: Contract.customerMonths.name, column: column,
                    affectedRows: 0,
                    message:
                        "the column is not numeric (\(declared.isEmpty ? "its values are text" : "declared \(declared)")), so it is not a metric and analyses ignore it; every extra column of customer_months should be a number (move text to customers as a dimension)"
                ))
        }
    }

    /// Why a column's declared type cannot hold `kind`, or nil. Only types whose affinity
    /// converts the contract's values are refused: `opened_on INTEGER` turns nothing useful
    /// into a date, but `opened_on DATE` (NUMERIC affinity) keeps 'YYYY-MM-DD' as text.
    private func wrongDeclaredType(_ column: ColumnInfo, kind: ColumnKind) -> String? {
        let affinity = column.affinity
        let refused: Bool
        switch kind {
        case .identifier: refused = affinity == "REAL"
        case .date, .month, .timestamp, .text, .oneOf: refused = affinity == "INTEGER" || affinity == "REAL"
        case .real, .integer: refused = affinity == "TEXT"
        }
        guard refused else { return nil }
        return
            "the column is declared \(column.declaredType) (\(affinity) affinity), but it must hold \(kind.expectation); declare it \(kind.sqlType.isEmpty ? "INTEGER or TEXT" : kind.sqlType)"
    }

    // MARK: Row scans

    private func scanCustomers() throws {
        guard schema.has(Contract.customers) else { return }
        var first: Int?, last: Int?
        let rows = try scanRows(of: Contract.customers) { row in
            if let day = row.parsedValue("opened_on") {
                first = min(first ?? day, day)
                last = max(last ?? day, day)
            }
        }
        summary.customers = .init(
            count: rows, firstOpenedOn: first.map { CivilDate(daysSinceEpoch: $0).description },
            lastOpenedOn: last.map { CivilDate(daysSinceEpoch: $0).description })
    }

    private func scanCustomerMonths() throws {
        guard schema.has(Contract.customerMonths) else { return }
        var first: Int?, last: Int?
        let rows = try scanRows(of: Contract.customerMonths, metrics: schema.metrics) { row in
            if let month = row.parsedValue("month") {
                first = min(first ?? month, month)
                last = max(last ?? month, month)
            }
        }
        summary.customerMonths = .init(
            rows: rows, firstMonth: first.map { YearMonth(index: $0).description },
            lastMonth: last.map { YearMonth(index: $0).description }, metrics: schema.metrics)
    }

    private func scanEvents() throws {
        guard schema.has(Contract.events) else { return }
        try summarizeEvents(rows: try scanRows(of: Contract.events))
    }

    /// The events summary: rows, and the most frequent event types.
    func summarizeEvents(rows: Int) throws {
        var types: [ValueCount] = [], distinct = 0
        if schema.has(Contract.events, column: "event") {
            try engine.forEachValues("SELECT event, \(engine.dialect.asInteger("count(*)")) FROM events GROUP BY event", columns: 2) {
                distinct += 1
                insertTop(&types, ValueCount(displayText($0[0]), $0[1].intValue ?? 0), limit: DatabaseSummary.listedEventTypes)
            }
        }
        summary.events = .init(rows: rows, distinctTypes: distinct, types: types)
    }

    private func scanCampaigns() throws {
        guard schema.has(Contract.campaigns) else { return }
        _ = try scanRows(of: Contract.campaigns) { row in
            noteCampaign(
                id: row.value("campaign_id"), value: row.value, starts: row.parsedValue("starts_on"), ends: row.parsedValue("ends_on"),
                example: row.namer.describe())
        }
    }

    /// A row of campaigns (dates as days since 1970 when valid): ends before it starts, and the summary's campaign.
    func noteCampaign(id: SQLiteValue, value: (String) -> SQLiteValue, starts: Int?, ends: Int?, example: @autoclosure () -> String) {
        if let starts, let ends, ends < starts {
            problems.count(
                .error, .campaignEndsBeforeStart, table: Contract.campaigns.name, column: "ends_on",
                example: example(),
                message:
                    "the campaign ends (\(CivilDate(daysSinceEpoch: ends))) before it starts (\(CivilDate(daysSinceEpoch: starts))); swap or correct starts_on/ends_on"
            )
        }
        guard id != .null else { return }
        let campaign = DatabaseSummary.Campaign(
            campaignID: displayText(id), name: displayText(value("name")), design: displayText(value("design")),
            startsOn: displayText(value("starts_on")), endsOn: displayText(value("ends_on")),
            controlArm: displayText(value("control_arm")), arms: [])
        campaignRows.append(
            CampaignRow(
                id: id, summary: campaign, startsOn: starts.map(CivilDate.init(daysSinceEpoch:)),
                example: "campaign_id=\(id.shortDescription)"))
    }

    // MARK: Identifiers

    /// customer_id must have one storage class everywhere: 17 and '17' are different keys
    /// to SQLite (in columns without affinity) and to every join made in Swift.
    private func checkIdentifierTypes() {
        let order = [Contract.customers, Contract.customerMonths, Contract.events, Contract.assignments].map(\.name)
        let present = order.compactMap { name in identifierStats[name].map { (name, $0) } }
        guard !present.isEmpty else { return }
        // The reference storage class: customers' majority, else the majority over all tables.
        let reference = present.first { $0.0 == Contract.customers.name && $0.1.integers + $0.1.texts > 0 }.map { [$0] } ?? present
        let integers = reference.reduce(0) { $0 + $1.1.integers }, texts = reference.reduce(0) { $0 + $1.1.texts }
        let integerIsReference = integers >= texts
        let referencePlace = reference.count == 1 ? "in \(reference[0].0)" : "in most rows"
        for (table, stats) in present {
            let count = integerIsReference ? stats.texts : stats.integers
            guard count > 0 else { continue }
            let (here, there) = integerIsReference ? ("TEXT", "INTEGER") : ("INTEGER", "TEXT")
            let value = (integerIsReference ? stats.firstTextValue : stats.firstIntegerValue) ?? ""
            problems.add(
                ContractProblem(
                    .error, .mixedIdentifierTypes, table: table, column: "customer_id",
                    exampleRow: integerIsReference ? stats.firstText : stats.firstInteger, affectedRows: count,
                    message:
                        "customer_id is stored as \(here) here (e.g. \(value)) but as \(there) \(referencePlace); 17 and '17' are different keys, so joins silently miss these rows. Store customer_id with one type everywhere (e.g. CAST(customer_id AS \(there)) in a view)"
                ))
        }
    }

    // MARK: Keys and references

    /// Duplicate primary keys — possible in views and in tables created without the key.
    private func checkDuplicateKeys(_ contract: ContractTable) throws {
        guard let table = schema.table(contract.name), table.readError == nil,
            contract.primaryKey.allSatisfy({ table.column(named: $0) != nil }),
            !table.enforcesUniqueness(of: contract.primaryKey)
        else { return }
        let keys = contract.primaryKey.map(quoteIdentifier)
        let armCheck = contract == Contract.assignments && table.column(named: "arm") != nil
        let count = engine.dialect.asInteger("count(*)")
        let sql = """
            SELECT \(keys.joined(separator: ", ")), \(count)\(armCheck ? ", \(engine.dialect.asInteger("count(DISTINCT arm)"))" : "")
            FROM \(quoteIdentifier(contract.name))
            WHERE \(keys.map { "\($0) IS NOT NULL" }.joined(separator: " AND "))
            GROUP BY \(keys.joined(separator: ", ")) HAVING count(*) > 1
            """
        let n = keys.count
        let keyText = contract.primaryKey.joined(separator: ", ")
        try engine.forEachValues(sql, columns: n + (armCheck ? 2 : 1)) { row in
            let describe = (0..<n).map { "\(contract.primaryKey[$0])=\(row[$0].shortDescription)" }.joined(separator: ", ")
            let rows = row[n].intValue ?? 0
            if armCheck, let arms = row[n + 1].intValue, arms > 1 {
                problems.count(
                    .error, .customerInTwoArms, table: contract.name, column: "arm", rows: rows,
                    example: describe,
                    message:
                        "the customer is assigned to \(arms) different arms of one campaign; each customer must be in exactly one arm"
                )
            } else {
                problems.count(
                    .error, .duplicateKey, table: contract.name,
                    column: contract.primaryKey.count == 1 ? contract.primaryKey[0] : nil, rows: rows,
                    example: describe,
                    message:
                        "\(rows) rows share the key (\(keyText)); each key must appear once (remove the duplicates\(table.kind == .view ? " in the view's query" : ", or declare PRIMARY KEY (\(keyText))"))"
                )
            }
        }
    }

    /// Per customer of customer_months (one GROUP BY over the primary-key index): customers
    /// not in customers, gaps between the first and last month, months before opened_on.
    private func checkCustomerMonthsPerCustomer() throws {
        guard schema.has(Contract.customerMonths, column: "customer_id"),
            schema.has(Contract.customerMonths, column: "month")
        else { return }
        let withCustomers = schema.has(Contract.customers, column: "customer_id")
        let withOpened = withCustomers && schema.has(Contract.customers, column: "opened_on")
        // With the key enforced, count(*) is the number of distinct months (and twice as fast).
        let keyEnforced = schema.table(Contract.customerMonths.name)?.enforcesUniqueness(of: Contract.customerMonths.primaryKey) ?? false
        guard let database else { return }
        let statement = try database.prepare(
            """
            SELECT g.customer_id, g.lo, g.hi, g.n, g.rows,
                   \(withCustomers ? "EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = g.customer_id)" : "1"),
                   \(withOpened ? "(SELECT c.opened_on FROM customers c WHERE c.customer_id = g.customer_id LIMIT 1)" : "NULL")
            FROM (SELECT customer_id, min(month) AS lo, max(month) AS hi, \(keyEnforced ? "count(*)" : "count(DISTINCT month)") AS n, count(*) AS rows
                  FROM customer_months WHERE customer_id IS NOT NULL GROUP BY customer_id) AS g
            """)
        var orphanRows = 0, orphanExample: String?
        var gapCustomers = 0, missingMonths = 0, gapExample: String?
        var earlyCustomers = 0, earlyExample: String?
        var customers = 0
        while try statement.step() {
            customers += 1
            if customers % Self.progressInterval == 0 { progress("checking months per customer… \(formatCount(customers)) customers") }
            let id = statement.value(0).shortDescription
            if statement.int64(5) == 0 {
                orphanRows += Int(statement.int64(4))
                if orphanExample == nil { orphanExample = "customer_id=\(id), month=\(statement.value(1).shortDescription)" }
                continue
            }
            guard statement.storageClass(1) == .text, statement.storageClass(2) == .text,
                let lo = statement.withUTF8(1, { YearMonth.parse($0) }),
                let hi = statement.withUTF8(2, { YearMonth.parse($0) })
            else { continue }
            let span = hi.index - lo.index + 1, present = Int(statement.int64(3))
            if present < span {
                gapCustomers += 1
                missingMonths += span - present
                if gapExample == nil {
                    gapExample = "customer_id=\(id) (\(lo)…\(hi): \(span - present) of \(span) months missing)"
                }
            }
            if statement.storageClass(6) == .text, let opened = statement.withUTF8(6, { CivilDate.parse($0) }),
                lo < opened.yearMonth
            {
                earlyCustomers += 1
                if earlyExample == nil { earlyExample = "customer_id=\(id), month='\(lo)' (opened_on '\(opened)')" }
            }
        }
        reportCustomerMonths(
            orphanRows: orphanRows, orphanExample: orphanExample, gapCustomers: gapCustomers, missingMonths: missingMonths,
            gapExample: gapExample, earlyCustomers: earlyCustomers, earlyExample: earlyExample)
    }

    /// The problems of the per-customer look at customer_months (either engine's counts).
    func reportCustomerMonths(
        orphanRows: Int, orphanExample: String?, gapCustomers: Int, missingMonths: Int, gapExample: String?,
        earlyCustomers: Int, earlyExample: String?
    ) {
        let table = Contract.customerMonths.name
        if orphanRows > 0 {
            problems.add(
                ContractProblem(
                    .error, .orphanCustomer, table: table, column: "customer_id", exampleRow: orphanExample,
                    affectedRows: orphanRows,
                    message: "the customer_id is not in customers; every customer in customer_months must have a customers row"))
        }
        if gapCustomers > 0 {
            problems.add(
                ContractProblem(
                    .warning, .monthGaps, table: table, column: "month", exampleRow: gapExample,
                    affectedRows: gapCustomers, unit: "customers",
                    message:
                        "months are missing between a customer's first and last month (\(formatCount(missingMonths)) customer-month\(missingMonths == 1 ? "" : "s") in all); analyses treat a missing month as no data, not as zero"
                ))
        }
        if earlyCustomers > 0 {
            problems.add(
                ContractProblem(
                    .warning, .monthsBeforeOpening, table: table, column: "month", exampleRow: earlyExample,
                    affectedRows: earlyCustomers, unit: "customers",
                    message: "customers have monthly snapshots before the month of their opened_on; check opened_on or the snapshots"))
        }
    }

    /// Rows of `contract` whose customer (or campaign) is unknown.
    private func checkOrphans(of contract: ContractTable) throws {
        guard let table = schema.table(contract.name), table.readError == nil else { return }
        if table.column(named: "customer_id") != nil, schema.has(Contract.customers, column: "customer_id") {
            try countRows(
                of: contract, table,
                where: "x.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = x.customer_id)"
            ) { count, example in
                ContractProblem(
                    .error, .orphanCustomer, table: contract.name, column: "customer_id", exampleRow: example,
                    affectedRows: count,
                    message: "the customer_id is not in customers; every customer in \(contract.name) must have a customers row")
            }
        }
        if table.column(named: "campaign_id") != nil, schema.has(Contract.campaigns, column: "campaign_id") {
            let severity: ContractProblem.Severity = contract == Contract.events ? .warning : .error
            try countRows(
                of: contract, table,
                where: "x.campaign_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.campaign_id = x.campaign_id)"
            ) { count, example in
                ContractProblem(
                    severity, .orphanCampaign, table: contract.name, column: "campaign_id", exampleRow: example,
                    affectedRows: count,
                    message: severity == .error
                        ? "the campaign_id is not in campaigns; every assignment must belong to a campaign"
                        : "the campaign_id is not in campaigns; these events count as activity but are linked to no known campaign")
            }
        }
    }

    /// Counts the rows of `contract` (aliased `x`) matching `condition` and, when there are
    /// any, adds the problem `make` builds from the count and the first row.
    private func countRows(
        of contract: ContractTable, _ table: ContractSchema.Table, where condition: String,
        _ make: (Int, String?) -> ContractProblem
    ) throws {
        let from = "FROM \(quoteIdentifier(contract.name)) AS x WHERE \(condition)"
        let counted = try engine.allRows("SELECT \(engine.dialect.asInteger("count(*)")) \(from)")
        guard let count = counted.first?[0].intValue, count > 0 else { return }
        problems.add(make(count, try exampleRow(of: contract, table, from: from)))
    }

    /// The first row of `from` (a FROM … WHERE clause aliasing the table `x`), named by its key columns.
    func exampleRow(of contract: ContractTable, _ table: ContractSchema.Table, from: String) throws -> String? {
        let keyNames = (contract.primaryKey.isEmpty ? ["customer_id", "event", "occurred_at"] : contract.primaryKey)
            .filter { table.column(named: $0) != nil }
        var select = keyNames.map { "x." + quoteIdentifier($0) }
        let rowID = table.hasRowID && database != nil
        if rowID { select.append("x._rowid_") }
        guard !select.isEmpty, let row = try engine.allRows("SELECT \(select.joined(separator: ", ")) \(from) LIMIT 1").first
        else { return nil }
        var text = keyNames.indices.map { "\(keyNames[$0])=\(row[$0].shortDescription)" }.joined(separator: ", ")
        if rowID { text += (text.isEmpty ? "" : " ") + "(rowid \(row[keyNames.count]))" }
        return text
    }

    // MARK: Campaigns

    private func checkCampaigns() throws {
        guard schema.has(Contract.campaigns, column: "campaign_id"),
            schema.has(Contract.assignments, column: "campaign_id"), schema.has(Contract.assignments, column: "arm"),
            !campaignRows.isEmpty
        else {
            summary.campaigns = campaignRows.map(\.summary)
            return
        }
        // Arm sizes: one GROUP BY over the assignments key index; kept only for known campaigns.
        var position: [SQLiteValue: Int] = [:]
        for (i, campaign) in campaignRows.enumerated() where position[campaign.id] == nil { position[campaign.id] = i }
        var arms: [Int: [(arm: SQLiteValue, count: Int)]] = [:]
        try engine.forEachValues(
            """
            SELECT campaign_id, arm, \(engine.dialect.asInteger("count(*)")) FROM assignments WHERE campaign_id IS NOT NULL
            GROUP BY campaign_id, arm
            """, columns: 3
        ) { row in
            guard let i = position[row[0]] else { return }
            arms[i, default: []].append((row[1], row[2].intValue ?? 0))
        }
        // In SQLite's order whatever the engine's: NULL first, then by bytes.
        for (i, list) in arms {
            campaignRows[i].summary.arms = list.sorted { a, b in
                guard let x = a.arm.textValue, let y = b.arm.textValue else { return a.arm == .null && b.arm != .null }
                return x.utf8.lexicographicallyPrecedes(y.utf8)
            }.map { ValueCount(displayText($0.arm), $0.count) }
        }

        let table = Contract.campaigns.name
        let canCheckPrePeriod =
            schema.has(Contract.customerMonths, column: "month")
            && schema.has(Contract.customerMonths, column: "customer_id") && schema.has(Contract.assignments, column: "customer_id")
        let prePeriod = """
            SELECT 1 FROM assignments a JOIN customer_months m ON m.customer_id = a.customer_id
            WHERE a.campaign_id = ? AND m.month < ? LIMIT 1
            """
        for campaign in campaignRows {
            let armNames = campaign.summary.arms.map(\.value)
            guard !armNames.isEmpty else {
                problems.count(
                    .error, .campaignWithoutAssignments, table: table, column: "campaign_id",
                    example: campaign.example,
                    message:
                        "the campaign has no rows in assignments; add who was in which arm (participants and non-participants, or the test variants)"
                )
                continue
            }
            let control = campaign.summary.controlArm
            if !armNames.contains(control) {
                problems.count(
                    .error, .controlArmEmpty, table: table, column: "control_arm", example: campaign.example,
                    message:
                        "the control arm '\(control)' has no rows in assignments (arms found: \(armNames.joined(separator: ", "))); fix control_arm or the arm names"
                )
            }
            if armNames.count == 1 {
                problems.count(
                    .error, .singleArm, table: table, column: "campaign_id", example: campaign.example,
                    message:
                        "every assignment is in the one arm '\(armNames[0])', so there is nothing to compare; add the other arm (e.g. the non-participants)"
                )
            }
            if canCheckPrePeriod, let starts = campaign.startsOn {
                if try engine.allRows(prePeriod, [campaign.id, .text(starts.yearMonth.description)]).isEmpty {
                    problems.count(
                        .warning, .noPrePeriod, table: table, column: "starts_on", example: campaign.example,
                        message:
                            "no customer of the campaign has a customer_months row before \(starts.yearMonth) (the month it starts), so there is no pre-period: no baseline, no CUPED, no difference-in-differences"
                    )
                }
            }
        }
        summary.campaigns = campaignRows.map(\.summary)
    }

    // MARK: Metric definitions

    private func checkMetricDefinitions() {
        for issue in schema.metricDefinitionIssues {
            problems.add(
                ContractProblem(
                    .error, .invalidMetricDefinition, table: Contract.metricDefinitions.name,
                    column: issue.column, exampleRow: issue.exampleRow, affectedRows: 1,
                    message: issue.message))
        }
    }

    // MARK: Summary

    private func summarizeDimensions() throws {
        guard schema.has(Contract.customers) else { return }
        for dimension in schema.dimensions {
            let column = quoteIdentifier(dimension)
            var top: [ValueCount] = [], distinct = 0
            try engine.forEachValues(
                "SELECT \(column), \(engine.dialect.asInteger("count(*)")) FROM customers GROUP BY \(column)", columns: 2
            ) { row in
                distinct += 1
                insertTop(&top, ValueCount(displayText(row[0]), row[1].intValue ?? 0), limit: DatabaseSummary.listedValues)
            }
            summary.dimensions.append(.init(name: dimension, distinctValues: distinct, topValues: top))
        }
    }

    /// Keeps `list` the `limit` most frequent values (ties by value), most frequent first.
    func insertTop(_ list: inout [ValueCount], _ item: ValueCount, limit: Int) {
        func before(_ a: ValueCount, _ b: ValueCount) -> Bool { a.count != b.count ? a.count > b.count : a.value < b.value }
        if list.count == limit, let last = list.last, !before(item, last) { return }
        let index = list.firstIndex { before(item, $0) } ?? list.count
        list.insert(item, at: index)
        if list.count > limit { list.removeLast() }
    }

    /// A value as plain text for the summary: text unquoted, NULL as "NULL".
    func displayText(_ value: SQLiteValue) -> String {
        if case .text(let text) = value { return text }
        return value.description
    }
}
