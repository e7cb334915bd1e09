#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Seeded bootstrap intervals for any statistic.
//
// Two flavours:
//
// * `PoissonBootstrap` — each unit enters replicate r with a Poisson(1) frequency weight
//   (Hanley & MacGibbon 2006, "Creating non-parametric bootstrap samples using Poisson
//   frequencies"; Chamandy et al. 2012, "Estimating uncertainty for massive data streams",
//   Google). The weights of a unit come from its own random stream, keyed by the unit
//   (e.g. the customer id) — so the result does not depend on the order of the rows, on how
//   they were split into chunks, or on which core saw them, and per-chunk bootstraps merge
//   by adding their replicate accumulators. This is the one to use on streamed data.
// * `Bootstrap.resampling` — the classic Efron bootstrap for data in memory: replicate r
//   draws n indices with replacement from stream r of the seed.
//
// Intervals: percentile (Efron & Tibshirani 1993, §13.3), basic (Davison & Hinkley 1997,
// eq. 5.6) and normal (estimate ± z·SE), as `BootstrapIntervalMethod`; quantiles of the
// replicate statistics are Hyndman–Fan type 7 (numpy's and R's default).

/// What a bootstrap replicate accumulates: observations with frequency weights, mergeable.
///
/// `Moments` (a `Double` per unit) and `PairedMoments` (an `(x, y)` pair per unit) conform;
/// anything with an associative, commutative `merge` can.
public protocol BootstrapAccumulator: Sendable {
    associatedtype Observation
    init()
    /// Adds one observation counted `weight` times.
    mutating func add(_ observation: Observation, weight: Double)
    /// Adds everything `other` has accumulated.
    mutating func merge(_ other: Self)
}

extension Moments: BootstrapAccumulator {
    public typealias Observation = Double
}

extension PairedMoments: BootstrapAccumulator {
    public typealias Observation = (x: Double, y: Double)

    public mutating func add(_ observation: (x: Double, y: Double), weight: Double) {
        add(x: observation.x, y: observation.y, weight: weight)
    }
}

/// How a bootstrap interval is formed from the replicate statistics θ*₁…θ*_B and the
/// full-sample estimate θ̂.
public enum BootstrapIntervalMethod: String, Sendable, CaseIterable {
    /// [q(α/2), q(1−α/2)] of the replicates (Efron & Tibshirani 1993, §13.3).
    case percentile
    /// [2θ̂ − q(1−α/2), 2θ̂ − q(α/2)] (Davison & Hinkley 1997, eq. 5.6).
    case basic
    /// θ̂ ± z(1−α/2) · SE, SE the standard deviation of the replicates.
    case normal
}

/// The outcome of a bootstrap: the estimate, the replicate statistics and an interval.
public struct BootstrapSummary: Sendable, Equatable {
    /// The statistic on the full sample.
    public var estimate: Double
    /// The statistic on each replicate, in replicate order. Replicates whose statistic is
    /// not finite (e.g. a replicate that drew no unit of an arm) are left out.
    public var replicates: [Double]
    /// Replicates dropped because their statistic was not finite.
    public var droppedReplicates: Int
    /// Standard deviation of `replicates` (divisor B − 1): the bootstrap standard error.
    public var standardError: Double
    public var interval: ConfidenceInterval
    public var method: BootstrapIntervalMethod

    /// The summary as an `EffectEstimate`; the p-value is the normal-approximation two-sided
    /// p-value of estimate / SE against zero.
    public var effectEstimate: EffectEstimate {
        let z = estimate / standardError
        let p = z.isFinite ? 2 * NormalDistribution.standard.survival(abs(z)) : .nan
        return EffectEstimate(
            estimate: estimate, standardError: standardError, interval: interval, pValue: p,
            degreesOfFreedom: .infinity,
            method: "bootstrap (\(replicates.count) replicates, \(method.rawValue) interval)")
    }

    /// Summarizes replicate statistics.
    ///
    /// - Parameters:
    ///   - estimate: the statistic on the full sample.
    ///   - replicateStatistics: one value per replicate (non-finite ones are dropped and counted).
    ///   - level: the interval's confidence level, in (0, 1).
    ///   - method: how the interval is formed.
    /// - Precondition: at least two finite replicate statistics.
    public init(
        estimate: Double, replicateStatistics: [Double], level: Double = 0.95,
        method: BootstrapIntervalMethod = .percentile
    ) {
        precondition(level > 0 && level < 1, "BootstrapSummary: the level must be in (0, 1)")
        let finite = replicateStatistics.filter(\.isFinite)
        precondition(finite.count >= 2, "BootstrapSummary: needs at least two replicates with a finite statistic")
        self.estimate = estimate
        self.replicates = finite
        self.droppedReplicates = replicateStatistics.count - finite.count
        self.standardError = Moments(finite).standardDeviation
        self.method = method
        let alpha = 1 - level
        let sorted = SortedSample(finite)
        let low = sorted.quantile(alpha / 2)
        let high = sorted.quantile(1 - alpha / 2)
        switch method {
        case .percentile:
            interval = ConfidenceInterval(lower: low, upper: high, level: level)
        case .basic:
            interval = ConfidenceInterval(lower: 2 * estimate - high, upper: 2 * estimate - low, level: level)
        case .normal:
            let z = NormalDistribution.standard.quantile(1 - alpha / 2)
            interval = ConfidenceInterval(
                lower: estimate - z * standardError, upper: estimate + z * standardError,
                level: level)
        }
    }
}

/// The Poisson bootstrap: B replicate accumulators fed with Poisson(1) frequency weights that
/// depend only on (seed, unit key) — mergeable across chunks and cores.
///
/// ```swift
/// var control = PoissonBootstrap<Moments>(replicates: 1000, seed: 7)
/// var treated = PoissonBootstrap<Moments>(replicates: 1000, seed: 7)
/// for row in rows { row.treated ? treated.add(row.y, unit: row.customerID) : control.add(row.y, unit: row.customerID) }
/// let lift = PoissonBootstrap.summarize(treated, control) { $0.mean / $1.mean - 1 }
/// ```
///
/// Use the same seed for every arm and chunk of one analysis; a unit must be added once
/// (its weights are a function of its key, so adding it twice counts it twice in every
/// replicate, as it would be in the data).
///
/// - Complexity: O(B) per observation (about 1.6 B random draws' worth of work); memory
///   O(B) accumulators, independent of the number of observations.
public struct PoissonBootstrap<Accumulator: BootstrapAccumulator>: Sendable {
    public let seed: UInt64
    /// The accumulator over every observation with weight 1.
    public private(set) var full: Accumulator
    /// One accumulator per replicate.
    public private(set) var replicates: [Accumulator]
    private let root: Xoshiro256StarStar

    /// - Parameters:
    ///   - replicates: B, the number of bootstrap replicates (≥ 2; 1,000–10,000 is usual).
    ///   - seed: the seed; the same seed and data give the same replicates.
    public init(replicates: Int = 1000, seed: UInt64) {
        precondition(replicates >= 2, "PoissonBootstrap: needs at least two replicates")
        self.seed = seed
        self.full = Accumulator()
        self.replicates = Array(repeating: Accumulator(), count: replicates)
        self.root = Xoshiro256StarStar(seed: seed)
    }

    /// Adds one unit's observation; its weight in replicate r is the r-th Poisson(1) draw of
    /// the stream keyed by `unit`.
    public mutating func add(_ observation: Accumulator.Observation, unit: UInt64) {
        full.add(observation, weight: 1)
        var stream = root.stream(for: unit)
        for r in replicates.indices {
            let weight = stream.poissonOne()
            if weight > 0 { replicates[r].add(observation, weight: Double(weight)) }
        }
    }

    /// Adds everything `other` accumulated (another chunk of the same analysis).
    ///
    /// - Precondition: same seed and number of replicates.
    public mutating func merge(_ other: PoissonBootstrap) {
        precondition(
            seed == other.seed && replicates.count == other.replicates.count,
            "PoissonBootstrap.merge: both sides need the same seed and number of replicates")
        full.merge(other.full)
        for r in replicates.indices { replicates[r].merge(other.replicates[r]) }
    }

    /// The bootstrap summary of `statistic`.
    public func summarize(
        level: Double = 0.95, method: BootstrapIntervalMethod = .percentile,
        _ statistic: (Accumulator) -> Double
    ) -> BootstrapSummary {
        BootstrapSummary(
            estimate: statistic(full), replicateStatistics: replicates.map(statistic),
            level: level, method: method)
    }

    /// The bootstrap summary of a statistic of two independent samples (e.g. treated and
    /// control), pairing their replicates by index.
    ///
    /// - Precondition: both have the same number of replicates.
    public static func summarize<Other>(
        _ first: PoissonBootstrap, _ second: PoissonBootstrap<Other>,
        level: Double = 0.95, method: BootstrapIntervalMethod = .percentile,
        _ statistic: (Accumulator, Other) -> Double
    ) -> BootstrapSummary {
        precondition(
            first.replicates.count == second.replicates.count,
            "PoissonBootstrap.summarize: both samples need the same number of replicates")
        let values = zip(first.replicates, second.replicates).map { statistic($0, $1) }
        return BootstrapSummary(
            estimate: statistic(first.full, second.full), replicateStatistics: values,
            level: level, method: method)
    }
}

public enum Bootstrap {
    /// The classic (Efron) bootstrap of `statistic` over data in memory: replicate r resamples
    /// n elements with replacement, drawing indices from stream r of `seed`.
    ///
    /// ```swift
    /// let median = Bootstrap.resampling(balances, replicates: 2000, seed: 1) { sample in
    ///     let s = sample.sorted(); return s[s.count / 2]
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - data: the sample (at least one element).
    ///   - replicates: B (≥ 2).
    ///   - seed: the seed; the same seed and data give the same result.
    ///   - level: confidence level of the interval.
    ///   - method: how the interval is formed.
    ///   - statistic: the statistic, computed on the full sample and on every resample.
    /// - Complexity: O(B · (n + cost of the statistic)).
    public static func resampling<Element>(
        _ data: [Element], replicates: Int = 1000, seed: UInt64,
        level: Double = 0.95, method: BootstrapIntervalMethod = .percentile,
        _ statistic: ([Element]) -> Double
    ) -> BootstrapSummary {
        precondition(!data.isEmpty, "Bootstrap.resampling: needs data")
        precondition(replicates >= 2, "Bootstrap.resampling: needs at least two replicates")
        let root = Xoshiro256StarStar(seed: seed)
        var sample = data
        var values = [Double]()
        values.reserveCapacity(replicates)
        for r in 0..<replicates {
            var stream = root.stream(for: UInt64(r))
            for i in sample.indices { sample[i] = data[stream.uniformInt(below: data.count)] }
            values.append(statistic(sample))
        }
        return BootstrapSummary(estimate: statistic(data), replicateStatistics: values, level: level, method: method)
    }
}

extension Xoshiro256StarStar {
    /// A Poisson(1) draw by inversion: the smallest k with u < P(K ≤ k), the CDF summed term
    /// by term (e⁻¹ Σ 1/j!), one uniform per draw.
    @inlinable
    mutating func poissonOne() -> Int {
        let u = uniform()
        var term = 0.36787944117144233  // e^-1
        var cdf = term
        var k = 0
        while u >= cdf && k < 30 {
            k += 1
            term /= Double(k)
            cdf += term
        }
        return k
    }
}
