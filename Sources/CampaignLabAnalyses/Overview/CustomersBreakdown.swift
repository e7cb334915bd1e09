import CampaignLabData
import CampaignLabReport

/// Customers by a dimension and by AUM tier in one month.
///
/// Tiers are set on the month's average daily AUM (月日均), as banks do; the default
/// boundaries are ¥50,000, ¥500,000 and ¥6,000,000 (mass, affluent, wealth, private
/// banking), configurable with `tiers`.
public enum CustomersBreakdown: Analysis {
    public static let name = "overview.customers"
    public static let summary = "Customers by a dimension and by AUM tier in one month, with the AUM each group holds."
    public struct Options: AnalysisOptionSet {
        /// A customers dimension (nil: the first).
        public var by: String?
        /// The customer_months column tiers are set on (nil: the balance metric, `MetricWords.balanceMetric`).
        public var metric: String?
        /// Ascending tier boundaries in CNY.
        public var tiers: [Double] = CustomersBreakdown.standardTiers
        /// The month (nil: the latest month with data).
        public var month: YearMonth?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("by", "a customers dimension (column)", default: "the first dimension"),
            AnalysisOption("metric", "the customer_months column tiers are set on", default: "aum, else the first money metric"),
            AnalysisOption("tiers", "ascending tier boundaries in CNY, comma-separated", default: "50000, 500000, 6000000"),
            AnalysisOption("month", "the month YYYY-MM", default: "the latest month"),
        ]
        public init(by: String? = nil, metric: String? = nil, tiers: [Double] = CustomersBreakdown.standardTiers, month: YearMonth? = nil) {
            self.by = by
            self.metric = metric
            self.tiers = tiers
            self.month = month
        }
        public init(_ values: OptionValues) throws {
            by = values.optionalString("by")
            metric = values.optionalString("metric")
            tiers = try values.ascendingNumbers("tiers") ?? CustomersBreakdown.standardTiers
            month = try values.month("month")
        }
        public func validate() throws {
            guard !tiers.isEmpty, tiers.allSatisfy(\.isFinite), zip(tiers, tiers.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw AnalysisError(option: "tiers", "expected ascending numbers separated by commas")
            }
        }
        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let by { list.append(("by", by)) }
            if let metric { list.append(("metric", metric)) }
            list.append(("tiers", tiers.map { $0.rounded() == $0 ? String(Int($0)) : String($0) }.joined(separator: ",")))
            if let month { list.append(("month", month.description)) }
            return list
        }
    }

    /// ¥50,000, ¥500,000 and ¥6,000,000: mass, affluent, wealth, private banking.
    public static let standardTiers: [Double] = [50_000, 500_000, 6_000_000]

    /// Customers per (dimension value, tier) and AUM per tier: slot `tiers.count + 1` holds
    /// customers without a snapshot in the month.
    struct TierCounts {
        var values: [SQLiteValue] = []
        var counts: [SQLiteValue: [Double]] = [:]
        var tierTotals: [Double]
        var tierAmounts: [Double]
    }

    /// - Parameter money: the metric is in CNY (¥ in the names); else the bare numbers.
    static func tierNames(_ bounds: [Double], _ context: AnalysisContext, money: Bool = true) -> [String] {
        if bounds == standardTiers && money {
            return context.language == .zh
                ? ["大众客户（<5万）", "富裕客户（5万–50万）", "财富客户（50万–600万）", "私行客户（≥600万）"]
                : ["Mass (< ¥50k)", "Affluent (¥50k–500k)", "Wealth (¥500k–6M)", "Private (≥ ¥6M)"]
        }
        var names: [String] = []
        for (i, bound) in bounds.enumerated() {
            let low = i == 0 ? nil : bounds[i - 1]
            names.append(
                low.map { "\(compactYuan($0, money: money))–\(compactYuan(bound, money: money))" }
                    ?? "< \(compactYuan(bound, money: money))")
        }
        names.append("≥ \(compactYuan(bounds.last!, money: money))")
        return names.enumerated().map { "T\($0.offset + 1) \($0.element)" }
    }

    static func compactYuan(_ v: Double, money: Bool = true) -> String {
        let sign = money ? "¥" : ""
        if v >= 1e6, (v / 1e6).rounded() == v / 1e6 { return "\(sign)\(Int(v / 1e6))M" }
        if v >= 1e3, (v / 1e3).rounded() == v / 1e3 { return "\(sign)\(Int(v / 1e3))k" }
        return "\(sign)\(v.rounded() == v ? String(Int(v)) : String(v))"
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let schema = context.schema
        try schema.require(Contract.customers, columns: ["customer_id"])
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"])
        guard let dimension = options.by ?? schema.dimensions.first else {
            throw AnalysisError(option: "by", "the customers table has no dimension columns (only customer_id and opened_on)")
        }
        guard schema.dimensions.contains(dimension) else {
            throw AnalysisError(
                option: "by", "'\(dimension)' is not a dimension of customers (dimensions: \(schema.dimensions.joined(separator: ", ")))")
        }
        let metric = try options.metric ?? MetricWords.balanceMetric(context.schema)
        try requireMetric(metric, option: "metric", in: schema)
        let bounds = options.tiers
        let month = try options.month?.description ?? latestMonth(context)
        let tiers = try readTiers(dimension: dimension, metric: metric, bounds: bounds, month: month, context)
        return tables(tiers, dimension: dimension, metric: metric, bounds: bounds, month: month, context)
    }

    static func readTiers(
        dimension: String, metric: String, bounds: [Double], month: String,
        _ context: AnalysisContext
    ) throws -> TierCounts {
        // A value that is not a number (a finding of the data checks) has no tier, like NULL:
        // SQLite sorts text above every number, which would put it in the top tier. (An engine's
        // column has a numeric type.)
        let sql = context.engine.dialect
        let x = "m.\(quoteIdentifier(metric))"
        var tierCase = sql == .sqlite ? "CASE WHEN typeof(\(x)) NOT IN ('integer', 'real') THEN NULL" : "CASE WHEN \(x) IS NULL THEN NULL"
        for (i, bound) in bounds.enumerated() { tierCase += " WHEN \(x) < \(bound) THEN \(i)" }
        tierCase += " ELSE \(bounds.count) END"
        context.progress("customers by \(dimension) and tier in \(month)")
        // SQLite's order on every engine: NULL first, then numbers, texts by their bytes.
        let isText = context.schema.table(Contract.customers.name)?.column(named: dimension)?.affinity == "TEXT"
        let value = "c.\(quoteIdentifier(dimension))"
        if sql != .sqlite { try context.schema.requireOneIDType([Contract.customerMonths], reference: Contract.customers) }
        let rows = try context.engine.allRows(
            """
            SELECT value, tier, count(*), \(sql == .sqlite ? "total(x)" : sql.asDouble("sum(x)")) FROM (
              SELECT \(value) AS value, \(tierCase) AS tier, \(sql == .sqlite ? x : sql.asDouble(x)) AS x
              FROM customers c LEFT JOIN customer_months m ON m.customer_id = c.customer_id AND m.month = ?
            ) t
            GROUP BY value, tier
            ORDER BY \(sql.ascending("value", isText: isText)), \(sql.ascending("tier"))
            """, [.text(month)])

        // value → per tier counts (+ one "no snapshot" slot), AUM per tier.
        var tiers = TierCounts(
            tierTotals: [Double](repeating: 0, count: bounds.count + 2),
            tierAmounts: [Double](repeating: 0, count: bounds.count + 1))
        for row in rows {
            let value = row[0]
            if tiers.counts[value] == nil {
                tiers.values.append(value); tiers.counts[value] = [Double](repeating: 0, count: bounds.count + 2)
            }
            let slot = row[1].integerValue.map(Int.init) ?? bounds.count + 1
            let n = row[2].doubleValue ?? 0
            tiers.counts[value]![slot] += n
            tiers.tierTotals[slot] += n
            if slot <= bounds.count { tiers.tierAmounts[slot] += row[3].doubleValue ?? 0 }
        }
        guard tiers.tierTotals.reduce(0, +) > 0 else {
            throw AnalysisError("the customers table is empty")
        }
        return tiers
    }

    static func tables(
        _ tiers: TierCounts, dimension: String, metric: String, bounds: [Double], month: String,
        _ context: AnalysisContext
    ) -> [ReportBlock] {
        let names = tierNames(bounds, context)
        let values = tiers.values, counts = tiers.counts, tierTotals = tiers.tierTotals, tierAmounts = tiers.tierAmounts
        let total = tierTotals.reduce(0, +)
        let missingSnapshot = tierTotals[bounds.count + 1] > 0
        let slots = missingSnapshot ? Array(0...(bounds.count + 1)) : Array(0...bounds.count)
        let slotNames = names + [context.text("No snapshot in \(month)", "\(month) 无快照")]

        var columns = [ReportTable.Column(dimension)]
        columns += slots.map { ReportTable.Column(slotNames[$0], style: .count) }
        columns += [
            ReportTable.Column(context.text("Customers", "客户数"), style: .count),
            ReportTable.Column(context.text("Share", "占比"), style: .percent(digits: 1)),
        ]
        var tableRows: [[Cell]] = []
        for value in values {
            let c = counts[value]!
            let sum = c.reduce(0, +)
            tableRows.append(
                [.text(value.label(context))] + slots.map { .integer(Int64(c[$0])) } + [.integer(Int64(sum)), .number(sum / total)])
        }
        tableRows.append(
            [.text(context.text("All", "合计"))] + slots.map { .integer(Int64(tierTotals[$0])) } + [.integer(Int64(total)), .number(1)])
        let byDimension = ReportTable(
            caption: context.text(
                "Customers by \(dimension) and \(MetricWords.label(metric, context)) tier, \(month)",
                "按 \(dimension) 与\(MetricWords.label(metric, context))层级的客户数（\(month)）"),
            columns: columns, rows: tableRows)

        let amountTotal = tierAmounts.reduce(0, +)
        let withSnapshot = tierTotals[0...bounds.count].reduce(0, +)
        let tierTable = ReportTable(
            caption: context.text(
                "Tiers by \(MetricWords.label(metric, context)), \(month)", "按\(MetricWords.label(metric, context))分层（\(month)）"),
            columns: [
                ReportTable.Column(context.text("Tier", "层级")),
                ReportTable.Column(context.text("Customers", "客户数"), style: .count),
                ReportTable.Column(context.text("Share of customers", "客户占比"), style: .percent(digits: 1)),
                ReportTable.Column(
                    context.text("Total \(MetricWords.label(metric, context))", "\(MetricWords.label(metric, context))合计"), style: .currency
                ),
                ReportTable.Column(
                    context.text("Share of \(MetricWords.label(metric, context))", "\(MetricWords.label(metric, context))占比"),
                    style: .percent(digits: 1)),
            ],
            rows: (0...bounds.count).map { t in
                [
                    .text(names[t]), .integer(Int64(tierTotals[t])), .number(withSnapshot > 0 ? tierTotals[t] / withSnapshot : .nan),
                    .number(tierAmounts[t]), .number(amountTotal > 0 ? tierAmounts[t] / amountTotal : .nan),
                ]
            })

        let chart = Chart(
            id: "customers-by-\(slug(dimension))-and-tier",
            title: context.text("Customers by \(dimension) and tier", "按 \(dimension) 与层级的客户数"),
            subtitle: month,
            xAxis: Axis(label: dimension),
            yAxis: Axis(label: context.text("Customers", "客户数"), style: .count),
            kind: .bars(
                BarData(
                    categories: values.map { $0.label(context) },
                    series: (0...bounds.count).map { t in
                        BarData.Series(name: names[t], values: values.map { counts[$0]![t] })
                    })))
        return [.table(byDimension), .chart(chart), .table(tierTable)]
    }
}

/// Throws unless `metric` is a numeric column of customer_months.
func requireMetric(_ metric: String, option: String, in schema: ContractSchema) throws {
    guard schema.metrics.contains(metric) else {
        throw AnalysisError(
            option: option, "'\(metric)' is not a numeric column of customer_months (metrics: \(schema.metrics.joined(separator: ", ")))")
    }
}

/// The latest month in customer_months.
func latestMonth(_ context: AnalysisContext) throws -> String {
    // A scan of the whole table (no index leads with month): once per run.
    try context.memo("latest-month") {
        let sql = context.engine.dialect
        guard
            let month = try context.engine.allRows(
                "SELECT max(\(sql.byteOrder(sql.asText("month"), isText: true))) FROM customer_months"
            ).first?[0].textValue
        else {
            throw DataError.contract(table: Contract.customerMonths.name, column: "month", row: nil, message: "the table has no rows")
        }
        return month
    }
}

/// A file- and anchor-safe version of a name.
func slug(_ name: String) -> String {
    let mapped = name.lowercased().unicodeScalars.map { s -> Character in
        (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s))) ? Character(s) : "-"
    }
    return String(mapped).split(separator: "-").joined(separator: "-")
}
