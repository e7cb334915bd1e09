import Foundation

/// One arm's sufficient statistics of one metric in a randomized test: all a readout needs,
/// whether they come from customer rows or from a warehouse's sums.
///
/// A mean metric (a conversion is a mean of 0/1) keeps the moments of (x = the pre-period
/// covariate, y = the outcome); a ratio metric those of (x = denominator, y = numerator).
public struct MetricSums: Sendable, Equatable {
    public enum Kind: String, Sendable { case mean, ratio }
    public var kind: Kind
    public var moments: PairedMoments

    public init(kind: Kind, moments: PairedMoments) {
        self.kind = kind
        self.moments = moments
    }

    /// The arm's mean (mean metrics) or Σ numerator / Σ denominator (ratio metrics).
    public var value: Double { kind == .ratio ? moments.meanY / moments.meanX : moments.meanY }
    public var count: Double { moments.count }
}

/// A variant against control on one metric: the default estimate (CUPED-adjusted when a
/// pre-period covariate varies) and the unadjusted one, absolute and relative.
public struct VariantComparison: Sendable, Equatable {
    /// The default absolute effect, variant − control.
    public var absolute: EffectEstimate
    /// The default relative effect, variant / control − 1 (nil when the control's value is 0).
    public var relative: EffectEstimate?
    public var unadjusted: EffectEstimate
    public var unadjustedRelative: EffectEstimate?
    /// CUPED's pooled θ, when the default is adjusted.
    public var theta: Double?
    /// 1 − Var(adjusted effect)/Var(unadjusted effect), when adjusted.
    public var varianceReduction: Double?
}

/// Why a variant cannot be compared with control on a metric.
public enum ComparisonUnavailable: Error, Equatable, Sendable {
    /// An arm has fewer than two customers with a value.
    case tooFewCustomers(treatment: Double, control: Double)
    /// Every customer of both arms has the same value: there is nothing to test.
    case noVariation
    /// A ratio metric whose denominator sums to 0 in an arm.
    case zeroDenominator
}

/// The estimates of a randomized test's readout, from per-arm sufficient statistics.
///
/// Mean metrics: the Welch t difference of means, CUPED-adjusted with the pre-period covariate
/// when it varies (θ pooled over the two arms, Deng et al. 2013), and the relative difference of
/// the (adjusted) means by the delta method, or Fieller's or the log-ratio interval. Ratio
/// metrics: the delta method on Σ numerator / Σ denominator (Deng, Knoblich & Lu 2018), normal
/// reference, no covariate.
///
/// ```swift
/// let c = try ExperimentComparison.compare(treatment: variantSums, control: controlSums)
/// c.absolute.interval       // CUPED-adjusted when a covariate varies
/// c.varianceReduction       // e.g. 0.31: the interval is √(1 − 0.31) as wide as unadjusted
/// ```
public enum ExperimentComparison {
    /// Compares `treatment` with `control`.
    /// - Parameter adjust: use the covariate (mean metrics) when it varies.
    /// - Throws: `ComparisonUnavailable`.
    public static func compare(
        treatment: MetricSums, control: MetricSums, adjust: Bool = true, level: Double = 0.95,
        relativeMethod: RelativeIntervalMethod = .delta
    ) throws -> VariantComparison {
        guard treatment.count > 1 && control.count > 1 else {
            throw ComparisonUnavailable.tooFewCustomers(treatment: treatment.count, control: control.count)
        }
        if treatment.kind == .ratio {
            guard treatment.moments.meanX != 0 && control.moments.meanX != 0 else { throw ComparisonUnavailable.zeroDenominator }
            let t = RatioMetric(moments: treatment.moments), c = RatioMetric(moments: control.moments)
            let absolute = RatioMetric.difference(treatment: t, control: c, level: level)
            guard absolute.standardError > 0 else { throw ComparisonUnavailable.noVariation }
            let relative = RatioMetric.relativeDifference(treatment: t, control: c, level: level)
            return VariantComparison(
                absolute: absolute, relative: relative, unadjusted: absolute, unadjustedRelative: relative)
        }
        let unadjusted = MeanComparison.absoluteDifference(treatment: treatment.moments.y, control: control.moments.y, level: level)
        guard unadjusted.standardError > 0 else { throw ComparisonUnavailable.noVariation }
        let unadjustedRelative =
            control.moments.meanY != 0
            ? MeanComparison.relativeDifference(
                treatment: treatment.moments.y, control: control.moments.y, level: level, method: relativeMethod) : nil
        let pooled = treatment.moments + control.moments
        guard adjust && pooled.sxx > 0 else {
            return VariantComparison(
                absolute: unadjusted, relative: unadjustedRelative, unadjusted: unadjusted, unadjustedRelative: unadjustedRelative)
        }
        let (absolute, theta) = CUPED.absoluteDifference(treatment: treatment.moments, control: control.moments, level: level)
        let t = CUPED.adjusted(treatment.moments, theta: theta, pooledMeanX: pooled.meanX)
        let c = CUPED.adjusted(control.moments, theta: theta, pooledMeanX: pooled.meanX)
        var relative: EffectEstimate?
        if control.moments.meanY != 0 && relativeMethod == .delta {
            relative = cupedRelative(treatment: treatment.moments, control: control.moments, theta: theta, absolute: absolute, level: level)
        } else if c.mean != 0 && relativeMethod != .delta {
            relative = MeanComparison.relativeDifference(treatment: t, control: c, level: level, method: relativeMethod)
            relative!.method = "relative difference of CUPED-adjusted means, " + relative!.method.dropFirst("relative difference, ".count)
        }
        let reduction = 1 - absolute.standardError * absolute.standardError / (unadjusted.standardError * unadjusted.standardError)
        return VariantComparison(
            absolute: absolute, relative: relative, unadjusted: unadjusted, unadjustedRelative: unadjustedRelative, theta: theta,
            varianceReduction: reduction)
    }

    /// The CUPED-adjusted difference relative to the control's unadjusted mean, Δ/ȳ₀, with the
    /// delta-method variance of GrowthBook's engine (gbstats `frequentist_variance_relative_cuped`):
    /// (s²_y1 + θ²s²_x1 − 2θs_xy1)/(n₁ȳ₀²) + (s²_y0·ȳ₁²/ȳ₀² − 2θs_xy0·ȳ₁/ȳ₀ + θ²s²_x0)/(n₀ȳ₀²), and
    /// the adjusted difference's Welch–Satterthwaite degrees of freedom. Dividing by the
    /// unadjusted control mean keeps the relative effect what a reader computes from the
    /// table (effect / control), and keeps it finite when the adjusted control mean is near 0.
    static func cupedRelative(
        treatment: PairedMoments, control: PairedMoments, theta: Double, absolute: EffectEstimate, level: Double
    ) -> EffectEstimate {
        let m0 = control.meanY, m1 = treatment.meanY
        let v1 =
            (treatment.y.variance + theta * theta * treatment.x.variance - 2 * theta * treatment.covariance) / (treatment.count * m0 * m0)
        let v0 =
            (control.y.variance * m1 * m1 / (m0 * m0) - 2 * theta * control.covariance * m1 / m0 + theta * theta * control.x.variance)
            / (control.count * m0 * m0)
        return MeanComparison.tEstimate(
            absolute.estimate / abs(m0), se: max(v1 + v0, 0).squareRoot(), df: absolute.degreesOfFreedom, level: level,
            method: "CUPED-adjusted difference relative to the control's mean, delta method, Welch t (Welch–Satterthwaite df)")
    }

    /// The power a test with standard error `se` has to detect an effect of size `effect`
    /// (two-sided, normal reference): Φ(|δ|/SE − z) + Φ(−|δ|/SE − z), z = Φ⁻¹(1 − α/2).
    public static func power(effect: Double, standardError se: Double, alpha: Double = 0.05) -> Double {
        let z = NormalDistribution.standard.quantile(1 - alpha / 2)
        let shift = abs(effect) / se
        return NormalDistribution.standard.survival(z - shift) + NormalDistribution.standard.cdf(-z - shift)
    }

    /// The smallest effect detected with `power` by a test with standard error `se`:
    /// (z₁₋α/₂ + z_power)·SE (the other tail neglected, as sample-size calculators do).
    public static func minimumDetectableEffect(standardError se: Double, power: Double = 0.8, alpha: Double = 0.05) -> Double {
        (NormalDistribution.standard.quantile(1 - alpha / 2) + NormalDistribution.standard.quantile(power)) * se
    }
}

extension RatioMetric {
    /// The relative difference of ratios treatment / control − 1 by the delta method:
    /// Var ≈ Var(r₁)/r₀² + r₁²Var(r₀)/r₀⁴ (the arms independent), normal reference.
    public static func relativeDifference(treatment: RatioMetric, control: RatioMetric, level: Double = 0.95) -> EffectEstimate {
        let r1 = treatment.ratio, r0 = control.ratio
        let se = (treatment.variance / (r0 * r0) + r1 * r1 * control.variance / (r0 * r0 * r0 * r0)).squareRoot()
        return MeanComparison.tEstimate(
            r1 / r0 - 1, se: se, df: .infinity, level: level,
            method: "relative difference of ratio metrics, delta method, z interval")
    }
}

/// A quantile of a metric (P50, P90) in a variant against control.
public struct QuantileComparison: Sendable, Equatable {
    public var probability: Double
    /// Each arm's sample quantile (type 7, as numpy) with its distribution-free interval.
    public var treatment: QuantileInterval
    public var control: QuantileInterval
    public var treatmentValue: Double
    public var controlValue: Double
    /// Variant − control, and variant / control − 1 (nil when the control's quantile is 0).
    public var difference: EffectEstimate
    public var relative: EffectEstimate?
}

extension ExperimentComparison {
    /// Compares the `p`-quantiles of two samples.
    ///
    /// Each arm's quantile gets a standard error from its distribution-free interval,
    /// SE = (x₍ᵤ₎ − x₍ₗ₎)/(2·z₁₋α/₂) (the order-statistic approach of Price & Bonett 2001, as the
    /// experiment platforms' quantile metrics); the difference has SE √(SE₁² + SE₀²) with a
    /// normal interval, the ratio the delta-method SE √(SE₁²/q₀² + q₁²SE₀²/q₀⁴).
    /// - Throws: `ComparisonUnavailable.tooFewCustomers` when an arm is too small for a finite
    ///   interval; `.noVariation` when both intervals have no width.
    public static func quantiles(treatment: [Double], control: [Double], p: Double, level: Double = 0.95) throws -> QuantileComparison {
        guard treatment.count > 1 && control.count > 1 else {
            throw ComparisonUnavailable.tooFewCustomers(treatment: Double(treatment.count), control: Double(control.count))
        }
        let t = SortedSample(treatment), c = SortedSample(control)
        let ti = t.quantileInterval(p, level: level), ci = c.quantileInterval(p, level: level)
        guard ti.interval.lower.isFinite && ti.interval.upper.isFinite && ci.interval.lower.isFinite && ci.interval.upper.isFinite else {
            throw ComparisonUnavailable.tooFewCustomers(treatment: Double(treatment.count), control: Double(control.count))
        }
        let z = NormalDistribution.standard.quantile(0.5 + level / 2)
        let se1 = (ti.interval.upper - ti.interval.lower) / (2 * z), se0 = (ci.interval.upper - ci.interval.lower) / (2 * z)
        guard se1 + se0 > 0 else { throw ComparisonUnavailable.noVariation }
        let q1 = t.quantile(p), q0 = c.quantile(p)
        let difference = MeanComparison.tEstimate(
            q1 - q0, se: (se1 * se1 + se0 * se0).squareRoot(), df: .infinity, level: level,
            method: "difference of quantiles, order-statistic standard errors, z interval")
        let relative =
            q0 != 0
            ? MeanComparison.tEstimate(
                q1 / q0 - 1, se: (se1 * se1 / (q0 * q0) + q1 * q1 * se0 * se0 / (q0 * q0 * q0 * q0)).squareRoot(), df: .infinity,
                level: level, method: "relative difference of quantiles, delta method, z interval") : nil
        return QuantileComparison(
            probability: p, treatment: ti, control: ci, treatmentValue: q1, controlValue: q0, difference: difference, relative: relative)
    }
}
