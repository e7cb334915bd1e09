import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The AARRR funnel of the base: the customers acquired in the last quarters (opened_on), how
/// many activated, came back in a later month, brought revenue and referred someone, the
/// step conversions, and the time between the nodes by Kaplan–Meier (censored at the quarter's
/// end), by segment with a log-rank test — and each step's conversion within 90 days against
/// the customers acquired a year earlier. The walk is the campaign funnel's (`FunnelWalk`).
///
/// Rules (stated in the report):
/// - Entrants: customers whose `opened_on` is in the `quarters` quarters ending with `quarter`,
///   and not before any step's data begin (nobody could have converted unseen); entry at 00:00
///   of that day.
/// - A step is `months:COLUMN>0` (a month whose value is above zero, dated at its first day) or
///   `events:NAME,…` (any of the events, at its time). A step counts at its first occurrence
///   not before the previous step (a months step: in the previous step's month or later, dated
///   at the previous step when that is later); retention must come in a calendar month after
///   the activation's. Only occurrences before the cut-off (the end of `quarter`) count.
public enum BaseFunnel: Analysis {
    public static let name = "checkup.funnel"
    public static let summary =
        "The AARRR funnel of the base: acquisition → activation → retention → revenue → referral, step conversion, time between nodes (Kaplan–Meier) by segment with log-rank, against a year earlier."

    public enum Node: String, Sendable, CaseIterable {
        case acquisition, activation, retention, revenue, referral
    }

    /// A step's rule as given: the default, none (dropped), or a rule.
    public enum Choice: Sendable, Hashable {
        case standard
        case none
        case rule(ActivityRule)

        init(_ values: OptionValues, _ key: String) throws {
            guard let text = values.optionalString(key) else {
                self = .standard
                return
            }
            if text.trimmingCharacters(in: .whitespaces).lowercased() == "none" {
                self = .none
            } else {
                self = .rule(try values.activityRule(key)!)
            }
        }

        var encoded: String? {
            switch self {
            case .standard: return nil
            case .none: return "none"
            case .rule(let rule): return rule.description
            }
        }
    }

    public struct Options: AnalysisOptionSet {
        public var quarter: TierMigration.Quarter?
        public var quarters: Int
        public var activation: Choice
        public var retention: Choice
        public var revenue: Choice
        public var referral: Choice
        /// A customers dimension (nil: the first; "none": no segments).
        public var by: String?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("quarter", "the quarter whose end is the cut-off, e.g. 2026Q3", default: "the latest with data"),
            AnalysisOption("quarters", "quarters of new customers followed, ending with the quarter", default: "4"),
            AnalysisOption(
                "activation", "months:COLUMN>0 or events:NAME,NAME (or none)",
                default: "the activity rule: months:app_logins>0, else events:app_login"),
            AnalysisOption(
                "retention", "active again in a later month: a rule as for activation (or none)", default: "the activation rule"),
            AnalysisOption("revenue", "a rule as for activation (or none)", default: "events:purchase, when there are any"),
            AnalysisOption("referral", "a rule as for activation (or none)", default: "events:referral, when there are any"),
            AnalysisOption("by", "a customers dimension to compare times across, or none", default: "the first dimension"),
        ]

        public init(
            quarter: TierMigration.Quarter? = nil, quarters: Int = 4, activation: Choice = .standard, retention: Choice = .standard,
            revenue: Choice = .standard, referral: Choice = .standard, by: String? = nil
        ) {
            self.quarter = quarter
            self.quarters = quarters
            self.activation = activation
            self.retention = retention
            self.revenue = revenue
            self.referral = referral
            self.by = by
        }

        public init(_ values: OptionValues) throws {
            quarter = try values.quarter("quarter")
            quarters = try values.optionalInteger("quarters") ?? 4
            activation = try Choice(values, "activation")
            retention = try Choice(values, "retention")
            revenue = try Choice(values, "revenue")
            referral = try Choice(values, "referral")
            by = values.optionalString("by")
        }

        public func validate() throws {
            guard (1...20).contains(quarters) else {
                throw AnalysisError(option: "quarters", "expected a whole number of quarters from 1 to 20, found '\(quarters)'")
            }
            if [activation, retention, revenue, referral].allSatisfy({ $0 == .none }) {
                throw AnalysisError(option: "activation", "every step after acquisition is 'none': a funnel needs at least two steps")
            }
        }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let quarter { list.append(("quarter", quarter.description)) }
            list.append(("quarters", String(quarters)))
            for (name, choice) in [("activation", activation), ("retention", retention), ("revenue", revenue), ("referral", referral)] {
                if let text = choice.encoded { list.append((name, text)) }
            }
            if let by { list.append(("by", by)) }
            return list
        }
    }

    public struct Step: Sendable {
        public var node: Node
        /// Nil for acquisition (opened_on).
        public var rule: ActivityRule?
    }

    /// One transition between consecutive steps.
    public struct Transition: Sendable {
        public var from: Node
        public var to: Node
        public var atRisk: Int
        public var converted: Int
        public var curve: KaplanMeier?
        public var median: SurvivalTime?
        public var by30: SurvivalEstimate?
        public var by90: SurvivalEstimate?
        public var segments: [(level: String, customers: Int, converted: Int, median: SurvivalTime?)]
        public var logRank: LogRankTest?
        /// A year earlier's share converted within 90 days, and this year's minus it.
        public var by90YearEarlier: SurvivalEstimate?
        public var change: EffectEstimate?
    }

    /// The customers acquired in a run of quarters and their way through the steps.
    public struct Cohort: Sendable {
        public var quarter: TierMigration.Quarter
        /// First and last day of acquisition, after the data-start rule.
        public var from: CivilDate
        public var through: CivilDate
        /// The cut-off (seconds, reporting zone): the end of the quarter, or where the steps' data end before it.
        public var cutoff: Double
        public var reached: [Int]
        public var transitions: [Transition]
        /// From acquisition to the last step: the median days and the share there within 90
        /// days (where some customer was followed that long).
        public var overallMedian: SurvivalTime?
        public var overallBy90: SurvivalEstimate?
    }

    public struct Result: Sendable {
        public var steps: [Step]
        /// Default steps left out: the event table has none of their event.
        public var omitted: [(node: Node, event: String)]
        public var quarters: Int
        public var dimension: String?
        public var current: Cohort
        /// Nil when a year earlier has no entrants (or no data).
        public var yearEarlier: Cohort?
        /// Set when the entrants start later than the quarters asked for (a step's data begin later).
        public var clippedTo: CivilDate?
    }

    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        var omitted: [(node: Node, event: String)] = []
        var request = CustomerMonthsRequest()
        for step in try resolveSteps(options, context, omitted: &omitted) { request.formUnion(.activity(step.rule)) }
        return request
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> Result {
        try shared(context, options) { try computeOnce(context, options) }
    }

    static func computeOnce(_ context: AnalysisContext, _ options: Options) throws -> Result {
        let quarter = try TierMigration.Quarter.given(options.quarter, orLatestIn: context)
        var omitted: [(node: Node, event: String)] = []
        let steps = try resolveSteps(options, context, omitted: &omitted)
        let readsMonths = steps.contains { if case .months = $0.rule { return true } else { return false } }
        if options.quarter != nil, readsMonths, let latest = YearMonth(try latestMonth(context)),
            quarter.lastMonth.adding(months: -2) > latest
        {
            throw AnalysisError(option: "quarter", "customer_months ends in \(latest): \(quarter) is outside the data")
        }
        var dimension: String?
        if options.by?.lowercased() != "none", let name = options.by ?? context.schema.dimensions.first {
            guard context.schema.dimensions.contains(name) else {
                throw AnalysisError(
                    option: "by",
                    "'\(name)' is not a dimension of customers (dimensions: \(context.schema.dimensions.joined(separator: ", ")))")
            }
            dimension = name
        }
        let earlier = quarter.adding(-4)
        func window(_ q: TierMigration.Quarter) -> (from: CivilDate, through: CivilDate) {
            (q.adding(-(options.quarters - 1)).lastMonth.adding(months: -2).firstDay, q.lastMonth.lastDay)
        }
        let cutoff = quarter.lastMonth.lastDay.adding(days: 1)
        // Customers opened in either run of quarters: the entrants of both.
        context.progress("funnel of the base: reading the customers opened from \(window(earlier).from)")
        let entrants = try readEntrants(
            from: window(earlier).from, through: window(quarter).through, dimension: dimension, context)
        let occurrences = try StepOccurrences.read(
            steps, entrants: entrants, openedFrom: window(earlier).from, through: window(quarter).through, cutoff: cutoff, context)
        // Nobody enters before a step's data begin: they could have converted unseen. A year
        // earlier, the funnel stops before the first step whose data begin after its first entrant.
        let dataStart = occurrences.dataStart.compactMap { $0 }.max()
        func cohort(_ q: TierMigration.Quarter, clipping: Bool) throws -> Cohort? {
            let w = window(q)
            let from = clipping ? max(w.from, dataStart ?? w.from) : w.from
            let kept = clipping ? steps.count : occurrences.dataStart.prefix { $0.map { $0 <= w.from } ?? true }.count
            guard kept >= 2 else { return nil }
            let end = try occurrences.dataEnd(q, from: w.from, steps: Array(steps.prefix(kept)), context)
            // (Customers opened at or after an early cut-off have no time to be followed.)
            let members = entrants.opened.indices.filter {
                entrants.opened[$0] >= from && entrants.opened[$0] <= w.through && Double(entrants.opened[$0].daysSinceEpoch) * 86_400 < end
            }
            guard !members.isEmpty, from <= w.through else { return nil }
            let paths = FunnelWalk.walk(
                customers: members.count, steps: kept, laterMonth: steps.map { $0.node == .retention }, transitions: true,
                entry: { Double(entrants.opened[members[$0]].daysSinceEpoch) * 86_400 }, segment: { entrants.level[members[$0]] },
                windowEnd: { _ in end }, first: { occurrences.first(members[$0], $1, $2, before: end) })
            let transitions = paths.transitions.enumerated().map { k, times in
                let summary = times.summarized()
                // A share converted by day t only where some customer was followed that long
                // (beyond, the curve's last value would stand in for what nobody saw).
                let longest = times.durations.max() ?? 0
                func by(_ days: Double) -> SurvivalEstimate? { longest >= days ? summary.curve?.eventProbability(by: days) : nil }
                return Transition(
                    from: steps[k].node, to: steps[k + 1].node, atRisk: times.durations.count,
                    converted: times.converted.filter { $0 }.count,
                    curve: summary.curve, median: summary.curve?.median, by30: by(30), by90: by(90), segments: summary.segments,
                    logRank: summary.logRank)
            }
            let overall = paths.toGoal.summarized().curve
            return Cohort(
                quarter: q, from: from, through: w.through, cutoff: end, reached: paths.reached,
                transitions: transitions, overallMedian: overall?.median,
                overallBy90: (paths.toGoal.durations.max() ?? 0) >= 90 ? overall?.eventProbability(by: 90) : nil)
        }
        guard var current = try cohort(quarter, clipping: true) else {
            let w = window(quarter)
            throw AnalysisError(
                option: "quarter",
                "no customer opened between \(max(w.from, dataStart ?? w.from)) and \(w.through) (opened_on) to follow through the funnel"
                    + (dataStart.map { $0 > w.from ? " (the steps' data begin on \($0))" : "" } ?? ""))
        }
        let yearEarlier = try cohort(earlier, clipping: false)
        if let yearEarlier {
            for k in yearEarlier.transitions.indices {
                guard let now = current.transitions[k].by90, let before = yearEarlier.transitions[k].by90 else { continue }
                current.transitions[k].by90YearEarlier = before
                let se = (now.standardError * now.standardError + before.standardError * before.standardError).squareRoot()
                current.transitions[k].change = MeanComparison.tEstimate(
                    now.estimate - before.estimate, se: se, df: .infinity, level: 0.95,
                    method: "difference of Kaplan–Meier estimates, Greenwood standard errors, z test")
            }
        }
        let asked = window(quarter).from
        return Result(
            steps: steps, omitted: omitted, quarters: options.quarters, dimension: dimension, current: current, yearEarlier: yearEarlier,
            clippedTo: current.from > asked ? current.from : nil)
    }

    /// The steps from the options and the data: defaults resolved, 'none' and absent default events dropped.
    static func resolveSteps(_ options: Options, _ context: AnalysisContext, omitted: inout [(node: Node, event: String)]) throws -> [Step]
    {
        var steps = [Step(node: .acquisition, rule: nil)]
        var activityDefault: ActivityRule?
        /// The default activity rule, for the step `node` (named when there is none).
        func activity(for node: Node) throws -> ActivityRule {
            if let activityDefault { return activityDefault }
            let rule: ActivityRule
            do { rule = try CohortRetention.defaultRule(context) } catch let error as AnalysisError {
                throw AnalysisError(option: node.rawValue, error.message)
            }
            activityDefault = rule
            return rule
        }
        var activation: ActivityRule?
        switch options.activation {
        case .none: break
        case .rule(let rule): activation = rule
        case .standard: activation = try activity(for: .activation)
        }
        if let activation { steps.append(Step(node: .activation, rule: activation)) }
        switch options.retention {
        case .none: break
        case .rule(let rule): steps.append(Step(node: .retention, rule: rule))
        case .standard: steps.append(Step(node: .retention, rule: try activation ?? activity(for: .retention)))  // active again
        }
        for (node, choice, event) in [(Node.revenue, options.revenue, "purchase"), (.referral, options.referral, "referral")] {
            switch choice {
            case .none: break
            case .rule(let rule): steps.append(Step(node: node, rule: rule))
            case .standard:
                if context.schema.table(Contract.events.name) != nil,
                    try CampaignEvents.presentEvents([event], database: context.engine).contains(event)
                {
                    steps.append(Step(node: node, rule: .events([event])))
                } else {
                    omitted.append((node, event))
                }
            }
        }
        guard steps.count >= 2 else {
            throw AnalysisError(option: "activation", "no step after acquisition: name one, e.g. activation: months:logins>0")
        }
        for step in steps {
            switch step.rule {
            case .months(let column)?: try context.schema.require(Contract.customerMonths, columns: ["customer_id", "month", column])
            case .events(let names)?:
                try context.schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
                do { try CampaignEvents.requireEvents(names, database: context.engine) } catch let error
                    as CampaignReadError
                {
                    throw AnalysisError(option: step.node.rawValue, error.message)
                }
            case nil: break
            }
        }
        return steps
    }

    /// The customers opened from `from` through `through`: id, opening day, segment level.
    struct Entrants {
        /// Every customer's id (the bank's list, for where the steps' data begin).
        var all: [SQLiteValue] = []
        var ids: [SQLiteValue] = []
        var opened: [CivilDate] = []
        var level: [String] = []
    }

    static func readEntrants(from: CivilDate, through: CivilDate, dimension: String?, _ context: AnalysisContext) throws -> Entrants {
        try context.schema.require(Contract.customers, columns: ["customer_id", "opened_on"])
        var entrants = Entrants()
        let missing = context.text("(missing)", "（缺失）")
        func add(_ id: SQLiteValue, _ day: CivilDate, _ level: SQLiteValue) {
            entrants.ids.append(id)
            entrants.opened.append(day)
            entrants.level.append(dimension == nil || level == .null ? missing : level.textValue ?? level.description)
        }
        var tally = BadRows.Tally(context.badRows.policy)
        guard let database = context.engine as? SQLiteDatabase else {
            for entrant in try BaseFunnelSteps.entrants(
                openedFrom: from, through: through, dimension: dimension, schema: context.schema, database: context.engine, tally: &tally)
            {
                add(entrant.id, entrant.opened, entrant.level)
            }
            try tally.report(to: context.badRows)
            return entrants
        }
        let statement = try database.prepare(
            "SELECT customer_id, opened_on\(dimension.map { ", " + quoteIdentifier($0) } ?? "") FROM customers")
        while try statement.step() {
            entrants.all.append(statement.value(0))
            guard let day = statement.withUTF8(1, { CivilDate.parse($0) }) else {
                try CustomerActivity.countNotADate(customer: statement.value(0), opened: statement.value(1), into: &tally)
                continue
            }
            guard day >= from && day <= through else { continue }
            add(statement.value(0), day, dimension == nil ? .null : statement.value(2))
        }
        try tally.report(to: context.badRows)
        return entrants
    }

    /// Where each step's occurrences come from: a months column's bits, or the events' times.
    struct StepOccurrences {
        /// Per step: the activity (months steps) and the entrants' positions in it.
        var months: [CustomerActivity?]
        /// The entrants' positions in the activity (every rule lists the customers in one order).
        var monthPositions: [Int?]
        /// Per step: the indices of its event names in `events`.
        var eventNames: [[Int]]
        var events: FunnelWalk.EventTimes
        /// Per step, the first day of its data (nil for acquisition).
        var dataStart: [CivilDate?]
        /// On a remote engine, per entrant, per step after acquisition: the step's first
        /// occurrence as the engine walked it (`BaseFunnelSteps`), nil for a customer it did not list.
        var walked: [[Double?]?]?

        static func read(
            _ steps: [Step], entrants: Entrants, openedFrom: CivilDate, through: CivilDate, cutoff: CivilDate, _ context: AnalysisContext
        ) throws -> StepOccurrences {
            var names: [String] = []
            var eventNames = [[Int]](repeating: [], count: steps.count)
            var months = [CustomerActivity?](repeating: nil, count: steps.count)
            var monthPositions: [Int?] = []
            var dataStart = [CivilDate?](repeating: nil, count: steps.count)
            for (k, step) in steps.enumerated() {
                switch step.rule {
                case .events(let list)?:
                    for name in list {
                        if let i = names.firstIndex(of: name) {
                            eventNames[k].append(i)
                        } else {
                            eventNames[k].append(names.count)
                            names.append(name)
                        }
                    }
                case .months?, nil: break
                }
            }
            // The events first: the months come from the run's pass over customer_months, which
            // another block may be reading now (this scan overlaps it instead of waiting).
            var events = FunnelWalk.EventTimes(customers: entrants.ids.count)
            var walked: [[Double?]?]?
            if !(context.engine is SQLiteDatabase) {
                // The engine walks the steps where the data are (see `BaseFunnelSteps`).
                var tally = BadRows.Tally(context.badRows.policy)
                let found = try BaseFunnelSteps.walk(
                    steps.dropFirst().map { BaseFunnelSteps.Step(rule: $0.rule!, laterMonth: $0.node == .retention) },
                    openedFrom: openedFrom, through: through, cutoff: cutoff, schema: context.schema, database: context.engine,
                    tally: &tally, progress: context.progress)
                try tally.report(to: context.badRows)
                let index = CustomerIndex(found.ids)
                walked = entrants.ids.map { index.position(of: $0).map { found.times[$0] } }
                for (k, step) in steps.enumerated().dropFirst() {
                    guard case .events = step.rule else { continue }
                    guard let earliest = found.earliest[k - 1] else { throw noData(step, cutoff) }
                    dataStart[k] = CivilDate(daysSinceEpoch: Int((earliest / 86_400).rounded(.down)))
                }
            } else if !names.isEmpty {
                context.progress("funnel of the base: reading events \(names.joined(separator: ", "))")
                let read = try CampaignEvents.stepEvents(
                    Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) }), of: CustomerIndex(entrants.ids),
                    known: CustomerIndex(entrants.all),
                    until: cutoff, schema: context.schema, database: try context.sqlite("checkup.funnel"), badRows: context.badRows)
                for e in read.events { events.add(customer: e.customer, step: e.step, time: e.time) }
                events.sort()
                for (k, step) in steps.enumerated() {
                    guard case .events = step.rule else { continue }
                    guard let earliest = eventNames[k].compactMap({ read.earliest[$0] }).min() else { throw noData(step, cutoff) }
                    dataStart[k] = CivilDate(daysSinceEpoch: Int((earliest / 86_400).rounded(.down)))
                }
            }
            for (k, step) in steps.enumerated() {
                guard case .months = step.rule else { continue }
                let activity = try context.customerActivity(step.rule!)
                months[k] = activity
                if monthPositions.isEmpty { monthPositions = activity.positions(of: entrants.ids) }
                dataStart[k] = activity.first.firstDay
            }
            return StepOccurrences(
                months: months, monthPositions: monthPositions, eventNames: eventNames, events: events, dataStart: dataStart,
                walked: walked)
        }

        /// An events step without an event before the cut-off.
        static func noData(_ step: Step, _ cutoff: CivilDate) -> AnalysisError {
            AnalysisError(
                option: step.node.rawValue,
                "no \(step.rule!.description.dropFirst("events:".count)) events before \(cutoff): the \(step.node.rawValue) step has no data"
            )
        }

        /// The cut-off for quarter `q`: its end, or earlier where a step's data end before it —
        /// a months step's last month, the events' last day (any event: a rare step's last
        /// event is not where the data end).
        func dataEnd(_ q: TierMigration.Quarter, from: CivilDate, steps: [Step], _ context: AnalysisContext) throws -> Double {
            var end = Double(q.lastMonth.lastDay.adding(days: 1).daysSinceEpoch) * 86_400
            if let last = months.prefix(steps.count).compactMap({ $0?.last }).min() {
                end = min(end, Double(last.adding(months: 1).firstDay.daysSinceEpoch) * 86_400)
            }
            if steps.contains(where: { if case .events = $0.rule { return true } else { return false } }),
                let events = try CampaignEvents.dataEnd(
                    from: from, through: q.lastMonth.lastDay, schema: context.schema, engine: context.engine)
            {
                end = min(end, events)
            }
            return end
        }

        /// Entrant i's first occurrence of step k not before `notBefore` (a months step: in its month or later), before `end`.
        func first(_ i: Int, _ k: Int, _ notBefore: Double, before end: Double) -> Double? {
            if let walked {
                // The engine's step k is already the first not before step k − 1 (as `notBefore` says).
                guard let time = walked[i]?[k - 1] else { return nil }
                return time < end ? time : nil
            }
            if let activity = months[k] {
                guard let p = monthPositions[i] else { return nil }
                var month = max(FunnelWalk.month(of: notBefore), activity.first)
                let last = min(activity.last, FunnelWalk.month(of: end.nextDown))
                while month <= last {
                    if activity.isActive(customer: p, month: month) {
                        let time = Double(month.firstDay.daysSinceEpoch) * 86_400
                        return time < end ? time : nil
                    }
                    month = month.adding(months: 1)
                }
                return nil
            }
            var best: Double?
            for name in eventNames[k] {
                if let t = events.first(i, name, notBefore), t < end, best.map({ t < $0 }) ?? true { best = t }
            }
            return best
        }
    }
}
