/// Empirical-Bayes shrinkage of several noisy estimates of related effects (segments of one
/// dimension) toward their common mean: the normal–normal model θᵢ ~ N(μ, τ²), θ̂ᵢ ~ N(θᵢ, sᵢ²).
///
/// τ² is DerSimonian & Laird's (1986) method-of-moments estimate (statsmodels
/// `combine_effects(method_re='dl')`), μ̂ the precision-weighted mean with weights
/// 1/(sᵢ² + τ²), and each estimate moves toward μ̂ by the factor sᵢ²/(sᵢ² + τ²): a noisy
/// segment moves a lot, a precise one little. With τ² = 0 every segment gets μ̂ — the data
/// show no differences between segments beyond noise.
public struct EmpiricalBayesShrinkage: Sendable, Equatable {
    /// τ², the between-segment variance of the true effects.
    public var betweenVariance: Double
    /// μ̂, the common mean.
    public var mean: Double
    /// The shrunken estimates, one per input.
    public var estimates: [Double]
    /// Their posterior standard deviations √(τ²sᵢ²/(τ² + sᵢ²)) (0 when τ² = 0: then the
    /// uncertainty is that of μ̂, given in `meanStandardError`).
    public var posteriorStandardDeviations: [Double]
    /// The standard error of μ̂, 1/√Σwᵢ.
    public var meanStandardError: Double
    /// Cochran's Q = Σ(θ̂ᵢ − θ̄)²/sᵢ² about the fixed-effect mean θ̄.
    public var cochranQ: Double
    /// P(χ²ₘ₋₁ ≥ Q): the test that every estimate measures the same effect.
    public var heterogeneityPValue: Double

    /// - Precondition: at least two estimates, every standard error positive and finite.
    public init(estimates y: [Double], standardErrors s: [Double]) {
        precondition(y.count == s.count && y.count >= 2, "EmpiricalBayesShrinkage: at least two estimates with their standard errors")
        precondition(s.allSatisfy { $0 > 0 && $0.isFinite }, "EmpiricalBayesShrinkage: standard errors must be positive")
        let fixedWeights = s.map { 1 / ($0 * $0) }
        let sumW = fixedWeights.reduce(0, +)
        let fixedMean = zip(fixedWeights, y).reduce(0) { $0 + $1.0 * $1.1 } / sumW
        let q = zip(fixedWeights, y).reduce(0) { $0 + $1.0 * ($1.1 - fixedMean) * ($1.1 - fixedMean) }
        let sumW2 = fixedWeights.reduce(0) { $0 + $1 * $1 }
        let tau2 = max(0, (q - Double(y.count - 1)) / (sumW - sumW2 / sumW))
        let weights = s.map { 1 / ($0 * $0 + tau2) }
        let total = weights.reduce(0, +)
        let mu = zip(weights, y).reduce(0) { $0 + $1.0 * $1.1 } / total
        betweenVariance = tau2
        cochranQ = q
        heterogeneityPValue = ChiSquaredDistribution(degreesOfFreedom: Double(y.count - 1)).survival(q)
        mean = mu
        meanStandardError = 1 / total.squareRoot()
        estimates = zip(y, s).map { value, se in mu + tau2 / (tau2 + se * se) * (value - mu) }
        posteriorStandardDeviations = s.map { se in (tau2 * se * se / (tau2 + se * se)).squareRoot() }
    }
}
