import Foundation

/// Always-valid (peeking-safe) confidence intervals: an asymptotic confidence sequence that
/// covers the true effect at every look simultaneously with probability 1 − α, so an A/B
/// test can be checked daily without inflating false positives.
///
/// With n the total sample size so far and σ̂² = SE²·n the per-observation variance, the
/// half-width is σ̂·√(2(nρ² + 1)/(n²ρ²) · ln(√(nρ² + 1)/α)), where the mixing parameter
/// ρ = √((−2 ln α + ln(−2 ln α + 1))/N*) makes the sequence tightest at the tuning sample
/// size N*. The always-valid p-value is min(1, 1/E) with the normal-mixture e-value
/// E = exp(ρ²·n·z²/(2(nρ² + 1)))/√(nρ² + 1), z = (θ̂ − θ₀)/SE.
///
/// Reference: I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy, A. Ramdas (2023),
/// "Time-uniform central limit theory and asymptotic confidence sequences", Annals of
/// Statistics — eq. 9 (half-width), eq. 155 (p-value), eq. 161 (ρ).
///
/// ```swift
/// let cs = ConfidenceSequence(tuningSampleSize: 100_000)
/// let always = cs.effect(fixed, sampleSize: 40_000)   // wider than the fixed-n interval
/// ```
public struct ConfidenceSequence: Sendable {
    /// N*: the total sample size at which the sequence is tightest (a named tuning choice).
    public var tuningSampleSize: Double
    /// 1 − level.
    public var alpha: Double

    public init(tuningSampleSize: Double, level: Double = 0.95) {
        precondition(tuningSampleSize > 0, "ConfidenceSequence: the tuning sample size must be positive")
        precondition(level > 0 && level < 1, "ConfidenceSequence: level must lie in (0, 1)")
        self.tuningSampleSize = tuningSampleSize
        alpha = 1 - level
    }

    /// The mixing parameter ρ (eq. 161).
    public var rho: Double {
        let l = log(alpha)
        return ((-2 * l + log(-2 * l + 1)) / tuningSampleSize).squareRoot()
    }

    /// The half-width at total sample size `n` for an estimator with standard error `se`.
    public func halfWidth(standardError se: Double, sampleSize n: Double) -> Double {
        let r2 = rho * rho
        let s2 = se * se * n
        let a = n * r2 + 1
        return (s2 * 2 * a * log(a.squareRoot() / alpha) / (n * n * r2)).squareRoot()
    }

    /// The always-valid p-value for H₀: effect = `null` (eq. 155).
    public func pValue(estimate: Double, standardError se: Double, sampleSize n: Double, null: Double = 0) -> Double {
        let r2 = rho * rho
        // E = exp(ρ²S²/(2σ²(nρ² + 1)))/√(nρ² + 1) with S = n(θ̂ − θ₀), σ² = SE²·n,
        // so ρ²S²/σ² = ρ²·n·z² with z = (θ̂ − θ₀)/SE. p ≤ α exactly when θ₀ is outside the sequence.
        let zSquared = (estimate - null) * (estimate - null) / (se * se)
        let a = n * r2 + 1
        let logE = r2 * n * zSquared / (2 * a) - 0.5 * log(a)
        return logE <= 0 ? 1 : min(1, exp(-logE))
    }

    /// `fixed` turned into its always-valid version at total sample size `n`.
    public func effect(_ fixed: EffectEstimate, sampleSize n: Double) -> EffectEstimate {
        let h = halfWidth(standardError: fixed.standardError, sampleSize: n)
        return EffectEstimate(
            estimate: fixed.estimate, standardError: fixed.standardError,
            interval: ConfidenceInterval(lower: fixed.estimate - h, upper: fixed.estimate + h, level: 1 - alpha),
            pValue: pValue(estimate: fixed.estimate, standardError: fixed.standardError, sampleSize: n),
            degreesOfFreedom: .infinity,
            method: fixed.method + "; always-valid confidence sequence (Waudby-Smith et al. 2023, N* = \(Int(tuningSampleSize)))")
    }
}
