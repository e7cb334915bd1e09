/// Customer id → position, with a fast path for INTEGER ids (no `SQLiteValue` per row); ids
/// match across storage types (`SQLiteValue.customerKey`).
public struct CustomerIndex: Sendable {
    private var integers: [Int64: Int32] = [:]
    private var others: [SQLiteValue: Int32] = [:]

    public init(_ ids: [SQLiteValue]) {
        integers.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() {
            if case .integer(let n) = id.customerKey { integers[n] = Int32(i) } else { others[id.customerKey] = Int32(i) }
        }
    }

    /// The position of `id`.
    public func position(of id: SQLiteValue) -> Int? {
        let key = id.customerKey
        if case .integer(let n) = key { return integers[n].map(Int.init) }
        return others[key].map(Int.init)
    }

    /// The position of the customer in column `column` of the statement's row.
    func position<Row: ResultRow>(_ statement: Row, _ column: Int) -> Int? {
        if statement.storageClass(column) == .integer { return integers[statement.int64(column)].map(Int.init) }
        let key = statement.value(column).customerKey
        if case .integer(let n) = key { return integers[n].map(Int.init) }
        return others[key].map(Int.init)
    }
}
