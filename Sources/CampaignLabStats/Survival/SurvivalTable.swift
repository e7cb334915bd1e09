/// Counts of events and censorings at each distinct time: the sufficient statistics of the
/// Kaplan–Meier estimator and the log-rank test.
///
/// A time-to-convert analysis only needs, for every distinct duration, how many customers
/// converted then (events) and how many were still unconverted when they left observation
/// (censored). A SQL engine can return exactly that
/// (`SELECT days, SUM(converted), SUM(1 - converted) … GROUP BY days`), and two tables
/// merge by adding counts, so chunks, segments or databases combine without the raw rows.
///
/// ```swift
/// // Days from invitation to enrolment; non-converters censored at the 30-day window end.
/// let table = SurvivalTable(durations: [2, 5, 5, 30, 30], eventObserved: [true, true, false, false, false])
/// table.times       // [2, 5, 30]
/// table.events      // [1, 1, 0]
/// table.censored    // [0, 1, 2]
/// ```
///
/// Counts may be fractional (weights), but the Greenwood variance and the tests assume
/// frequency weights (whole numbers), as lifelines does.
public struct SurvivalTable: Sendable, Equatable {
    /// The distinct times, increasing.
    public private(set) var times: [Double] = []
    /// The (weighted) number of events at each time.
    public private(set) var events: [Double] = []
    /// The (weighted) number censored at each time (still event-free when last seen).
    public private(set) var censored: [Double] = []

    /// An empty table.
    public init() {}

    /// The table of individual durations.
    ///
    /// Sorts once; ties (equal durations) are grouped, events and censorings at the same time
    /// kept apart — at a tied time events are counted before censorings, as lifelines and R do.
    ///
    /// - Parameters:
    ///   - durations: time from origin to event or censoring, each finite and ≥ 0.
    ///   - eventObserved: whether the event happened (`false`: censored); all `true` if omitted.
    ///   - weights: optional non-negative frequency weights (counts), one per duration.
    /// - Complexity: O(n log n) for n durations.
    public init(durations: [Double], eventObserved: [Bool]? = nil, weights: [Double]? = nil) {
        let n = durations.count
        precondition(
            eventObserved == nil || eventObserved!.count == n,
            "SurvivalTable: \(eventObserved!.count) event flags for \(n) durations")
        precondition(
            weights == nil || weights!.count == n,
            "SurvivalTable: \(weights!.count) weights for \(n) durations")
        if countWholeDurations(durations, eventObserved: eventObserved, weights: weights) { return }
        // Sort indices by duration (one O(n log n) sort), then run-length group.
        var order = Array(0..<n)
        durations.withUnsafeBufferPointer { d in
            for value in d { precondition(value.isFinite && value >= 0, "SurvivalTable: durations must be finite and ≥ 0 (got \(value))") }
            order.sort { d[$0] < d[$1] }
        }
        times.reserveCapacity(min(n, 1 << 16))
        for index in order {
            let time = durations[index]
            let weight = weights?[index] ?? 1
            precondition(weight >= 0 && weight.isFinite, "SurvivalTable: weights must be finite and ≥ 0 (got \(weight))")
            let observed = eventObserved?[index] ?? true
            if times.last != time {
                times.append(time)
                events.append(0)
                censored.append(0)
            }
            if observed { events[events.count - 1] += weight } else { censored[censored.count - 1] += weight }
        }
        dropEmptyRows()
    }

    /// The fast path of `init(durations:…)` for the usual funnel data: whole-number durations
    /// (days, hours) whose range is at most 4n + 1,024 values are counted into arrays indexed
    /// by duration — O(n + range), no sort. Returns false (having done nothing) otherwise.
    private mutating func countWholeDurations(_ durations: [Double], eventObserved: [Bool]?, weights: [Double]?) -> Bool {
        let n = durations.count
        guard n > 0 else { return false }
        var low = Double.infinity, high = -Double.infinity
        for value in durations {
            precondition(value.isFinite && value >= 0, "SurvivalTable: durations must be finite and ≥ 0 (got \(value))")
            guard value == value.rounded(.down) else { return false }
            low = min(low, value)
            high = max(high, value)
        }
        guard high - low <= Double(4 * n + 1_024) else { return false }
        let base = Int(low)
        let range = Int(high) - base + 1
        var eventCounts = [Double](repeating: 0, count: range)
        var censoredCounts = [Double](repeating: 0, count: range)
        for i in 0..<n {
            let weight = weights?[i] ?? 1
            precondition(weight >= 0 && weight.isFinite, "SurvivalTable: weights must be finite and ≥ 0 (got \(weight))")
            let slot = Int(durations[i]) - base
            if eventObserved?[i] ?? true { eventCounts[slot] += weight } else { censoredCounts[slot] += weight }
        }
        for slot in 0..<range where eventCounts[slot] > 0 || censoredCounts[slot] > 0 {
            times.append(Double(base + slot))
            events.append(eventCounts[slot])
            censored.append(censoredCounts[slot])
        }
        return true
    }

    /// A table from pre-aggregated counts, in any order; rows with the same time are added.
    ///
    /// ```swift
    /// // Rows of: SELECT days, SUM(converted), SUM(1 - converted) FROM … GROUP BY days
    /// let table = SurvivalTable(counts: [(time: 0, events: 12, censored: 0), (time: 30, events: 0, censored: 400)])
    /// ```
    ///
    /// - Complexity: O(k log k) for k rows.
    public init(counts: [(time: Double, events: Double, censored: Double)]) {
        for row in counts {
            precondition(row.time.isFinite && row.time >= 0, "SurvivalTable: times must be finite and ≥ 0 (got \(row.time))")
            precondition(
                row.events >= 0 && row.censored >= 0 && row.events.isFinite && row.censored.isFinite,
                "SurvivalTable: counts must be finite and ≥ 0")
        }
        let sorted = counts.sorted { $0.time < $1.time }
        for row in sorted {
            if times.last != row.time {
                times.append(row.time)
                events.append(0)
                censored.append(0)
            }
            events[events.count - 1] += row.events
            censored[censored.count - 1] += row.censored
        }
        dropEmptyRows()
    }

    /// Adds one row of counts, e.g. while stepping through a SQL result
    /// (`… GROUP BY days ORDER BY days`).
    ///
    /// ```swift
    /// var table = SurvivalTable()
    /// while try statement.step() {
    ///     table.add(time: statement.double(0), events: statement.double(1), censored: statement.double(2))
    /// }
    /// ```
    ///
    /// - Complexity: O(1) when times arrive in increasing order (or repeat the last time);
    ///   O(k) for a time that falls between existing ones.
    public mutating func add(time: Double, events: Double, censored: Double) {
        precondition(time.isFinite && time >= 0, "SurvivalTable: times must be finite and ≥ 0 (got \(time))")
        precondition(
            events >= 0 && censored >= 0 && events.isFinite && censored.isFinite,
            "SurvivalTable: counts must be finite and ≥ 0")
        guard events > 0 || censored > 0 else { return }
        if let last = times.last, time <= last {
            // First index with times[i] ≥ time.
            var low = 0, high = times.count
            while low < high {
                let mid = (low + high) / 2
                if times[mid] < time { low = mid + 1 } else { high = mid }
            }
            if times[low] == time {
                self.events[low] += events
                self.censored[low] += censored
            } else {
                times.insert(time, at: low)
                self.events.insert(events, at: low)
                self.censored.insert(censored, at: low)
            }
        } else {
            times.append(time)
            self.events.append(events)
            self.censored.append(censored)
        }
    }

    /// The number of distinct times.
    public var count: Int { times.count }
    /// The total (weighted) number of subjects.
    public var total: Double { events.reduce(0, +) + censored.reduce(0, +) }
    /// The total (weighted) number of events.
    public var totalEvents: Double { events.reduce(0, +) }

    /// Adds the counts of `other` (a merge of two sorted lists).
    ///
    /// - Complexity: O(k + m) for the two numbers of distinct times.
    public mutating func merge(_ other: SurvivalTable) {
        var t: [Double] = [], e: [Double] = [], c: [Double] = []
        t.reserveCapacity(count + other.count)
        e.reserveCapacity(count + other.count)
        c.reserveCapacity(count + other.count)
        var i = 0, j = 0
        while i < count || j < other.count {
            if j == other.count || (i < count && times[i] < other.times[j]) {
                t.append(times[i]); e.append(events[i]); c.append(censored[i]); i += 1
            } else if i == count || other.times[j] < times[i] {
                t.append(other.times[j]); e.append(other.events[j]); c.append(other.censored[j]); j += 1
            } else {
                t.append(times[i]); e.append(events[i] + other.events[j]); c.append(censored[i] + other.censored[j])
                i += 1; j += 1
            }
        }
        times = t; events = e; censored = c
    }

    /// The merge of two tables.
    public static func + (lhs: SurvivalTable, rhs: SurvivalTable) -> SurvivalTable {
        var result = lhs
        result.merge(rhs)
        return result
    }

    private mutating func dropEmptyRows() {
        guard events.indices.contains(where: { events[$0] == 0 && censored[$0] == 0 }) else { return }
        var t: [Double] = [], e: [Double] = [], c: [Double] = []
        for k in times.indices where events[k] > 0 || censored[k] > 0 {
            t.append(times[k]); e.append(events[k]); c.append(censored[k])
        }
        times = t; events = e; censored = c
    }
}
