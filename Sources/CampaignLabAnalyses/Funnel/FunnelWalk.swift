import CampaignLabData
import CampaignLabStats
import Foundation

/// The walk through an ordered funnel that the campaign funnel and the AARRR funnel of the base
/// share: each customer's entry, then each step at its first occurrence not before the previous
/// step (or, for a step that must come in a later month, not before the first day of the month
/// after it), within the customer's window. What a step's occurrences are — events at their
/// times, months at their first day — is the caller's: `first(i, k, notBefore)` answers with
/// the time of customer i's first occurrence of step k at or after `notBefore` (a months step
/// answers with the first month whose month is not before `notBefore`'s, at its first day: the
/// step is then dated at the previous step, when later).
enum FunnelWalk {
    /// Days from the previous step to each step (or to the end of the window, censored), per
    /// customer who reached the previous step, with the customer's segment.
    struct ConversionTimes: Sendable {
        var durations: [Double] = []
        var converted: [Bool] = []
        var segments: [String] = []

        mutating func append(_ days: Double, converted done: Bool, segment: String) {
            durations.append(max(0, days))
            converted.append(done)
            segments.append(segment)
        }

        /// Kaplan–Meier of the times, and per segment level (sorted) customers, conversions,
        /// median and the log-rank test across the levels (when there are two or more and some
        /// conversion).
        func summarized() -> Summary {
            guard !durations.isEmpty else { return Summary(curve: nil, segments: [], logRank: nil) }
            var summary = Summary(curve: KaplanMeier(durations: durations, eventObserved: converted), segments: [], logRank: nil)
            var members: [String: [Int]] = [:]
            for (i, level) in segments.enumerated() { members[level, default: []].append(i) }
            var tables: [SurvivalTable] = []
            for level in members.keys.sorted() {
                let d = members[level]!.map { durations[$0] }, c = members[level]!.map { converted[$0] }
                let converts = c.contains(true)
                summary.segments.append(
                    (level, d.count, c.filter { $0 }.count, converts ? KaplanMeier(durations: d, eventObserved: c).median : nil))
                tables.append(SurvivalTable(durations: d, eventObserved: c))
            }
            if tables.count > 1 && converted.contains(true) { summary.logRank = LogRankTest(groups: tables) }
            return summary
        }
    }

    struct Summary: Sendable {
        var curve: KaplanMeier?
        var segments: [(level: String, customers: Int, converted: Int, median: SurvivalTime?)]
        var logRank: LogRankTest?
    }

    struct Paths: Sendable {
        /// Customers reaching each step (step 0: those who entered).
        var reached: [Int]
        /// Entry to the last step.
        var toGoal = ConversionTimes()
        /// Step k − 1 to step k, at index k − 1 (when asked for).
        var transitions: [ConversionTimes]
    }

    /// Walks `customers` customers through `steps` steps.
    /// - Parameters:
    ///   - entry: customer i's entry time (seconds), nil when the customer does not enter.
    ///   - segment: customer i's segment level.
    ///   - laterMonth: per step, whether it must come in a calendar month after the previous step's.
    ///   - windowEnd: the end of the window of a customer who entered at the given time.
    ///   - first: see the type's description.
    static func walk(
        customers: Int, steps: Int, laterMonth: [Bool] = [], transitions: Bool = false,
        entry: (Int) -> Double?, segment: (Int) -> String, windowEnd: (Double) -> Double,
        first: (_ customer: Int, _ step: Int, _ notBefore: Double) -> Double?
    ) -> Paths {
        var paths = Paths(
            reached: [Int](repeating: 0, count: steps),
            transitions: transitions ? [ConversionTimes](repeating: ConversionTimes(), count: steps - 1) : [])
        for i in 0..<customers {
            guard let entered = entry(i) else { continue }
            let end = windowEnd(entered), level = segment(i)
            paths.reached[0] += 1
            var at = entered, next = 1
            while next < steps {
                let notBefore = laterMonth.count > next && laterMonth[next] ? startOfNextMonth(at) : at
                guard let time = first(i, next, notBefore), max(time, at) <= end else { break }
                if transitions { paths.transitions[next - 1].append((max(time, at) - at) / 86_400, converted: true, segment: level) }
                at = max(time, at)
                paths.reached[next] += 1
                next += 1
            }
            if transitions && next < steps { paths.transitions[next - 1].append((end - at) / 86_400, converted: false, segment: level) }
            let done = next == steps
            paths.toGoal.append(((done ? at : end) - entered) / 86_400, converted: done, segment: level)
        }
        return paths
    }

    /// The first instant of the calendar month after the one `time` (seconds, reporting zone) is in.
    static func startOfNextMonth(_ time: Double) -> Double {
        let month = CivilDate(daysSinceEpoch: Int((time / 86_400).rounded(.down))).yearMonth.adding(months: 1)
        return Double(month.firstDay.daysSinceEpoch) * 86_400
    }

    /// The month `time` (seconds, reporting zone) is in.
    static func month(of time: Double) -> YearMonth {
        CivilDate(daysSinceEpoch: Int((time / 86_400).rounded(.down))).yearMonth
    }

    /// Per customer and step, the sorted times of the step's events: `first` for event steps.
    struct EventTimes: Sendable {
        /// Per customer, the (step, time) pairs, sorted by step then time.
        private var times: [[(step: Int, time: Double)]]

        init(customers: Int) { times = .init(repeating: [], count: customers) }

        mutating func add(customer i: Int, step: Int, time: Double) { times[i].append((step, time)) }

        mutating func sort() {
            for i in times.indices where times[i].count > 1 {
                times[i].sort { $0.step < $1.step || ($0.step == $1.step && $0.time < $1.time) }
            }
        }

        /// Customer i's first time of `step` at or after `notBefore`.
        func first(_ i: Int, _ step: Int, _ notBefore: Double) -> Double? {
            times[i].first { $0.step == step && $0.time >= notBefore }?.time
        }
    }
}
