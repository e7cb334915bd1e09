import Foundation

/// How pointwise confidence intervals of a survival probability are formed from Greenwood's
/// variance.
///
/// With S the Kaplan–Meier estimate, V = Σ dⱼ/(nⱼ(nⱼ − dⱼ)) Greenwood's variance of log S
/// and z the normal quantile:
public enum SurvivalIntervalTransform: String, Sendable, CaseIterable {
    /// The log(−log) transform ("exponential Greenwood"), lifelines' default and Stata's:
    /// exp(−exp(log(−log S) ± z·√V / log S)). Always inside [0, 1].
    case logLog
    /// The log transform (R `survfit`'s default, `conf.type = "log"`): S·exp(±z·√V), the
    /// upper bound capped at 1.
    case log
    /// The plain (linear) Greenwood interval, R `conf.type = "plain"`: S ± z·S·√V, clipped
    /// to [0, 1].
    case plain

    /// The method in words, for reports.
    public var description: String {
        switch self {
        case .logLog: return "Greenwood variance, log(−log) transformed interval"
        case .log: return "Greenwood variance, log transformed interval"
        case .plain: return "Greenwood variance, plain (linear) interval"
        }
    }
}

/// A survival probability at a time, with its Greenwood standard error and interval.
public struct SurvivalEstimate: Sendable, Equatable {
    /// The time asked for.
    public var time: Double
    /// The estimate (S(t), or 1 − S(t) for an event probability).
    public var estimate: Double
    /// Greenwood's standard error S·√V (the same for 1 − S).
    public var standardError: Double
    public var interval: ConfidenceInterval
    /// The method in words, for reports.
    public var method: String
}

/// A time at which the survival curve reaches a level (a median or other quantile of the time
/// to event), with a confidence interval of times.
public struct SurvivalTime: Sendable, Equatable {
    /// The survival level q: the time is the first at which S(t) ≤ q (0.5 for the median).
    public var survivalLevel: Double
    /// The first time with S(t) ≤ q; `.infinity` if the curve never gets that low.
    public var time: Double
    /// The first times at which the lower and upper pointwise bounds of S reach q; either
    /// may be `.infinity` (not reached within the follow-up).
    public var interval: ConfidenceInterval
    /// The method in words, for reports.
    public var method: String
}

/// The restricted mean survival time ∫₀^τ S(u) du: the expected time to event when every
/// time is capped at τ (the mean days-to-convert within a window of τ days, non-converters
/// counting τ).
public struct RestrictedMeanSurvival: Sendable, Equatable {
    /// The restriction time τ.
    public var horizon: Double
    /// ∫₀^τ S(u) du of the Kaplan–Meier step function.
    public var estimate: Double
    /// The standard error of the estimate: √(Σ_{tⱼ ≤ τ} Aⱼ² dⱼ/(nⱼ(nⱼ − dⱼ))) with
    /// Aⱼ = ∫_{tⱼ}^τ S(u) du (Klein & Moeschberger, §4.5; R `print(survfit, rmean = τ)`).
    public var standardError: Double
    /// estimate ± z·standardError.
    public var interval: ConfidenceInterval
    /// The variance of min(T, τ) under the estimated distribution, 2∫₀^τ u S(u) du − RMST² —
    /// what lifelines' `restricted_mean_survival_time(kmf, t, return_variance=True)` returns
    /// (a spread of the capped times, not the sampling variance of the estimate).
    public var varianceOfRestrictedTime: Double
    public var method: String
}

// Reference: E. L. Kaplan, P. Meier (1958), "Nonparametric estimation from incomplete
// observations", JASA 53(282). M. Greenwood (1926), "The natural duration of cancer",
// Reports on Public Health and Medical Subjects 33. Interval transforms: Ø. Borgan,
// K. Liestøl (1990), "A note on confidence intervals and bands for the survival function
// based on transformations", Scand. J. Statist. 17(1). Median interval: R. Brookmeyer,
// J. Crowley (1982), "A confidence interval for the median survival time", Biometrics 38(1).
// Numbers follow lifelines 0.30 `KaplanMeierFitter` (log S accumulated as Σ log((n−d)/n)
// terms, Greenwood terms with n = d set to 0, bounds of S = 1 set to 1).

/// The Kaplan–Meier estimate of the survival function (here: the share not yet converted)
/// with Greenwood variance and pointwise confidence intervals.
///
/// Build it from a ``SurvivalTable`` — individual durations or counts per time from SQL —
/// then read the curve (`steps`), survival at a time, the median and other quantiles of the
/// time to event with Brookmeyer–Crowley intervals, and the restricted mean.
///
/// ```swift
/// let km = KaplanMeier(durations: days, eventObserved: converted)
/// km.eventProbability(by: 7).estimate     // share converted by day 7
/// km.median.time                          // median days to convert (∞ if under half convert)
/// km.restrictedMean(upTo: 30).estimate    // mean days to convert, capped at 30
/// ```
///
/// - Complexity: O(k) to build from a table of k distinct times; O(log k) for survival at a
///   time; O(k) for quantiles and the restricted mean.
public struct KaplanMeier: Sendable {
    /// One time of the curve: time 0 and every distinct time of the table (event or
    /// censoring), as lifelines' `survival_function_` index.
    public struct Step: Sendable, Equatable {
        public var time: Double
        /// Subjects still event-free and observed just before `time`.
        public var atRisk: Double
        public var events: Double
        public var censored: Double
        /// S(time): the probability of no event up to and including `time`.
        public var survival: Double
        /// Greenwood's Σ_{tⱼ ≤ time} dⱼ/(nⱼ(nⱼ − dⱼ)), the variance of log S (lifelines'
        /// `_cumulative_sq_`).
        public var greenwoodSum: Double
        /// The pointwise interval of S(time) (lifelines' `confidence_interval_` row).
        public var interval: ConfidenceInterval

        /// Greenwood's standard error of S: S·√(greenwoodSum).
        public var standardError: Double { survival * greenwoodSum.squareRoot() }
    }

    /// The curve, by increasing time, starting at time 0.
    public let steps: [Step]
    /// The confidence level of every interval.
    public let level: Double
    public let transform: SurvivalIntervalTransform

    /// The Kaplan–Meier estimate from a table of counts.
    ///
    /// - Parameters:
    ///   - table: events and censorings per distinct time (at least one subject).
    ///   - level: the confidence level of the intervals, e.g. 0.95.
    ///   - transform: how the pointwise intervals are formed (log(−log) by default, as lifelines).
    /// - Complexity: O(k) for k distinct times.
    public init(_ table: SurvivalTable, level: Double = 0.95, transform: SurvivalIntervalTransform = .logLog) {
        precondition(table.total > 0, "KaplanMeier needs at least one subject")
        precondition(level > 0 && level < 1, "KaplanMeier: the confidence level must be in (0, 1)")
        self.level = level
        self.transform = transform
        let z = NormalDistribution.standard.quantile(0.5 + level / 2)
        var steps: [Step] = []
        steps.reserveCapacity(table.count + 1)
        var atRisk = table.total
        var logSurvival = 0.0
        var greenwood = 0.0
        if table.times.first != 0 {
            steps.append(
                Step(
                    time: 0, atRisk: atRisk, events: 0, censored: 0, survival: 1, greenwoodSum: 0,
                    interval: ConfidenceInterval(lower: 1, upper: 1, level: level)))
        }
        for k in 0..<table.count {
            let d = table.events[k], c = table.censored[k]
            if d > 0 {
                logSurvival += Foundation.log(atRisk - d) - Foundation.log(atRisk)
                let term = d / (atRisk * (atRisk - d))
                greenwood += term.isFinite ? term : 0
            }
            let survival = exp(logSurvival)
            steps.append(
                Step(
                    time: table.times[k], atRisk: atRisk, events: d, censored: c, survival: survival,
                    greenwoodSum: greenwood,
                    interval: Self.bounds(
                        survival: survival, logSurvival: logSurvival, greenwoodSum: greenwood,
                        z: z, level: level, transform: transform)))
            atRisk -= d + c
        }
        self.steps = steps
    }

    /// The Kaplan–Meier estimate from individual durations (see ``SurvivalTable/init(durations:eventObserved:weights:)``).
    ///
    /// - Complexity: O(n log n) for n durations (one sort).
    public init(
        durations: [Double], eventObserved: [Bool]? = nil, weights: [Double]? = nil,
        level: Double = 0.95, transform: SurvivalIntervalTransform = .logLog
    ) {
        self.init(
            SurvivalTable(durations: durations, eventObserved: eventObserved, weights: weights),
            level: level, transform: transform)
    }

    static func bounds(
        survival s: Double, logSurvival v: Double, greenwoodSum: Double, z: Double, level: Double,
        transform: SurvivalIntervalTransform
    ) -> ConfidenceInterval {
        let root = greenwoodSum.squareRoot()
        var lower: Double, upper: Double
        switch transform {
        case .logLog:
            // lifelines `_bounds`, term for term; S = 1 gives 0/0 → 1 (lifelines' fillna(1.0)).
            lower = exp(-exp(Foundation.log(-v) - z * root / v))
            upper = exp(-exp(Foundation.log(-v) + z * root / v))
            if lower.isNaN { lower = 1 }
            if upper.isNaN { upper = 1 }
        case .log:
            lower = s == 0 ? 0 : exp(v - z * root)
            upper = s == 0 ? 0 : min(1, exp(v + z * root))
        case .plain:
            lower = max(0, s - z * s * root)
            upper = min(1, s + z * s * root)
        }
        return ConfidenceInterval(lower: lower, upper: upper, level: level)
    }

    /// The index of the last step at or before `time`.
    private func stepIndex(at time: Double) -> Int {
        var low = 0, high = steps.count  // first index with steps[i].time > time
        while low < high {
            let mid = (low + high) / 2
            if steps[mid].time <= time { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    /// S(t) with its interval: the probability of no event by time `t` (a right-continuous
    /// step function, so an event at exactly `t` counts).
    ///
    /// Beyond the last observed time the last value is carried forward (as lifelines'
    /// `predict`); check ``lastTime`` before reading the tail.
    ///
    /// - Parameter time: a time ≥ 0.
    public func survival(at time: Double) -> SurvivalEstimate {
        precondition(time >= 0, "KaplanMeier.survival(at:) needs a time ≥ 0")
        let step = steps[stepIndex(at: time)]
        return SurvivalEstimate(
            time: time, estimate: step.survival, standardError: step.standardError,
            interval: step.interval, method: "Kaplan–Meier, " + transform.description)
    }

    /// 1 − S(t): the probability of the event by time `t` — the share converted by day t.
    ///
    /// ```swift
    /// km.eventProbability(by: 7)   // share converted within 7 days, with interval
    /// ```
    public func eventProbability(by time: Double) -> SurvivalEstimate {
        let s = survival(at: time)
        return SurvivalEstimate(
            time: time, estimate: 1 - s.estimate, standardError: s.standardError,
            interval: ConfidenceInterval(lower: 1 - s.interval.upper, upper: 1 - s.interval.lower, level: level),
            method: "1 − Kaplan–Meier, " + transform.description)
    }

    /// The last time of the table (event or censoring): the end of the follow-up.
    public var lastTime: Double { steps[steps.count - 1].time }

    /// The median time to event with its Brookmeyer–Crowley interval.
    public var median: SurvivalTime { survivalTime(reaching: 0.5) }

    /// The first time at which S(t) ≤ `level` — the (1 − level) quantile of the time to
    /// event — with a confidence interval.
    ///
    /// The estimate is lifelines' `qth_survival_time(q, kmf.survival_function_)`. The interval
    /// is the set of times whose pointwise interval (with this fit's transform) contains q,
    /// read off where the lower and the upper bound curves first reach q — lifelines'
    /// `qth_survival_times(q, kmf.confidence_interval_)`, the step-function form of
    /// Brookmeyer & Crowley's interval. R's `quantile.survfit` agrees except in two corner
    /// cases: when S equals q exactly over a flat stretch R takes the midpoint of the stretch
    /// (for T = 1, 2, 3, 4 its median is 2.5, lifelines' and this one 2), and when the curve
    /// reaches 0 R leaves the bounds there undefined (an upper limit of NA) where lifelines
    /// and this type use bounds of 0 (an upper limit at the last event time).
    ///
    /// ```swift
    /// km.survivalTime(reaching: 0.75).time   // days until 25 % have converted
    /// ```
    ///
    /// - Parameter q: the survival level in [0, 1].
    /// - Returns: times that are `.infinity` when not reached within the follow-up.
    /// - Complexity: O(k).
    public func survivalTime(reaching q: Double) -> SurvivalTime {
        precondition(q >= 0 && q <= 1, "KaplanMeier.survivalTime(reaching:) needs a level in [0, 1]")
        func firstTime(_ value: (Step) -> Double) -> Double {
            steps.first(where: { value($0) <= q })?.time ?? .infinity
        }
        return SurvivalTime(
            survivalLevel: q, time: firstTime(\.survival),
            interval: ConfidenceInterval(lower: firstTime(\.interval.lower), upper: firstTime(\.interval.upper), level: level),
            method: "Kaplan–Meier quantile, Brookmeyer–Crowley interval (" + transform.description + ")")
    }

    /// The p-quantile of the time to event: the first time by which a share p has had the
    /// event (`survivalTime(reaching: 1 − p)`).
    public func timeToEvent(quantile p: Double) -> SurvivalTime {
        precondition(p >= 0 && p <= 1, "KaplanMeier.timeToEvent(quantile:) needs p in [0, 1]")
        return survivalTime(reaching: 1 - p)
    }

    // Reference for the standard error: J. P. Klein, M. L. Moeschberger (2003), "Survival
    // Analysis", 2nd ed., §4.5 (the variance of the restricted mean), as computed by R's
    // survival package (`print(fit, rmean = tau)`) and survRM2. The estimate and the
    // variance of min(T, τ) match lifelines' `restricted_mean_survival_time`.

    /// The restricted mean survival time up to `horizon`, with standard error and interval.
    ///
    /// ```swift
    /// let rmst = km.restrictedMean(upTo: 30)
    /// rmst.estimate   // expected days to convert, non-converters counting 30
    /// rmst.interval   // normal interval from the Greenwood-type standard error
    /// ```
    ///
    /// - Parameter horizon: τ ≥ 0; beyond the last time the last S is carried forward.
    /// - Complexity: O(k).
    public func restrictedMean(upTo horizon: Double) -> RestrictedMeanSurvival {
        precondition(horizon >= 0, "KaplanMeier.restrictedMean(upTo:) needs a horizon ≥ 0")
        let last = stepIndex(at: horizon)
        // Pieces [tᵢ, bᵢ) with bᵢ = min(tᵢ₊₁, τ); accumulate backwards so Aⱼ = ∫_{tⱼ}^τ S is exact.
        var tail = 0.0
        var variance = 0.0
        var secondMoment = 0.0
        for i in stride(from: last, through: 0, by: -1) {
            let step = steps[i]
            let end = i == last ? horizon : steps[i + 1].time
            tail += step.survival * (end - step.time)
            secondMoment += step.survival * (end * end - step.time * step.time)
            if step.events > 0 {
                let term = step.events / (step.atRisk * (step.atRisk - step.events))
                if term.isFinite { variance += tail * tail * term }
            }
        }
        let z = NormalDistribution.standard.quantile(0.5 + level / 2)
        let se = variance.squareRoot()
        return RestrictedMeanSurvival(
            horizon: horizon, estimate: tail, standardError: se,
            interval: ConfidenceInterval(lower: tail - z * se, upper: tail + z * se, level: level),
            varianceOfRestrictedTime: secondMoment - tail * tail,
            method: "restricted mean of the Kaplan–Meier curve, Klein–Moeschberger standard error, normal interval")
    }
}
