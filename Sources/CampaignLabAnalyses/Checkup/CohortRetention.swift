import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// Cohort retention of the base: customers grouped by the month (or quarter) they opened or
/// were first active, and the share of each cohort active k periods later — "on" period k, or
/// "on or after" k (named: they answer different questions). Cells whose period is not over in
/// the data are left out, never shown as 0; the mean over cohorts is weighted by cohort size.
public enum CohortRetention: Analysis {
    public static let name = "checkup.retention"
    public static let summary =
        "Cohort retention: cohorts by month (or quarter) opened or first active, the share active k periods later, with intervals."

    public enum Cohort: String, Sendable, Hashable, CaseIterable {
        case opened
        case firstActivity = "first-activity"
    }
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Active in period k itself.
        case on
        /// Active in period k or any later one (unbounded retention).
        case onOrAfter = "on-or-after"
    }
    public enum Period: String, Sendable, Hashable, CaseIterable {
        case month, quarter
        var months: Int { self == .month ? 1 : 3 }
    }

    public struct Options: AnalysisOptionSet {
        public var cohort: Cohort
        /// nil: logins in customer_months (app_logins), else app_login events.
        public var activity: ActivityRule?
        public var period: Period
        public var mode: Mode
        /// Periods after the cohort's own shown (k = 0…periods).
        public var periods: Int
        /// The cohorts shown, first and last month (nil: every cohort the data cover).
        public var from: YearMonth?
        public var through: YearMonth?
        /// Two cohorts compared period by period, e.g. this year's and last year's (nil: the
        /// latest with three periods over against the same one a year earlier).
        public var compare: (YearMonth, YearMonth)?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("cohort", "opened (customers.opened_on) or first-activity", default: "opened"),
            AnalysisOption(
                "activity", "months:COLUMN>0 (a customer_months column) or events:NAME,NAME (customer-initiated events)",
                default: "months:app_logins>0, else events:app_login"),
            AnalysisOption("period", "month or quarter", default: "month"),
            AnalysisOption("mode", "on (active in period k) or on-or-after (in k or later)", default: "on"),
            AnalysisOption("periods", "periods after the cohort's own shown", default: "12 months or 8 quarters"),
            AnalysisOption("cohorts", "the cohorts shown, FROM..TO months (YYYY-MM..YYYY-MM)", default: "all the data cover"),
            AnalysisOption(
                "compare", "two cohorts compared period by period, A,B (YYYY-MM,YYYY-MM)",
                default: "the latest with three periods over against the one a year earlier"),
        ]

        public init(
            cohort: Cohort = .opened, activity: ActivityRule? = nil, period: Period = .month, mode: Mode = .on, periods: Int? = nil,
            from: YearMonth? = nil, through: YearMonth? = nil, compare: (YearMonth, YearMonth)? = nil
        ) {
            self.cohort = cohort
            self.activity = activity
            self.period = period
            self.mode = mode
            self.periods = periods ?? (period == .month ? 12 : 8)
            self.from = from
            self.through = through
            self.compare = compare
        }

        public init(_ values: OptionValues) throws {
            func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws -> T where T.RawValue == String {
                guard let text = values.optionalString(key) else { return fallback }
                guard let value = T(rawValue: text.lowercased()) else {
                    throw AnalysisError(
                        option: key, "expected \(T.allCases.map(\.rawValue).joined(separator: " or ")), found '\(text)'")
                }
                return value
            }
            cohort = try choice("cohort", Cohort.opened)
            period = try choice("period", Period.month)
            mode = try choice("mode", Mode.on)
            activity = try values.activityRule("activity")
            periods = try values.optionalInteger("periods") ?? (period == .month ? 12 : 8)
            if let text = values.optionalString("cohorts") {
                let parts = text.components(separatedBy: "..")
                guard parts.count == 2, let a = YearMonth(parts[0].trimmingCharacters(in: .whitespaces)),
                    let b = YearMonth(parts[1].trimmingCharacters(in: .whitespaces)), a <= b
                else {
                    throw AnalysisError(option: "cohorts", "expected FROM..TO months such as 2025-01..2026-06, found '\(text)'")
                }
                from = a
                through = b
            }
            if let text = values.optionalString("compare") {
                let parts = OptionValues.names(in: text).compactMap(YearMonth.init)
                guard parts.count == 2, parts[0] != parts[1] else {
                    throw AnalysisError(option: "compare", "expected two cohorts such as 2026-01,2025-01, found '\(text)'")
                }
                compare = (parts[0], parts[1])
            }
        }

        public func validate() throws {
            guard (1...120).contains(periods) else {
                throw AnalysisError(option: "periods", "expected a whole number from 1 to 120, found '\(periods)'")
            }
        }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = [("cohort", cohort.rawValue)]
            if let activity { list.append(("activity", activity.description)) }
            list += [("period", period.rawValue), ("mode", mode.rawValue), ("periods", String(periods))]
            if let from, let through { list.append(("cohorts", "\(from)..\(through)")) }
            if let compare { list.append(("compare", "\(compare.0),\(compare.1)")) }
            return list
        }

        public static func == (a: Options, b: Options) -> Bool { a.encoded().map(\.value) == b.encoded().map(\.value) }
        public func hash(into hasher: inout Hasher) { hasher.combine(encoded().map(\.value)) }
    }

    /// One cell of the retention table.
    public struct Cell: Sendable, Equatable {
        /// The cohort's first month, and periods after it.
        public var cohort: YearMonth
        public var period: Int
        public var size: Int
        /// Nil when the cell's period is not over in the data (not mature).
        public var retained: Int?
        public var interval: ConfidenceInterval?
        /// Nil when immature or the cohort has no customers (0/0 is not a rate).
        public var rate: Double? { size > 0 ? retained.map { Double($0) / Double(size) } : nil }
    }

    public struct Result: Sendable {
        public var options: Options
        public var rule: ActivityRule
        public var first: YearMonth
        public var lastComplete: YearMonth
        /// Cohorts (their first months), ascending, and their cells by period.
        public var cohorts: [YearMonth]
        public var cells: [[Cell]]
        /// The size-weighted mean per period over the mature cohorts: retained, customers, cohorts.
        public var mean: [(retained: Int, customers: Int, cohorts: Int, interval: ConfidenceInterval?)]
        /// Two cohorts compared per period (A − B), Holm across periods.
        public var comparison: (a: YearMonth, b: YearMonth, rows: [(period: Int, effect: EffectEstimate, pAdjusted: Double)])?
        /// Customers without a cohort in the range (opened outside it, never active, …).
        public var leftOutLeftCensored: YearMonth?
        public var unknownCustomers: Int
    }

    /// The default activity: logins in customer_months, else app_login events.
    static func defaultRule(_ context: AnalysisContext) throws -> ActivityRule {
        if context.schema.metrics.contains("app_logins") { return .months(column: "app_logins") }
        if context.schema.table(Contract.events.name) != nil,
            try CampaignEvents.presentEvents(["app_login"], database: context.engine).contains("app_login")
        {
            return .events(["app_login"])
        }
        throw AnalysisError(
            option: "activity",
            "no default: customer_months has no app_logins and events no app_login; say what activity is, e.g. months:logins>0 or events:login,transfer (metrics: \(context.schema.metrics.joined(separator: ", ")))"
        )
    }

    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        .activity(try options.activity ?? defaultRule(context))
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> Result {
        try shared(context, options) { try computeOnce(context, options) }
    }

    static func computeOnce(_ context: AnalysisContext, _ options: Options) throws -> Result {
        let rule = try options.activity ?? defaultRule(context)
        let activity = try context.customerActivity(rule)
        let unit = options.period.months
        func periodOf(_ month: YearMonth) -> Int { Int((Double(month.index) / Double(unit)).rounded(.down)) }
        func firstMonth(ofPeriod p: Int) -> YearMonth { YearMonth(index: p * unit) }
        // Periods whose every month is in the data (the first and the last may be partial quarters).
        let firstPeriod = periodOf(activity.first) + (activity.first.index % unit == 0 ? 0 : 1)
        let lastPeriod = periodOf(activity.lastComplete) - ((activity.lastComplete.index + 1) % unit == 0 ? 0 : 1)
        guard firstPeriod <= lastPeriod else {
            throw AnalysisError(
                option: "period",
                "the data cover \(activity.first)…\(activity.lastComplete), not one whole \(options.period.rawValue); use month periods or more data"
            )
        }
        // Each customer's cohort period.
        var cohortOf = [Int?](repeating: nil, count: activity.count)
        for i in 0..<activity.count {
            switch options.cohort {
            case .opened: cohortOf[i] = activity.opened[i].map(periodOf)
            case .firstActivity: cohortOf[i] = activity.firstActive(customer: i).map(periodOf)
            }
        }
        // First activity in the data's first period may have come earlier: not a cohort.
        let lowest = options.cohort == .firstActivity ? firstPeriod + 1 : firstPeriod
        var low = lowest, high = lastPeriod
        if let from = options.from { low = max(low, periodOf(from)) }
        if let through = options.through { high = min(high, periodOf(through)) }
        guard low <= high else {
            throw AnalysisError(
                option: options.from == nil ? "cohort" : "cohorts",
                "no cohort to show: the \(activity.rule) data cover \(activity.first)…\(activity.lastComplete) (complete), \(options.cohort == .firstActivity ? "and first activity in the first \(options.period.rawValue) may have come earlier" : "")"
                    .trimmingCharacters(in: .whitespaces))
        }
        let cohortCount = high - low + 1, k = options.periods
        // Active per customer per period, from the month bits.
        func active(_ i: Int, _ p: Int) -> Bool {
            (0..<unit).contains { activity.isActive(customer: i, month: YearMonth(index: p * unit + $0)) }
        }
        var sizes = [Int](repeating: 0, count: cohortCount)
        var retained = [[Int]](repeating: [Int](repeating: 0, count: k + 1), count: cohortCount)
        for i in 0..<activity.count {
            guard let c = cohortOf[i], c >= low && c <= high else { continue }
            sizes[c - low] += 1
            var later = false
            // From the last period of the data back: "on or after" is whether any period from
            // here to the end of the data is active.
            let top = options.mode == .on ? min(c + k, lastPeriod) : lastPeriod
            for p in stride(from: top, through: c, by: -1) {
                let on = active(i, p)
                later = later || on
                if p - c <= k && (options.mode == .on ? on : later) { retained[c - low][p - c] += 1 }
            }
        }
        var cells: [[Cell]] = []
        var mean: [(retained: Int, customers: Int, cohorts: Int, interval: ConfidenceInterval?)] = []
        for j in 0...k {
            var r = 0, n = 0, count = 0
            for c in 0..<cohortCount where low + c + j <= lastPeriod && sizes[c] > 0 {
                r += retained[c][j]
                n += sizes[c]
                count += 1
            }
            mean.append((r, n, count, ProportionInterval.wilson(successes: Double(r), trials: Double(n))))
        }
        for c in 0..<cohortCount {
            cells.append(
                (0...k).map { j in
                    let mature = low + c + j <= lastPeriod
                    return Cell(
                        cohort: firstMonth(ofPeriod: low + c), period: j, size: sizes[c], retained: mature ? retained[c][j] : nil,
                        interval: mature ? ProportionInterval.wilson(successes: Double(retained[c][j]), trials: Double(sizes[c])) : nil)
                })
        }
        let cohorts = (low...high).map(firstMonth(ofPeriod:))
        // Two cohorts compared period by period.
        var comparison: (a: YearMonth, b: YearMonth, rows: [(period: Int, effect: EffectEstimate, pAdjusted: Double)])?
        var pair: (Int, Int)?
        if let (a, b) = options.compare {
            guard let ia = cohorts.firstIndex(of: firstMonth(ofPeriod: periodOf(a))),
                let ib = cohorts.firstIndex(of: firstMonth(ofPeriod: periodOf(b)))
            else {
                throw AnalysisError(
                    option: "compare", "\(a) and \(b) must both be cohorts shown (\(cohorts.first!)…\(cohorts.last!))")
            }
            pair = (ia, ib)
        } else if let ia = (0..<cohortCount).last(where: { low + $0 + 3 <= lastPeriod && sizes[$0] > 0 }),
            ia - 12 / unit >= 0, sizes[ia - 12 / unit] > 0
        {
            pair = (ia, ia - 12 / unit)
        }
        if let (ia, ib) = pair, sizes[ia] > 0, sizes[ib] > 0 {
            var rows: [(period: Int, effect: EffectEstimate)] = []
            for j in 0...k where cells[ia][j].retained != nil && cells[ib][j].retained != nil {
                rows.append(
                    (
                        j,
                        ProportionComparison.difference(
                            treatment: (Double(cells[ia][j].retained!), Double(sizes[ia])),
                            control: (Double(cells[ib][j].retained!), Double(sizes[ib])))
                    ))
            }
            let adjusted = MultipleTesting.holm(rows.map(\.effect.pValue))
            comparison = (cohorts[ia], cohorts[ib], zip(rows, adjusted).map { ($0.period, $0.effect, $1) })
        }
        return Result(
            options: options, rule: rule, first: activity.first, lastComplete: activity.lastComplete, cohorts: cohorts, cells: cells,
            mean: mean, comparison: comparison,
            leftOutLeftCensored: options.cohort == .firstActivity ? firstMonth(ofPeriod: firstPeriod) : nil,
            unknownCustomers: activity.unknownCustomers)
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        render(try compute(context, options), context)
    }
}
