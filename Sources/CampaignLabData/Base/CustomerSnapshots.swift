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
    public static func read<Engine: QueryEngine>(
        metrics: [String], groups: [[YearMonth]], schema: ContractSchema, database: Engine, badRows: BadRows = .refusing
    ) throws -> CustomerSnapshots {
        try CustomerMonthsPass.read(
            CustomerMonthsRequest(metrics: metrics, groups: groups), schema: schema, database: database, badRows: badRows
        )
        .snapshots(metrics: metrics, groups: groups)
    }
}
