import Foundation

/// How a scanned column is read into a chunk.
public enum ScanColumnType: Sendable, Equatable {
    /// 64-bit integers (identifiers, counts). NULL is an error.
    case integer
    /// Doubles (metrics). NULL becomes `.nan` and is counted in `ScanChunk.nullCounts`.
    case double
    /// Text (identifiers, dimensions). NULL becomes nil.
    case text
    /// A 'YYYY-MM' month, parsed to `YearMonth.index` in an integer column. NULL or an
    /// unparsable month is an error.
    case month
    /// A 'YYYY-MM-DD' date, parsed to `CivilDate.daysSinceEpoch` in an integer column.
    case date
    /// An ISO 8601 timestamp, parsed to seconds since the epoch in a double column.
    case timestamp
}

/// One block of rows from a ``ChunkedScan``, stored column by column.
///
/// Columns are addressed by their position in the scan's column list. Only the accessor
/// matching the column's ``ScanColumnType`` may be used.
public struct ScanChunk: Sendable {
    /// Rows in this chunk.
    public internal(set) var count: Int = 0
    /// Index of this chunk's first row in the whole scan (0-based).
    public internal(set) var firstRow: Int = 0
    var integerColumns: [[Int64]]
    var doubleColumns: [[Double]]
    var textColumns: [[String?]]
    let slots: [(type: ScanColumnType, slot: Int)]
    /// NULLs seen per column (double and text columns).
    public internal(set) var nullCounts: [Int]

    init(types: [ScanColumnType], capacity: Int) {
        var slots: [(ScanColumnType, Int)] = []
        var ni = 0, nd = 0, nt = 0
        for type in types {
            switch type {
            case .integer, .month, .date: slots.append((type, ni)); ni += 1
            case .double, .timestamp: slots.append((type, nd)); nd += 1
            case .text: slots.append((type, nt)); nt += 1
            }
        }
        self.slots = slots
        integerColumns = Array(repeating: [], count: ni)
        doubleColumns = Array(repeating: [], count: nd)
        textColumns = Array(repeating: [], count: nt)
        nullCounts = Array(repeating: 0, count: types.count)
        for i in 0..<ni { integerColumns[i].reserveCapacity(capacity) }
        for i in 0..<nd { doubleColumns[i].reserveCapacity(capacity) }
        for i in 0..<nt { textColumns[i].reserveCapacity(capacity) }
    }

    /// The values of integer column `column` (also `.month` as `YearMonth.index` and
    /// `.date` as `CivilDate.daysSinceEpoch`).
    public func integers(_ column: Int) -> [Int64] {
        precondition(
            [.integer, .month, .date].contains(slots[column].type),
            "column \(column) is not scanned as .integer, .month or .date")
        return integerColumns[slots[column].slot]
    }

    /// The values of double column `column` (NULL as `.nan`; `.timestamp` as seconds since the epoch).
    public func doubles(_ column: Int) -> [Double] {
        precondition(
            slots[column].type == .double || slots[column].type == .timestamp,
            "column \(column) is not scanned as .double or .timestamp")
        return doubleColumns[slots[column].slot]
    }

    /// The values of text column `column` (NULL as nil).
    public func texts(_ column: Int) -> [String?] {
        precondition(slots[column].type == .text, "column \(column) is not scanned as .text")
        return textColumns[slots[column].slot]
    }
}

/// Streams the rows of a query in fixed-size columnar chunks, so that memory stays
/// bounded whatever the table size.
///
/// Values are type-checked as they are read: a text value in a column scanned as a
/// number is an error naming the table, the column and the row (by its position and the
/// first column's value), never a silent zero.
///
/// ```swift
/// let scan = try ChunkedScan(database: db, table: "customer_months",
///                            sql: "SELECT customer_id, aum FROM customer_months",
///                            types: [.integer, .double])
/// while let chunk = try scan.next() {
///     total += chunk.doubles(1).reduce(0, +)
/// }
/// ```
///
/// - Complexity: O(rows) time; O(`chunkSize` × columns) memory.
public final class ChunkedScan {
    public let table: String
    public let types: [ScanColumnType]
    public let chunkSize: Int
    private let statement: SQLiteStatement
    private var rowsRead = 0
    private var finished = false
    private let badRows: BadRows
    private var badNumbers: BadRows.Tally

    /// Prepares the scan.
    ///
    /// - Parameters:
    ///   - database: the connection (read-only for analyses).
    ///   - table: the table the query reads, for error messages.
    ///   - sql: a SELECT whose result columns match `types` one to one.
    ///   - bindings: values for the query's parameters.
    ///   - types: how to read each result column.
    ///   - chunkSize: rows per chunk.
    ///   - badRows: what to do with a value that is not a number in a `.double` column:
    ///     refuse it, or read it as missing (NaN) and count it (recorded when the scan ends).
    /// - Throws: `DataError.sqlite` when the query does not prepare (e.g. a missing column).
    public init(
        database: SQLiteDatabase, table: String, sql: String, bindings: [SQLiteValue] = [],
        types: [ScanColumnType], chunkSize: Int = 65_536, badRows: BadRows = .refusing
    ) throws {
        precondition(chunkSize > 0, "ChunkedScan needs a positive chunk size")
        self.table = table
        self.types = types
        self.chunkSize = chunkSize
        self.badRows = badRows
        badNumbers = BadRows.Tally(badRows.policy)
        statement = try database.prepare(sql)
        precondition(
            statement.columnCount == types.count,
            "ChunkedScan: the query returns \(statement.columnCount) columns but \(types.count) types were given")
        try statement.bind(bindings)
    }

    /// The next chunk, or nil when the scan is done.
    ///
    /// - Throws: `DataError.contract` for a value of the wrong type, `DataError.sqlite` for
    ///   a failure while reading.
    public func next() throws -> ScanChunk? {
        guard !finished else { return nil }
        // Each chunk gets new buffers, filled as locals: no copy-on-write or exclusivity
        // checks in the inner loop, and a chunk the caller keeps is never overwritten.
        var chunk = ScanChunk(types: types, capacity: chunkSize)
        chunk.firstRow = rowsRead
        var ints = chunk.integerColumns, doubles = chunk.doubleColumns, texts = chunk.textColumns
        chunk.integerColumns = []; chunk.doubleColumns = []; chunk.textColumns = []
        var nulls = chunk.nullCounts
        let slots = chunk.slots
        let statement = self.statement
        var count = 0
        while count < chunkSize {
            guard try statement.step() else {
                finished = true
                try badNumbers.report(to: badRows)
                break
            }
            for column in 0..<slots.count {
                let slot = slots[column].slot
                switch slots[column].type {
                case .double:
                    switch statement.storageClass(column) {
                    case .real, .integer:
                        doubles[slot].append(statement.double(column))
                    case .null:
                        doubles[slot].append(.nan)
                        nulls[column] += 1
                    case let other:
                        try badNumbers.add(
                            typeError(column, other, expected: "a number"), summary: "not a number", treatment: "treated as missing")
                        doubles[slot].append(.nan)
                    }
                case .integer:
                    let storage = statement.storageClass(column)
                    guard storage == .integer else { throw typeError(column, storage, expected: "an integer") }
                    ints[slot].append(statement.int64(column))
                case .month:
                    guard let month = statement.withUTF8(column, { YearMonth.parse($0) }) else {
                        throw typeError(column, statement.storageClass(column), expected: ColumnKind.month.expectation)
                    }
                    ints[slot].append(Int64(month.index))
                case .date:
                    guard let date = statement.withUTF8(column, { CivilDate.parse($0) }) else {
                        throw typeError(column, statement.storageClass(column), expected: ColumnKind.date.expectation)
                    }
                    ints[slot].append(Int64(date.daysSinceEpoch))
                case .timestamp:
                    guard let instant = statement.withUTF8(column, { Timestamp.parse($0) }) else {
                        throw typeError(column, statement.storageClass(column), expected: ColumnKind.timestamp.expectation)
                    }
                    doubles[slot].append(instant.secondsSinceEpoch)
                case .text:
                    if statement.storageClass(column) == .null {
                        texts[slot].append(nil)
                        nulls[column] += 1
                    } else {
                        texts[slot].append(statement.text(column))
                    }
                }
            }
            count += 1
            rowsRead += 1
        }
        if count == 0 { return nil }
        chunk.count = count
        chunk.nullCounts = nulls
        chunk.integerColumns = ints
        chunk.doubleColumns = doubles
        chunk.textColumns = texts
        return chunk
    }

    /// Rows read so far.
    public var rowCount: Int { rowsRead }

    private func typeError(_ column: Int, _ found: SQLiteStorageClass, expected: String) -> DataError {
        let key = statement.columnName(0) + "=" + statement.value(0).description
        return DataError.contract(
            table: table, column: statement.columnName(column), row: "\(key) (row \(rowsRead + 1) of the scan)",
            message: "expected \(expected), found \(found == .null ? "NULL" : "\(found) value \(statement.value(column).description)")")
    }
}

/// A part of a table a scan reads: a condition added to its query's WHERE, with its values.
public struct ScanRange: Sendable {
    /// " AND …", to append to a query that has a WHERE clause.
    public var condition: String
    public var bindings: [SQLiteValue]
}

extension ContractSchema {
    /// Runs `read` over table `table`: once on `database` (range nil) when it has at most
    /// `threshold` rows, else on two halves at once, each on its own connection (database nil),
    /// for the caller to merge — rowid halves, or for a table without rowid whose primary key
    /// begins with an INTEGER customer_id (customer_months as the contract declares it),
    /// customer-id halves (a range of the key: no full scan each). Full scans are a reader's
    /// bottleneck, and each connection has its own cache: two cores, twice the pace.
    /// - Returns: the parts in table order.
    public func scanInRowidHalves<Part: Sendable>(
        _ table: String, database: SQLiteDatabase, threshold: Int,
        _ read: @escaping @Sendable (ScanRange?, SQLiteDatabase?) throws -> Part
    ) throws -> [Part] {
        var ranges: [ScanRange?] = [nil]
        let quoted = quoteIdentifier(table)
        if let info = self.table(table), database.isSharedFile {
            if info.hasRowID {
                if let maxRowid = try database.scalarInt("SELECT max(rowid) FROM \(quoted)"), maxRowid > threshold {
                    let middle = Int64(maxRowid / 2)
                    ranges = [
                        ScanRange(condition: " AND rowid < ?", bindings: [.integer(middle)]),
                        ScanRange(condition: " AND rowid >= ?", bindings: [.integer(middle)]),
                    ]
                }
            } else if info.columns.first(where: { $0.primaryKeyPosition == 1 })?.name.lowercased() == "customer_id",
                try database.scalarInt("SELECT 1 FROM \(quoted) LIMIT 1 OFFSET \(threshold)") != nil,
                let bounds = try database.rows("SELECT min(customer_id), max(customer_id) FROM \(quoted)").first,
                case .integer(let low) = bounds[0], case .integer(let high) = bounds[1], high > low
            {
                // Ids of another type sort after the integers (SQLite's order): the upper half
                // has them; a WITHOUT ROWID table's key is never NULL. Both halves are key ranges.
                let middle = (low >> 1) + (high >> 1) + (low & high & 1)  // no overflow for ids near ±2⁶³
                ranges = [
                    ScanRange(condition: " AND customer_id < ?", bindings: [.integer(middle)]),
                    ScanRange(condition: " AND customer_id >= ?", bindings: [.integer(middle)]),
                ]
            }
        }
        let parts = ResultSlots<Part>(count: ranges.count)
        let failures = ResultSlots<Error>(count: ranges.count)
        let singleConnection = UncheckedBox(database)
        let all = ranges
        DispatchQueue.concurrentPerform(iterations: all.count) { k in
            do {
                parts[k] = try read(all[k], all.count == 1 ? singleConnection.value : nil)
            } catch { failures[k] = error }
        }
        if let error = failures.values.compactMap({ $0 }).first { throw error }
        return parts.values.map { $0! }
    }
}
