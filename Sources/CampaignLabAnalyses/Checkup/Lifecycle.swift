import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The lifecycle of the base month by month: who is active (MAU) and how they got there — new,
/// retained from last month, returning after a short gap, resurrected after being dormant —
/// and who went dormant (N months without activity). With MAU's change on the quarter and the
/// year, and the rates that move it: retention, reactivation of the dormant, new dormancy.
public enum Lifecycle: Analysis {
    public static let name = "checkup.lifecycle"
    public static let summary =
        "Lifecycle of the base per month: MAU and its flows (new, retained, returning, resurrected, newly dormant) with rates and QoQ/YoY change."

    public enum State: String, Sendable, CaseIterable {
        case mau, new, retained, returning, resurrected
        case newlyDormant = "newly_dormant"
        case dormant
    }

    public struct Options: AnalysisOptionSet {
        /// nil: as cohort retention's default (logins in customer_months, else app_login events).
        public var activity: ActivityRule?
        /// Months without activity after which a customer is dormant.
        public var dormantMonths: Int
        /// A balance (of the balance metric, aum by default) at or above which an inactive
        /// customer is not dormant (nil: activity alone decides).
        public var dormantBalance: Double?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption(
                "activity", "months:COLUMN>0 (a customer_months column) or events:NAME,NAME (customer-initiated events)",
                default: "months:app_logins>0, else events:app_login"),
            AnalysisOption("dormant_months", "months without activity after which a customer is dormant", default: "6"),
            AnalysisOption(
                "dormant_balance", "a balance (aum) at or above which an inactive customer is not dormant", default: "none: activity alone"),
        ]

        public init(activity: ActivityRule? = nil, dormantMonths: Int = 6, dormantBalance: Double? = nil) {
            self.activity = activity
            self.dormantMonths = dormantMonths
            self.dormantBalance = dormantBalance
        }

        public init(_ values: OptionValues) throws {
            activity = try values.activityRule("activity")
            dormantMonths = try values.optionalInteger("dormant_months") ?? 6
            dormantBalance = try values.optionalNumber("dormant_balance")
        }

        public func validate() throws {
            guard (1...36).contains(dormantMonths) else {
                throw AnalysisError(option: "dormant_months", "expected a whole number of months from 1 to 36, found '\(dormantMonths)'")
            }
            if let dormantBalance, !(dormantBalance > 0) {
                throw AnalysisError(option: "dormant_balance", "expected a balance above 0, found '\(formatPlain(dormantBalance))'")
            }
        }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let activity { list.append(("activity", activity.description)) }
            list.append(("dormant_months", String(dormantMonths)))
            if let dormantBalance { list.append(("dormant_balance", formatPlain(dormantBalance))) }
            return list
        }
    }

    /// One month: customers per state, and the rates that move them.
    public struct Month: Sendable {
        public var month: YearMonth
        public var counts: [State: Int]
        /// retained / MAU last month, resurrected / dormant last month, newly dormant / MAU N months ago.
        public var rates: [State: (rate: Double, interval: ConfidenceInterval)]
        /// The rates' denominators (MAU last month, dormant last month, MAU N months ago).
        public var denominators: [State: Int]
        public var changeQoQ: Double?
        public var changeYoY: Double?
    }

    public struct Result: Sendable {
        public var rule: ActivityRule
        public var dormantMonths: Int
        public var dormantBalance: Double?
        public var first: YearMonth
        public var lastComplete: YearMonth
        /// The months that can be classified (N months of history), ascending.
        public var months: [Month]
    }

    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        var request = CustomerMonthsRequest.activity(try options.activity ?? CohortRetention.defaultRule(context))
        if let b = options.dormantBalance { request.atLeast.insert(.init(try MetricWords.balanceMetric(context.schema), b)) }
        return request
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> Result {
        try shared(context, options) { try computeOnce(context, options) }
    }

    static func computeOnce(_ context: AnalysisContext, _ options: Options) throws -> Result {
        let rule = try options.activity ?? CohortRetention.defaultRule(context)
        let activity = try context.customerActivity(rule)
        let n = options.dormantMonths
        let count = activity.lastComplete.index - activity.first.index + 1
        guard count > n else {
            throw AnalysisError(
                option: "dormant_months",
                "the data cover \(count) complete month\(count == 1 ? "" : "s") (\(activity.first)…\(activity.lastComplete)); classifying a month needs the \(n) before it — use fewer dormant months or more data"
            )
        }
        // With a balance threshold, an inactive customer holding at least it is not dormant.
        let balance = try options.dormantBalance.map { try context.monthsAtLeast(MetricWords.balanceMetric(context.schema), $0) }
        // Each customer's position in the balance months (the same list when both read customers alike).
        let balancePosition: [Int?] =
            balance.map { $0.ids == activity.ids ? activity.ids.indices.map { $0 } : $0.positions(of: activity.ids) } ?? []
        func holdsBalance(_ i: Int, _ month: YearMonth) -> Bool {
            guard let balance, let j = balancePosition[i] else { return false }
            return balance.isActive(customer: j, month: month)
        }
        var mau = [Int](repeating: 0, count: count), new = mau, retained = mau, returning = mau, resurrected = mau
        var newlyDormant = mau, dormant = mau
        for i in 0..<activity.count {
            var lastActive = Int.min, wasDormant = false
            for j in 0..<count {
                let month = YearMonth(index: activity.first.index + j)
                if activity.isActive(customer: i, month: month) {
                    mau[j] += 1
                    if lastActive == Int.min {
                        new[j] += 1
                    } else if lastActive == j - 1 {
                        retained[j] += 1
                    } else if wasDormant {
                        resurrected[j] += 1
                    } else {
                        returning[j] += 1
                    }
                    lastActive = j
                    wasDormant = false
                } else if lastActive != Int.min && lastActive <= j - n
                    && !holdsBalance(i, month)
                {
                    dormant[j] += 1
                    if !wasDormant { newlyDormant[j] += 1 }
                    wasDormant = true
                } else {
                    wasDormant = false
                }
            }
        }
        func wilson(_ x: Int, _ total: Int) -> (rate: Double, interval: ConfidenceInterval)? {
            // (With a balance threshold a long-inactive customer becomes newly dormant when the
            // balance falls: more than MAU N months ago is possible, and no rate is shown then.)
            guard total > 0, x <= total, let interval = ProportionInterval.wilson(successes: Double(x), trials: Double(total)) else {
                return nil
            }
            return (Double(x) / Double(total), interval)
        }
        var months: [Month] = []
        for j in n..<count {
            var rates: [State: (rate: Double, interval: ConfidenceInterval)] = [:]
            rates[.retained] = wilson(retained[j], mau[j - 1])
            rates[.resurrected] = wilson(resurrected[j], dormant[j - 1])
            rates[.newlyDormant] = wilson(newlyDormant[j], mau[j - n])
            func change(_ back: Int) -> Double? { j - back >= 0 && mau[j - back] > 0 ? Double(mau[j]) / Double(mau[j - back]) - 1 : nil }
            months.append(
                Month(
                    month: YearMonth(index: activity.first.index + j),
                    counts: [
                        .mau: mau[j], .new: new[j], .retained: retained[j], .returning: returning[j], .resurrected: resurrected[j],
                        .newlyDormant: newlyDormant[j], .dormant: dormant[j],
                    ],
                    rates: rates, denominators: [.retained: mau[j - 1], .resurrected: dormant[j - 1], .newlyDormant: mau[j - n]],
                    changeQoQ: change(3), changeYoY: change(12)))
        }
        return Result(
            rule: rule, dormantMonths: n, dormantBalance: options.dormantBalance, first: activity.first,
            lastComplete: activity.lastComplete, months: months)
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        render(try compute(context, options), context)
    }

    static func render(_ r: Result, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        let last = r.months.last!
        func stateName(_ s: State) -> String {
            switch s {
            case .mau: return t("Active (MAU)", "月活（MAU）")
            case .new: return t("New", "新增")
            case .retained: return t("Retained", "留存")
            case .returning: return t("Returning", "回流")
            case .resurrected: return t("Resurrected", "唤醒")
            case .newlyDormant: return t("Newly dormant", "新沉睡")
            case .dormant: return t("Dormant", "沉睡")
            }
        }
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "Active: \(r.rule). Dormant: no activity for \(r.dormantMonths) months\(r.dormantBalance.map { " and a balance under \(formatPlain($0))" } ?? ""). Each month's active customers are new (first activity), retained (active the month before), returning (after a gap of under \(r.dormantMonths) months) or resurrected (after being dormant). Months from \(r.months.first!.month) to \(r.lastComplete) (each needs the \(r.dormantMonths) before it); rates with 95% Wilson intervals.",
                        "活跃：\(r.rule)。沉睡：连续 \(r.dormantMonths) 个月无活跃\(r.dormantBalance.map { "且余额低于 \(formatPlain($0))" } ?? "")。每月的活跃客户分为新增（首次活跃）、留存（上月也活跃）、回流（间隔不足 \(r.dormantMonths) 个月）和唤醒（此前处于沉睡）。统计月份 \(r.months.first!.month) 至 \(r.lastComplete)（每月需要此前 \(r.dormantMonths) 个月的数据）；比率附 95% Wilson 区间。"
                    ))
            ]))
        var figures = [
            KeyFigure(
                label: t("MAU \(last.month)", "\(last.month) 月活"), value: Double(last.counts[.mau]!), style: .count,
                detail: [
                    last.changeQoQ.map { t("QoQ ", "环比（季）") + String(format: "%+.1f%%", $0 * 100) },
                    last.changeYoY.map { t("YoY ", "同比 ") + String(format: "%+.1f%%", $0 * 100) },
                ].compactMap { $0 }.joined(separator: t(", ", "，")))
        ]
        for (state, label) in [
            (State.retained, t("Retained from last month", "上月活跃的留存率")), (.resurrected, t("Dormant reactivated", "沉睡唤醒率")),
            (.newlyDormant, t("Went dormant", "转入沉睡率")),
        ] {
            if let rate = last.rates[state] {
                figures.append(
                    KeyFigure(
                        label: label, value: rate.rate, style: .percent(digits: 1), interval: rate.interval.lower...rate.interval.upper))
            }
        }
        blocks.append(.keyFigures(figures))
        let flows: [State] = [.new, .retained, .returning, .resurrected, .newlyDormant]
        blocks.append(
            .chart(
                Chart(
                    id: "lifecycle-flows", title: t("Active customers and their flows", "活跃客户及其流动"),
                    subtitle: t("customers per month", "每月客户数"), xAxis: Axis(label: t("Month", "月份")),
                    yAxis: Axis(label: t("Customers", "客户数"), style: .count),
                    kind: .lines(
                        LineData(
                            categories: r.months.map(\.month.description),
                            series: ([State.mau] + flows).map { s in
                                LineData.Series(name: stateName(s), values: r.months.map { Double($0.counts[s]!) })
                            })))))
        let shown = r.months.suffix(13)
        func rateCell(_ m: Month, _ s: State) -> Cell {
            m.rates[s].map { .interval(estimate: $0.rate, low: $0.interval.lower, high: $0.interval.upper, style: .percent(digits: 1)) }
                ?? .null
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t("The last \(shown.count) months", "最近 \(shown.count) 个月"),
                    columns: [
                        ReportTable.Column(t("Month", "月份")), ReportTable.Column(stateName(.mau), style: .count),
                        ReportTable.Column(t("YoY", "同比"), style: .percent(digits: 1)),
                        ReportTable.Column(stateName(.new), style: .count), ReportTable.Column(stateName(.resurrected), style: .count),
                        ReportTable.Column(stateName(.newlyDormant), style: .count),
                        ReportTable.Column(t("Retention", "留存率")), ReportTable.Column(t("Reactivation", "唤醒率")),
                        ReportTable.Column(t("Dormancy", "沉睡率")),
                    ],
                    rows: shown.map { m in
                        [
                            .text(m.month.description), .integer(Int64(m.counts[.mau]!)), m.changeYoY.map { .number($0) } ?? .null,
                            .integer(Int64(m.counts[.new]!)), .integer(Int64(m.counts[.resurrected]!)),
                            .integer(Int64(m.counts[.newlyDormant]!)), rateCell(m, .retained), rateCell(m, .resurrected),
                            rateCell(m, .newlyDormant),
                        ]
                    })))
        var records: [DataRecord] = []
        for m in r.months {
            for s in State.allCases {
                let rate = m.rates[s]
                records.append(
                    DataRecord([
                        "period": .text(m.month.description), "state": .text(s.rawValue), "customers": .number(Double(m.counts[s]!)),
                        "rate": .optional(rate?.rate), "low": .optional(rate?.interval.lower), "high": .optional(rate?.interval.upper),
                        "change_qoq": s == .mau ? .optional(m.changeQoQ) : .null, "change_yoy": s == .mau ? .optional(m.changeYoY) : .null,
                    ]))
            }
        }
        blocks.append(.records(name: "lifecycle", records))
        return blocks
    }
}
