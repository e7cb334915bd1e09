#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One CSV file to load into one contract table.
public struct ImportSource: Sendable, Equatable {
    /// The contract table the rows go into.
    public var table: ContractTable
    /// The CSV file.
    public var path: String

    /// The file at `path`, loaded into `table`.
    public init(table: ContractTable, path: String) {
        self.table = table
        self.path = path
    }

    /// A source as written on the command line: `table=path.csv`, or `path.csv` whose
    /// file name without `.csv` is a contract table name.
    ///
    /// ```swift
    /// try ImportSource(argument: "data/customer_months.csv")   // customer_months
    /// try ImportSource(argument: "events=events_2024.csv")     // events
    /// ```
    /// - Throws: ``ImportError`` when no contract table can be named from the argument.
    public init(argument: String) throws {
        let tableNames = Contract.tables.map(\.name).joined(separator: ", ")
        if let equals = argument.firstIndex(of: "="),
            !argument[..<equals].contains("/"), !argument[..<equals].contains(".")
        {
            let name = String(argument[..<equals])
            let path = String(argument[argument.index(after: equals)...])
            guard let table = Contract.table(named: name) else {
                throw ImportError(problems: [
                    ImportProblem(
                        file: path.isEmpty ? nil : path,
                        message:
                            "'\(name)' is not a contract table; the tables are \(tableNames)")
                ])
            }
            guard !path.isEmpty else {
                throw ImportError(problems: [
                    ImportProblem(
                        file: nil, table: name,
                        message:
                            "'\(argument)' names no file; write \(name)=path/to/file.csv")
                ])
            }
            self.init(table: table, path: path)
            return
        }
        var fileName = Substring(argument)
        if let slash = fileName.lastIndex(of: "/") { fileName = fileName[fileName.index(after: slash)...] }
        if fileName.lowercased().hasSuffix(".csv") { fileName = fileName.dropLast(4) }
        guard let table = Contract.table(named: String(fileName)) else {
            throw ImportError(problems: [
                ImportProblem(
                    file: argument,
                    message:
                        "the file name does not say which table to load; name the file after a table "
                        + "(\(tableNames)), or write table=\(argument)")
            ])
        }
        self.init(table: table, path: argument)
    }
}

/// What an import did.
public struct ImportSummary: Sendable, Equatable {
    /// The rows loaded into one table.
    public struct TableResult: Sendable, Equatable {
        /// The contract table.
        public var table: String
        /// The CSV files loaded into it, in order.
        public var files: [String]
        /// Rows inserted.
        public var rowsImported: Int
        /// Rows deleted first (with `replace`).
        public var rowsRemoved: Int
        /// Whether the import created the table.
        public var wasCreated: Bool
    }

    /// The database file.
    public var databasePath: String
    /// Whether the import created the database file.
    public var databaseWasCreated: Bool
    /// One entry per loaded table, in the order the tables were first named.
    public var tables: [TableResult]
    /// The SQLite type of customer ids ("INTEGER" or "TEXT"), when any table has them.
    public var customerIDType: String?
    /// Wall-clock seconds for the whole import (both passes).
    public var seconds: Double

    /// Rows inserted, all tables together.
    public var rowsImported: Int { tables.reduce(0) { $0 + $1.rowsImported } }

    /// Rows per second over the whole import.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsImported) / seconds : 0 }
}

/// Loads CSV files into the contract tables of an SQLite file: all of them, or nothing.
///
/// The import runs in two streaming passes. The first reads every file and checks every
/// value against the contract (``ColumnKind``): dates, months, timestamps, numbers, the
/// fixed lists, NULLs in NOT NULL columns, and customer ids of the same type as the rest
/// of the database. Only when no problem was found does the second pass insert the rows,
/// in one `BEGIN IMMEDIATE … COMMIT` transaction with a prepared statement; any failure
/// (a duplicate key, a full disk) rolls everything back. A database file the import
/// created is removed again when the import fails; an existing file is left exactly as
/// it was. Tables not named by a source are never touched.
///
/// Tables that do not exist are created with ``ContractTable/createSQL(identifierType:extra:)``:
/// customer ids are INTEGER when every id in the files is a whole number written the
/// canonical way (`42`, not `042`), else TEXT. Extra CSV columns become dimension
/// columns (TEXT) on `customers`, metric columns (REAL; numbers or empty) on
/// `customer_months`, and TEXT columns elsewhere. Into an existing table, every CSV
/// column must already exist.
///
/// ```swift
/// let importer = ContractImporter(databasePath: "bank.sqlite") { print($0) }
/// let summary = try importer.run([
///     try ImportSource(argument: "customers.csv"),
///     try ImportSource(argument: "customer_months.csv"),
/// ])
/// print(summary.rowsImported)
/// ```
///
/// - Complexity: O(total size of the files) time, plus SQLite's O(log n) per inserted
///   row of a table with a primary key; memory bounded by the CSV block size and
///   SQLite's page cache, whatever the size of the files.
public struct ContractImporter {
    /// The SQLite file to load into (created when it does not exist).
    public var databasePath: String
    /// Whether each loaded table is emptied first (inside the same transaction).
    public var replace: Bool
    /// With `replace`, whether files without data rows may empty their tables (otherwise
    /// refused: a header-only export would silently wipe a table).
    public var allowEmpty = false
    /// Called with a progress line ("customer_months.csv: 1,000,000 rows checked (48%)").
    public var progress: ((String) -> Void)?
    /// Rows between two progress lines.
    public var progressInterval: Int = 500_000
    /// Problems listed in an ``ImportError`` (the rest are counted).
    public var maximumProblems: Int = 20
    /// The CSV reader's block size.
    public var blockSize: Int = 1 << 20
    /// SQLite's page cache for the import connection, in KiB. Tests make it small so
    /// that a transaction spills pages into the file before it is rolled back.
    var pageCacheKiB: Int = 65_536

    /// An importer into `databasePath`.
    ///
    /// - Parameters:
    ///   - databasePath: the SQLite file; created when missing.
    ///   - replace: empty each loaded table before loading it.
    ///   - progress: receives progress lines on big files (for standard error).
    public init(databasePath: String, replace: Bool = false, progress: ((String) -> Void)? = nil) {
        self.databasePath = databasePath
        self.replace = replace
        self.progress = progress
    }

    /// Loads `sources`, all or nothing.
    ///
    /// - Parameter sources: the files and their tables; a table may be named by several
    ///   files.
    /// - Returns: the rows loaded per table.
    /// - Throws: ``ImportError`` listing up to ``maximumProblems`` problems, each naming
    ///   the file, line, column and table; nothing was written then.
    public func run(_ sources: [ImportSource]) throws -> ImportSummary {
        precondition(!sources.isEmpty, "ContractImporter.run needs at least one source")
        return try ImportRun(self, sources: sources).perform()
    }
}

// MARK: - The work of one import

/// How one CSV column is checked and where it goes.
private struct ColumnPlan {
    /// The header name.
    var csvName: String
    /// The column of the table (the existing table's spelling).
    var tableColumn: String
    var rule: FieldRule
    var isNotNull: Bool
    /// Not a contract column: a dimension, a metric, or kept as text.
    var isExtra: Bool
}

/// One source with its columns, and what the checking pass learned.
private final class FilePlan {
    let source: ImportSource
    let columns: [ColumnPlan]
    var rowsChecked = 0
    var rowsInserted = 0
    var hasTextIDs = false

    init(source: ImportSource, columns: [ColumnPlan]) {
        self.source = source
        self.columns = columns
    }

    var path: String { source.path }
    var table: String { source.table.name }
}

/// A contract table or view found in the database.
private struct ExistingObject {
    var kind: String
    var columns: [ColumnInfo]

    func column(named name: String) -> ColumnInfo? {
        let lower = name.lowercased()
        return columns.first { $0.name.lowercased() == lower }
    }
}

private final class ImportRun {
    let options: ContractImporter
    let sources: [ImportSource]
    var problems: ProblemList
    var existing: [String: ExistingObject] = [:]
    /// The customer id type the database already uses, and the table that says so.
    var knownIDType: (type: String, table: String)?

    init(_ options: ContractImporter, sources: [ImportSource]) {
        self.options = options
        self.sources = sources
        self.problems = ProblemList(limit: options.maximumProblems)
    }

    var path: String { options.databasePath }

    /// The loaded tables, in the order they were first named.
    var tableOrder: [ContractTable] {
        var seen = Set<String>()
        return sources.map(\.table).filter { seen.insert($0.name).inserted }
    }

    func perform() throws -> ImportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let existed = try checkDatabasePath()
        var database: SQLiteDatabase?
        var createdFile = false
        do {
            if existed {
                let db = try SQLiteDatabase(path: path, mode: .readWrite(create: false))
                db.setBusyTimeout(milliseconds: 2000)
                // The write lock is taken before reading the schema, so nobody can change
                // it between the check and the insert.
                try db.execute("BEGIN IMMEDIATE")
                database = db
                try readSchema(db)
            }
            var plans: [FilePlan] = []
            for source in sources {
                if let plan = try check(source) { plans.append(plan) }
            }
            if let db = database, options.replace && !options.allowEmpty { try refuseEmptying(db, plans: plans) }
            guard problems.isEmpty else { throw problems.error }

            let usesIDs = tableOrder.contains { $0.columns.contains { $0.kind == .identifier } }
            let idType = knownIDType?.type ?? (plans.contains { $0.hasTextIDs } ? "TEXT" : "INTEGER")
            if database == nil {
                // Create the file ourselves, exclusively: a file that appeared meanwhile is
                // somebody else's and must not be removed when the import fails.
                let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                guard descriptor >= 0 else {
                    let reason = String(cString: strerror(errno))
                    throw ImportError(problems: [ImportProblem(file: path, message: "cannot create the database: \(reason)")])
                }
                close(descriptor)
                createdFile = true
                let db = try SQLiteDatabase(path: path, mode: .readWrite(create: false))
                try db.execute("BEGIN IMMEDIATE")
                database = db
            }
            let db = database!
            try db.execute("PRAGMA cache_size = -\(max(options.pageCacheKiB, 16))")  // this connection only
            var results = try Cancellation.stoppingCleanly(db) {
                let results = try prepareTables(db, plans: plans, idType: idType)
                for plan in plans {
                    try insert(plan, into: db, idType: idType)
                }
                return results
            }
            guard problems.isEmpty else { throw problems.error }
            try db.execute("COMMIT")
            for i in results.indices {
                results[i].rowsImported = plans.filter { $0.table == results[i].table }.reduce(0) { $0 + $1.rowsInserted }
            }
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let hasIDColumn = usesIDs || knownIDType != nil
            return ImportSummary(
                databasePath: path, databaseWasCreated: !existed, tables: results,
                customerIDType: hasIDColumn ? idType : nil, seconds: seconds)
        } catch {
            if let db = database, db.isInTransaction { try? db.execute("ROLLBACK") }
            database = nil  // closes the connection
            if createdFile {
                for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
            }
            throw importError(for: error)
        }
    }

    /// With `replace`: a table that has rows and whose files have none would be emptied by a
    /// header-only export; that is refused (a problem naming the files) unless `allowEmpty`.
    func refuseEmptying(_ db: SQLiteDatabase, plans: [FilePlan]) throws {
        for table in tableOrder where existing[table.name]?.kind == "table" {
            let mine = plans.filter { $0.table == table.name }
            guard !mine.isEmpty, mine.allSatisfy({ $0.rowsChecked == 0 }) else { continue }
            let rows = try db.scalarInt("SELECT count(*) FROM \(quoteIdentifier(table.name))") ?? 0
            guard rows > 0 else { continue }
            problems.append(
                ImportProblem(
                    file: mine.map(\.path).joined(separator: ", "), table: table.name,
                    message:
                        "has no data rows: --replace would empty table \(table.name) (\(formatCount(rows)) row\(rows == 1 ? "" : "s")); add --allow-empty to empty it on purpose"
                ))
        }
    }

    /// Turns any error into an ``ImportError``.
    func importError(for error: Error) -> ImportError {
        if let error = error as? ImportError { return error }
        if let error = error as? DataError {
            if error.isBusy {
                return ImportError(problems: [
                    ImportProblem(
                        file: path,
                        message:
                            "the database is in use by another program (locked); close it and import again")
                ])
            }
            return ImportError(problems: [ImportProblem(file: path, message: error.description)])
        }
        if let error = error as? CSVError {
            return ImportError(problems: [ImportProblem(file: error.path, line: error.line, message: error.message)])
        }
        return ImportError(problems: [ImportProblem(file: path, message: String(describing: error))])
    }

    // MARK: Database file and schema

    /// Whether the database file exists; throws when the path cannot be a database.
    func checkDatabasePath() throws -> Bool {
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw ImportError(problems: [ImportProblem(file: path, message: "is a directory, not an SQLite database file")])
            }
            if info.st_size > 0 {
                do { try SQLiteDatabase.checkDatabaseFile(at: path) } catch let error as DataError {
                    throw ImportError(problems: [
                        ImportProblem(
                            file: nil,
                            message: error.description
                                + " Import into a new file name, or into an existing CampaignLab database.")
                    ])
                }
            }
            return true
        }
        var directory = "."
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        }
        var dirInfo = stat()
        guard stat(directory, &dirInfo) == 0, (dirInfo.st_mode & S_IFMT) == S_IFDIR else {
            throw ImportError(problems: [
                ImportProblem(
                    file: path,
                    message:
                        "cannot create the database: the folder \(directory) does not exist")
            ])
        }
        return false
    }

    func readSchema(_ db: SQLiteDatabase) throws {
        for table in Contract.tables {
            if let kind = try db.objectKind(of: table.name) {
                existing[table.name] = ExistingObject(kind: kind, columns: try db.columns(of: table.name))
            }
        }
        let replaced = Set(options.replace ? sources.map(\.table.name) : [])
        for table in Contract.tables {
            guard let object = existing[table.name],
                let idColumn = table.columns.first(where: { $0.kind == .identifier }),
                let column = object.column(named: idColumn.name)
            else { continue }
            switch column.affinity {
            case "INTEGER":
                knownIDType = ("INTEGER", table.name)
            case "TEXT":
                knownIDType = ("TEXT", table.name)
            default:
                // An untyped column (or a view): the stored values say it.
                guard !replaced.contains(table.name) else { continue }
                let sql =
                    "SELECT typeof(\(quoteIdentifier(column.name))) FROM \(quoteIdentifier(table.name)) "
                    + "WHERE \(quoteIdentifier(column.name)) IS NOT NULL LIMIT 1"
                switch try db.scalarText(sql) {
                case "integer": knownIDType = ("INTEGER", table.name)
                case "text": knownIDType = ("TEXT", table.name)
                default: continue
                }
            }
            return
        }
    }

    // MARK: Pass 1: header and values

    /// Reads the header of `source`, plans its columns and checks every value.
    func check(_ source: ImportSource) throws -> FilePlan? {
        let table = source.table
        let reader: CSVReader
        do {
            reader = try CSVReader(path: source.path, blockSize: options.blockSize)
        } catch let error as CSVError {
            problems.append(ImportProblem(file: source.path, line: error.line, table: table.name, message: error.message))
            return nil
        }
        guard let plan = plan(source, header: reader.header, line: reader.headerLine) else { return nil }

        let idType = knownIDType
        let columns = plan.columns
        let interval = max(1, options.progressInterval)
        while true {
            if reader.recordsRead % 1_024 == 0 { try Cancellation.checkpoint() }
            do {
                guard try reader.advance() else { break }
            } catch let error as CSVError {
                problems.append(ImportProblem(file: source.path, line: error.line, table: table.name, message: error.message))
                if error.isRecoverable { continue }
                break
            }
            plan.rowsChecked += 1
            for (index, column) in columns.enumerated() {
                reader.withField(index) { bytes in
                    switch convertField(bytes, column.rule) {
                    case .null:
                        if column.isNotNull {
                            problems.append(
                                problem(
                                    plan, reader.line, column,
                                    message:
                                        "the value is empty, but every row needs one (\(column.rule.expectation))"))
                        }
                    case .invalid:
                        problems.append(
                            problem(
                                plan, reader.line, column,
                                message:
                                    "\(displayValue(bytes)) is not \(column.rule.expectation)"))
                    case .text where column.rule == .identifier:
                        plan.hasTextIDs = true
                        if let idType, idType.type == "INTEGER" {
                            problems.append(
                                problem(
                                    plan, reader.line, column,
                                    message:
                                        "\(displayValue(bytes)) is not an integer id (a whole number without leading zeros), but customer ids are INTEGER in "
                                        + "this database (table \(idType.table)); every table must use the same kind of id"))
                        }
                    default:
                        break
                    }
                }
            }
            if plan.rowsChecked % interval == 0 {
                options.progress?("\(source.path): \(formatCount(plan.rowsChecked)) rows checked (\(percent(reader))%)")
            }
        }
        return plan
    }

    func problem(_ plan: FilePlan, _ line: Int, _ column: ColumnPlan, message: String) -> ImportProblem {
        ImportProblem(file: plan.path, line: line, column: column.csvName, table: plan.table, message: message)
    }

    /// Matches the header of `source` with the contract and with the existing table.
    func plan(_ source: ImportSource, header: [String], line: Int) -> FilePlan? {
        let table = source.table
        let before = problems.total
        func headerProblem(column: String? = nil, _ message: String) {
            problems.append(ImportProblem(file: source.path, line: line, column: column, table: table.name, message: message))
        }

        // SQLite column names ignore ASCII case.
        var seen: [String: String] = [:]
        for name in header {
            if let other = seen[name.lowercased()] {
                headerProblem(column: name, "the header also has a column '\(other)'; SQLite column names ignore upper/lower case")
            }
            seen[name.lowercased()] = name
        }
        for column in table.columns where column.isRequired && !header.contains(column.name) {
            var message =
                "the header has no column '\(column.name)' (\(FieldRule(column.kind).expectation)), "
                + "which table \(table.name) requires"
            if let near = header.first(where: { $0.lowercased() == column.name.lowercased() }) {
                message += "; the header has '\(near)': column names are lower case"
            }
            message += ". The header is: " + header.joined(separator: ",")
            headerProblem(message)
        }

        let object = existing[table.name]
        if let object, object.kind != "table" {
            headerProblem("\(table.name) is a \(object.kind) in \(path), not a table; import loads tables only")
            return nil
        }

        var columns: [ColumnPlan] = []
        for name in header {
            var tableColumn = name
            if let object {
                guard let info = object.column(named: name) else {
                    let type = table.extraColumns == .metrics ? "REAL" : "TEXT"
                    headerProblem(
                        column: name,
                        "table \(table.name) in \(path) has no column '\(name)'; add it "
                            + "(ALTER TABLE \(table.name) ADD COLUMN \(quoteIdentifier(name)) \(type)) "
                            + "or remove it from the file")
                    continue
                }
                tableColumn = info.name
            }
            if let contract = table.column(named: name) {
                columns.append(
                    ColumnPlan(
                        csvName: name, tableColumn: tableColumn, rule: FieldRule(contract.kind),
                        isNotNull: contract.isNotNull, isExtra: false))
            } else {
                let rule: FieldRule = table.extraColumns == .metrics ? .number : .text
                columns.append(
                    ColumnPlan(
                        csvName: name, tableColumn: tableColumn, rule: rule,
                        isNotNull: false, isExtra: true))
            }
        }
        guard problems.total == before else { return nil }
        return FilePlan(source: source, columns: columns)
    }

    // MARK: Pass 2: tables and rows

    /// Creates the missing tables and empties the replaced ones.
    func prepareTables(_ db: SQLiteDatabase, plans: [FilePlan], idType: String) throws -> [ImportSummary.TableResult] {
        var results: [ImportSummary.TableResult] = []
        for table in tableOrder {
            let tablePlans = plans.filter { $0.table == table.name }
            var result = ImportSummary.TableResult(
                table: table.name, files: tablePlans.map(\.path),
                rowsImported: 0, rowsRemoved: 0, wasCreated: false)
            if existing[table.name] == nil {
                var extra: [(name: String, type: String)] = []
                var names = Set<String>()
                for plan in tablePlans {
                    for column in plan.columns where column.isExtra && names.insert(column.csvName.lowercased()).inserted {
                        extra.append((column.csvName, table.extraColumns == .metrics ? "REAL" : "TEXT"))
                    }
                }
                try db.execute(table.createSQL(identifierType: idType, extra: extra))
                result.wasCreated = true
            } else if options.replace {
                try db.execute("DELETE FROM \(quoteIdentifier(table.name))")
                result.rowsRemoved = db.changes
            }
            results.append(result)
        }
        return results
    }

    /// Inserts the rows of `plan` with one prepared statement.
    func insert(_ plan: FilePlan, into db: SQLiteDatabase, idType: String) throws {
        let reader = try CSVReader(path: plan.path, blockSize: options.blockSize)
        guard reader.header == plan.columns.map(\.csvName) else {
            throw ImportError(problems: [
                ImportProblem(
                    file: plan.path, line: reader.headerLine, table: plan.table,
                    message: "the file changed during the import")
            ])
        }
        let columns = plan.columns
        let sql =
            "INSERT INTO \(quoteIdentifier(plan.table)) ("
            + columns.map { quoteIdentifier($0.tableColumn) }.joined(separator: ", ") + ") VALUES ("
            + (1...max(columns.count, 1)).map { "?\($0)" }.joined(separator: ", ") + ")"
        let statement = try db.prepare(sql)
        let textIDs = idType == "TEXT"
        let interval = max(1, options.progressInterval)
        let keyIndexes = plan.source.table.primaryKey.compactMap { key in columns.firstIndex { $0.csvName == key } }
        while try reader.advance() {
            if reader.recordsRead % 1_024 == 0 { try Cancellation.checkpoint() }
            for (index, column) in columns.enumerated() {
                try reader.withField(index) { bytes in
                    switch convertField(bytes, column.rule) {
                    case .null:
                        try statement.bindNull(at: index + 1)
                    case .integer(let value):
                        if textIDs && column.rule == .identifier {
                            try statement.bindText(bytes, at: index + 1)
                        } else {
                            try statement.bind(value, at: index + 1)
                        }
                    case .real(let value):
                        try statement.bind(value, at: index + 1)
                    case .text:
                        try statement.bindText(bytes, at: index + 1)
                    case .invalid:
                        throw ImportError(problems: [
                            ImportProblem(
                                file: plan.path, line: reader.line, column: column.csvName,
                                table: plan.table, message: "the file changed during the import")
                        ])
                    }
                }
            }
            do {
                try statement.run()
                plan.rowsInserted += 1
            } catch let error as DataError where error.isConstraintViolation {
                problems.append(constraintProblem(error, plan: plan, line: reader.line, reader: reader, keyIndexes: keyIndexes))
            }
            if reader.recordsRead % interval == 0 {
                options.progress?("\(plan.path): \(formatCount(reader.recordsRead)) rows inserted (\(percent(reader))%)")
            }
        }
    }

    func constraintProblem(_ error: DataError, plan: FilePlan, line: Int, reader: CSVReader, keyIndexes: [Int]) -> ImportProblem {
        let table = plan.source.table
        if error.isDuplicateKey, keyIndexes.count == table.primaryKey.count, !keyIndexes.isEmpty {
            let names = keyIndexes.map { plan.columns[$0].csvName }
            let values = keyIndexes.map { displayValue(reader.string(at: $0)) }
            let key =
                names.count == 1
                ? "\(names[0]) = \(values[0])"
                : "(" + names.joined(separator: ", ") + ") = (" + values.joined(separator: ", ") + ")"
            return ImportProblem(
                file: plan.path, line: line, table: table.name,
                message:
                    "duplicate key \(key): the table already has a row with this key (from the database or an earlier "
                    + "line of the import); remove the duplicate, or replace the table's rows (import --replace)")
        }
        var message = "the database refused the row"
        if case .sqlite(_, let detail, _) = error { message += ": " + detail }
        return ImportProblem(file: plan.path, line: line, table: table.name, message: message)
    }
}

/// How much of the file `reader` has read, in whole percent.
private func percent(_ reader: CSVReader) -> Int { Int((reader.fractionConsumed * 100).rounded(.down)) }
