/// Power, sample size and minimum detectable effect of a two-sample comparison with a
/// normal reference, for a standardized effect d = (μ₁ − μ₀)/σ.
///
/// Two-sided power is Φ(d√n_eff − z) + Φ(−d√n_eff − z), with z = Φ⁻¹(1 − α/2) and
/// n_eff = 1/(1/n₁ + 1/n₂) — the definition of statsmodels `NormalIndPower`.
/// Sample size and MDE are found by bisection to full double precision.
///
/// ```swift
/// let plan = PowerAnalysis(alpha: 0.05)
/// plan.sampleSize(standardizedEffect: 0.05, power: 0.8)     // customers in arm 1
/// plan.minimumDetectableEffect(sampleSize: 20_000, power: 0.8)
/// ```
public struct PowerAnalysis: Sendable {
    /// Two-sided significance level.
    public var alpha: Double
    /// n₂ / n₁: the size of the second arm relative to the first.
    public var ratio: Double

    public init(alpha: Double = 0.05, ratio: Double = 1) {
        precondition(alpha > 0 && alpha < 1, "PowerAnalysis: alpha must lie in (0, 1)")
        precondition(ratio > 0, "PowerAnalysis: ratio must be positive")
        self.alpha = alpha
        self.ratio = ratio
    }

    /// The chance of a significant result when the standardized effect is `d` and arm 1 has
    /// `sampleSize` units (arm 2 has `ratio` × that).
    public func power(standardizedEffect d: Double, sampleSize n1: Double) -> Double {
        let z = NormalDistribution.standard.quantile(1 - alpha / 2)
        let shift = abs(d) * (1 / (1 / n1 + 1 / (n1 * ratio))).squareRoot()
        return NormalDistribution.standard.survival(z - shift) + NormalDistribution.standard.cdf(-z - shift)
    }

    /// The arm-1 sample size (fractional; round up) that reaches `power` for effect `d`.
    public func sampleSize(standardizedEffect d: Double, power target: Double) -> Double {
        precondition(d != 0, "PowerAnalysis.sampleSize: the effect must not be 0")
        precondition(target > alpha && target < 1, "PowerAnalysis.sampleSize: power must lie in (alpha, 1)")
        return solve(lower: 1e-6, upper: 1e15) { power(standardizedEffect: d, sampleSize: $0) - target }
    }

    /// The smallest standardized effect detected with `power` at arm-1 size `sampleSize`.
    public func minimumDetectableEffect(sampleSize n1: Double, power target: Double) -> Double {
        precondition(target > alpha && target < 1, "PowerAnalysis.minimumDetectableEffect: power must lie in (alpha, 1)")
        return solve(lower: 0, upper: 1e6) { power(standardizedEffect: $0, sampleSize: n1) - target }
    }

    /// Bisection for an increasing function: the x in [lower, upper] where f changes sign.
    private func solve(lower: Double, upper: Double, _ f: (Double) -> Double) -> Double {
        var lo = lower, hi = upper
        for _ in 0..<400 {
            let mid = lo > 0 && hi / lo > 4 ? (lo * hi).squareRoot() : (lo + hi) / 2
            if mid == lo || mid == hi { break }
            if f(mid) < 0 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
