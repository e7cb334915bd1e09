import Foundation

/// A few `customer_months` metrics of every customer summed over groups of months (a month at a
/// quarter's end, a quarter's three months): what tiers at given month ends and per-capita KPIs
/// of a few quarters need. Rows are matched to customers by id across storage types (17, 17.0
/// and '17' are one customer, as everywhere), in one pass over the table in two rowid halves at
/// once; memory is O(customers × metrics × groups), never the rows.
public struct CustomerSnapshots: Sendable {
    /// Customer ids in `customers` order.
    public var ids: [SQLiteValue]
    public var groups: [[YearMonth]]
    public var metrics: [String]
    /// Per metric, per group, per customer: the sum of the values that are numbers, and how many.
    public var sums: [[[Double]]]
    public var counts: [[[UInt8]]]
    /// Per group, per customer: the customer has a row in one of the group's months.
    public var present: [[Bool]]

    /// The customer's mean of `metric` over the group's months: nil without a row in the group,
    /// NaN when its rows have no number (NULL, or a word when bad rows are excluded).
    public func value(metric m: Int = 0, group g: Int, customer i: Int) -> Double? {
        guard present[g][i] else { return nil }
        return counts[m][g][i] > 0 ? sums[m][g][i] / Double(counts[m][g][i]) : .nan
    }

    /// Whether any customer has a row in group `g`.
    public func hasRows(group g: Int) -> Bool { present[g].contains(true) }

    /// Reads `metrics` summed over each group of months.
    /// - Throws: `DataError` for a missing table or column, or a word in a column (unless bad
    ///   rows are excluded).
    public static func read(
        metrics: [String], groups: [[YearMonth]], schema: ContractSchema, database: SQLiteDatabase, badRows: BadRows = .refusing
    ) throws -> CustomerSnapshots {
        try schema.require(Contract.customers, columns: ["customer_id"])
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"] + metrics)
        let ids = try database.rows("SELECT customer_id FROM customers").map { $0[0] }
        let job = SnapshotJob(
            path: database.path, metrics: metrics, groups: groups, index: CustomerIndex(ids), customers: ids.count,
            policy: badRows.policy)
        let parts = try schema.scanInRowidHalves(Contract.customerMonths.name, database: database, threshold: 1_000_000) {
            try job.read(rowids: $0, database: $1)
        }
        var result = parts[0].snapshots(ids: ids)
        result.groups = groups
        result.metrics = metrics
        var tally = parts[0].bad
        for part in parts.dropFirst() {
            tally.merge(part.bad)
            for g in groups.indices {
                for i in ids.indices where part.present[g][i] { result.present[g][i] = true }
                for m in metrics.indices {
                    for i in ids.indices where part.counts[m][g][i] > 0 {
                        result.sums[m][g][i] += part.sums[m][g][i]
                        result.counts[m][g][i] += part.counts[m][g][i]
                    }
                }
            }
        }
        try tally.report(to: badRows)
        return result
    }
}

/// Reads the groups' rows of one rowid range.
private struct SnapshotJob: Sendable {
    var path: String
    var metrics: [String]
    var groups: [[YearMonth]]
    var index: CustomerIndex
    var customers: Int
    var policy: BadRows.Policy

    struct Part: Sendable {
        var sums: [[[Double]]]
        var counts: [[[UInt8]]]
        var present: [[Bool]]
        var bad: BadRows.Tally

        func snapshots(ids: [SQLiteValue]) -> CustomerSnapshots {
            CustomerSnapshots(ids: ids, groups: [], metrics: [], sums: sums, counts: counts, present: present)
        }
    }

    func read(rowids: (Int64, Int64)?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        let months = Array(Set(groups.flatMap { $0 })).sorted()
        var groupsOf: [Int: [Int]] = [:]
        for (g, group) in groups.enumerated() { for month in group { groupsOf[month.index, default: []].append(g) } }
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
        let zeros = [Double](repeating: 0, count: customers), none = [UInt8](repeating: 0, count: customers)
        var part = Part(
            sums: [[[Double]]](repeating: [[Double]](repeating: zeros, count: groups.count), count: metrics.count),
            counts: [[[UInt8]]](repeating: [[UInt8]](repeating: none, count: groups.count), count: metrics.count),
            present: [[Bool]](repeating: [Bool](repeating: false, count: customers), count: groups.count), bad: BadRows.Tally(policy))
        while try statement.step() {
            guard let i = index.position(statement, 0), let month = statement.withUTF8(1, { YearMonth.parse($0) }),
                let inGroups = groupsOf[month.index]
            else { continue }
            for g in inGroups { part.present[g][i] = true }
            for (m, metric) in metrics.enumerated() {
                let column = 2 + m
                switch statement.storageClass(column) {
                case .integer, .real:
                    let value = statement.double(column)
                    for g in inGroups {
                        part.sums[m][g][i] += value
                        part.counts[m][g][i] &+= 1
                    }
                case .null: break
                default:
                    try part.bad.add(
                        DataError.contract(
                            table: "customer_months", column: metric, row: "customer_id=\(statement.value(0)), month='\(month)'",
                            message: "\(statement.value(column)) is not a number"),
                        summary: "not a number", treatment: "treated as missing")
                }
            }
        }
        return part
    }
}
