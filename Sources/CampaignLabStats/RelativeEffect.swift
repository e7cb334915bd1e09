/// An effect on the treated in per cent of what they would have had without the treatment:
/// r = τ / (m − τ), with m the treated mean of the outcome level and m − τ the counterfactual
/// mean (banks' 提升率). On a heavy-tailed balance the percentage is often far more precise than
/// the mean difference, because τ and m move together.
public struct RelativeEffect: Sendable, Equatable {
    /// r, as a fraction (0.05 = +5%).
    public var estimate: Double
    public var standardError: Double
    public var interval: ConfidenceInterval
    /// m − τ: the treated customers' mean without the treatment.
    public var counterfactualMean: Double
}

/// Why no relative effect is given.
public enum RelativeEffectUnavailable: Error, Equatable, Sendable {
    /// The counterfactual mean's interval reaches zero or below: a percentage of it means nothing.
    case counterfactualNotPositive(mean: Double, standardError: Double)
    /// The effect has no variation to speak of (zero standard error).
    case noVariation
}

extension RelativeEffect {
    /// The delta-method relative effect from the influence functions of τ and of the treated
    /// mean m.
    ///
    /// τ̂ − τ ≈ Σᵢ φᵢ (so Var τ̂ = Σ φᵢ²); the treated mean's influence is Tᵢ(yᵢ − m)/n₁. With
    /// c = m − τ, ∂r/∂τ = m/c² and ∂r/∂m = −τ/c², so Var r̂ = varianceScale · Σ (m φᵢ − τ ψᵢ)²/c⁴
    /// (ψ the mean's influence); normal interval. `varianceScale` carries a small-sample factor
    /// of the absolute estimate (n/(n − p) for HC1) to the relative one.
    ///
    /// - Parameters:
    ///   - effect: τ̂.
    ///   - influence: φᵢ per unit.
    ///   - levels: the outcome level y per unit (the post-period value, also when τ is an effect
    ///     on the change).
    ///   - treated: treatment indicator per unit.
    /// - Throws: ``RelativeEffectUnavailable``.
    public static func deltaMethod(
        effect tau: Double, influence: [Double], levels y: [Double], treated: [Bool], level: Double = 0.95,
        varianceScale: Double = 1
    ) throws -> RelativeEffect {
        let n = y.count
        precondition(influence.count == n && treated.count == n, "RelativeEffect: one influence value, level and indicator per unit")
        var treatedCount = 0.0, sum = 0.0
        for i in 0..<n where treated[i] { treatedCount += 1; sum += y[i] }
        let m = sum / treatedCount
        var varianceTau = 0.0, varianceCounterfactual = 0.0, varianceRatio = 0.0
        for i in 0..<n {
            let psi = treated[i] ? (y[i] - m) / treatedCount : 0
            let phi = influence[i]
            varianceTau += phi * phi
            varianceCounterfactual += (psi - phi) * (psi - phi)
            let term = m * phi - tau * psi
            varianceRatio += term * term
        }
        guard varianceTau * varianceScale > 0 else { throw RelativeEffectUnavailable.noVariation }
        let c = m - tau
        let z = NormalDistribution.standard.quantile(0.5 + level / 2)
        let counterfactualSE = (varianceCounterfactual * varianceScale).squareRoot()
        guard c > 0, c - z * counterfactualSE > 0 else {
            throw RelativeEffectUnavailable.counterfactualNotPositive(mean: c, standardError: counterfactualSE)
        }
        let r = tau / c
        let se = (varianceRatio * varianceScale).squareRoot() / (c * c)
        return RelativeEffect(
            estimate: r, standardError: se, interval: ConfidenceInterval(lower: r - z * se, upper: r + z * se, level: level),
            counterfactualMean: c)
    }

    /// The influence of a difference of two group means, treated − control:
    /// Tᵢ(yᵢ − ȳ₁)/n₁ − (1 − Tᵢ)(yᵢ − ȳ₀)/n₀ (for naive and difference-in-differences effects).
    public static func meanDifferenceInfluence(_ y: [Double], treated: [Bool]) -> [Double] {
        var sums = (0.0, 0.0), counts = (0.0, 0.0)
        for i in y.indices {
            if treated[i] { sums.0 += y[i]; counts.0 += 1 } else { sums.1 += y[i]; counts.1 += 1 }
        }
        let m1 = sums.0 / counts.0, m0 = sums.1 / counts.1
        return y.indices.map { treated[$0] ? (y[$0] - m1) / counts.0 : -(y[$0] - m0) / counts.1 }
    }
}
