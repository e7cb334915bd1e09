/// A ratio metric per arm — Σ numerator / Σ denominator over customers, such as clicks per
/// page view or purchases per visit — where customers, not page views, are the units.
///
/// The variance is by the delta method on per-customer (numerator, denominator) pairs:
/// Var(ȳ/x̄) ≈ (1/n)·(s_y²/x̄² − 2ȳ·s_xy/x̄³ + ȳ²·s_x²/x̄⁴).
///
/// Reference: A. Deng, U. Knoblich, J. Lu (2018), "Applying the Delta Method in Metric
/// Analytics: A Practical Guide with Novel Ideas", KDD '18, section 3.
public struct RatioMetric: Sendable {
    /// Per-customer numerator (y) and denominator (x) moments.
    public var moments: PairedMoments

    public init(moments: PairedMoments) { self.moments = moments }

    /// From per-customer numerators and denominators.
    public init(numerators: [Double], denominators: [Double]) {
        moments = PairedMoments(x: denominators, y: numerators)
    }

    /// Σ numerator / Σ denominator.
    public var ratio: Double { moments.meanY / moments.meanX }

    /// The delta-method variance of the ratio.
    public var variance: Double {
        let mx = moments.meanX, my = moments.meanY
        let vx = moments.x.variance, vy = moments.y.variance, cxy = moments.covariance
        return (vy / (mx * mx) - 2 * my * cxy / (mx * mx * mx) + my * my * vx / (mx * mx * mx * mx)) / moments.count
    }

    /// The difference of ratios treatment − control, normal reference (z).
    public static func difference(treatment: RatioMetric, control: RatioMetric, level: Double = 0.95) -> EffectEstimate {
        let se = (treatment.variance + control.variance).squareRoot()
        return MeanComparison.tEstimate(
            treatment.ratio - control.ratio, se: se, df: .infinity, level: level,
            method: "difference of ratio metrics, delta method, z interval")
    }
}
