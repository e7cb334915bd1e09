import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// Per-capita metrics month by month: customers with a snapshot, the mean of every
/// `customer_months` metric, and the share of monthly active customers.
public enum MonthlyKPIs: Analysis {
    public static let name = "overview.monthly-kpis"
    public static let summary = "Per-capita metrics by month (mean of each customer_months metric) and the monthly active share."
    public struct Options: AnalysisOptionSet {
        /// customer_months columns (nil: every metric).
        public var metrics: [String]?
        /// The metric whose value > 0 makes a customer monthly active (nil: app_logins when present).
        public var active: String?
        /// Show only the last N months (nil: all).
        public var months: Int?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("metrics", "customer_months columns, comma-separated", default: "every metric"),
            AnalysisOption("active", "the metric whose value > 0 makes a customer monthly active", default: "app_logins when present"),
            AnalysisOption("months", "show only the last N months", default: "all"),
        ]
        public init(metrics: [String]? = nil, active: String? = nil, months: Int? = nil) {
            self.metrics = metrics
            self.active = active
            self.months = months
        }
        public init(_ values: OptionValues) throws {
            metrics = values.list("metrics")
            active = values.optionalString("active")
            months = try values.optionalInteger("months")
        }
        public func validate() throws {
            if let months, !(1...1200).contains(months) {
                throw AnalysisError(option: "months", "expected a whole number from 1 to 1200, found '\(months)'")
            }
        }
        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let metrics { list.append(("metrics", metrics.joined(separator: ","))) }
            if let active { list.append(("active", active)) }
            if let months { list.append(("months", String(months))) }
            return list
        }
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let schema = context.schema
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"])
        let metrics = options.metrics ?? schema.metrics
        for metric in metrics { try requireMetric(metric, option: "metrics", in: schema) }
        guard !metrics.isEmpty else { throw AnalysisError(option: "metrics", "customer_months has no metric columns") }
        let active = options.active ?? (schema.metrics.contains("app_logins") ? "app_logins" : nil)
        if let active { try requireMetric(active, option: "active", in: schema) }
        // A word in a metric column is a finding of the overview (and of its data checks), not a stop.
        let leftOut = BadRows(.exclude)
        var rows = try monthlyRows(metrics: metrics, active: active, badRows: leftOut, context)
        if let lastN = options.months, rows.count > lastN { rows = Array(rows.suffix(lastN)) }
        let words = Dictionary(leftOut.excluded.compactMap { e in e.column.map { ($0, e.count) } }, uniquingKeysWith: +)
        return LeftOutValues.note(leftOut.excluded, context) + report(rows, metrics: metrics, active: active, words: words, context)
    }

    /// One row per month: [month, customers, (mean, non-null count) per metric, active share].
    /// A value that is not a number is refused, or left out and recorded in `badRows`.
    static func monthlyRows(
        metrics: [String], active: String?, badRows: BadRows = .refusing, _ context: AnalysisContext
    ) throws -> [[SQLiteValue]] {
        // One streaming pass in month order of arrival (customer_months is usually keyed by
        // customer): sums per month in Swift, instead of SQLite sorting every row by month.
        var scanColumns = metrics
        if let active, !metrics.contains(active) { scanColumns.append(active) }
        let activeColumn = active.flatMap { scanColumns.firstIndex(of: $0) }
        context.progress("monthly KPIs over customer_months (\(metrics.joined(separator: ", ")))")
        guard let database = context.engine as? SQLiteDatabase else {
            return try aggregateMonthlyRows(metrics: metrics, active: active, context)
        }
        let scan = try ChunkedScan(
            database: database, table: Contract.customerMonths.name,
            sql: "SELECT month, \(scanColumns.map(quoteIdentifier).joined(separator: ", ")) FROM customer_months",
            types: [.month] + scanColumns.map { _ in .double }, badRows: badRows)
        struct MonthTotals {
            var rows = 0
            var sums: [CompensatedSum]
            var counts: [Int]
            var active = 0
            init(_ k: Int) { sums = Array(repeating: CompensatedSum(), count: k); counts = Array(repeating: 0, count: k) }
        }
        var byMonth: [Int: MonthTotals] = [:]
        var scanned = 0
        while let chunk = try scan.next() {
            let months = chunk.integers(0)
            let values = scanColumns.indices.map { chunk.doubles($0 + 1) }
            for r in 0..<chunk.count {
                let month = Int(months[r])
                var totals = byMonth[month] ?? MonthTotals(scanColumns.count)
                totals.rows += 1
                for j in scanColumns.indices {
                    let v = values[j][r]
                    if v.isNaN { continue }
                    totals.sums[j].add(v)
                    totals.counts[j] += 1
                    if j == activeColumn && v > 0 { totals.active += 1 }
                }
                byMonth[month] = totals
            }
            scanned += chunk.count
            if scanned % (64 * 65_536) < chunk.count { context.progress("monthly KPIs: \(formatCount(scanned)) rows") }
        }
        // Rows as [month, count, (mean, non-null count) per metric, active share] like the SQL it replaces.
        let rows: [[SQLiteValue]] = byMonth.keys.sorted().map { month in
            let t = byMonth[month]!
            var row: [SQLiteValue] = [.text(YearMonth(index: month).description), .integer(Int64(t.rows))]
            for j in metrics.indices {
                row.append(t.counts[j] > 0 ? .real(t.sums[j].value / Double(t.counts[j])) : .null)
                row.append(.integer(Int64(t.counts[j])))
            }
            if let activeColumn {
                row.append(t.counts[activeColumn] > 0 ? .real(Double(t.active) / Double(t.counts[activeColumn])) : .null)
            }
            return row
        }
        guard !rows.isEmpty else {
            throw DataError.contract(table: Contract.customerMonths.name, column: nil, row: nil, message: "the table has no rows")
        }
        return rows
    }

    /// `monthlyRows` on a remote engine: one GROUP BY month (sums, counts of values and of
    /// active customers), the means computed locally.
    /// - Throws: `DataError.contract` naming a month that is not 'YYYY-MM' (refused, as on SQLite).
    static func aggregateMonthlyRows(metrics: [String], active: String?, _ context: AnalysisContext) throws -> [[SQLiteValue]] {
        let sql = context.engine.dialect
        var select = [sql.asText("month"), sql.asInteger("count(*)")]
        for metric in metrics {
            let x = sql.asDouble(quoteIdentifier(metric))
            select += [sql.asDouble("sum(\(x))"), sql.asInteger("count(\(x))")]
        }
        if let active {
            let x = sql.asDouble(quoteIdentifier(active))
            select += [sql.asInteger("count(CASE WHEN \(x) > 0 THEN 1 END)"), sql.asInteger("count(\(x))")]
        }
        var byMonth: [(month: YearMonth, row: [SQLiteValue])] = []
        for found in try context.engine.allRows("SELECT \(select.joined(separator: ", ")) FROM customer_months GROUP BY month") {
            guard let text = found[0].textValue, let month = YearMonth(text) else {
                throw DataError.contract(
                    table: Contract.customerMonths.name, column: "month", row: "month=\(found[0].shortDescription)",
                    message: "\(found[0].shortDescription) is not a month 'YYYY-MM'")
            }
            var row: [SQLiteValue] = [.text(month.description), found[1]]
            for j in metrics.indices {
                let count = found[3 + 2 * j].intValue ?? 0
                row += [count > 0 ? .real((found[2 + 2 * j].doubleValue ?? 0) / Double(count)) : .null, .integer(Int64(count))]
            }
            if active != nil {
                let activeCount = found[select.count - 2].intValue ?? 0, count = found[select.count - 1].intValue ?? 0
                row.append(count > 0 ? .real(Double(activeCount) / Double(count)) : .null)
            }
            byMonth.append((month, row))
        }
        guard !byMonth.isEmpty else {
            throw DataError.contract(table: Contract.customerMonths.name, column: nil, row: nil, message: "the table has no rows")
        }
        return byMonth.sorted { $0.month < $1.month }.map(\.row)
    }

    /// `words`: per metric, the values left out for not being numbers (counted apart from NULLs).
    static func report(
        _ rows: [[SQLiteValue]], metrics: [String], active: String?, words: [String: Int] = [:], _ context: AnalysisContext
    ) -> [ReportBlock] {
        let months = rows.map { $0[0].label(context) }

        var columns = [
            ReportTable.Column(context.text("Month", "月份")),
            ReportTable.Column(context.text("Customers", "客户数"), style: .count),
        ]
        for metric in metrics {
            let style = MetricWords.valueStyle(metric, context), label = MetricWords.label(metric, context)
            columns.append(ReportTable.Column(context.text("\(label) per customer", "人均\(label)"), style: style))
        }
        if let active {
            columns.append(
                ReportTable.Column(context.text("Monthly active (\(active) > 0)", "月活跃占比（\(active) > 0）"), style: .percent(digits: 1)))
        }
        var tableRows: [[Cell]] = []
        var nullCounts = metrics.map { -(words[$0] ?? 0) }
        for row in rows {
            let n = row[1].integerValue ?? 0
            var cells: [Cell] = [.text(row[0].label(context)), .integer(n)]
            for j in metrics.indices {
                cells.append(row[2 + 2 * j].doubleValue.map { .number($0) } ?? .null)
                nullCounts[j] += Int(n - (row[3 + 2 * j].integerValue ?? 0))
            }
            if active != nil { cells.append(row[2 + 2 * metrics.count].doubleValue.map { .number($0) } ?? .null) }
            tableRows.append(cells)
        }
        var blocks: [ReportBlock] = metrics.indices.filter { nullCounts[$0] > 0 }.map { j in
            .callout(
                .note,
                [
                    .text(context.text("\(MetricWords.label(metrics[j], context)): ", "\(MetricWords.label(metrics[j], context))：")),
                    .number(Double(nullCounts[j]), .count),
                    .text(context.text(" monthly rows are NULL and left out of the means.", " 条月度记录为空（NULL），未计入均值。")),
                ])
        }
        blocks += charts(rows, metrics: metrics, active: active, months: months, context)
        blocks.append(.table(ReportTable(caption: context.text("Monthly KPIs", "月度指标"), columns: columns, rows: tableRows)))
        return blocks
    }

    static func charts(
        _ rows: [[SQLiteValue]], metrics: [String], active: String?, months: [String],
        _ context: AnalysisContext
    ) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        for (j, metric) in metrics.enumerated() {
            let style = MetricWords.valueStyle(metric, context), label = MetricWords.label(metric, context)
            blocks.append(
                .chart(
                    Chart(
                        id: "monthly-\(slug(metric))",
                        title: context.text("\(label) per customer by month", "按月人均\(label)"),
                        xAxis: Axis(label: context.text("Month", "月份")),
                        yAxis: Axis(
                            label: style == .currency
                                ? context.text("\(label) per customer (CNY)", "人均\(label)（元）")
                                : context.text("\(label) per customer", "人均\(label)"), style: style),
                        kind: .lines(
                            LineData(
                                categories: months,
                                series: [
                                    LineData.Series(name: label, values: rows.map { $0[2 + 2 * j].doubleValue })
                                ])))))
        }
        if let active {
            blocks.append(
                .chart(
                    Chart(
                        id: "monthly-active",
                        title: context.text("Monthly active customers", "月活跃客户占比"),
                        subtitle: context.text("share with \(active) > 0", "\(active) > 0 的客户占比"),
                        xAxis: Axis(label: context.text("Month", "月份")),
                        yAxis: Axis(label: context.text("Share of customers", "客户占比"), style: .percent(digits: 0)),
                        kind: .lines(
                            LineData(
                                categories: months,
                                series: [
                                    LineData.Series(
                                        name: context.text("Monthly active", "月活跃"),
                                        values: rows.map { $0[2 + 2 * metrics.count].doubleValue })
                                ])))))
        }
        return blocks
    }
}
