import Foundation

/// One `customer_months` metric of every customer in a few months, by primary-key seeks: what
/// tiers at given month ends need, without scanning the table.
public struct CustomerSnapshots: Sendable {
    /// Customer ids in `customers` order.
    public var ids: [SQLiteValue]
    public var months: [YearMonth]
    /// Per month, per customer: the value; nil without a row in that month; NaN for a NULL or
    /// a value that is not a number (a word is a bad row: refused, or missing when excluded).
    public var values: [[Double?]]

    /// Reads `metric` for `months`.
    /// - Throws: `DataError` for a missing table or column, or a word in the column (unless
    ///   bad rows are excluded).
    public static func read(
        _ metric: String, months: [YearMonth], schema: ContractSchema, database: SQLiteDatabase, badRows: BadRows = .refusing
    ) throws -> CustomerSnapshots {
        try schema.require(Contract.customers, columns: ["customer_id"])
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month", metric])
        let column = quoteIdentifier(metric)
        let joins = months.indices.map { k in
            "LEFT JOIN customer_months m\(k) ON m\(k).customer_id = c.customer_id AND m\(k).month = ?"
        }.joined(separator: " ")
        let selected = months.indices.map { ", m\($0).month IS NOT NULL, m\($0).\(column)" }.joined()
        let statement = try database.prepare("SELECT c.customer_id\(selected) FROM customers c \(joins)")
        try statement.bind(months.map { .text($0.description) })
        var ids: [SQLiteValue] = []
        var values = [[Double?]](repeating: [], count: months.count)
        var tally = BadRows.Tally(badRows.policy)
        while try statement.step() {
            ids.append(statement.value(0))
            for k in months.indices {
                let present = statement.int64(1 + 2 * k) != 0, column = 2 + 2 * k
                guard present else {
                    values[k].append(nil)
                    continue
                }
                switch statement.storageClass(column) {
                case .integer, .real: values[k].append(statement.double(column))
                case .null: values[k].append(.nan)
                default:
                    try tally.add(
                        DataError.contract(
                            table: "customer_months", column: metric, row: "customer_id=\(statement.value(0)), month='\(months[k])'",
                            message: "\(statement.value(column)) is not a number"),
                        summary: "not a number", treatment: "treated as missing")
                    values[k].append(.nan)
                }
            }
        }
        try tally.report(to: badRows)
        return CustomerSnapshots(ids: ids, months: months, values: values)
    }
}
