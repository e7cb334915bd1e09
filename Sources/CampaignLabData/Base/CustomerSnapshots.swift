import Foundation

/// A few `customer_months` metrics of every customer in a few months: what tiers at given month
/// ends and per-capita KPIs of a few quarters need. Rows are matched to customers by id across storage types (17, 17.0 and '17' are
/// one customer, as everywhere), in one pass over the table in two rowid halves at once.
public struct CustomerSnapshots: Sendable {
    /// Customer ids in `customers` order.
    public var ids: [SQLiteValue]
    public var months: [YearMonth]
    public var metrics: [String]
    /// Per metric, per month, per customer: the value; nil without a row in that month; NaN for
    /// a NULL or a value that is not a number (a word is a bad row: refused, or missing when excluded).
    public var byMetric: [[[Double?]]]
    /// The first metric's values (per month, per customer).
    public var values: [[Double?]] { byMetric[0] }

    /// Reads `metric` for `months`.
    public static func read(
        _ metric: String, months: [YearMonth], schema: ContractSchema, database: SQLiteDatabase, badRows: BadRows = .refusing
    ) throws -> CustomerSnapshots {
        try read(metrics: [metric], months: months, schema: schema, database: database, badRows: badRows)
    }

    /// Reads `metrics` for `months`.
    /// - Throws: `DataError` for a missing table or column, or a word in the column (unless
    ///   bad rows are excluded).
    public static func read(
        metrics: [String], months: [YearMonth], schema: ContractSchema, database: SQLiteDatabase, badRows: BadRows = .refusing
    ) throws -> CustomerSnapshots {
        try schema.require(Contract.customers, columns: ["customer_id"])
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"] + metrics)
        let ids = try database.rows("SELECT customer_id FROM customers").map { $0[0] }
        let job = SnapshotJob(
            path: database.path, metrics: metrics, months: months, index: CustomerIndex(ids), customers: ids.count,
            policy: badRows.policy)
        let parts = try schema.scanInRowidHalves(Contract.customerMonths.name, database: database, threshold: 1_000_000) {
            try job.read(rowids: $0, database: $1)
        }
        var values = parts[0].values
        var tally = parts[0].bad
        for part in parts.dropFirst() {
            tally.merge(part.bad)
            for m in metrics.indices {
                for k in months.indices {
                    for i in ids.indices where part.values[m][k][i] != nil { values[m][k][i] = part.values[m][k][i] }
                }
            }
        }
        try tally.report(to: badRows)
        return CustomerSnapshots(ids: ids, months: months, metrics: metrics, byMetric: values)
    }
}

/// Reads the months' rows of one rowid range.
private struct SnapshotJob: Sendable {
    var path: String
    var metrics: [String]
    var months: [YearMonth]
    var index: CustomerIndex
    var customers: Int
    var policy: BadRows.Policy

    struct Part: Sendable {
        /// Per metric, per month, per customer.
        var values: [[[Double?]]]
        var bad: BadRows.Tally
    }

    func read(rowids: (Int64, Int64)?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        var sql = """
            SELECT customer_id, month\(metrics.map { ", " + quoteIdentifier($0) }.joined()) FROM customer_months
            WHERE month IN (\(months.map { _ in "?" }.joined(separator: ", ")))
            """
        var bindings: [SQLiteValue] = months.map { .text($0.description) }
        if let rowids {
            sql += " AND rowid >= ? AND rowid < ?"
            bindings += [.integer(rowids.0), .integer(rowids.1)]
        }
        let statement = try database.prepare(sql)
        try statement.bind(bindings)
        var part = Part(
            values: [[[Double?]]](
                repeating: [[Double?]](repeating: [Double?](repeating: nil, count: customers), count: months.count), count: metrics.count),
            bad: BadRows.Tally(policy))
        while try statement.step() {
            guard let i = index.position(statement, 0), let month = statement.text(1).flatMap(YearMonth.init),
                let k = months.firstIndex(of: month)
            else { continue }
            for (m, metric) in metrics.enumerated() {
                let column = 2 + m
                switch statement.storageClass(column) {
                case .integer, .real: part.values[m][k][i] = statement.double(column)
                case .null: part.values[m][k][i] = .nan
                default:
                    try part.bad.add(
                        DataError.contract(
                            table: "customer_months", column: metric, row: "customer_id=\(statement.value(0)), month='\(month)'",
                            message: "\(statement.value(column)) is not a number"),
                        summary: "not a number", treatment: "treated as missing")
                    part.values[m][k][i] = .nan
                }
            }
        }
        return part
    }
}
