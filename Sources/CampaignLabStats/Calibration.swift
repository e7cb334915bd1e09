import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Seeded simulations that check the engine's own intervals: how often a nominal 95% interval
// covers the known truth, and how often an always-valid sequence rejects a true null when it
// is checked after every batch. Simulation i draws everything from stream i of the seed, so a
// result depends only on (scenario, simulations, seed) — not on the number of cores used.

/// A data-generating process with a known effect, analysed by one of the engine's estimators.
public enum CalibrationScenario: String, Sendable, CaseIterable {
    /// Right-skewed balances (lognormal, σ = 0.8, mean ≈ 138) in two arms of 300, an additive
    /// effect of 5; Welch t interval for the difference of means.
    case meanDifference = "mean difference (Welch)"
    /// Conversion 8% vs 10% in two arms of 1,500; Wald z interval for the difference.
    case proportionDifference = "proportion difference (Wald)"
    /// Clicks per page view: 1 + Poisson(2) views per customer, each clicked with probability
    /// 0.20 (control) or 0.23 (treatment), 400 customers per arm; delta-method interval.
    case ratioMetric = "ratio metric (delta method)"
    /// Outcome y = 0.8·x + N(0, 6²) + 2·treated with a pre-period x ~ N(50, 10²), 300 per arm;
    /// CUPED with pooled θ, Welch interval.
    case cuped = "CUPED (pooled θ)"
    /// The readout's relative effect: y = 0.8·x + N(0, 6²) with x ~ N(50, 10²) in control and
    /// 1.05 × that in the variant (a relative effect of exactly 5%), 300 per arm; CUPED-adjusted
    /// means, delta-method interval of their ratio (`ExperimentComparison`).
    case cupedRelative = "CUPED relative (delta method)"
    /// Self-selection on a covariate: x ~ N(0, 1), P(treated) = 1/(1 + e^{−(−0.3 + 0.8x)}),
    /// y = 1 + 2x + 1.5·treated + N(0, 1), 1,000 units; IPW (ATE) with the known scores.
    case ipwKnownPropensity = "IPW, known propensity (ATE)"

    /// The true effect the interval should cover.
    public var truth: Double {
        switch self {
        case .meanDifference: return 5
        case .proportionDifference: return 0.02
        case .ratioMetric: return 0.03
        case .cuped: return 2
        case .cupedRelative: return 0.05
        case .ipwKnownPropensity: return 1.5
        }
    }

    /// One simulated data set and its interval.
    func simulate(using rng: inout Xoshiro256StarStar, level: Double) -> ConfidenceInterval {
        switch self {
        case .meanDifference:
            var treated = Moments(), control = Moments()
            for _ in 0..<300 {
                control.add(100 * rng.lognormal(logMean: 0, logStandardDeviation: 0.8))
                treated.add(100 * rng.lognormal(logMean: 0, logStandardDeviation: 0.8) + 5)
            }
            return MeanComparison.absoluteDifference(treatment: treated, control: control, level: level).interval
        case .proportionDifference:
            var successes = (treated: 0.0, control: 0.0)
            for _ in 0..<1500 {
                if rng.bernoulli(probability: 0.08) { successes.control += 1 }
                if rng.bernoulli(probability: 0.10) { successes.treated += 1 }
            }
            return ProportionComparison.difference(
                treatment: (successes.treated, 1500), control: (successes.control, 1500),
                level: level
            ).interval
        case .ratioMetric:
            var treated = PairedMoments(), control = PairedMoments()
            for arm in 0..<2 {
                for _ in 0..<400 {
                    let views = 1 + rng.poisson(mean: 2)
                    var clicks = 0
                    for _ in 0..<views where rng.bernoulli(probability: arm == 0 ? 0.20 : 0.23) { clicks += 1 }
                    if arm == 0 {
                        control.add(x: Double(views), y: Double(clicks))
                    } else {
                        treated.add(x: Double(views), y: Double(clicks))
                    }
                }
            }
            return RatioMetric.difference(
                treatment: RatioMetric(moments: treated), control: RatioMetric(moments: control),
                level: level
            ).interval
        case .cuped:
            var treated = PairedMoments(), control = PairedMoments()
            for arm in 0..<2 {
                for _ in 0..<300 {
                    let x = rng.normal(mean: 50, standardDeviation: 10)
                    let y = 0.8 * x + rng.normal(mean: 0, standardDeviation: 6) + (arm == 1 ? 2 : 0)
                    if arm == 0 { control.add(x: x, y: y) } else { treated.add(x: x, y: y) }
                }
            }
            return CUPED.absoluteDifference(treatment: treated, control: control, level: level).effect.interval
        case .cupedRelative:
            var treated = PairedMoments(), control = PairedMoments()
            for arm in 0..<2 {
                for _ in 0..<300 {
                    let x = rng.normal(mean: 50, standardDeviation: 10)
                    let y = (0.8 * x + rng.normal(mean: 0, standardDeviation: 6)) * (arm == 1 ? 1.05 : 1)
                    if arm == 0 { control.add(x: x, y: y) } else { treated.add(x: x, y: y) }
                }
            }
            let comparison = try? ExperimentComparison.compare(
                treatment: MetricSums(kind: .mean, moments: treated), control: MetricSums(kind: .mean, moments: control), level: level)
            return comparison?.relative?.interval ?? ConfidenceInterval(lower: .nan, upper: .nan, level: level)
        case .ipwKnownPropensity:
            var y = [Double](), treated = [Bool](), scores = [Double]()
            for _ in 0..<1000 {
                let x = rng.normal()
                let e = 1 / (1 + exp(0.3 - 0.8 * x))
                let t = rng.bernoulli(probability: e)
                y.append(1 + 2 * x + (t ? 1.5 : 0) + rng.normal())
                treated.append(t)
                scores.append(e)
            }
            return PropensityWeighting.estimate(
                outcomes: y, treated: treated, propensity: scores, estimand: .ate,
                level: level
            ).effect.interval
        }
    }
}

/// How often the intervals of a scenario covered the truth.
public struct CoverageResult: Sendable, Equatable {
    public var scenario: CalibrationScenario
    public var simulations: Int
    public var covered: Int
    /// Nominal level of the intervals.
    public var level: Double
    /// covered / simulations.
    public var coverage: Double { Double(covered) / Double(simulations) }
    /// Binomial standard error of `coverage` at the nominal level: √(level(1 − level)/simulations).
    public var monteCarloStandardError: Double { (level * (1 - level) / Double(simulations)).squareRoot() }
}

/// The false-positive rate of repeated looks at an A/A test.
public struct PeekingResult: Sendable, Equatable {
    public var simulations: Int
    /// Looks per simulation (after each batch).
    public var looks: Int
    /// Simulations in which the always-valid sequence excluded the true (zero) effect at some look.
    public var sequentialRejections: Int
    /// Simulations in which the fixed-n interval excluded zero at some look (the peeking problem).
    public var fixedRejections: Int
    public var sequentialRate: Double { Double(sequentialRejections) / Double(simulations) }
    public var fixedRate: Double { Double(fixedRejections) / Double(simulations) }
}

public enum Calibration {
    /// Coverage of the scenario's nominal `level` intervals over `simulations` seeded runs.
    ///
    /// ```swift
    /// let r = Calibration.coverage(.cuped, simulations: 10_000, seed: 1)
    /// print(r.coverage)   // ≈ 0.95
    /// ```
    ///
    /// - Complexity: O(simulations × sample size); runs on all cores; the result does not
    ///   depend on how many.
    public static func coverage(
        _ scenario: CalibrationScenario, simulations: Int, seed: UInt64,
        level: Double = 0.95
    ) -> CoverageResult {
        precondition(simulations > 0, "Calibration.coverage: needs at least one simulation")
        let root = Xoshiro256StarStar(seed: seed)
        let covered = countInParallel(simulations) { i in
            var rng = root.stream(for: UInt64(i))
            let interval = scenario.simulate(using: &rng, level: level)
            return interval.lower <= scenario.truth && scenario.truth <= interval.upper
        }
        return CoverageResult(scenario: scenario, simulations: simulations, covered: covered, level: level)
    }

    /// An A/A test (both arms N(0, 1)) checked after every batch of `batchSize` customers per
    /// arm: the share of simulations in which the Welch interval, or the always-valid
    /// confidence sequence with tuning size N* = total customers at the last look, ever
    /// excluded zero.
    public static func peeking(
        simulations: Int, looks: Int, batchSize: Int, seed: UInt64,
        level: Double = 0.95
    ) -> PeekingResult {
        precondition(simulations > 0 && looks > 0 && batchSize > 1, "Calibration.peeking: needs simulations, looks and batches")
        let root = Xoshiro256StarStar(seed: seed)
        let sequence = ConfidenceSequence(tuningSampleSize: Double(2 * looks * batchSize), level: level)
        let outcomes = mapInParallel(simulations) { i -> (Bool, Bool) in
            var rng = root.stream(for: UInt64(i))
            var a = Moments(), b = Moments()
            var sequential = false, fixed = false
            for _ in 0..<looks {
                for _ in 0..<batchSize {
                    a.add(rng.normal())
                    b.add(rng.normal())
                }
                let effect = MeanComparison.absoluteDifference(treatment: a, control: b, level: level)
                if effect.interval.lower > 0 || effect.interval.upper < 0 { fixed = true }
                let always = sequence.effect(effect, sampleSize: a.count + b.count)
                if always.interval.lower > 0 || always.interval.upper < 0 { sequential = true }
            }
            return (sequential, fixed)
        }
        return PeekingResult(
            simulations: simulations, looks: looks,
            sequentialRejections: outcomes.filter(\.0).count,
            fixedRejections: outcomes.filter(\.1).count)
    }
}

extension Calibration {
    /// Continuous peeking at a test with a real effect, as the readout reads it: after every
    /// batch of `batchSize` customers per arm, the CUPED-adjusted difference (y = 0.8·x +
    /// N(0, 6²) + 2·variant, x ~ N(50, 10²)) and its always-valid sequence (N* = the customers at
    /// the last look). Returns the share of simulations in which the sequence ever missed the
    /// true effect 2 — at most 1 − level if the sequence is time-uniformly valid — and the same
    /// for the fixed-n interval.
    public static func sequentialCoverage(
        simulations: Int, looks: Int, batchSize: Int, seed: UInt64, level: Double = 0.95
    ) -> PeekingResult {
        precondition(simulations > 0 && looks > 0 && batchSize > 1, "Calibration.sequentialCoverage: needs simulations, looks and batches")
        let root = Xoshiro256StarStar(seed: seed)
        let sequence = ConfidenceSequence(tuningSampleSize: Double(2 * looks * batchSize), level: level)
        let truth = 2.0
        let outcomes = mapInParallel(simulations) { i -> (Bool, Bool) in
            var rng = root.stream(for: UInt64(i))
            var arms = [PairedMoments(), PairedMoments()]
            var sequential = false, fixed = false
            for _ in 0..<looks {
                for _ in 0..<batchSize {
                    for a in 0..<2 {
                        let x = rng.normal(mean: 50, standardDeviation: 10)
                        arms[a].add(x: x, y: 0.8 * x + rng.normal(mean: 0, standardDeviation: 6) + (a == 1 ? truth : 0))
                    }
                }
                guard
                    let c = try? ExperimentComparison.compare(
                        treatment: MetricSums(kind: .mean, moments: arms[1]), control: MetricSums(kind: .mean, moments: arms[0]),
                        level: level)
                else { continue }
                if !c.absolute.interval.contains(truth) { fixed = true }
                if !sequence.effect(c.absolute, sampleSize: arms[0].count + arms[1].count).interval.contains(truth) { sequential = true }
            }
            return (sequential, fixed)
        }
        return PeekingResult(
            simulations: simulations, looks: looks,
            sequentialRejections: outcomes.filter(\.0).count,
            fixedRejections: outcomes.filter(\.1).count)
    }
}

/// How many of `count` simulations return true, spread over the cores.
func countInParallel(_ count: Int, _ body: @Sendable (Int) -> Bool) -> Int {
    mapInParallel(count, body).filter { $0 }.count
}

/// `body(i)` for i in 0..<count, computed on all cores, in index order.
func mapInParallel<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    let workers = max(1, min(count, ProcessInfoCores.count))
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let shared = buffer  // each index is written by exactly one worker
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < count {
                shared[i] = body(i)
                i += workers
            }
        }
    }
    return results.map { $0! }
}

/// The number of online cores (sysconf), at least 1.
enum ProcessInfoCores {
    static let count = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
