// The row-level part of the contract check: ONE streaming pass per table, all of its contract
// columns and metrics at once. Dates, months and timestamps are parsed by `CivilDate.parse`,
// `YearMonth.parse` and `Timestamp.parse` — the single definition of "parsable" in the
// project — straight from SQLite's buffer, without making Strings.

/// What one scanned column is checked against.
enum ScanRole {
    /// A contract column of the given kind.
    case contract(ColumnKind, isNotNull: Bool)
    /// A numeric `customer_months` column; `isBalance` when negative values are suspicious.
    case metric(isBalance: Bool)
}

/// One column of a scan: its contract name, what it must hold, and its index in the SELECT.
struct ScanColumn {
    var name: String
    var role: ScanRole
    var index: Int
    /// UTF-8 of the allowed values, for `.oneOf` columns.
    var allowed: [[UInt8]] = []
}

/// Counts of the storage classes of a `customer_id` column, with the first row of each.
struct IdentifierStats {
    var integers = 0
    var texts = 0
    var firstInteger: String?
    var firstText: String?
    var firstIntegerValue: String?
    var firstTextValue: String?
}

/// Names the current row of a scan for examples: "customer_id=17, month='2024-13' (rowid 5)".
struct RowNamer {
    let statement: SQLiteStatement
    /// Key columns: contract name and index in the SELECT.
    let keys: [(name: String, index: Int)]
    let hasRowID: Bool

    func describe() -> String {
        var text = keys.map { "\($0.name)=\(statement.value($0.index).shortDescription)" }.joined(separator: ", ")
        if hasRowID { text += (text.isEmpty ? "" : " ") + "(rowid \(statement.int64(0)))" }
        return text
    }
}

/// Per-row access for a table's extra checks (`campaigns`: ends_on before starts_on).
struct ScannedRow {
    let statement: SQLiteStatement
    /// For each scanned column (in scan order): days since epoch of a valid date, the
    /// month index of a valid month, or nil.
    let parsed: [Int?]
    /// The scanned columns, in scan order.
    let columns: [ScanColumn]
    let namer: RowNamer

    /// The parsed value of contract column `name`, when it was valid.
    func parsedValue(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }.flatMap { parsed[$0] }
    }

    /// The value of contract column `name`.
    func value(_ name: String) -> SQLiteValue {
        columns.first { $0.name == name }.map { statement.value($0.index) } ?? .null
    }
}

extension ContractChecker {
    /// How often the scan reports progress.
    static let progressInterval = 1_000_000

    /// Scans every row of `contract`'s table once, checking each scanned column, and calls
    /// `onRow` for table-specific checks.
    ///
    /// - Returns: the number of rows.
    /// - Complexity: O(rows × columns) time, O(columns) memory.
    func scanRows(of contract: ContractTable, metrics: [String] = [], onRow: (ScannedRow) -> Void = { _ in }) throws -> Int {
        guard let table = schema.table(contract.name), table.readError == nil else { return 0 }
        var selected: [String] = []
        if table.hasRowID { selected.append("_rowid_") }
        var columns: [ScanColumn] = []
        for column in contract.columns where table.column(named: column.name) != nil {
            var scan = ScanColumn(
                name: column.name, role: .contract(column.kind, isNotNull: column.isNotNull),
                index: selected.count)
            if case .oneOf(let values) = column.kind { scan.allowed = values.map { Array($0.utf8) } }
            columns.append(scan)
            selected.append(quoteIdentifier(column.name))
        }
        for metric in metrics {
            columns.append(ScanColumn(name: metric, role: .metric(isBalance: Self.isBalance(metric)), index: selected.count))
            selected.append(quoteIdentifier(metric))
        }
        guard !columns.isEmpty else { return 0 }

        // The key columns that name a row in examples.
        let keyNames = contract.primaryKey.isEmpty ? ["customer_id", "event", "occurred_at"] : contract.primaryKey
        let keys = keyNames.compactMap { name in columns.first { $0.name == name } }.map { (name: $0.name, index: $0.index) }
        let name = contract.name

        guard let database else { return 0 }
        let statement = try database.prepare("SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(name))")
        let namer = RowNamer(statement: statement, keys: keys, hasRowID: table.hasRowID)

        var rows = 0
        var parsed = [Int?](repeating: nil, count: columns.count)
        var identifiers = IdentifierStats()
        // Per timestamp column: rows per written offset (Int.min: none), with a first row each.
        // (A short list searched in order: an export has one or two forms.)
        var offsetForms = [[(form: Int, rows: Int, example: String)]](repeating: [], count: columns.count)
        progress("checking \(name)…")
        while try statement.step() {
            rows += 1
            if rows % Self.progressInterval == 0 { progress("checking \(name)… \(formatCount(rows)) rows") }
            for c in columns.indices {
                parsed[c] = nil
                let column = columns[c]
                let i = column.index
                let storage = statement.storageClass(i)
                switch column.role {
                case .metric(let isBalance):
                    checkMetric(statement, i, storage, column.name, isBalance: isBalance, table: name, namer: namer)
                case .contract(let kind, let isNotNull):
                    if storage == .null {
                        if isNotNull {
                            problems.count(
                                .error, .nullValue, table: name, column: column.name, example: namer.describe(),
                                message: Self.nullMessage(kind))
                        }
                        continue
                    }
                    switch kind {
                    case .identifier:
                        switch storage {
                        case .integer:
                            identifiers.integers += 1
                            if identifiers.firstInteger == nil {
                                identifiers.firstInteger = namer.describe()
                                identifiers.firstIntegerValue = statement.value(i).shortDescription
                            }
                        case .text:
                            identifiers.texts += 1
                            if identifiers.firstText == nil {
                                identifiers.firstText = namer.describe()
                                identifiers.firstTextValue = statement.value(i).shortDescription
                            }
                        default:
                            wrongStorage(
                                statement, i, storage, kind, column.name, table: name, namer: namer,
                                hint: storage == .real
                                    ? " A REAL id such as 17.0 does not match 17 elsewhere; store whole numbers as INTEGER." : "")
                        }
                    case .date:
                        guard storage == .text else {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer); continue
                        }
                        if let date = statement.withUTF8(i, { CivilDate.parse($0) }) {
                            parsed[c] = date.daysSinceEpoch
                        } else {
                            unparsable(statement, i, kind, column.name, table: name, namer: namer)
                        }
                    case .month:
                        guard storage == .text else {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer); continue
                        }
                        if let month = statement.withUTF8(i, { YearMonth.parse($0) }) {
                            parsed[c] = month.index
                        } else {
                            unparsable(statement, i, kind, column.name, table: name, namer: namer)
                        }
                    case .timestamp:
                        guard storage == .text else {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer); continue
                        }
                        if let form = statement.withUTF8(i, { Timestamp.parse($0) == nil ? nil : Timestamp.writtenOffset($0) ?? Int.min }) {
                            if let k = offsetForms[c].firstIndex(where: { $0.form == form }) {
                                offsetForms[c][k].rows += 1
                            } else {
                                offsetForms[c].append((form, 1, namer.describe()))
                            }
                        } else {
                            unparsable(statement, i, kind, column.name, table: name, namer: namer)
                        }
                    case .text:
                        if storage != .text {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer)
                        }
                    case .oneOf:
                        guard storage == .text else {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer); continue
                        }
                        let allowed = column.allowed
                        if !statement.withUTF8(i, { bytes in allowed.contains { bytes.elementsEqual($0) } }) {
                            problems.count(
                                .error, .valueNotAllowed, table: name, column: column.name, example: namer.describe(),
                                message: Self.notAllowedMessage(statement.value(i), kind))
                        }
                    case .real:
                        if storage == .real {
                            if statement.double(i).isInfinite { infinite(statement, i, column.name, table: name, namer: namer) }
                        } else if storage != .integer {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer)
                        }
                    case .integer:
                        if storage != .integer {
                            wrongStorage(statement, i, storage, kind, column.name, table: name, namer: namer)
                        }
                    }
                }
            }
            onRow(ScannedRow(statement: statement, parsed: parsed, columns: columns, namer: namer))
        }
        if columns.contains(where: { $0.name == "customer_id" }) { identifierStats[name] = identifiers }
        for (c, forms) in offsetForms.enumerated() where forms.count > 1 {
            mixedTimeZones(
                Dictionary(uniqueKeysWithValues: forms.map { ($0.form, (rows: $0.rows, example: $0.example)) }), columns[c].name,
                table: name)
        }
        if rows >= Self.progressInterval && rows % Self.progressInterval != 0 { progress("checking \(name)… \(formatCount(rows)) rows") }
        return rows
    }

    /// Timestamps of one column written with different offsets (or some with none): each is
    /// converted to the reporting zone, but a time without an offset is only right if it was
    /// written in that zone — worth a look when the export mixes forms.
    func mixedTimeZones(_ forms: [Int: (rows: Int, example: String)], _ column: String, table: String) {
        let ordered = forms.sorted { $0.value.rows != $1.value.rows ? $0.value.rows > $1.value.rows : $0.key < $1.key }
        func name(_ form: Int) -> String { form == Int.min ? "without an offset" : "with offset \(Timestamp.offsetName(form))" }
        let listed = ordered.map { "\(formatCount($0.value.rows)) \(name($0.key))" }.joined(separator: ", ")
        let minority = ordered.dropFirst()
        problems.add(
            ContractProblem(
                .warning, .mixedTimeZones, table: table, column: column, exampleRow: minority.first?.value.example,
                affectedRows: minority.reduce(0) { $0 + $1.value.rows },
                message:
                    "timestamps are written in \(forms.count) forms (\(listed)); those with an offset are converted to the reporting time zone (\(Timestamp.offsetName(Timestamp.reportingOffsetSeconds)), --time-zone), those without are taken as its local time — check that they were written in it"
            ))
    }

    private func checkMetric(
        _ statement: SQLiteStatement, _ i: Int, _ storage: SQLiteStorageClass, _ column: String,
        isBalance: Bool, table: String, namer: RowNamer
    ) {
        switch storage {
        case .integer:
            if isBalance && statement.int64(i) < 0 { negative(statement, i, column, table: table, namer: namer) }
        case .real:
            let value = statement.double(i)
            if value.isInfinite {
                infinite(statement, i, column, table: table, namer: namer)
            } else if isBalance && value < 0 {
                negative(statement, i, column, table: table, namer: namer)
            }
        case .null:
            problems.count(
                .warning, .nullMetric, table: table, column: column, example: namer.describe(), message: Self.nullMetricMessage)
        case .text, .blob:
            wrongStorage(
                statement, i, storage, .real, column, table: table, namer: namer,
                hint:
                    " Every extra column of customer_months is a numeric metric; store numbers (CAST in a view), or move text to customers as a dimension."
            )
        }
    }

    private func wrongStorage(
        _ statement: SQLiteStatement, _ i: Int, _ storage: SQLiteStorageClass, _ kind: ColumnKind,
        _ column: String, table: String, namer: RowNamer, hint: String = ""
    ) {
        problems.count(
            .error, .wrongStorageType, table: table, column: column, example: namer.describe(),
            message:
                "the value \(statement.value(i).shortDescription) is stored as \(storage.name); the column must hold \(kind.expectation).\(hint)"
        )
    }

    private func unparsable(
        _ statement: SQLiteStatement, _ i: Int, _ kind: ColumnKind, _ column: String, table: String,
        namer: RowNamer
    ) {
        problems.count(
            .error, .unparsableValue, table: table, column: column, example: namer.describe(),
            message: Self.unparsableMessage(statement.value(i), kind))
    }

    private func infinite(_ statement: SQLiteStatement, _ i: Int, _ column: String, table: String, namer: RowNamer) {
        problems.count(
            .error, .infiniteValue, table: table, column: column, example: namer.describe(),
            message: Self.infiniteMessage(statement.double(i)))
    }

    private func negative(_ statement: SQLiteStatement, _ i: Int, _ column: String, table: String, namer: RowNamer) {
        problems.count(
            .warning, .negativeBalance, table: table, column: column, example: namer.describe(),
            message: Self.negativeMessage(statement.value(i)))
    }

    // The messages of the row-level problems, for the scan here and the engines' aggregates.
    static func nullMessage(_ kind: ColumnKind) -> String { "the value is NULL; every row needs \(kind.expectation) here" }
    static func notAllowedMessage(_ value: SQLiteValue, _ kind: ColumnKind) -> String {
        "\(value.shortDescription) is not allowed; the value must be \(kind.expectation)"
    }
    static let nullMetricMessage = "the metric has no value (NULL) in some rows; analyses leave those customer-months out of this metric"
    static func unparsableMessage(_ value: SQLiteValue, _ kind: ColumnKind) -> String {
        "\(value.shortDescription) is not \(kind.expectation)"
    }
    static func infiniteMessage(_ value: Double) -> String {
        value.isNaN
            ? "the value is NaN; store a finite number or NULL"
            : "the value is \(value > 0 ? "+" : "-")infinity; store a finite number or NULL"
    }
    static func negativeMessage(_ value: SQLiteValue) -> String {
        "a balance is negative (\(value)); check the source data (overdrafts or sign errors?)"
    }

    /// Whether a `customer_months` metric's negative values are suspicious (a balance).
    static func isBalance(_ metric: String) -> Bool {
        let lower = metric.lowercased()
        return lower.contains("aum") || lower.contains("balance")
    }
}
