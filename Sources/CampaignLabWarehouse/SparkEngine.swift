import CampaignLabData
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// A Spark cluster reached through Spark Connect (gRPC) as a `QueryEngine`: CampaignLab's
/// aggregate queries run on the cluster's executors and only their small results come back, as
/// Arrow batches.
///
/// - Tables: the Spark catalog's (`sc://HOST:PORT`, or `?database=NAME`), or Parquet folders the
///   user names (`?parquet=DIR`: DIR/customers, DIR/customer_months, … become session-scoped
///   temporary views over the files; nothing is written).
/// - One RPC only, `ExecutePlan` with the SQL text as the plan (`SparkConnectMessages`); the
///   request and response bytes go through gRPC unchanged (no generated code).
/// - Double-quoted identifiers (`spark.sql.ansi.doubleQuotedIdentifiers`) are set for the
///   session, so the SQL is the same as for the other engines.
public final class SparkEngine: QueryEngine, @unchecked Sendable {
    public var engineName: String { "Spark" }
    public let location: String
    public var dialect: SQLDialect { .spark }

    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let session = UUID().uuidString.lowercased()
    private let user = ProcessInfo.processInfo.environment["USER"] ?? "campaignlab"
    /// The contract tables' columns as `connect` found them (name, Spark type, the typed form it is read in):
    /// `describeTable` answers from them without another round trip.
    private var described: [String: [(name: String, type: String, typed: TypedColumn?)]] = [:]

    /// Where to connect, from `sc://HOST:PORT[?parquet=DIR|database=NAME]` (spark:// too).
    public struct Address: Equatable, Sendable {
        public var host: String
        public var port: Int
        public var parquet: String?
        public var database: String?

        public init(host: String, port: Int, parquet: String?, database: String?) {
            (self.host, self.port, self.parquet, self.database) = (host, port, parquet, database)
        }

        public var description: String {
            "sc://\(host):\(port)" + (parquet.map { "?parquet=\($0)" } ?? database.map { "?database=\($0)" } ?? "")
        }

        public static func parse(_ url: String) throws -> Address {
            func fail(_ message: String) -> DataError { DataError.engine(name: "Spark", location: "--backend", message: message) }
            guard let components = URLComponents(string: url), components.scheme == "sc" || components.scheme == "spark",
                let host = components.host, !host.isEmpty
            else {
                throw fail("'\(redactedURL(url))' is not a URL sc://HOST:PORT (Spark Connect, port 15002 by default)")
            }
            let items = components.queryItems ?? []
            let parquet = items.first { $0.name == "parquet" }?.value
            let database = items.first { $0.name == "database" }?.value
            if parquet != nil && database != nil { throw fail("give ?parquet=DIR or ?database=NAME, not both") }
            if let database, database.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
                throw fail("database '\(database)' is not a plain name")
            }
            return Address(host: host, port: components.port ?? 15002, parquet: parquet, database: database)
        }
    }

    private init(client: GRPCClient<HTTP2ClientTransport.Posix>, location: String) {
        self.client = client
        self.location = location
    }

    deinit { client.beginGracefulShutdown() }

    /// Connects to the Spark Connect server at `url` and prepares the session: double-quoted
    /// identifiers, and the Parquet folders of `?parquet=` as temporary views.
    /// - Throws: `DataError.engine` saying why (unreachable, a folder that is not there).
    public static func connect(_ url: String) throws -> SparkEngine {
        try EngineCall.requireOwnThread()
        let address = try Address.parse(url)
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: address.host, port: address.port), transportSecurity: .plaintext)
        } catch {
            throw DataError.engine(name: "Spark", location: address.description, message: "cannot set up the connection (\(error))")
        }
        let client = GRPCClient(transport: transport)
        Task { try? await client.runConnections() }
        let engine = SparkEngine(client: client, location: address.description)
        try engine.execute("SET spark.sql.ansi.doubleQuotedIdentifiers=true")
        // Instants (TIMESTAMP columns) are written as text in UTC, whatever the cluster's zone.
        try engine.execute("SET spark.sql.session.timeZone=UTC")
        if let database = address.database { try engine.execute("USE \(database)") }
        var sources: [(table: String, source: String)] = []
        if let folder = address.parquet {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw DataError.engine(
                    name: "Spark", location: address.description,
                    message: "\(folder) is not a folder here; ?parquet= names a folder holding customers/, customer_months/, … as Parquet")
            }
            for table in Contract.tables.map(\.name) {
                let path = (folder as NSString).appendingPathComponent(table)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                sources.append((table, "parquet.`\(path)`"))
            }
        } else {
            let current = try engine.allRows("SELECT current_catalog(), current_database()").first ?? []
            // Each part quoted on its own (a nested namespace's database reads 'a.b').
            let parts = current.compactMap(\.textValue).flatMap { $0.split(separator: ".").map(String.init) }
            let qualifier = parts.map { "`" + $0.replacingOccurrences(of: "`", with: "``") + "`." }.joined()
            sources = Contract.tables.map { ($0.name, qualifier + "`\($0.name)`") }
        }
        for (table, source) in sources { try engine.putInFront(table, source: source, always: address.parquet != nil) }
        return engine
    }

    /// Makes `table` a temporary view over `source` (a Parquet folder, or the catalog's table
    /// of that name qualified) in which typed columns are in the contract's form
    /// (``TypedColumn``); a catalog table without such columns, or not there, is left alone.
    /// Temporary views belong to the session: nothing is written to the catalog.
    private func putInFront(_ table: String, source: String, always: Bool) throws {
        var columns: [(name: String, type: String)] = []
        do {
            // A catalog table's own description: a query's calls CHAR(n) a string.
            columns = Self.describedColumns(
                try allRows(always ? "DESCRIBE QUERY SELECT * FROM \(source)" : "DESCRIBE TABLE \(source)"))
        } catch DataError.engine(_, _, let message) where message.contains("TABLE_OR_VIEW_NOT_FOUND") && !always {
            // A catalog table that is not there is left alone: the analyses that need it say so.
            // (Any other failure stops here: a typed table read raw would give wrong numbers.)
            return
        }
        let forms = TypedColumn.contractSelectList(table: table, columns: columns, dialect: .spark)
        described[table] = columns.map { ($0.name, $0.type, forms?.converted[$0.name]) }
        if let (select, _) = forms {
            try execute("CREATE OR REPLACE TEMPORARY VIEW `\(table)` AS SELECT \(select) FROM \(source)")
        } else if always {
            try execute("CREATE OR REPLACE TEMPORARY VIEW `\(table)` AS SELECT * FROM \(source)")
        }
    }

    // MARK: QueryEngine

    public func forEachRow(_ sql: String, _ bindings: [SQLiteValue], _ body: (ValuesRow) throws -> Void) throws {
        for table in try execute(try Self.inline(sql, bindings)) {
            try Self.forEachRow(of: table) { try body(ValuesRow($0)) }
        }
    }

    /// An SQL block. Spark Connect stops no query after a time: the limit is not applied. An
    /// empty result's column names come from `DESCRIBE QUERY`.
    public func runUserQuery(
        _ sql: String, _ bindings: [SQLiteValue], timeLimit: Double, columns: ([String]) throws -> Void,
        _ body: ([SQLiteValue]) throws -> Void
    ) throws {
        let text = try Self.inline(sql, bindings)
        let tables = try execute(text)
        if let first = tables.first {
            try columns(first.names)
        } else {
            try columns(try allRows("DESCRIBE QUERY " + text).compactMap { $0.first?.textValue })
        }
        for table in tables { try Self.forEachRow(of: table, body) }
    }

    /// Each row of an Arrow table as values: integers and booleans as INTEGER, floats as REAL.
    static func forEachRow(of table: ArrowStream.Table, _ body: ([SQLiteValue]) throws -> Void) throws {
        var values = [SQLiteValue](repeating: .null, count: table.columns.count)
        for r in 0..<table.rowCount {
            for (c, column) in table.columns.enumerated() {
                switch column {
                case .integers(let v): values[c] = v[r].map { .integer($0) } ?? .null
                case .doubles(let v): values[c] = v[r].map { .real($0) } ?? .null
                case .strings(let v): values[c] = v[r].map { .text($0) } ?? .null
                case .booleans(let v): values[c] = v[r].map { .integer($0 ? 1 : 0) } ?? .null
                case .nulls: values[c] = .null
                }
            }
            try body(values)
        }
    }

    public func describeTable(_ name: String) throws -> ContractSchema.Table? {
        if let columns = described[name] {
            return ContractSchema.Table(
                name: name, kind: .view,
                columns: columns.map {
                    ColumnInfo(
                        name: $0.name, declaredType: $0.typed?.declaredType ?? Self.declaredType($0.type), isNotNull: false,
                        primaryKeyPosition: 0)
                }, hasRowID: false, uniqueKeys: [], readError: nil)
        }
        let rows: [[SQLiteValue]]
        do {
            rows = try allRows("DESCRIBE TABLE `\(name)`")
        } catch DataError.engine(_, _, let message) where message.contains("TABLE_OR_VIEW_NOT_FOUND") {
            return nil
        }
        let columns = Self.describedColumns(rows).map {
            ColumnInfo(name: $0.name, declaredType: Self.declaredType($0.type), isNotNull: false, primaryKeyPosition: 0)
        }
        return ContractSchema.Table(name: name, kind: .view, columns: columns, hasRowID: false, uniqueKeys: [], readError: nil)
    }

    /// The columns and types of a `DESCRIBE` answer: its list ends where partitioning or
    /// detailed information begins (an empty row, or a '#' heading).
    static func describedColumns(_ rows: [[SQLiteValue]]) -> [(name: String, type: String)] {
        var columns: [(name: String, type: String)] = []
        for row in rows {
            guard let column = row.first?.textValue, !column.isEmpty, !column.hasPrefix("#") else { break }
            columns.append((column, row.count > 1 ? row[1].textValue ?? "" : ""))
        }
        return columns
    }

    /// A Spark type as the SQLite-style declared type the contract checks read.
    static func declaredType(_ type: String) -> String {
        let t = type.lowercased()
        if ["tinyint", "smallint", "int", "bigint", "integer", "long"].contains(t) { return "INTEGER" }
        if ["float", "double", "real"].contains(t) { return "REAL" }
        if t.hasPrefix("decimal") { return "NUMERIC" }
        if t == "boolean" { return "BOOLEAN" }
        if t == "date" { return "DATE" }
        if t.hasPrefix("timestamp") { return "TIMESTAMP" }
        if t == "string" || t.hasPrefix("varchar") || t.hasPrefix("char") { return "TEXT" }
        return type.uppercased()
    }

    // MARK: Wire

    /// `sql` with each `?` (outside quotes) replaced by its value as a Spark literal: Spark
    /// Connect's SQL plan takes literal text, and a string literal's quotes and backslashes are
    /// escaped.
    static func inline(_ sql: String, _ bindings: [SQLiteValue]) throws -> String {
        var text = "", next = 0, quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                text.append(character)
            } else if character == "'" || character == "\"" || character == "`" {
                quote = character
                text.append(character)
            } else if character == "?" {
                precondition(next < bindings.count, "SparkEngine.inline: more parameters than values")
                switch bindings[next] {
                case .null: text += "NULL"
                case .integer(let v): text += "\(v)L"
                case .real(let v):
                    guard v.isFinite else {
                        throw DataError.engine(name: "Spark", location: "", message: "\(v) cannot be a query parameter")
                    }
                    text += "CAST('\(v)' AS DOUBLE)"
                case .text(let v):
                    text += "'" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
                case .blob: throw DataError.engine(name: "Spark", location: "", message: "a BLOB cannot be a query parameter")
                }
                next += 1
            } else {
                text.append(character)
            }
        }
        precondition(next == bindings.count, "SparkEngine.inline: \(next) parameters, \(bindings.count) values")
        return text
    }

    /// Runs `sql` on the cluster and returns its Arrow batches, decoded.
    @discardableResult
    func execute(_ sql: String) throws -> [ArrowStream.Table] {
        let request = SparkConnectMessages.executeSQL(sql, session: session, user: user, clientType: "campaignlab")
        let client = client
        let timing = QueryLog.Timing()
        do {
            let responses = try blocking(sql) {
                try await client.serverStreaming(
                    request: ClientRequest(message: request), descriptor: Self.executePlan, serializer: BytesCoder(),
                    deserializer: BytesCoder(), options: .defaults
                ) { response in
                    var batches: [[UInt8]] = []
                    for try await message in response.messages {
                        let arrived = try SparkConnectMessages.arrowBatches(in: message)
                        // The first batch's arrival; the rows are counted once decoded.
                        if !arrived.isEmpty { timing.row(0) }
                        batches += arrived
                    }
                    return batches
                }
            }
            let tables = try responses.map { try ArrowStream.decode($0) }
            timing.rows = tables.reduce(0) { $0 + $1.rowCount }
            QueryLog.shared?.record(engine: "Spark", location: location, sql: sql, timing: timing)
            return tables
        } catch {
            QueryLog.shared?.record(engine: "Spark", location: location, sql: sql, timing: timing, failed: true)
            throw error
        }
    }

    /// `operation`, waited for, with Spark's errors in CampaignLab's words: the error class Spark
    /// puts first ([TABLE_OR_VIEW_NOT_FOUND], [UNRESOLVED_COLUMN…]) and its message.
    private func blocking<T>(_ sql: String, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        do {
            return try EngineCall.blocking(operation)
        } catch let error as DataError {
            throw error
        } catch let error as RPCError {
            let message: String
            switch error.code {
            case .unavailable:
                message = "cannot connect: is the Spark Connect server running and reachable from here (host, port 15002 by default)?"
            case .deadlineExceeded: message = "the query ran past its deadline"
            default:
                let first = error.message.split(whereSeparator: \.isNewline).first.map(String.init) ?? error.message
                let statement = sql.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(300)
                message = "\(first) (in: \(statement))"
            }
            throw DataError.engine(name: "Spark", location: location, message: message)
        } catch {
            throw DataError.engine(name: "Spark", location: location, message: "\(error)")
        }
    }

    static let executePlan = MethodDescriptor(
        fullyQualifiedService: "spark.connect.SparkConnectService", method: "ExecutePlan")
}

/// Messages as their bytes: the request is encoded and the response decoded by
/// `SparkConnectMessages`, so gRPC only frames them.
struct BytesCoder: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
