/// What a database holds of the data contract: which contract tables and views exist, their
/// columns, the dimensions, the metrics and the metric definitions.
///
/// Discovery reports what is there and never refuses a database: a missing table or column
/// is simply absent here. `campaignlab check` reports those as problems; an analysis calls
/// ``require(_:columns:)`` for what it needs and gets a ``DataError/contract(table:column:row:message:)``
/// naming the missing table or column.
///
/// ```swift
/// let db = try SQLiteDatabase.open(readOnlyAt: "bank.sqlite")
/// let schema = try ContractSchema.discover(in: db)
/// try schema.require(Contract.customerMonths)       // throws when it or its key columns are missing
/// print(schema.dimensions)                          // ["segment", "age_band", "branch"]
/// print(schema.metrics)                             // ["aum", "products_held", "app_logins"]
/// let aum = try schema.definition(of: "aum")
/// ```
public struct ContractSchema: Sendable {
    /// Whether a contract name is a table or a view.
    public enum ObjectKind: String, Sendable, Equatable {
        case table, view
    }

    /// One contract table or view as found in the database.
    public struct Table: Sendable, Equatable {
        /// The contract name (`customers`, …).
        public var name: String
        public var kind: ObjectKind
        /// The columns in order, as `PRAGMA table_info` describes them.
        public var columns: [ColumnInfo]
        /// Whether rows have a rowid (ordinary tables; not views or WITHOUT ROWID tables).
        public var hasRowID: Bool
        /// Column sets (lower-cased) that the database keeps unique: the primary key and
        /// UNIQUE indexes. Empty for views.
        public var uniqueKeys: [Set<String>]
        /// Why the table or view cannot be read (a view over a missing table), or nil.
        public var readError: String?

        public init(
            name: String, kind: ObjectKind, columns: [ColumnInfo], hasRowID: Bool, uniqueKeys: [Set<String>], readError: String?
        ) {
            self.name = name
            self.kind = kind
            self.columns = columns
            self.hasRowID = hasRowID
            self.uniqueKeys = uniqueKeys
            self.readError = readError
        }

        /// The column called `name` (SQLite compares column names case-insensitively).
        public func column(named name: String) -> ColumnInfo? {
            let lower = name.lowercased()
            return columns.first { $0.name.lowercased() == lower }
        }

        /// Whether the database guarantees that `key` is unique: a primary key or UNIQUE
        /// index on `key` or on part of it. A view never does.
        public func enforcesUniqueness(of key: [String]) -> Bool {
            let wanted = Set(key.map { $0.lowercased() })
            return uniqueKeys.contains { !$0.isEmpty && $0.isSubset(of: wanted) }
        }
    }

    /// The contract tables and views that exist, by contract name.
    public var tables: [String: Table]
    /// The columns of `customers` other than customer_id and opened_on, in order.
    public var dimensions: [String]
    /// Those of `dimensions` that hold numbers with more than 12 distinct values (age, income):
    /// continuous covariates for the uplift's models rather than categories.
    public var numericDimensions: [String] = []
    /// The numeric columns of `customer_months` other than customer_id and month, in order.
    public var metrics: [String]
    /// Columns of `customer_months` that are not numeric and so are not metrics.
    public var nonNumericMonthsColumns: [String]
    /// The valid metric definitions: `metric_definitions` rows first (in table order), then a
    /// default for every metric the table does not define.
    public var metricDefinitions: [MetricDefinition]
    /// Rows of `metric_definitions` that break a rule (see ``MetricDefinition``).
    public var metricDefinitionIssues: [MetricDefinitionIssue]

    /// The contract table or view called `name`, when it exists.
    public func table(_ name: String) -> Table? { tables[name] }

    /// Whether `table` exists and can be read.
    public func has(_ table: ContractTable) -> Bool {
        tables[table.name].map { $0.readError == nil } ?? false
    }

    /// Whether `table` exists, can be read and has a column called `column`.
    public func has(_ table: ContractTable, column: String) -> Bool {
        guard let found = tables[table.name], found.readError == nil else { return false }
        return found.column(named: column) != nil
    }

    /// The actual spelling of `column` in `table` (SQLite names are case-insensitive), or nil.
    public func columnName(_ column: String, in table: ContractTable) -> String? {
        tables[table.name]?.column(named: column)?.name
    }

    /// Throws unless `table` exists, can be read and has `columns` (default: every column the
    /// contract requires of it).
    ///
    /// ```swift
    /// try schema.require(Contract.events, columns: ["customer_id", "event", "value"])
    /// ```
    /// - Throws: ``DataError/contract(table:column:row:message:)`` naming the missing table or
    ///   the first missing column.
    public func require(_ table: ContractTable, columns: [String]? = nil) throws {
        guard let found = tables[table.name] else {
            throw DataError.contract(
                table: table.name, column: nil, row: nil,
                message: "the table is missing; create it (or a view with this name) as the data contract describes")
        }
        if let error = found.readError {
            throw DataError.contract(
                table: table.name, column: nil, row: nil, message: "the \(found.kind.rawValue) cannot be read: \(error)")
        }
        let needed = columns ?? table.columns.filter(\.isRequired).map(\.name)
        for column in needed where found.column(named: column) == nil {
            throw DataError.contract(
                table: table.name, column: column, row: nil,
                message: "the column is missing; the data contract requires it")
        }
    }

    /// Refuses an `events` table without its optional `value` column when one of `definitions`
    /// sums it, naming the metric.
    public func requireEventValue(for definitions: [MetricDefinition]) throws {
        guard let sum = definitions.summingEventValue, !has(Contract.events, column: "value") else { return }
        throw DataError.contract(
            table: Contract.events.name, column: "value", row: nil,
            message: "the column is missing; metric '\(sum.metric)' sums it (counts and conversions do not need it)")
    }

    /// On a typed engine (PostgreSQL, Spark) a join of ids of two types fails or matches
    /// nothing, where SQLite matches 17 and '17': the customer_id columns of `tables` must have
    /// the type of `reference.customer_id` (assignments' by default).
    /// - Throws: `DataError.contract` naming the table whose ids are of another type.
    public func requireOneIDType(_ tables: [ContractTable], reference referenceTable: ContractTable = Contract.assignments) throws {
        guard let reference = table(referenceTable.name)?.column(named: "customer_id") else { return }
        for other in tables {
            guard let column = table(other.name)?.column(named: "customer_id"), column.affinity != reference.affinity else { continue }
            throw DataError.contract(
                table: other.name, column: "customer_id", row: nil,
                message:
                    "customer_id is \(column.declaredType) here but \(reference.declaredType) in \(referenceTable.name); store customer ids as one type in every table (e.g. CAST in a view)"
            )
        }
    }

    /// The definition of `metric`.
    ///
    /// - Throws: ``DataError/contract(table:column:row:message:)`` when the metric's row in
    ///   `metric_definitions` breaks a rule, or when no definition and no `customer_months`
    ///   column has this name.
    public func definition(of metric: String) throws -> MetricDefinition {
        if let found = metricDefinitions.first(where: { $0.metric == metric }) { return found }
        if let issue = metricDefinitionIssues.first(where: { $0.metric == metric }) { throw issue.error }
        let known = metricDefinitions.map(\.metric).joined(separator: ", ")
        throw DataError.contract(
            table: Contract.customerMonths.name, column: metric, row: nil,
            message:
                "no metric '\(metric)': it is neither a numeric column of customer_months nor a row of metric_definitions (known metrics: \(known.isEmpty ? "none" : known))"
        )
    }

    /// Reads the contract part of `database`'s schema.
    ///
    /// Reads only the schema, plus a few values of untyped `customer_months` columns (to tell
    /// numeric ones from text) and the rows of `metric_definitions`.
    ///
    /// - Parameter database: an open connection (normally read-only).
    /// - Returns: what exists; nothing missing is an error here.
    /// - Throws: `DataError.sqlite` only when SQLite fails on the schema itself.
    /// - Complexity: O(columns + rows of metric_definitions).
    public static func discover<Engine: QueryEngine>(in database: Engine) throws -> ContractSchema {
        var tables: [String: Table] = [:]
        for contract in Contract.tables {
            if let table = try database.describeTable(contract.name) { tables[contract.name] = table }
        }

        var dimensions: [String] = [], numericDimensions: [String] = []
        if let customers = tables[Contract.customers.name], customers.readError == nil {
            let contractNames = Set(Contract.customers.columns.map { $0.name.lowercased() })
            for column in customers.columns where !contractNames.contains(column.name.lowercased()) {
                dimensions.append(column.name)
                if try isNumeric(column, of: customers.name, in: database),
                    try hasManyValues(column.name, of: customers.name, in: database)
                {
                    numericDimensions.append(column.name)
                }
            }
        }

        var metrics: [String] = [], nonNumeric: [String] = []
        if let months = tables[Contract.customerMonths.name], months.readError == nil {
            let contractNames = Set(Contract.customerMonths.columns.map { $0.name.lowercased() })
            for column in months.columns where !contractNames.contains(column.name.lowercased()) {
                if try isNumeric(column, of: months.name, in: database) {
                    metrics.append(column.name)
                } else {
                    nonNumeric.append(column.name)
                }
            }
        }

        var definitions: [MetricDefinition] = [], issues: [MetricDefinitionIssue] = []
        if let table = tables[Contract.metricDefinitions.name], table.readError == nil, table.column(named: "metric") != nil {
            (definitions, issues) = try readMetricDefinitions(table, metrics: metrics, in: database)
        }
        let mentioned = Set(definitions.map(\.metric) + issues.map(\.metric))
        for metric in metrics where !mentioned.contains(metric) {
            definitions.append(.defaultDefinition(forMonthsColumn: metric))
        }

        var schema = ContractSchema(
            tables: tables, dimensions: dimensions, metrics: metrics,
            nonNumericMonthsColumns: nonNumeric, metricDefinitions: definitions,
            metricDefinitionIssues: issues)
        schema.numericDimensions = numericDimensions
        return schema
    }

    // MARK: Discovery helpers

    /// A contract table of a SQLite file as `PRAGMA table_info` and its indexes describe it.
    static func discoverTable(_ name: String, in database: SQLiteDatabase) throws -> Table? {
        guard let kindText = try database.objectKind(of: name) else { return nil }
        let kind: ObjectKind = kindText == "view" ? .view : .table
        var table = Table(name: name, kind: kind, columns: [], hasRowID: false, uniqueKeys: [], readError: nil)
        do {
            table.columns = try database.columns(of: name)
            // A view over a missing table has columns only if SQLite can compile it.
            let probe = try database.prepare("SELECT * FROM \(quoteIdentifier(name)) LIMIT 0")
            _ = try probe.step()
        } catch let DataError.sqlite(_, message, _) {
            table.readError = message
            return table
        }
        guard kind == .table else { return table }

        let names = Set(table.columns.map { $0.name.lowercased() })
        if !names.contains("_rowid_"),
            (try? database.prepare("SELECT _rowid_ FROM \(quoteIdentifier(name)) LIMIT 0")) != nil
        {
            table.hasRowID = true
        }
        let primaryKey = table.columns.filter { $0.primaryKeyPosition > 0 }.map { $0.name.lowercased() }
        if !primaryKey.isEmpty { table.uniqueKeys.append(Set(primaryKey)) }
        let indexes = try database.rows(
            "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND partial = 0",
            [.text(name)])
        for row in indexes {
            guard let index = row.first?.textValue else { continue }
            let columns = try database.rows("SELECT name FROM pragma_index_info(?1)", [.text(index)])
            let key = columns.compactMap { $0.first?.textValue?.lowercased() }
            // An index on an expression has a NULL column name; it does not make a column set unique.
            if key.count == columns.count, !key.isEmpty { table.uniqueKeys.append(Set(key)) }
        }
        return table
    }

    /// Whether a column has more than 12 distinct values: a numeric customers column with fewer
    /// (a 0/1 flag, a tier coded 1–4, a branch number of a small bank) is read as categories.
    static func hasManyValues<Engine: QueryEngine>(_ column: String, of table: String, in database: Engine) throws -> Bool {
        let name = quoteIdentifier(column)
        let rows = try database.allRows(
            "SELECT count(*) FROM (SELECT DISTINCT \(name) FROM \(quoteIdentifier(table)) WHERE \(name) IS NOT NULL LIMIT 13) AS d")
        return (rows.first?.first?.doubleValue ?? 0) > 12
    }

    /// Whether a column holds numbers: by its declared type's affinity
    /// (INTEGER, REAL, NUMERIC — but not DATE/TIME types, which also get NUMERIC affinity),
    /// and for a column without a declared type by the storage class of its first values.
    static func isNumeric<Engine: QueryEngine>(_ column: ColumnInfo, of table: String, in database: Engine) throws -> Bool {
        let declared = column.declaredType.uppercased()
        if !declared.isEmpty {
            switch column.affinity {
            case "INTEGER", "REAL": return true
            case "NUMERIC": return !(declared.contains("DATE") || declared.contains("TIME"))
            default: return false
            }
        }
        // Remote engines always declare a type; a SQLite column without one is judged by its values.
        guard database.dialect == .sqlite else { return false }
        var numbers = true
        try database.forEachRow(
            """
            SELECT typeof(\(quoteIdentifier(column.name))) FROM \(quoteIdentifier(table))
            WHERE \(quoteIdentifier(column.name)) IS NOT NULL LIMIT 20
            """, []
        ) { row in
            let type = row.text(0)
            if type != "integer" && type != "real" { numbers = false }
        }
        // Numbers only, or no values at all yet: a metric.
        return numbers
    }

    private static func readMetricDefinitions<Engine: QueryEngine>(
        _ table: Table, metrics: [String], in database: Engine
    )
        throws -> ([MetricDefinition], [MetricDefinitionIssue])
    {
        let fields = ["metric", "label", "unit", "source", "rollup", "event", "numerator", "denominator", "higher_is_better", "label_zh"]
        let select = fields.map { table.column(named: $0).map { quoteIdentifier($0.name) } ?? "NULL" }
        let rowid = table.hasRowID ? "_rowid_" : "NULL"
        var parsed: [(definition: MetricDefinition, row: String)] = [], issues: [MetricDefinitionIssue] = []
        try database.forEachRow("SELECT \(rowid), \(select.joined(separator: ", ")) FROM \(quoteIdentifier(table.name))", []) {
            statement in
            let metric = statement.value(1)
            var description = "metric=\(metric.shortDescription)"
            if statement.storageClass(0) != .null { description += " (rowid \(statement.int64(0)))" }
            var row = MetricDefinitionRow(
                rowDescription: description, metric: metric, label: statement.value(2), unit: statement.value(3),
                source: statement.value(4), rollup: statement.value(5), event: statement.value(6),
                numerator: statement.value(7), denominator: statement.value(8), higherIsBetter: statement.value(9))
            row.labelZh = statement.value(10)
            switch row.parse() {
            case .success(let definition): parsed.append((definition, description))
            case .failure(let issue): issues.append(issue)
            }
        }

        // Cross-row rules: a months metric names a numeric column; ratio parts are defined
        // metrics that are not ratios themselves.
        let numericColumns = Set(metrics)
        let definedNames = Set(parsed.map(\.definition.metric) + issues.map(\.metric)).union(numericColumns)
        let ratioNames = Set(parsed.map(\.definition).filter(\.isRatio).map(\.metric))
        var valid: [MetricDefinition] = []
        for (definition, row) in parsed {
            func issue(_ column: String, _ message: String) {
                issues.append(MetricDefinitionIssue(metric: definition.metric, column: column, exampleRow: row, message: message))
            }
            if definition.isRatio {
                let parts = [("numerator", definition.numerator!), ("denominator", definition.denominator!)]
                if let (column, part) = parts.first(where: { !definedNames.contains($0.1) }) {
                    issue(
                        column,
                        "the \(column) '\(part)' is not a defined metric (neither a row of metric_definitions nor a numeric column of customer_months)"
                    )
                    continue
                }
                if let (column, part) = parts.first(where: { ratioNames.contains($0.1) }) {
                    issue(column, "the \(column) '\(part)' is itself a ratio metric; a ratio's parts must be plain metrics")
                    continue
                }
            } else if definition.source == .months && !numericColumns.contains(definition.metric) {
                issue(
                    "metric",
                    "a months metric must be a numeric column of customer_months, and customer_months has no numeric column '\(definition.metric)'"
                )
                continue
            }
            valid.append(definition)
        }
        return (valid, issues)
    }
}

extension SQLiteValue {
    /// The value for an example row or a message, on one line: text quoted (SQL style), cut
    /// to 40 characters, with control characters escaped ("\\n").
    public var shortDescription: String {
        guard case .text(let text) = self else { return description }
        var out = "'"
        for (i, scalar) in text.unicodeScalars.enumerated() {
            if i == 37 && text.unicodeScalars.count > 40 { out += "…"; break }
            switch scalar {
            case "'": out += "''"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
