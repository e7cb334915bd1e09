import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// How concentrated balances are in one month: the Lorenz curve, the Gini coefficient,
/// the shares held by the top and the bottom of the base, quantiles, and customers by
/// balance band.
public enum AUMDistribution: Analysis {
    public static let name = "overview.aum-distribution"
    public static let summary = "Concentration of a balance metric in one month: Lorenz curve, Gini, top and bottom shares, quantiles."
    public struct Options: AnalysisOptionSet {
        /// The customer_months column.
        public var metric: String?
        /// The month (nil: the latest month with data).
        public var month: YearMonth?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("metric", "the customer_months column", default: "aum, else the first money metric"),
            AnalysisOption("month", "the month YYYY-MM", default: "the latest month"),
        ]
        public init(metric: String? = nil, month: YearMonth? = nil) {
            self.metric = metric
            self.month = month
        }
        public init(_ values: OptionValues) throws {
            metric = values.optionalString("metric")
            month = try values.month("month")
        }
        public func encoded() -> [(name: String, value: String)] {
            (metric.map { [("metric", $0)] } ?? []) + (month.map { [("month", $0.description)] } ?? [])
        }
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let schema = context.schema
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"])
        let metric = try options.metric ?? MetricWords.balanceMetric(context.schema)
        try requireMetric(metric, option: "metric", in: schema)
        let month = try options.month?.description ?? latestMonth(context)
        // A word in the column is a finding of the overview (and of its data checks), not a stop.
        let leftOut = BadRows(.exclude)
        let values = try balances(of: metric, in: month, badRows: leftOut, context)
        context.progress("Lorenz curve of \(values.values.count) values")
        let lorenz = LorenzCurve(values: values.values)
        return LeftOutValues.note(leftOut.excluded, context)
            + concentration(values.values, lorenz, missing: values.missing, metric: metric, month: month, context)
            + bands(values.values, total: lorenz.totalAmount, metric: metric, month: month, context)
    }

    /// The non-NULL values of `metric` in `month` and the number of NULLs.
    /// - Throws: `DataError.contract` for a negative or infinite value, or a non-numeric one
    ///   unless `badRows` leaves it out (naming the row); `AnalysisError` when fewer than two
    ///   values are positive.
    static func balances(
        of metric: String, in month: String, badRows: BadRows = .refusing, _ context: AnalysisContext
    ) throws -> (values: [Double], missing: Int) {
        context.progress("reading \(metric) for \(month)")
        guard let database = context.engine as? SQLiteDatabase else { return try aggregateBalances(of: metric, in: month, context) }
        let statement = try database.prepare(
            "SELECT customer_id, \(quoteIdentifier(metric)) FROM customer_months WHERE month = ?")
        try statement.bind(month, at: 1)
        var values: [Double] = []
        var missing = 0
        var words = BadRows.Tally(badRows.policy)
        while try statement.step() {
            switch statement.storageClass(1) {
            case .null: missing += 1; continue
            case .integer, .real:
                let v = statement.double(1)
                guard v.isFinite, v >= 0 else {
                    throw DataError.contract(
                        table: Contract.customerMonths.name, column: metric,
                        row: "customer_id=\(statement.value(0)), month='\(month)'",
                        message:
                            "the value \(v) is \(v.isFinite ? "negative" : "not finite"); balances must be finite and ≥ 0 for a concentration analysis"
                    )
                }
                values.append(v)
            default:
                try words.add(
                    DataError.contract(
                        table: Contract.customerMonths.name, column: metric,
                        row: "customer_id=\(statement.value(0)), month='\(month)'",
                        message: "the value \(statement.value(1)) is not a number"), summary: "not a number", treatment: "left out")
            }
        }
        try words.report(to: badRows)
        try requirePositive(values, metric: metric, month: month)
        return (values, missing)
    }

    /// - Throws: `AnalysisError` when fewer than two values are positive.
    static func requirePositive(_ values: [Double], metric: String, month: String) throws {
        guard values.count >= 2, values.contains(where: { $0 > 0 }) else {
            throw AnalysisError(option: "month", "customer_months has fewer than two positive \(metric) values in \(month)")
        }
    }

    /// `balances` on a remote engine: the month's values grouped by value (the Lorenz curve and
    /// the quantiles need every value, so one row per distinct value comes back, in value order,
    /// with its count and a customer holding it for the message), expanded locally.
    static func aggregateBalances(
        of metric: String, in month: String, _ context: AnalysisContext
    ) throws -> (values: [Double], missing: Int) {
        let sql = context.engine.dialect
        var values: [Double] = []
        var missing = 0
        try context.engine.forEachRow(
            """
            SELECT v, count(*), min(\(sql.byteOrder(sql.asText("customer_id"), isText: true))) FROM (
              SELECT \(sql.asDouble(quoteIdentifier(metric))) AS v, customer_id FROM customer_months WHERE month = ?
            ) t GROUP BY v ORDER BY \(sql.ascending("v"))
            """, [.text(month)]
        ) { row in
            let count = Int(row.int64(1))
            guard row.storageClass(0) != .null else {
                missing += count
                return
            }
            let v = row.double(0)
            guard v.isFinite, v >= 0 else {
                throw DataError.contract(
                    table: Contract.customerMonths.name, column: metric, row: "customer_id=\(row.value(2)), month='\(month)'",
                    message:
                        "the value \(v) is \(v.isFinite ? "negative" : "not finite"); balances must be finite and ≥ 0 for a concentration analysis"
                )
            }
            values.append(contentsOf: repeatElement(v, count: count))
        }
        try requirePositive(values, metric: metric, month: month)
        return (values, missing)
    }

    /// Gini, top and bottom shares, the Lorenz curve and quantiles with intervals.
    static func concentration(
        _ values: [Double], _ lorenz: LorenzCurve, missing: Int, metric: String, month: String,
        _ context: AnalysisContext
    ) -> [ReportBlock] {
        let sorted = SortedSample(values)
        let gini = lorenz.gini()
        let total = lorenz.totalAmount

        var blocks: [ReportBlock] = []
        blocks.append(
            .keyFigures([
                KeyFigure(label: context.text("Gini coefficient", "基尼系数"), value: gini, style: .decimal(digits: 3)),
                KeyFigure(label: context.text("Held by the top 1%", "前 1% 客户持有"), value: lorenz.topShare(0.01), style: .percent(digits: 1)),
                KeyFigure(
                    label: context.text("Held by the top 10%", "前 10% 客户持有"), value: lorenz.topShare(0.10), style: .percent(digits: 1)),
                KeyFigure(
                    label: context.text("Held by the bottom 80%", "后 80% 客户持有"), value: lorenz.bottomShare(0.80), style: .percent(digits: 1)
                ),
                KeyFigure(label: context.text("Median", "中位数"), value: sorted.quantile(0.5), style: .currency),
                KeyFigure(label: context.text("Total", "合计"), value: total, style: .currency),
            ]))
        if missing > 0 {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .number(Double(missing), .count),
                        .text(
                            context.text(
                                " customers have no \(MetricWords.label(metric, context)) value (NULL) in \(month) and are left out.",
                                " 位客户在 \(month) 的\(MetricWords.label(metric, context))为空（NULL），未计入。")),
                    ]))
        }
        var grid = (0...100).map { Double($0) / 100 }
        grid.insert(contentsOf: (1...9).map { 0.99 + Double($0) / 1000 }, at: 100)
        let chart = Chart(
            id: "lorenz-\(slug(metric))-\(month)",
            title: context.text("Concentration of \(MetricWords.label(metric, context))", "\(MetricWords.label(metric, context))集中度"),
            subtitle: context.text("\(month), \(formatCount(values.count)) customers", "\(month)，\(formatCount(values.count)) 位客户"),
            xAxis: Axis(label: context.text("Share of customers (poorest first)", "客户占比（由低到高）"), style: .percent(digits: 0)),
            yAxis: Axis(
                label: context.text("Share of total \(MetricWords.label(metric, context))", "\(MetricWords.label(metric, context))累计占比"),
                style: .percent(digits: 0)),
            kind: .lorenz(LorenzData(points: lorenz.points(at: grid).map { ($0.population, $0.share) }, gini: gini)),
            note: context.text(
                "Gini coefficient by the population definition; the dashed diagonal is perfect equality.",
                "基尼系数采用总体定义；虚线对角线表示完全均等。"))
        blocks.append(.chart(chart))
        return blocks + shareTables(values, lorenz, sorted, metric: metric, context)
    }

    /// The shares held by the top and the bottom, and quantiles with distribution-free intervals.
    static func shareTables(
        _ values: [Double], _ lorenz: LorenzCurve, _ sorted: SortedSample, metric: String, _ context: AnalysisContext
    ) -> [ReportBlock] {
        let total = lorenz.totalAmount
        var blocks: [ReportBlock] = []

        let shares: [(String, String, Double)] = [
            ("Top 1%", "前 1%", lorenz.topShare(0.01)), ("Top 5%", "前 5%", lorenz.topShare(0.05)),
            ("Top 10%", "前 10%", lorenz.topShare(0.10)), ("Top 20%", "前 20%", lorenz.topShare(0.20)),
            ("Bottom 50%", "后 50%", lorenz.bottomShare(0.50)), ("Bottom 80%", "后 80%", lorenz.bottomShare(0.80)),
        ]
        blocks.append(
            .table(
                ReportTable(
                    caption: context.text(
                        "Share of total \(MetricWords.label(metric, context)) held", "持有的\(MetricWords.label(metric, context))占比"),
                    columns: [
                        ReportTable.Column(context.text("Customers", "客户")),
                        ReportTable.Column(
                            context.text("Share of \(MetricWords.label(metric, context))", "\(MetricWords.label(metric, context))占比"),
                            style: .percent(digits: 1)),
                    ],
                    rows: shares.map { [.text(context.text($0.0, $0.1)), .number($0.2)] })))

        let probabilities: [(String, Double)] = [
            ("P10", 0.1), ("P25", 0.25), (context.text("Median", "中位数"), 0.5),
            ("P75", 0.75), ("P90", 0.9), ("P99", 0.99),
        ]
        var quantileRows: [[Cell]] = probabilities.map { name, p in
            let q = sorted.quantileInterval(p)
            return [.text(name), .number(sorted.quantile(p)), .number(q.interval.lower), .number(q.interval.upper)]
        }
        quantileRows.append([.text(context.text("Mean", "均值")), .number(total / Double(values.count)), .null, .null])
        blocks.append(
            .table(
                ReportTable(
                    caption: context.text(
                        "Quantiles of \(MetricWords.label(metric, context)) (numpy 'linear'; 95% distribution-free interval)",
                        "\(MetricWords.label(metric, context))分位数（numpy 'linear' 定义；95% 非参数区间）"),
                    columns: [
                        ReportTable.Column(context.text("Statistic", "统计量")),
                        ReportTable.Column(context.text("Value", "数值"), style: .currency),
                        ReportTable.Column(context.text("95% CI low", "95% 区间下限"), style: .currency),
                        ReportTable.Column(context.text("95% CI high", "95% 区间上限"), style: .currency),
                    ],
                    rows: quantileRows)))
        return blocks
    }

    /// Customers and amounts by balance band (decades of CNY).
    static func bands(_ values: [Double], total: Double, metric: String, month: String, _ context: AnalysisContext) -> [ReportBlock] {
        let edges: [Double] = [0, 1_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 6_000_000]
        var bands = [Double](repeating: 0, count: edges.count)
        var bandAmounts = [Double](repeating: 0, count: edges.count)
        for v in values {
            var b = edges.count - 1
            while b > 0 && v < edges[b] { b -= 1 }
            bands[b] += 1
            bandAmounts[b] += v
        }
        let labels = edges.indices.map { i -> String in
            let low = CustomersBreakdown.compactYuan(edges[i])
            return i + 1 < edges.count ? "\(low)–\(CustomersBreakdown.compactYuan(edges[i + 1]))" : "≥ \(low)"
        }
        return [
            .chart(
                Chart(
                    id: "bands-\(slug(metric))-\(month)",
                    title: context.text(
                        "Customers and \(MetricWords.label(metric, context)) by balance band",
                        "各余额段的客户与\(MetricWords.label(metric, context))占比"),
                    subtitle: month,
                    xAxis: Axis(
                        label: context.text(
                            "\(MetricWords.label(metric, context)) band (CNY)", "\(MetricWords.label(metric, context))区间（元）")),
                    yAxis: Axis(label: context.text("Share", "占比"), style: .percent(digits: 0)),
                    kind: .bars(
                        BarData(
                            categories: labels,
                            series: [
                                BarData.Series(name: context.text("Customers", "客户"), values: bands.map { $0 / Double(values.count) }),
                                BarData.Series(name: metric, values: bandAmounts.map { $0 / total }),
                            ]))))
        ]
    }
}
