import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// Tiers at a quarter's end and how customers moved between them over the quarter: customers,
/// AUM and AUM share per tier on the monthly average daily balance (月日均) of the quarter's
/// last month, and the migration matrix from the previous quarter's end (rows: the starting
/// tier, or new; columns: the ending tier, or dormant, or closed) with row shares, the net
/// upgrade rate, and the same a year earlier.
public enum TierMigration: Analysis {
    public static let name = "checkup.tiers"
    public static let summary =
        "Tiers at a quarter's end and the quarter-over-quarter migration matrix with the net upgrade rate, against a year earlier."

    /// A calendar quarter.
    public struct Quarter: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var year: Int
        public var number: Int
        public init(year: Int, number: Int) {
            self.year = year
            self.number = number
        }
        /// "2026Q3", "2026-Q3", "2026 Q3".
        public init?(_ text: String) {
            let cleaned = text.uppercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: " ", with: "")
            let parts = cleaned.split(separator: "Q")
            guard parts.count == 2, let y = Int(parts[0]), let q = Int(parts[1]), (1...4).contains(q), (1900...2999).contains(y) else {
                return nil
            }
            year = y
            number = q
        }
        public init(containing month: YearMonth) {
            year = month.year
            number = (month.month - 1) / 3 + 1
        }
        public var lastMonth: YearMonth { YearMonth(year: year, month: number * 3)! }
        public func adding(_ quarters: Int) -> Quarter { Quarter(containing: lastMonth.adding(months: 3 * quarters)) }
        public var description: String { "\(year)Q\(number)" }
        public static func < (a: Quarter, b: Quarter) -> Bool { a.lastMonth < b.lastMonth }
    }

    public struct Options: AnalysisOptionSet {
        /// nil: the latest quarter whose last month has data.
        public var quarter: Quarter?
        /// The customer_months column tiers are set on (nil: the balance metric).
        public var metric: String?
        public var tiers: [Double] = CustomersBreakdown.standardTiers
        /// What activity is (dormancy), and after how many months without it a customer is dormant.
        public var activity: ActivityRule?
        public var dormantMonths = 6
        /// A balance (of the tier metric) at or above which an inactive customer is not dormant.
        public var dormantBalance: Double?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("quarter", "the quarter, e.g. 2026Q3", default: "the latest quarter with data at its end"),
            AnalysisOption("metric", "the customer_months column tiers are set on", default: "aum, else the first money metric"),
            AnalysisOption("tiers", "ascending tier boundaries in CNY, comma-separated", default: "50000, 500000, 6000000"),
            AnalysisOption(
                "activity", "what activity is, for the dormant column: months:COLUMN>0 or events:NAME,NAME",
                default: "months:app_logins>0, else events:app_login"),
            AnalysisOption("dormant_months", "months without activity after which a customer is dormant", default: "6"),
            AnalysisOption(
                "dormant_balance", "a balance at or above which an inactive customer is not dormant", default: "none: activity alone"),
        ]

        public init(
            quarter: Quarter? = nil, metric: String? = nil, tiers: [Double] = CustomersBreakdown.standardTiers,
            activity: ActivityRule? = nil, dormantMonths: Int = 6, dormantBalance: Double? = nil
        ) {
            self.quarter = quarter
            self.metric = metric
            self.tiers = tiers
            self.activity = activity
            self.dormantMonths = dormantMonths
            self.dormantBalance = dormantBalance
        }

        public init(_ values: OptionValues) throws {
            quarter = try values.quarter("quarter")
            metric = values.optionalString("metric")
            tiers = try values.ascendingNumbers("tiers") ?? CustomersBreakdown.standardTiers
            activity = try values.activityRule("activity")
            dormantMonths = try values.optionalInteger("dormant_months") ?? 6
            dormantBalance = try values.optionalNumber("dormant_balance")
        }

        public func validate() throws {
            guard !tiers.isEmpty, tiers.allSatisfy({ $0.isFinite && $0 > 0 }), zip(tiers, tiers.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw AnalysisError(
                    option: "tiers", "expected increasing positive boundaries separated by commas, e.g. 50000,500000,6000000")
            }
            try Lifecycle.Options(activity: activity, dormantMonths: dormantMonths, dormantBalance: dormantBalance).validate()
        }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let quarter { list.append(("quarter", quarter.description)) }
            if let metric { list.append(("metric", metric)) }
            list.append(("tiers", tiers.map(formatPlain).joined(separator: ",")))
            if let activity { list.append(("activity", activity.description)) }
            list.append(("dormant_months", String(dormantMonths)))
            if let dormantBalance { list.append(("dormant_balance", formatPlain(dormantBalance))) }
            return list
        }
    }

    /// One quarter's migration: counts[from][to], from = tiers then "new", to = tiers then
    /// "dormant", "closed".
    public struct Migration: Sendable {
        public var from: Quarter
        public var to: Quarter
        public var counts: [[Int]]
        /// Among customers with a tier at both ends: (moved up − moved down) / customers.
        public var netUpgrade: EffectEstimate?
        public var up: Int
        public var down: Int
        public var stayed: Int
        /// Customers without a snapshot at the end who have one later (left out: their ending tier is unknown).
        public var gaps: Int
    }

    public struct Result: Sendable {
        public var quarter: Quarter
        public var metric: String
        public var tiers: [Double]
        /// Per tier at the quarter's end: customers and the metric's total; then customers
        /// without a value.
        public var customers: [Int]
        public var amounts: [Double]
        public var withoutValue: Int
        /// The same at the end of the quarter a year earlier (nil: no rows then).
        public var yearEarlierCustomers: [Int]?
        public var yearEarlierAmounts: [Double]?
        public var migration: Migration
        public var yearEarlier: Migration?
        /// This year's net upgrade rate minus a year earlier's.
        public var change: EffectEstimate?
        /// Nil when there is no activity data to tell dormant customers (a note says so).
        public var rule: ActivityRule?
        public var dormantBalance: Double?
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> Result {
        try shared(context, options) { try computeOnce(context, options) }
    }

    /// The months read: the ends of the quarter before, the quarter, and the same a year
    /// earlier; then the twelve months after each end, to tell a gap from a closed account.
    static func snapshotGroups(_ quarter: Quarter) -> [[YearMonth]] {
        let months = [quarter.adding(-1).lastMonth, quarter.lastMonth, quarter.adding(-5).lastMonth, quarter.adding(-4).lastMonth]
        return months.map { [$0] } + [months[1], months[3]].map { end in (1...12).map { end.adding(months: $0) } }
    }

    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        let metric = try options.metric ?? MetricWords.balanceMetric(context.schema)
        var request = CustomerMonthsRequest(
            metrics: [metric], groups: snapshotGroups(try Quarter.given(options.quarter, orLatestIn: context)))
        request.formUnion(try .activity(context.activityRuleIfAny(options.activity)))
        return request
    }

    static func computeOnce(_ context: AnalysisContext, _ options: Options) throws -> Result {
        let metric = try options.metric ?? MetricWords.balanceMetric(context.schema)
        try requireMetric(metric, option: "metric", in: context.schema)
        let quarter = try Quarter.given(options.quarter, orLatestIn: context)
        context.progress(
            "reading \(metric) at the ends of \(quarter.adding(-1)), \(quarter), \(quarter.adding(-5)) and \(quarter.adding(-4))")
        let snapshots = try context.customerSnapshots(metrics: [metric], groups: snapshotGroups(quarter))
        guard snapshots.hasRows(group: 1) else {
            throw AnalysisError(
                option: "quarter",
                "customer_months has no \(metric) row in \(quarter.lastMonth), the end of \(quarter): the quarter is outside the data or not over"
            )
        }
        guard snapshots.hasRows(group: 0) else {
            throw AnalysisError(
                option: "quarter",
                "customer_months has no row in \(quarter.adding(-1).lastMonth), the end of the quarter before \(quarter): there is nothing to migrate from"
            )
        }
        // Dormancy from the activity data, when there are any.
        let rule = try context.activityRuleIfAny(options.activity)
        let activity = try rule.map(context.customerActivity)
        let bounds = options.tiers
        func tier(_ value: Double?) -> Int? {
            guard let value, !value.isNaN else { return nil }
            return bounds.firstIndex { value < $0 } ?? bounds.count
        }
        let tierCount = bounds.count + 1
        // Dormant at a month's end: no activity in the N months up to it. The activity's
        // customers are matched to the snapshots' by id, not by position.
        let activityPosition = activity?.positions(of: snapshots.ids) ?? []
        func dormant(_ i: Int, at month: YearMonth, balance: Double?) -> Bool {
            // With a balance threshold, holding at least it keeps an inactive customer out of dormancy.
            if let b = options.dormantBalance, let balance, balance >= b { return false }
            guard let a = activity, let j = activityPosition[i], month <= a.lastComplete,
                month.adding(months: -options.dormantMonths) >= a.first
            else { return false }
            for k in 0..<options.dormantMonths where a.isActive(customer: j, month: month.adding(months: -k)) { return false }
            return true
        }
        func migration(_ start: Int, _ end: Int, _ from: Quarter, _ to: Quarter) -> Migration? {
            var counts = [[Int]](repeating: [Int](repeating: 0, count: tierCount + 2), count: tierCount + 1)
            var up = 0, down = 0, stayed = 0, gaps = 0, any = false
            let afterEnd = end == 1 ? 4 : 5
            for i in snapshots.ids.indices {
                let a = tier(snapshots.value(group: start, customer: i)), hadRow = snapshots.present[start][i]
                let b = tier(snapshots.value(group: end, customer: i)), hasRow = snapshots.present[end][i]
                guard hadRow || hasRow else { continue }
                let row = hadRow ? a : tierCount
                guard let row else { continue }  // a NULL balance at the start: no tier to move from
                let column: Int?
                if !hasRow && snapshots.present[afterEnd][i] {
                    gaps += 1  // no snapshot at the end but one later: a gap, not a closed account
                    continue
                } else if !hasRow {
                    column = tierCount + 1  // closed: no snapshot at the end or in the year after
                } else if dormant(i, at: to.lastMonth, balance: snapshots.value(group: end, customer: i)) && hadRow {
                    column = tierCount  // dormant
                } else {
                    column = b
                }
                guard let column else { continue }
                counts[row][column] += 1
                any = true
                if row < tierCount && column < tierCount {
                    if column > row { up += 1 } else if column < row { down += 1 } else { stayed += 1 }
                }
            }
            guard any else { return nil }
            let n = Double(up + down + stayed)
            var net: EffectEstimate?
            if n > 1 {
                let pUp = Double(up) / n, pDown = Double(down) / n
                let se = ((pUp + pDown - (pUp - pDown) * (pUp - pDown)) / n).squareRoot()
                if se > 0 {
                    net = MeanComparison.tEstimate(
                        pUp - pDown, se: se, df: .infinity, level: 0.95,
                        method: "net upgrade rate (up − down)/n, multinomial variance, z interval")
                }
            }
            return Migration(from: from, to: to, counts: counts, netUpgrade: net, up: up, down: down, stayed: stayed, gaps: gaps)
        }
        guard let now = migration(0, 1, quarter.adding(-1), quarter) else {
            throw AnalysisError(option: "quarter", "no customer has a \(metric) row at the end of \(quarter.adding(-1)) or \(quarter)")
        }
        let before =
            snapshots.hasRows(group: 2) && snapshots.hasRows(group: 3)
            ? migration(2, 3, quarter.adding(-5), quarter.adding(-4)) : nil
        var change: EffectEstimate?
        if let a = now.netUpgrade, let b = before?.netUpgrade {
            change = MeanComparison.tEstimate(
                a.estimate - b.estimate, se: (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot(),
                df: .infinity, level: 0.95, method: "difference of net upgrade rates, z interval")
        }
        // Customers and the metric's total per tier at the end of a quarter (group 1: this one, 3: a year earlier).
        func tiers(_ group: Int) -> (customers: [Int], amounts: [Double], without: Int) {
            var customers = [Int](repeating: 0, count: tierCount), amounts = [Double](repeating: 0, count: tierCount)
            var without = 0
            for i in snapshots.ids.indices {
                guard let value = snapshots.value(group: group, customer: i) else { continue }
                guard let t = tier(value) else {
                    without += 1
                    continue
                }
                customers[t] += 1
                amounts[t] += value
            }
            return (customers, amounts, without)
        }
        let end = tiers(1), earlier = snapshots.hasRows(group: 3) ? tiers(3) : nil
        return Result(
            quarter: quarter, metric: metric, tiers: bounds, customers: end.customers, amounts: end.amounts, withoutValue: end.without,
            yearEarlierCustomers: earlier?.customers, yearEarlierAmounts: earlier?.amounts, migration: now, yearEarlier: before,
            change: change, rule: activity == nil ? nil : rule, dormantBalance: options.dormantBalance)
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        render(try compute(context, options), context)
    }
}
