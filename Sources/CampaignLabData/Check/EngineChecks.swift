// The row-level part of the contract check on a remote engine: instead of the in-process scan
// (RowScan.swift), one aggregate query per table counts, per column, the NULLs, the values that
// are not dates, months or allowed values, the infinite numbers and the negative balances, each
// with an example value; timestamps are grouped by their shape and written offset (one small
// GROUP BY per column) and each shape is judged here by the rules of `Timestamp.parse`. Nothing
// but counts, examples and ranges comes back. Typed engines have no storage classes: a column's
// declared type stands for its values (`checkSchema` refuses a type that cannot hold them).

extension ContractChecker {
    /// SQL true when the text `date` is a valid 'YYYY-MM-DD' (`CivilDate.parse`): the shape, a
    /// month 01–12 and a day that exists in that month (29 February in leap years only). Text
    /// comparisons only, so that no engine fails on a cast of a word.
    static func validDate(_ date: String) -> String {
        let fours = stride(from: 0, through: 96, by: 4).map { "'\($0 < 10 ? "0" : "")\($0)'" }.joined(separator: ", ")
        let month = "substr(\(date), 6, 2)", day = "substr(\(date), 9, 2)"
        let leap = "(substr(\(date), 3, 2) IN (\(fours)) AND (substr(\(date), 3, 2) <> '00' OR substr(\(date), 1, 2) IN (\(fours))))"
        let lastDay =
            "CASE WHEN \(month) = '02' THEN (CASE WHEN \(leap) THEN '29' ELSE '28' END) WHEN \(month) IN ('04', '06', '09', '11') THEN '30' ELSE '31' END"
        return """
            (CASE WHEN \(EventTimes.shape(date)) = '9999-99-99' \
            THEN (CASE WHEN \(month) >= '01' AND \(month) <= '12' AND \(day) >= '01' AND \(day) <= \(lastDay) THEN 1 ELSE 0 END) \
            ELSE 0 END) = 1
            """
    }

    /// SQL true when the text `month` is a valid 'YYYY-MM' (`YearMonth.parse`).
    static func validMonth(_ month: String) -> String {
        """
        (CASE WHEN \(EventTimes.shape(month)) = '9999-99' \
        AND substr(\(month), 6, 2) >= '01' AND substr(\(month), 6, 2) <= '12' THEN 1 ELSE 0 END) = 1
        """
    }

    /// SQL true when the value of the numeric `expression` is infinite or NaN.
    static func notFinite(_ expression: String, _ dialect: SQLDialect) -> String {
        let double = { (text: String) in dialect.asDouble("'\(text)'") }
        return "\(dialect.asDouble(expression)) IN (\(double("Infinity")), \(double("-Infinity")), \(double("NaN")))"
    }

    /// The rows of `contract`'s table and, per date and month column, its least and greatest
    /// valid value; the column problems counted by the engine.
    func aggregateRows(
        of contract: ContractTable, metrics: [String] = []
    ) throws -> (rows: Int, ranges: [String: (SQLiteValue, SQLiteValue)]) {
        guard let table = schema.table(contract.name), table.readError == nil else { return (0, [:]) }
        let sql = engine.dialect, name = contract.name
        var select = [sql.asInteger("count(*)")]
        var readers: [([SQLiteValue]) -> Void] = []
        var ranges: [String: (SQLiteValue, SQLiteValue)] = [:]
        var timestamps: [String] = []
        // Each row's conditions are computed once, as flags of a fenced derived table
        // (`SQLDialect.fence`) that keeps the table's columns: a condition is used twice (its
        // count and its example), and PostgreSQL would evaluate it at each use.
        var flags: [String] = []
        // (Named apart from every column of the table, whatever their case: x.* keeps them.)
        var prefix = "cl_flag"
        while table.columns.contains(where: { $0.name.lowercased().hasPrefix(prefix) }) { prefix += "_" }
        func column(_ expression: String) -> Int {
            select.append(expression)
            return select.count - 1
        }
        /// `condition` as a flag column of the derived table: SQL true for its rows.
        func flag(_ condition: String) -> String {
            flags.append("CASE WHEN \(condition) THEN 1 ELSE 0 END AS \(prefix)\(flags.count)")
            return "x.\(prefix)\(flags.count - 1) = 1"
        }
        /// Counts rows matching `condition` with the least `value` among them as the example.
        /// `flagged`: the condition is a row's expression, computed once as a flag (false: it
        /// reads flags already, and is cheap).
        func count(
            _ condition: String, value: String, _ severity: ContractProblem.Severity, _ kind: ContractProblem.Kind, _ columnName: String,
            flagged: Bool = true, message: @escaping (SQLiteValue) -> String
        ) {
            let condition = flagged ? flag(condition) : condition
            let rows = column(sql.asInteger("count(CASE WHEN \(condition) THEN 1 END)"))
            let example = column("min(CASE WHEN \(condition) THEN \(value) END)")
            readers.append { [unowned self] row in
                guard let n = row[rows].intValue, n > 0 else { return }
                problems.count(
                    severity, kind, table: name, column: columnName, rows: n, example: "\(columnName)=\(row[example].shortDescription)",
                    message: message(row[example]))
            }
        }
        for contractColumn in contract.columns {
            guard let found = table.column(named: contractColumn.name) else { continue }
            let c = "x." + quoteIdentifier(contractColumn.name), kind = contractColumn.kind, columnName = contractColumn.name
            let text = sql.asText(c)
            if contractColumn.isNotNull {
                let nulls = column(sql.asInteger("count(*) - count(\(c))"))
                readers.append { [unowned self] row in
                    guard let n = row[nulls].intValue, n > 0 else { return }
                    problems.count(
                        .error, .nullValue, table: name, column: columnName, rows: n, example: nil, message: Self.nullMessage(kind))
                }
            }
            switch kind {
            case .identifier:
                // One type per column on a typed engine: the declared one.
                let rows = column(sql.asInteger("count(\(c))")), least = column("min(\(c))")
                let isText = found.affinity == "TEXT"
                readers.append { [unowned self] row in
                    guard let n = row[rows].intValue, n > 0 else { return }
                    var stats = IdentifierStats()
                    let example = "customer_id=\(row[least].shortDescription)"
                    if isText {
                        (stats.texts, stats.firstText, stats.firstTextValue) = (n, example, row[least].shortDescription)
                    } else {
                        (stats.integers, stats.firstInteger, stats.firstIntegerValue) = (n, example, row[least].shortDescription)
                    }
                    if columnName == "customer_id" { identifierStats[name] = stats }
                }
            case .date, .month:
                // The text's validity is one flag per row, for the count of unparsable values and for the range.
                let isValid = flag(kind == .date ? Self.validDate(text) : Self.validMonth(text))
                count("\(c) IS NOT NULL AND NOT (\(isValid))", value: text, .error, .unparsableValue, columnName, flagged: false) {
                    Self.unparsableMessage($0, kind)
                }
                let least = column("min(CASE WHEN \(isValid) THEN \(text) END)"),
                    greatest = column("max(CASE WHEN \(isValid) THEN \(text) END)")
                readers.append { row in ranges[columnName] = (row[least], row[greatest]) }
            case .timestamp:
                timestamps.append(columnName)
            case .oneOf(let values):
                let allowed = values.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
                count("\(c) IS NOT NULL AND \(text) NOT IN (\(allowed))", value: text, .error, .valueNotAllowed, columnName) {
                    Self.notAllowedMessage($0, kind)
                }
            case .real:
                count(Self.notFinite(c, sql), value: sql.asDouble(c), .error, .infiniteValue, columnName) {
                    Self.infiniteMessage($0.doubleValue ?? .nan)
                }
            case .text, .integer:
                break
            }
        }
        for metric in metrics {
            let c = "x." + quoteIdentifier(metric)
            let nulls = column(sql.asInteger("count(*) - count(\(c))"))
            readers.append { [unowned self] row in
                guard let n = row[nulls].intValue, n > 0 else { return }
                problems.count(.warning, .nullMetric, table: name, column: metric, rows: n, example: nil, message: Self.nullMetricMessage)
            }
            count(Self.notFinite(c, sql), value: sql.asDouble(c), .error, .infiniteValue, metric) {
                Self.infiniteMessage($0.doubleValue ?? .nan)
            }
            if Self.isBalance(metric) {
                count("\(c) < 0 AND NOT (\(Self.notFinite(c, sql)))", value: c, .warning, .negativeBalance, metric) {
                    Self.negativeMessage($0)
                }
            }
        }
        progress("checking \(name) on \(engine.engineName)…")
        let rows =
            flags.isEmpty
            ? "\(quoteIdentifier(name)) x" : "(SELECT x.*\(flags.map { ", " + $0 }.joined()) FROM \(quoteIdentifier(name)) x\(sql.fence)) x"
        guard let row = try engine.allRows("SELECT \(select.joined(separator: ", ")) FROM \(rows)").first else {
            return (0, ranges)
        }
        for read in readers { read(row) }
        for timestamp in timestamps { try aggregateTimestamps(table: name, column: timestamp) }
        return (row[0].intValue ?? 0, ranges)
    }

    /// A timestamp column grouped by its text's shape and written offset: the shapes
    /// `Timestamp.parse` does not read and the rows whose date or time of day is out of range are
    /// unparsable; the offsets of the others are its forms (more than one: a warning).
    private func aggregateTimestamps(table: String, column: String) throws {
        let sql = engine.dialect, text = sql.asText("x." + quoteIdentifier(column))
        var forms: [Int: (rows: Int, example: String)] = [:]
        let kind = ColumnKind.timestamp
        // Each text's shape, offset and range check computed once (a fenced derived table).
        try engine.forEachValues(
            """
            SELECT sh, off, \(sql.asInteger("count(*)")), min(t), \(sql.asInteger("count(CASE WHEN bad = 1 THEN 1 END)")),
                   min(CASE WHEN bad = 1 THEN t END)
            FROM (SELECT t, \(EventTimes.shape("t")) AS sh, \(EventTimes.offsetExpression("t")) AS off,
                         CASE WHEN NOT (\(EventTimes.inRange("t"))) THEN 1 ELSE 0 END AS bad
                  FROM (SELECT \(text) AS t FROM \(quoteIdentifier(table)) x
                        WHERE x.\(quoteIdentifier(column)) IS NOT NULL\(sql.fence)) y\(sql.fence)) z
            GROUP BY sh, off
            """, columns: 6
        ) { row in
            let written = row[1].textValue ?? ""
            let seconds = written.isEmpty ? Int.min : Timestamp.parseOffset(written)
            let rows = row[2].intValue ?? 0
            guard EventTimes.isTimestampShape(row[0].textValue ?? ""), let seconds else {
                problems.count(
                    .error, .unparsableValue, table: table, column: column, rows: rows, example: "\(column)=\(row[3].shortDescription)",
                    message: Self.unparsableMessage(row[3], kind))
                return
            }
            let bad = row[4].intValue ?? 0
            if bad > 0 {
                problems.count(
                    .error, .unparsableValue, table: table, column: column, rows: bad, example: "\(column)=\(row[5].shortDescription)",
                    message: Self.unparsableMessage(row[5], kind))
            }
            if rows > bad {
                let example = forms[seconds]?.example ?? "\(column)=\(row[3].shortDescription)"
                forms[seconds] = ((forms[seconds]?.rows ?? 0) + rows - bad, example)
            }
        }
        if forms.count > 1 { mixedTimeZones(forms, column, table: table) }
    }

    func aggregateCustomers() throws {
        guard schema.has(Contract.customers) else { return }
        let (rows, ranges) = try aggregateRows(of: Contract.customers)
        let opened = ranges["opened_on"]
        summary.customers = .init(count: rows, firstOpenedOn: opened?.0.textValue, lastOpenedOn: opened?.1.textValue)
    }

    func aggregateCustomerMonths() throws {
        guard schema.has(Contract.customerMonths) else { return }
        let (rows, ranges) = try aggregateRows(of: Contract.customerMonths, metrics: schema.metrics)
        let months = ranges["month"]
        summary.customerMonths = .init(rows: rows, firstMonth: months?.0.textValue, lastMonth: months?.1.textValue, metrics: schema.metrics)
    }

    func aggregateEvents() throws {
        guard schema.has(Contract.events) else { return }
        try summarizeEvents(rows: try aggregateRows(of: Contract.events).rows)
    }

    /// The campaigns table is small: its rows are read as they are, after the column checks.
    func aggregateCampaigns() throws {
        guard let table = schema.table(Contract.campaigns.name) else { return }
        _ = try aggregateRows(of: Contract.campaigns)
        let names = Contract.campaigns.columns.map(\.name).filter { table.column(named: $0) != nil }
        guard names.contains("campaign_id") else { return }
        let sql = engine.dialect
        let select = names.map { sql.asText("x." + quoteIdentifier($0)) }.joined(separator: ", ")
        try engine.forEachValues("SELECT \(select) FROM campaigns x", columns: names.count) { row in
            let value = { (name: String) in names.firstIndex(of: name).map { row[$0] } ?? .null }
            let day = { (name: String) in value(name).textValue.flatMap { CivilDate($0)?.daysSinceEpoch } }
            let id = value("campaign_id")
            noteCampaign(
                id: id, value: value, starts: day("starts_on"), ends: day("ends_on"), example: "campaign_id=\(id.shortDescription)")
        }
    }

    /// customer_months per customer, aggregated once more by the engine: the rows of customers
    /// not in customers, the customers with months missing between their first and last, and
    /// those with months before their opened_on month; the least customer id of each as example.
    func aggregateCustomerMonthsPerCustomer() throws {
        guard schema.has(Contract.customerMonths, column: "customer_id"), schema.has(Contract.customerMonths, column: "month") else {
            return
        }
        let sql = engine.dialect
        let withCustomers = schema.has(Contract.customers, column: "customer_id")
        let withOpened = withCustomers && schema.has(Contract.customers, column: "opened_on")
        let lo = sql.asText("g.lo"), hi = sql.asText("g.hi")
        let index = { (month: String) in "(\(EventTimes.monthNumber(month, dialect: sql).index))" }
        let span = "CASE WHEN \(Self.validMonth(lo)) AND \(Self.validMonth(hi)) THEN \(index(hi)) - \(index(lo)) + 1 END"
        let known = withCustomers ? "k.customer_id IS NOT NULL" : "1 = 1"
        let opened = sql.asText("k.opened")
        let bothMonths = "\(Self.validMonth(lo)) AND \(Self.validMonth(hi))"
        let early = withOpened ? "\(known) AND \(bothMonths) AND \(Self.validDate(opened)) AND \(lo) < substr(\(opened), 1, 7)" : "1 = 0"
        let gap = "\(known) AND g.n < (\(span))"
        let customers =
            withCustomers
            ? "LEFT JOIN (SELECT customer_id, \(withOpened ? "min(opened_on)" : "NULL") AS opened FROM customers GROUP BY customer_id) k ON k.customer_id = g.customer_id"
            : ""
        let int = sql.asInteger
        let query = """
            SELECT \(int("sum(CASE WHEN NOT (\(known)) THEN g.r ELSE 0 END)")), min(CASE WHEN NOT (\(known)) THEN g.customer_id END),
                   \(int("count(CASE WHEN \(gap) THEN 1 END)")), \(int("sum(CASE WHEN \(gap) THEN (\(span)) - g.n ELSE 0 END)")),
                   min(CASE WHEN \(gap) THEN g.customer_id END),
                   \(int("count(CASE WHEN \(early) THEN 1 END)")), min(CASE WHEN \(early) THEN g.customer_id END)
            FROM (SELECT customer_id, min(month) AS lo, max(month) AS hi, count(DISTINCT month) AS n, count(*) AS r
                  FROM customer_months WHERE customer_id IS NOT NULL GROUP BY customer_id) g
            \(customers)
            """
        progress("checking months per customer on \(engine.engineName)…")
        guard let row = try engine.allRows(query).first else { return }
        let example = { (i: Int) in row[i] == .null ? nil : "customer_id=\(row[i].shortDescription)" }
        reportCustomerMonths(
            orphanRows: row[0].intValue ?? 0, orphanExample: example(1), gapCustomers: row[2].intValue ?? 0,
            missingMonths: row[3].intValue ?? 0, gapExample: example(4), earlyCustomers: row[5].intValue ?? 0, earlyExample: example(6))
    }
}
