import CampaignLabData
import Foundation
import PostgresNIO

/// A PostgreSQL-wire warehouse (PostgreSQL, Greenplum, Citus, openGauss, Redshift) as a
/// `QueryEngine`: CampaignLab's aggregate queries run there and only their small results come
/// back.
///
/// - The password comes from `PGPASSWORD` in the environment, never from the URL or the command
///   line, and never appears in a message or a report.
/// - The session is read-only (`default_transaction_read_only=on` at login): a write fails on the
///   server. Parallel plans are off (`max_parallel_workers_per_gather=0`) so that a float sum
///   adds its rows in one order and reports are the same run after run. JIT and nested loops
///   are off and `work_mem` is 256 MB for the session: its queries scan whole tables.
/// - Results come in PostgreSQL's binary format: doubles arrive exact.
///
/// ```swift
/// let engine = try PostgresEngine.connect("postgres://analyst@warehouse:5432/bank")
/// let schema = try ContractSchema.discover(in: engine)
/// ```
public final class PostgresEngine: QueryEngine, @unchecked Sendable {
    public var engineName: String { "PostgreSQL" }
    public let location: String
    public var dialect: SQLDialect { .postgres }

    private let connection: PostgresConnection
    private let logger = Logger(label: "campaignlab.postgres")
    /// The contract tables with typed columns (``TypedColumn``) read in the contract's form:
    /// common table expressions of the same names put in front of each query
    /// (``withContractForms(_:definitions:)``).
    private var contractForms = ContractForms()

    struct ContractForms {
        /// `"events" AS (SELECT …, CAST(…) AS "occurred_at", … FROM "schema"."events")`, one per table.
        var definitions: [String] = []
        /// table → its typed columns, read in the contract's form.
        var columns: [String: [String: TypedColumn]] = [:]
    }

    private init(connection: PostgresConnection, location: String) {
        self.connection = connection
        self.location = location
    }

    deinit {
        let connection = connection
        Task { try? await connection.close() }
    }

    /// Where to connect, from `postgres://USER@HOST:PORT/DATABASE?schema=NAME` (or postgresql://).
    public struct Address: Equatable, Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var database: String
        public var schema: String?
        /// `?sslmode=`: disable (the default, as for a server on loopback), prefer or require
        /// (with the server's certificate verified).
        public var sslMode = "disable"

        public init(host: String, port: Int, user: String, database: String, schema: String?, sslMode: String = "disable") {
            (self.host, self.port, self.user, self.database, self.schema, self.sslMode) = (host, port, user, database, schema, sslMode)
        }

        /// The address without secrets, for messages.
        public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "") }

        /// Parses `url`; a user or database left out comes from PGUSER / PGDATABASE, else the
        /// login name; a port left out is PGPORT or 5432.
        /// - Throws: `DataError.engine` for a URL that is not one, or that carries a password.
        public static func parse(
            _ url: String, environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws
            -> Address
        {
            func fail(_ message: String) -> DataError {
                DataError.engine(name: "PostgreSQL", location: "--backend", message: message)
            }
            guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql"
            else {
                throw fail("'\(redactedURL(url))' is not a URL postgres://USER@HOST:PORT/DATABASE")
            }
            if components.password != nil {
                throw fail(
                    "the URL holds a password; leave it out (it would be seen in the shell's history and the process list) and set PGPASSWORD in the environment"
                )
            }
            guard let host = components.host, !host.isEmpty else {
                throw fail("the URL names no host (postgres://USER@HOST:PORT/DATABASE)")
            }
            let login = environment["PGUSER"] ?? environment["USER"] ?? "postgres"
            let user = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? login
            var database = String(components.path.drop(while: { $0 == "/" }))
            if database.isEmpty { database = environment["PGDATABASE"] ?? user }
            let port = components.port ?? environment["PGPORT"].flatMap { Int($0) } ?? 5432
            let schema = components.queryItems?.first(where: { $0.name == "schema" })?.value
            let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? environment["PGSSLMODE"] ?? "disable"
            guard ["disable", "prefer", "require"].contains(sslMode) else {
                throw fail("sslmode '\(sslMode)' is not one of disable, prefer, require")
            }
            return Address(host: host, port: port, user: user, database: database, schema: schema, sslMode: sslMode)
        }
    }

    /// Connects to `url`, with the password from `PGPASSWORD` (none when it is not set).
    /// - Throws: `DataError.engine` saying why (unreachable, password refused, no such database).
    public static func connect(
        _ url: String, environment: [String: String] = ProcessInfo.processInfo.environment, timeoutSeconds: Int64 = 10
    ) throws -> PostgresEngine {
        try EngineCall.requireOwnThread()
        let address = try Address.parse(url, environment: environment)
        let tls: PostgresConnection.Configuration.TLS
        switch address.sslMode {
        case "disable": tls = .disable
        default:
            let context = try? NIOSSLContext(configuration: .makeClientConfiguration())
            guard let context else {
                throw DataError.engine(name: "PostgreSQL", location: address.description, message: "TLS cannot be set up here")
            }
            tls = address.sslMode == "require" ? .require(context) : .prefer(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user, password: environment["PGPASSWORD"],
            database: address.database, tls: tls)
        configuration.options.connectTimeout = .seconds(timeoutSeconds)
        configuration.options.additionalStartupParameters = [
            ("default_transaction_read_only", "on"), ("application_name", "campaignlab"),
            // Dates as 'YYYY-MM-DD' whatever the server's default, and floats as text that reads
            // back exactly (a role's extra_float_digits=0, or Greenplum 6's default, rounds them).
            ("DateStyle", "ISO, YMD"), ("extra_float_digits", "3"),
        ]
        // The contract's table names are read unqualified: in the schema named, else the login's search path.
        if let schema = address.schema { configuration.options.additionalStartupParameters.append(("search_path", schema)) }
        let logger = Logger(label: "campaignlab.postgres")
        let settings = configuration
        let connection = try blocking(address.description) {
            try await PostgresConnection.connect(configuration: settings, id: 1, logger: logger)
        }
        let engine = PostgresEngine(connection: connection, location: address.description)
        // Settings a PostgreSQL-wire engine may not have (Redshift, Greenplum 6 lack some): set
        // after login one by one, a setting the server does not know left alone (at login it
        // would refuse the connection).
        for (name, value) in planning { try? engine.forEachRow("SET \(name) = '\(value)'", []) { _ in } }
        engine.contractForms = try engine.readContractForms()
        return engine
    }

    /// The contract tables of the current schema that have typed columns, and the common table
    /// expressions that read them in the contract's form (``TypedColumn``).
    /// PostgreSQL 12 and later inline a `NOT MATERIALIZED` expression into each use, so a
    /// query's filters still reach the table; older engines of the family (Greenplum 6,
    /// Redshift) take the plain form.
    private func readContractForms() throws -> ContractForms {
        let names = Contract.tables.map { quoteLiteral($0.name) }.joined(separator: ", ")
        var tables: [String: [(name: String, type: String)]] = [:], schema: String?
        try forEachRow(
            """
            SELECT current_schema(), c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            WHERE c.table_schema = current_schema() AND c.table_name IN (\(names))
            ORDER BY c.table_name, c.ordinal_position
            """, []
        ) { row in
            schema = row.text(0)
            tables[row.text(1) ?? "", default: []].append((row.text(2) ?? "", row.text(3) ?? ""))
        }
        guard let schema else { return ContractForms() }
        var forms = ContractForms(), selects: [(table: String, select: String)] = []
        for table in tables.keys.sorted() {
            guard let (select, converted) = TypedColumn.contractSelectList(table: table, columns: tables[table]!, dialect: .postgres)
            else { continue }
            selects.append((table, select))
            forms.columns[table] = converted
        }
        guard !selects.isEmpty else { return forms }
        // An engine of the family without the setting (an old Redshift) takes the plain form.
        var version = 0
        try? forEachRow("SELECT CAST(current_setting('server_version_num') AS INTEGER)", []) { version = Int($0.int64(0)) }
        let materialized = version >= 120000 ? "NOT MATERIALIZED " : ""
        forms.definitions = selects.map {
            "\(quoteIdentifier($0.table)) AS \(materialized)(SELECT \($0.select) FROM \(quoteIdentifier(schema)).\(quoteIdentifier($0.table)))"
        }
        return forms
    }

    /// `sql` with the contract forms of the typed tables in front: a `WITH` of its own before a
    /// `SELECT`, `VALUES`, `TABLE` or `(`; any other statement (`SET`, `SHOW`, `EXPLAIN`) as it
    /// is. Comments before the first word are skipped. A query with its own `WITH`: the forms
    /// join its list, after `RECURSIVE`; with `wrapping` (an SQL block whose `WITH` repeats a
    /// table's name — `WITH customers AS (SELECT * FROM customers …)` — which PostgreSQL
    /// refuses in one list), the query becomes a derived table of a `WITH` of the forms, and its
    /// own `customers` reads the form inside. A parenthesized query with its own `WITH` is
    /// always a derived table (PostgreSQL allows one `WITH` per query level). (SQL blocks reach
    /// here without comments or a final semicolon: `UserQuery` removes them.)
    static func withContractForms(_ sql: String, definitions: [String], wrapping: Bool = false) -> String {
        guard !definitions.isEmpty else { return sql }
        let defined = "WITH " + definitions.joined(separator: ", ")
        /// `text` from its first word on, after white space and comments.
        func start(_ text: Substring) -> Substring.Index {
            var index = text.startIndex
            while index < text.endIndex {
                if text[index].isWhitespace {
                    index = text.index(after: index)
                } else if text[index...].hasPrefix("--") {
                    index = text[index...].firstIndex(of: "\n") ?? text.endIndex
                } else if text[index...].hasPrefix("/*") {
                    index = text[index...].range(of: "*/")?.upperBound ?? text.endIndex
                } else {
                    break
                }
            }
            return index
        }
        func firstWord(_ text: Substring) -> String { text.prefix { $0.isLetter || $0 == "_" }.uppercased() }
        let index = start(Substring(sql))
        let head = String(sql[..<index]), rest = sql[index...]
        let derived: String = head + defined + " SELECT * FROM (\n" + String(rest) + "\n) AS cl_block"
        if rest.first == "(" {
            let inner = rest.dropFirst()
            return firstWord(inner[start(inner)...]) == "WITH" ? derived : head + defined + " " + rest
        }
        switch firstWord(rest) {
        case "SELECT", "VALUES", "TABLE":
            return head + defined + " " + rest
        case "WITH" where wrapping:
            return derived
        case "WITH":
            var after = rest.index(rest.startIndex, offsetBy: 4)
            let next = rest[after...].drop { $0.isWhitespace }
            if firstWord(next) == "RECURSIVE" { after = next.index(next.startIndex, offsetBy: 9) }
            return head + rest[..<after] + " " + definitions.joined(separator: ", ") + "," + rest[after...]
        default:
            return sql
        }
    }

    /// The session's planning settings. Parallel plans off: a float sum adds its rows in one
    /// order, so reports are the same run after run. For scans of whole tables with long
    /// expressions (measured on the checkup, 100k customers): JIT compiling them costs more than
    /// it saves (the funnel's walk 98 s, 17 s without); a misestimated filter must not become a
    /// nested loop over every customer (194 s, 1.6 s as a hash join); GROUP BY customer fits in
    /// memory instead of spilling (42 s, 26 s).
    static let planning = [("max_parallel_workers_per_gather", "0"), ("jit", "off"), ("enable_nestloop", "off"), ("work_mem", "256MB")]

    // MARK: QueryEngine

    public func forEachRow(_ sql: String, _ bindings: [SQLiteValue], _ body: (ValuesRow) throws -> Void) throws {
        try stream(sql, bindings) { _, row in try body(row) }
    }

    /// Each row of `sql` with the names of its columns (`wrapping`: see
    /// ``withContractForms(_:definitions:wrapping:)``).
    private func stream(
        _ sql: String, _ bindings: [SQLiteValue], wrapping: Bool = false, _ body: ([String], ValuesRow) throws -> Void
    ) throws {
        let text = Self.withContractForms(sql, definitions: contractForms.definitions, wrapping: wrapping)
        let query = try Self.query(text, bindings, location: location)
        let connection = connection, logger = logger
        let timing = QueryLog.Timing()
        do {
            try withoutActuallyEscaping(body) { body in
                let box = RowHandler(body)
                defer { box.handler = nil }
                try Self.blocking(location, sql: sql) {
                    let rows = try await connection.query(query, logger: logger)
                    var names: [String]?
                    for try await row in rows {
                        if names == nil { names = row.map(\.columnName) }
                        timing.row()
                        try box.handler?(names!, ValuesRow(try Self.values(row)))
                    }
                    box.handler = nil
                }
            }
        } catch {
            QueryLog.shared?.record(
                engine: "PostgreSQL", location: location, sql: query.sql, bindings: bindings.map(QueryLog.literal), timing: timing,
                failed: true)
            throw error
        }
        QueryLog.shared?.record(
            engine: "PostgreSQL", location: location, sql: query.sql, bindings: bindings.map(QueryLog.literal), timing: timing)
    }

    /// An SQL block: `statement_timeout` set for it alone; the column names of an empty result
    /// from the query once more as the right side of a LEFT JOIN, which gives one row of NULLs.
    public func runUserQuery(
        _ sql: String, _ bindings: [SQLiteValue], timeLimit: Double, columns: ([String]) throws -> Void,
        _ body: ([SQLiteValue]) throws -> Void
    ) throws {
        try forEachRow("SET statement_timeout = \(max(1, Int((timeLimit * 1000).rounded(.up))))", []) { _ in }
        defer { try? forEachRow("SET statement_timeout = 0", []) { _ in } }
        var named = false
        do {
            // A block whose WITH repeats a typed table's name runs again as a derived table of
            // the forms (refused before any row: SQLSTATE 42712).
            var wrapping = false
            while true {
                do {
                    try stream(sql, bindings, wrapping: wrapping) { names, row in
                        if !named {
                            try columns(names)
                            named = true
                        }
                        try body(row.values)
                    }
                    break
                } catch DataError.engine(_, _, let message)
                    where !wrapping && !named && !contractForms.definitions.isEmpty && message.contains("specified more than once")
                {
                    wrapping = true
                }
            }
            if !named {
                try stream("SELECT q.* FROM (SELECT 1) AS one LEFT JOIN (\(sql)) AS q ON true LIMIT 1", bindings) { names, _ in
                    if !named { try columns(names) }
                    named = true
                }
            }
        } catch DataError.engine(_, _, let message) where message.hasPrefix("the query was cancelled") {
            throw DataError.timeLimitExceeded(seconds: timeLimit)
        }
    }

    public func describeTable(_ name: String) throws -> ContractSchema.Table? {
        // The schema unqualified names resolve to (`?schema=` sets the search path at login).
        let schemaFilter = "current_schema()"
        let schemaBinding: [SQLiteValue] = []
        let columns = try allRows(
            """
            SELECT c.column_name, c.data_type, c.is_nullable, t.table_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = \(schemaFilter) AND c.table_name = ?
            ORDER BY c.ordinal_position
            """, schemaBinding + [.text(name)])
        guard let first = columns.first else { return nil }
        let kind: ContractSchema.ObjectKind = first[3].textValue == "VIEW" ? .view : .table
        let keys = try allRows(
            """
            SELECT tc.constraint_name, k.column_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage k
              ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
            WHERE tc.table_schema = \(schemaFilter) AND tc.table_name = ? AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
            ORDER BY tc.constraint_name, k.ordinal_position
            """, schemaBinding + [.text(name)])
        var uniqueKeys: [String: Set<String>] = [:]
        for key in keys { uniqueKeys[key[0].textValue ?? "", default: []].insert((key[1].textValue ?? "").lowercased()) }
        let primary = Set(
            try allRows(
                """
                SELECT k.column_name FROM information_schema.table_constraints tc
                JOIN information_schema.key_column_usage k
                  ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
                WHERE tc.table_schema = \(schemaFilter) AND tc.table_name = ? AND tc.constraint_type = 'PRIMARY KEY'
                ORDER BY k.ordinal_position
                """, schemaBinding + [.text(name)]
            ).compactMap { $0[0].textValue })
        var position = 0
        let info = columns.map { row -> ColumnInfo in
            let column = row[0].textValue ?? ""
            if primary.contains(column) { position += 1 }
            // A typed column is read in the contract's form (``readContractForms()``).
            let declared = contractForms.columns[name]?[column]?.declaredType ?? Self.declaredType(row[1].textValue ?? "")
            return ColumnInfo(
                name: column, declaredType: declared, isNotNull: row[2].textValue == "NO",
                primaryKeyPosition: primary.contains(column) ? position : 0)
        }
        return ContractSchema.Table(
            name: name, kind: kind, columns: info, hasRowID: false,
            uniqueKeys: kind == .view ? [] : uniqueKeys.keys.sorted().map { uniqueKeys[$0]! }, readError: nil)
    }

    /// A PostgreSQL type as the SQLite-style declared type the contract checks read.
    static func declaredType(_ type: String) -> String {
        switch type.lowercased() {
        case "smallint", "integer", "bigint": return "INTEGER"
        case "real", "double precision": return "REAL"
        case "numeric", "decimal": return "NUMERIC"
        case "boolean": return "BOOLEAN"
        case "date": return "DATE"
        case let t where t.hasPrefix("timestamp"): return "TIMESTAMP"
        case let t where t.hasPrefix("time"): return "TIME"
        case "text", "character varying", "character", "name", "uuid": return "TEXT"
        default: return type.uppercased()
        }
    }

    // MARK: Wire

    /// `sql` with `?` (outside quotes) numbered `$1`, `$2`, … and the values bound.
    static func query(_ sql: String, _ bindings: [SQLiteValue], location: String) throws -> PostgresQuery {
        var text = "", number = 0, quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                text.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                text.append(character)
            } else if character == "?" {
                number += 1
                text += "$\(number)"
            } else {
                text.append(character)
            }
        }
        precondition(number == bindings.count, "PostgresEngine.query: \(number) parameters, \(bindings.count) values")
        var binds = PostgresBindings(capacity: bindings.count)
        for value in bindings {
            switch value {
            case .null: binds.appendNull()
            case .integer(let v): binds.append(v)
            case .real(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob:
                throw DataError.engine(name: "PostgreSQL", location: location, message: "a BLOB cannot be a query parameter")
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    /// A row's cells as values: integers and booleans as INTEGER, floats as REAL, text as TEXT.
    static func values(_ row: PostgresRow) throws -> [SQLiteValue] {
        try row.map { cell -> SQLiteValue in
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .numeric:
                // The nearest double to the decimal's digits (NSDecimalNumber's doubleValue is not
                // correctly rounded: 0.2015 came back as 0.20149999999999996).
                let decimal = try cell.decode(Decimal.self)
                return .real(Double(decimal.description) ?? NSDecimalNumber(decimal: decimal).doubleValue)
            case .text, .varchar, .bpchar, .name: return .text(try cell.decode(String.self))
            default:
                throw DataError.engine(
                    name: "PostgreSQL", location: "",
                    message: "column \(cell.columnName) came back as type \(cell.dataType); cast it to text")
            }
        }
    }

    /// `operation`, waited for, with PostgreSQL's errors in CampaignLab's words.
    static func blocking<T>(_ location: String, sql: String? = nil, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        do { return try EngineCall.blocking(operation) } catch { throw describe(error, location: location, sql: sql) }
    }

    /// PostgreSQL's error as a `DataError`: its SQLSTATE read for what the user can do about it.
    static func describe(_ error: any Error, location: String, sql: String?) -> any Error {
        if error is DataError { return error }
        guard let error = error as? PSQLError else {
            return DataError.engine(name: "PostgreSQL", location: location, message: "\(error)")
        }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? ""
        let words: String
        switch state {
        case "28P01", "28000":
            words = "the server refused the login (\(message)); the password comes from PGPASSWORD in the environment"
        case "3D000": words = "\(message); name an existing database in the URL"
        case "42P01": words = "\(message); the contract's tables (or views with their names) must be in the schema read"
        case "42703": words = "\(message); the data contract names the columns CampaignLab reads"
        case "42883", "42804":
            words = "\(message) (a column has another type than the contract's: ids of one type in every table, text dates)"
        case "25006": words = "\(message): CampaignLab only reads"
        case "57014": words = "the query was cancelled (\(message))"
        case "":
            switch error.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown:
                return DataError.engine(
                    name: "PostgreSQL", location: location,
                    message: "cannot connect: is the server running and reachable from here (host, port, firewall)?")
            default:
                return DataError.engine(name: "PostgreSQL", location: location, message: "the connection failed (\(error.code))")
            }
        default: words = "SQLSTATE \(state): \(message)"
        }
        let statement = sql.map { " (in: \($0.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(300)))" } ?? ""
        return DataError.engine(name: "PostgreSQL", location: location, message: words + (state.hasPrefix("42") ? statement : ""))
    }
}

/// The caller's row handler, used by the task while the caller waits (never at once).
private final class RowHandler: @unchecked Sendable {
    var handler: (([String], ValuesRow) throws -> Void)?
    init(_ handler: @escaping ([String], ValuesRow) throws -> Void) { self.handler = handler }
}

/// `url` for a message: what is between the scheme and '@' (a user and perhaps a password) and
/// after ';' (Spark Connect's token) left out, and cut to 60 characters.
public func redactedURL(_ url: String) -> String {
    var text = url
    if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") {
        text.replaceSubrange(scheme.upperBound..<at, with: "…")
    }
    if let semicolon = text.firstIndex(of: ";") { text = String(text[..<semicolon]) + ";…" }
    return text.count > 60 ? String(text.prefix(60)) + "…" : text
}
