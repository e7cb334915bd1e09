import Foundation

/// The nine sample-quantile definitions of Hyndman & Fan, named as numpy names them.
///
/// Reference: R. J. Hyndman, Y. Fan (1996), "Sample quantiles in statistical packages",
/// The American Statistician 50(4). Types 1–3 are discontinuous (they return a sample value
/// or, for type 2, the mean of two); types 4–9 interpolate linearly between order statistics
/// x₍ⱼ₎ and x₍ⱼ₊₁₎ at the virtual 1-based position n·p + m, m = α + p(1 − α − β).
public enum QuantileDefinition: Int, Sendable, CaseIterable {
    /// Type 1, the inverse of the empirical distribution function (numpy `inverted_cdf`,
    /// SAS-3): the smallest x with F̂(x) ≥ p.
    case invertedCDF = 1
    /// Type 2, type 1 averaged at the jumps (numpy `averaged_inverted_cdf`; SAS-5): the
    /// textbook median for even n.
    case averagedInvertedCDF = 2
    /// Type 3, the nearest order statistic, the even one on ties (numpy `closest_observation`, SAS-2).
    case closestObservation = 3
    /// Type 4, linear interpolation of the empirical CDF (numpy `interpolated_inverted_cdf`).
    case interpolatedInvertedCDF = 4
    /// Type 5, piecewise linear with knots at midpoints (numpy `hazen`).
    case hazen = 5
    /// Type 6, p(n + 1) (numpy `weibull`; SPSS, Minitab).
    case weibull = 6
    /// Type 7, 1 + p(n − 1): numpy's and R's default (numpy `linear`, Excel `PERCENTILE.INC`).
    case linear = 7
    /// Type 8, approximately median-unbiased (numpy `median_unbiased`); Hyndman & Fan's recommendation.
    case medianUnbiased = 8
    /// Type 9, approximately unbiased for normal data (numpy `normal_unbiased`).
    case normalUnbiased = 9

    /// The numpy `method=` name.
    public var numpyName: String {
        switch self {
        case .invertedCDF: return "inverted_cdf"
        case .averagedInvertedCDF: return "averaged_inverted_cdf"
        case .closestObservation: return "closest_observation"
        case .interpolatedInvertedCDF: return "interpolated_inverted_cdf"
        case .hazen: return "hazen"
        case .weibull: return "weibull"
        case .linear: return "linear"
        case .medianUnbiased: return "median_unbiased"
        case .normalUnbiased: return "normal_unbiased"
        }
    }

    /// (α, β) of the continuous types 4–9.
    var alphaBeta: (Double, Double)? {
        switch self {
        case .interpolatedInvertedCDF: return (0, 1)
        case .hazen: return (0.5, 0.5)
        case .weibull: return (0, 0)
        case .linear: return (1, 1)
        case .medianUnbiased: return (1.0 / 3, 1.0 / 3)
        case .normalUnbiased: return (3.0 / 8, 3.0 / 8)
        default: return nil
        }
    }
}

/// A distribution-free confidence interval for a population quantile, between two order
/// statistics.
public struct QuantileInterval: Sendable, Equatable {
    /// The probability p of the quantile.
    public var probability: Double
    /// 1-based rank l of the lower order statistic; 0 means the interval is open below (−∞).
    public var lowerRank: Int
    /// 1-based rank u of the upper order statistic; n + 1 means open above (+∞).
    public var upperRank: Int
    /// x₍ₗ₎ and x₍ᵤ₎ (±∞ when the rank is outside 1…n), at the requested level.
    public var interval: ConfidenceInterval
    /// The exact coverage P(x₍ₗ₎ ≤ ξ_p < x₍ᵤ₎) = F(u − 1) − F(l − 1), F the Binomial(n, p) CDF:
    /// at least the requested level (order statistics give only discrete coverages).
    public var coverage: Double
    public var method: String
}

/// A sample sorted once, for any number of quantiles and quantile intervals.
///
/// ```swift
/// let sample = SortedSample(daysToConvert)
/// sample.quantile(0.5)                                  // type 7, numpy/R default
/// sample.quantile(0.5, definition: .invertedCDF)        // a value that occurs in the data
/// sample.quantileInterval(0.9, level: 0.95).interval    // distribution-free 95 % interval
/// ```
///
/// - Complexity: O(n log n) to build; O(1) per quantile; two binomial quantiles (Rmath
///   `qbinom`) per interval.
public struct SortedSample: Sendable {
    /// The values, increasing.
    public let values: [Double]

    /// Sorts `values` (finite, at least one).
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "SortedSample needs at least one value")
        precondition(values.allSatisfy(\.isFinite), "SortedSample: values must be finite")
        self.values = values.sorted()
    }

    public var count: Int { values.count }

    /// The sample p-quantile by the chosen Hyndman–Fan definition, as `np.quantile(x, p, method=…)`.
    ///
    /// - Parameters:
    ///   - p: a probability in [0, 1].
    ///   - definition: the quantile rule (type 7 by default, as numpy and R).
    public func quantile(_ p: Double, definition: QuantileDefinition = .linear) -> Double {
        precondition(p >= 0 && p <= 1, "SortedSample.quantile needs p in [0, 1]")
        let n = Double(values.count)
        let last = values.count - 1
        func at(_ i: Double) -> Double { values[Int(min(max(i, 0), Double(last)))] }
        // 0-based virtual indices, transcribing numpy's `_QuantileMethods` so that the
        // floating-point edge cases (p·n landing on an integer) agree.
        switch definition {
        case .invertedCDF:
            let index = n * p - 1
            let previous = index.rounded(.down)
            return at(index - previous == 0 ? previous : previous + 1)
        case .closestObservation:
            let index = n * p - 1 - 0.5
            let previous = index.rounded(.down)
            let useP = index - previous == 0 && previous.truncatingRemainder(dividingBy: 2) != 0
            return at(useP ? previous : previous + 1)
        case .averagedInvertedCDF:
            let index = n * p - 1
            let previous = index.rounded(.down)
            return interpolate(index: index, previous: previous, gamma: index - previous == 0 ? 0.5 : 1)
        default:
            let index: Double
            if definition == .linear {
                index = (n - 1) * p
            } else {
                let (alpha, beta) = definition.alphaBeta!
                index = n * p + (alpha + p * (1 - alpha - beta)) - 1
            }
            let previous = index.rounded(.down)
            return interpolate(index: index, previous: previous, gamma: index - previous)
        }
    }

    /// numpy's `_lerp` between x[previous] and x[previous + 1], with its clamping.
    private func interpolate(index: Double, previous: Double, gamma: Double) -> Double {
        let last = values.count - 1
        if index >= Double(last) { return values[last] }
        if index < 0 { return values[0] }
        let i = Int(previous)
        let a = values[i], b = values[i + 1]
        let difference = b - a
        return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma
    }

    // Reference: W. J. Conover (1999), "Practical Nonparametric Statistics", 3rd ed., §3.2
    // (the confidence interval for a quantile); the ranks are R/scipy binomial quantiles,
    // written out in Tests/References/inequality_quantiles.py.

    /// A distribution-free confidence interval for the population p-quantile, by order
    /// statistics.
    ///
    /// The number of sample values below the p-quantile is Binomial(n, p). With F its CDF
    /// and α = 1 − level, the ranks are l = F⁻¹(α/2) and u = F⁻¹(1 − α/2) + 1 (1-based;
    /// F⁻¹ as R `qbinom` / scipy `binom.ppf`), so each tail is at most α/2 and the
    /// coverage F(u − 1) − F(l − 1) is at least the level. Valid for any continuous
    /// distribution; with ties it is conservative. When l = 0 or u = n + 1 the sample is too
    /// small for that side and the bound is infinite.
    ///
    /// - Parameters:
    ///   - p: the probability of the quantile, in (0, 1).
    ///   - level: the confidence level, in (0, 1).
    public func quantileInterval(_ p: Double, level: Double = 0.95) -> QuantileInterval {
        precondition(p > 0 && p < 1, "SortedSample.quantileInterval needs p in (0, 1)")
        precondition(level > 0 && level < 1, "SortedSample.quantileInterval needs a level in (0, 1)")
        let n = values.count
        let binomial = BinomialDistribution(trials: n, probability: p)
        let alpha = 1 - level
        let l = Int(binomial.quantile(alpha / 2))
        let u = Int(binomial.quantile(1 - alpha / 2)) + 1
        let lower = l >= 1 ? values[l - 1] : -.infinity
        let upper = u <= n ? values[u - 1] : .infinity
        let coverage = binomial.cdf(Double(u - 1)) - (l >= 1 ? binomial.cdf(Double(l - 1)) : 0)
        return QuantileInterval(
            probability: p, lowerRank: l, upperRank: u,
            interval: ConfidenceInterval(lower: lower, upper: upper, level: level),
            coverage: coverage,
            method: "distribution-free interval by order statistics (binomial, Conover)")
    }
}
