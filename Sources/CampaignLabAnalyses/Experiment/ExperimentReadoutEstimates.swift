import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// A variant against control on one metric, as the readout reports it.
struct ReadoutComparison: Sendable {
    /// Index into the readout's arms.
    var arm: Int
    var comparison: VariantComparison?
    /// Why there is no comparison (nil when there is one).
    var unavailable: ComparisonUnavailable?
    /// The estimates the readout reads: the always-valid ones at an interim look, else the
    /// fixed-horizon default.
    var reported: EffectEstimate?
    var reportedRelative: EffectEstimate?
    var pAdjusted: Double?
    /// On the relative effect (flat or normal prior).
    var posterior: NormalPosterior?
    /// P(the variant is better), in the metric's good direction.
    var chanceToWin: Double?
    /// E[loss of shipping the variant], relative to control, in the good direction.
    var expectedLoss: Double?
    /// Fixed-horizon power at the target effect and the minimum detectable effect (80 %).
    var power: Double?
    var minimumDetectable: Double?
    var guardrail: GuardrailStatus?
    /// Pre-period balance: the variant's pre-period mean minus the control's (Welch), and the
    /// standardized difference (pooled SD); nil without a pre-period.
    var balance: EffectEstimate?
    var standardizedBalance: Double?

    /// The effect in the metric's good direction (positive = better).
    func goodDirection(_ value: Double, _ metric: ReadoutMetric) -> Double { metric.higherIsBetter ? value : -value }
}

enum GuardrailStatus: String, Sendable {
    /// The interval rules out a worsening beyond the margin.
    case holds
    /// The interval lies entirely beyond the margin on the bad side.
    case harmful
    /// Neither yet.
    case unclear
}

struct ReadoutMetricResult: Sendable {
    var metric: ReadoutMetric
    var comparisons: [ReadoutComparison]
    /// Per variant (as `comparisons`), P50 and P90 against control, or why not.
    var quantiles: [[Result<QuantileComparison, ComparisonUnavailable>]] = []
    var guardrail: ExperimentReadout.Guardrail?
    var isPrimary: Bool
}

struct ReadoutDecision: Sendable {
    enum Kind: String, Sendable { case ship, dontShip = "dont_ship", keepRunning = "keep_running", blocked }
    var kind: Kind
    /// The variant to ship (ship) or the best one so far.
    var variant: Int?
    /// Keep running until this day.
    var until: CivilDate?
    /// Days still needed at the observed traffic to detect the target effect (primary, best
    /// variant); nil when it cannot be said (no target, a control mean of 0, no new customers).
    var daysNeeded: Double?
    /// Why there is no `daysNeeded` although there is a target: no customer assigned lately.
    var noNewCustomers = false
    /// `daysNeeded` is beyond `ReadoutResult.longestWait` planned lengths: not worth waiting for.
    var tooLong = false
    /// The best variant against the runner-up on the primary metric (multi-arm tests).
    var runnerUp: (arm: Int, effect: EffectEstimate)?
}

/// The primary metric's effect within one level of the breakdown dimension.
struct ReadoutSegment: Sendable {
    var level: Int
    /// Index into the readout's arms.
    var arm: Int
    var comparison: VariantComparison?
    var unavailable: ComparisonUnavailable?
    /// Holm across the levels (per variant).
    var pAdjusted: Double?
}

struct ReadoutResult: Sendable {
    var input: ReadoutInput
    var options: ExperimentReadout.Options
    var metrics: [ReadoutMetricResult]
    var primary: Int
    /// The confidence sequences' N* per variant, at an interim look.
    var tuning: [Double]?
    /// The relative effect the power is about, per variant (primary metric).
    var target: [Double?]
    var decision: ReadoutDecision
    var healthFailed: Bool
    /// The primary metric by level of the breakdown dimension: per variant, per level; and per
    /// variant Cochran's test that the levels share one effect.
    var segments: [[ReadoutSegment]] = []
    var segmentHeterogeneity: [Double?] = []
    var summarySRM: SampleRatioMismatch?

    static let alpha = 0.05
    /// A level of the breakdown with fewer customers than this in an arm is not compared: its
    /// interval would say nothing (and a difference of shares could run past ±100 pp).
    static let fewestPerSegment = 20.0
    /// Waiting longer than this many times the planned length is not a recommendation.
    static let longestWait = 3.0
    /// The quantiles compared for quantile metrics.
    static let quantileLevels = [0.5, 0.9]

    /// Fewer conversions (or non-conversions) than this in an arm make the normal intervals of
    /// a conversion rough (the usual n·p ≥ 30 rule of the experiment platforms).
    static let fewestConversions = 30.0

    /// The conversion metrics with too few conversions in some arm, and each arm's conversions.
    var fewConversions: [(metric: Int, conversions: [Double])] {
        metrics.indices.compactMap { k in
            let m = metrics[k].metric
            guard m.isConversion else { return nil }
            let conversions = m.sums.map { $0.moments.meanY * $0.count }
            let short = zip(conversions, m.sums).contains { c, s in
                c.rounded() < Self.fewestConversions || (s.count - c).rounded() < Self.fewestConversions
            }
            return short ? (k, conversions) : nil
        }
    }

    /// The pre-period comparisons out of balance (p below the health threshold): randomized
    /// arms differing before the test means the randomization or the assignment log is broken.
    var imbalanced: [(metric: Int, comparison: Int)] {
        metrics.indices.flatMap { k in
            metrics[k].comparisons.indices.compactMap { j in
                (metrics[k].comparisons[j].balance?.pValue ?? 1) < ExperimentHealth.threshold ? (k, j) : nil
            }
        }
    }
}

extension ExperimentReadout {
    /// Every estimate, the corrections across metrics × variants, and the decision.
    static func estimate(_ input: ReadoutInput, _ options: Options) throws -> ReadoutResult {
        guard input.planned.count == input.arms.count else {
            throw AnalysisError(
                option: "split",
                "\(input.planned.count) shares for \(input.arms.count) arms (\(input.arms.joined(separator: ", ")), control first); give one share per arm"
            )
        }
        let names = input.metrics.map(\.metric)
        let primaryName = options.primary ?? input.metrics.first(where: \.isConversion)?.metric ?? names[0]
        guard let primary = names.firstIndex(of: primaryName) else {
            throw AnalysisError(
                option: "primary", "'\(primaryName)' is not one of the readout's metrics (\(names.joined(separator: ", ")))")
        }
        for g in options.guardrails where !names.contains(g.metric) && !input.leftOut.contains(g.metric) {
            throw AnalysisError(
                option: "guardrails", "'\(g.metric)' is not one of the readout's metrics (\(names.joined(separator: ", ")))")
        }
        let interim = input.interim
        let prior = options.priorSD.map { NormalPrior(mean: 0, standardDeviation: $0) }
        var tuning: [Double]?
        if interim, let elapsed = input.elapsedDays, let planned = input.plannedDays {
            // N*: the two arms' customers projected at the planned end at the recent traffic.
            let total = input.customers.reduce(0, +)
            tuning = (1..<input.arms.count).map { v in
                let pair = input.customers[v] + input.customers[0]
                let more = (input.assignmentRate ?? total / max(elapsed, 1e-9)) * (pair / max(total, 1)) * max(planned - elapsed, 0)
                return options.tuning ?? max(1, (pair + more).rounded())
            }
        }
        var results: [ReadoutMetricResult] = []
        for (k, metric) in input.metrics.enumerated() {
            var comparisons: [ReadoutComparison] = []
            for v in 1..<input.arms.count {
                var c = ReadoutComparison(arm: v)
                do {
                    let comparison = try ExperimentComparison.compare(
                        treatment: metric.sums[v], control: metric.sums[0], adjust: options.cuped, relativeMethod: options.relativeInterval)
                    c.comparison = comparison
                    var reported = comparison.absolute, relative = comparison.relative
                    if let tuning {
                        let cs = ConfidenceSequence(tuningSampleSize: tuning[v - 1])
                        let n = metric.sums[v].count + metric.sums[0].count
                        reported = cs.effect(reported, sampleSize: n)
                        relative = relative.map { cs.effect($0, sampleSize: n) }
                    }
                    c.reported = reported.bounded(metric.isConversion ? -1...1 : nil)
                    c.reportedRelative = relative?.bounded(metric.nonNegative ? -1...Double.infinity : nil)
                    if let relative, relative.standardError > 0 {
                        let posterior = NormalPosterior(estimate: relative.estimate, standardError: relative.standardError, prior: prior)
                        c.posterior = posterior
                        c.chanceToWin = metric.higherIsBetter ? posterior.chanceToBeatControl : 1 - posterior.chanceToBeatControl
                        c.expectedLoss = metric.higherIsBetter ? posterior.expectedLossOfTreatment : posterior.expectedLossOfControl
                    }
                    c.minimumDetectable = ExperimentComparison.minimumDetectableEffect(standardError: comparison.absolute.standardError)
                } catch let reason as ComparisonUnavailable {
                    c.unavailable = reason
                }
                let x1 = metric.sums[v].moments.x, x0 = metric.sums[0].moments.x
                if metric.kind == .mean && metric.hasCovariate && x1.count > 1 && x0.count > 1 && x1.variance + x0.variance > 0 {
                    c.balance = MeanComparison.absoluteDifference(treatment: x1, control: x0)
                    c.standardizedBalance = (x1.mean - x0.mean) / ((x1.variance + x0.variance) / 2).squareRoot()
                }
                comparisons.append(c)
            }
            var quantiles: [[Result<QuantileComparison, ComparisonUnavailable>]] = []
            if let values = metric.quantileValues {
                quantiles = (1..<input.arms.count).map { v in
                    ReadoutResult.quantileLevels.map { p in
                        Result { try ExperimentComparison.quantiles(treatment: values[v], control: values[0], p: p) }
                            .mapError { $0 as? ComparisonUnavailable ?? .noVariation }
                    }
                }
            }
            results.append(
                ReadoutMetricResult(
                    metric: metric, comparisons: comparisons, quantiles: quantiles,
                    guardrail: options.guardrails.first { $0.metric == metric.metric }, isPrimary: k == primary))
        }
        // Corrections across every metric × variant with a p-value.
        var slots: [(Int, Int)] = []
        var pValues: [Double] = []
        for (k, r) in results.enumerated() {
            for (j, c) in r.comparisons.enumerated() {
                if let p = c.reported?.pValue, !p.isNaN {
                    slots.append((k, j))
                    pValues.append(p)
                }
            }
        }
        let adjusted = options.correction == .holm ? MultipleTesting.holm(pValues) : MultipleTesting.benjaminiHochberg(pValues)
        for (slot, p) in zip(slots, adjusted) { results[slot.0].comparisons[slot.1].pAdjusted = p }
        // Guardrails: non-inferiority against the margin, on the reported interval.
        for k in results.indices {
            guard let g = results[k].guardrail else { continue }
            let metric = results[k].metric
            for j in results[k].comparisons.indices {
                guard let e = results[k].comparisons[j].reported else { continue }
                // The interval's ends in the good direction.
                let worst = metric.higherIsBetter ? e.interval.lower : -e.interval.upper
                let best = metric.higherIsBetter ? e.interval.upper : -e.interval.lower
                guard let given = g.margin else {
                    // No margin: harmed only by a significant worsening.
                    results[k].comparisons[j].guardrail = best < 0 ? .harmful : .holds
                    continue
                }
                let margin = g.relative ? given * abs(metric.sums[0].value) : given
                results[k].comparisons[j].guardrail = worst > -margin ? .holds : best < -margin ? .harmful : .unclear
            }
        }
        // Power at the target effect (primary metric).
        var target: [Double?] = []
        for j in results[primary].comparisons.indices {
            let c = results[primary].comparisons[j]
            guard let comparison = c.comparison else {
                target.append(nil)
                continue
            }
            let observed = comparison.relative.map { c.goodDirection($0.estimate, results[primary].metric) }
            let relativeTarget = options.target ?? observed.flatMap { $0 > 0 ? $0 : nil }
            target.append(relativeTarget)
            if let relativeTarget {
                let absolute = relativeTarget * abs(results[primary].metric.sums[0].value)
                results[primary].comparisons[j].power = ExperimentComparison.power(
                    effect: absolute, standardError: comparison.absolute.standardError)
            }
        }
        var result = ReadoutResult(
            input: input, options: options, metrics: results, primary: primary, tuning: tuning, target: target,
            decision: ReadoutDecision(kind: .keepRunning), healthFailed: false)
        if let health = input.health {
            result.healthFailed = !health.passed
        } else {
            let srm = SampleRatioMismatch(observed: input.customers, allocation: input.planned)
            result.summarySRM = srm
            result.healthFailed = srm.pValue < ExperimentHealth.threshold
        }
        if !result.imbalanced.isEmpty { result.healthFailed = true }
        // The primary metric by segment: fixed-horizon per level, Holm across the levels.
        let segmented = input.metrics[primary]
        if !segmented.segments.isEmpty {
            for v in 1..<input.arms.count {
                var list = segmented.segments.indices.map { l -> ReadoutSegment in
                    var s = ReadoutSegment(level: l, arm: v)
                    let sizes = (segmented.segments[l][v].count, segmented.segments[l][0].count)
                    guard min(sizes.0, sizes.1) >= ReadoutResult.fewestPerSegment else {
                        s.unavailable = .tooFewCustomers(treatment: sizes.0, control: sizes.1)
                        return s
                    }
                    do {
                        s.comparison = try ExperimentComparison.compare(
                            treatment: segmented.segments[l][v], control: segmented.segments[l][0], adjust: options.cuped,
                            relativeMethod: options.relativeInterval)
                    } catch let reason as ComparisonUnavailable { s.unavailable = reason } catch {}
                    return s
                }
                let tested = list.indices.filter { list[$0].comparison != nil }
                for (i, p) in zip(tested, MultipleTesting.holm(tested.map { list[$0].comparison!.absolute.pValue })) {
                    list[i].pAdjusted = p
                }
                result.segments.append(list)
                let estimates = tested.map { list[$0].comparison!.absolute }
                result.segmentHeterogeneity.append(
                    estimates.count >= 2
                        ? EmpiricalBayesShrinkage(estimates: estimates.map(\.estimate), standardErrors: estimates.map(\.standardError))
                            .heterogeneityPValue : nil)
            }
        }
        result.decision = decide(result)
        return result
    }

    /// Ship / don't ship / keep running, from the health check, the primary metric (its
    /// p-values corrected across the variants only) and the guardrails.
    static func decide(_ r: ReadoutResult) -> ReadoutDecision {
        let primary = r.metrics[r.primary]
        let metric = primary.metric
        let comparisons = primary.comparisons
        let pAcrossVariants = MultipleTesting.holm(comparisons.map { $0.reported?.pValue ?? 1 })
        func good(_ j: Int) -> Double {
            comparisons[j].reported.map { comparisons[j].goodDirection($0.estimate, metric) } ?? -.infinity
        }
        func significant(_ j: Int) -> Bool { pAcrossVariants[j] < ReadoutResult.alpha }
        let ranked = comparisons.indices.filter { comparisons[$0].reported != nil }.sorted { good($0) > good($1) }
        var decision = ReadoutDecision(kind: .keepRunning, variant: ranked.first.map { comparisons[$0].arm })
        if ranked.count >= 2 {
            let best = comparisons[ranked[0]].arm, second = comparisons[ranked[1]].arm
            if let direct = try? ExperimentComparison.compare(
                treatment: metric.sums[best], control: metric.sums[second], adjust: r.options.cuped)
            {
                var effect = direct.absolute
                if let tuning = r.tuning {
                    effect = ConfidenceSequence(tuningSampleSize: tuning[ranked[0]]).effect(
                        effect, sampleSize: metric.sums[best].count + metric.sums[second].count)
                }
                decision.runnerUp = (second, effect)
            }
        }
        // Days still needed for the best variant to detect the target: the customers the pair
        // needs (the standard error shrinks as 1/√n) over the pair's share of the recent traffic.
        if let j = ranked.first, let comparison = comparisons[j].comparison, let relativeTarget = r.target[j],
            let rate = r.input.assignmentRate
        {
            let absolute = relativeTarget * abs(metric.sums[0].value)
            let neededSE = absolute / ExperimentComparison.minimumDetectableEffect(standardError: 1)
            let factor = (comparison.absolute.standardError / neededSE) * (comparison.absolute.standardError / neededSE)
            let pair = metric.sums[comparisons[j].arm].count + metric.sums[0].count
            let share = pair / max(r.input.customers.reduce(0, +), 1)
            if neededSE > 0 && factor.isFinite {
                if factor <= 1 {
                    decision.daysNeeded = 0
                } else if rate * share > 0 {
                    let days = pair * (factor - 1) / (rate * share)
                    let limit = ReadoutResult.longestWait * (r.input.plannedDays ?? 122)
                    decision.daysNeeded = min(days, limit)
                    decision.tooLong = days > limit
                } else {
                    decision.noNewCustomers = true
                }
            }
        }
        if r.healthFailed {
            decision.kind = .blocked
            return decision
        }
        guard let best = ranked.first else {
            // Nothing comparable on the primary metric: early on, wait; at the end, nothing to ship.
            decision.kind = r.input.interim ? .keepRunning : .dontShip
            if r.input.interim, let elapsed = r.input.elapsedDays, let planned = r.input.plannedDays {
                decision.until = r.input.readThrough?.adding(days: Int((planned - elapsed).rounded(.up)))
            }
            return decision
        }
        let winners = ranked.filter { good($0) > 0 && significant($0) }
        if let w = winners.first {
            decision.variant = comparisons[w].arm
            // A guardrail that cannot be computed for the winner is not one that holds.
            let statuses =
                r.metrics.compactMap { m in m.guardrail == nil ? nil : m.comparisons[w].guardrail ?? .unclear }
                + r.options.guardrails.filter { r.input.leftOut.contains($0.metric) }.map { _ in GuardrailStatus.unclear }
            if statuses.contains(.harmful) {
                decision.kind = .dontShip
            } else if statuses.contains(.unclear) {
                decision.kind = r.input.interim || r.input.plannedDays == nil ? .keepRunning : .dontShip
                if r.input.interim, let through = r.input.readThrough, let elapsed = r.input.elapsedDays, let planned = r.input.plannedDays
                {
                    decision.until = through.adding(days: Int((planned - elapsed).rounded(.up)))
                }
            } else {
                decision.kind = .ship
            }
            return decision
        }
        if ranked.allSatisfy({ good($0) < 0 && significant($0) }) {
            decision.kind = .dontShip
            return decision
        }
        // Nothing conclusive yet.
        guard let elapsed = r.input.elapsedDays, let planned = r.input.plannedDays else {
            decision.kind = good(best) > 0 ? .keepRunning : .dontShip
            return decision
        }
        func day(_ more: Double) -> CivilDate? { r.input.readThrough?.adding(days: Int(more.rounded(.up))) }
        if r.input.interim {
            decision.kind = .keepRunning
            let more = decision.tooLong ? 0 : decision.daysNeeded ?? 0
            decision.until = day(max(planned - elapsed, more))
            return decision
        }
        if good(best) > 0, let days = decision.daysNeeded, !decision.tooLong {
            decision.kind = .keepRunning
            decision.until = day(days)
        } else {
            decision.kind = .dontShip
        }
        return decision
    }
}

extension EffectEstimate {
    /// The estimate with its interval cut to `range`, what the metric's values allow (a
    /// difference of shares within ±100 pp, a relative change of a count above −100%).
    func bounded(_ range: ClosedRange<Double>?) -> EffectEstimate {
        guard let range else { return self }
        var copy = self
        copy.interval = ConfidenceInterval(
            lower: min(max(interval.lower, range.lowerBound), range.upperBound),
            upper: max(min(interval.upper, range.upperBound), range.lowerBound), level: interval.level)
        return copy
    }
}
