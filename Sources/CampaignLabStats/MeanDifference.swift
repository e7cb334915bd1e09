import Foundation

/// A two-sided confidence interval.
public struct ConfidenceInterval: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    /// The confidence level, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// Whether `value` lies in the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// An estimated effect with its uncertainty and the name of the method that produced it.
public struct EffectEstimate: Sendable, Equatable {
    public var estimate: Double
    public var standardError: Double
    public var interval: ConfidenceInterval
    /// Two-sided p-value for "no effect".
    public var pValue: Double
    /// Degrees of freedom of the reference t distribution; `.infinity` for a normal reference.
    public var degreesOfFreedom: Double
    /// The method, in words, for reports ("Welch t, Welch–Satterthwaite df").
    public var method: String

    public init(
        estimate: Double, standardError: Double, interval: ConfidenceInterval, pValue: Double,
        degreesOfFreedom: Double, method: String
    ) {
        self.estimate = estimate
        self.standardError = standardError
        self.interval = interval
        self.pValue = pValue
        self.degreesOfFreedom = degreesOfFreedom
        self.method = method
    }
}

/// How the interval of a relative difference (lift) is computed.
public enum RelativeIntervalMethod: String, Sendable, CaseIterable {
    /// First-order delta method on m₁/m₀ − 1 (GrowthBook's default).
    case delta
    /// Fieller's exact interval for a ratio of means (unbounded when the control mean is
    /// not clearly away from zero; then the interval is (−∞, ∞)).
    case fieller
    /// Delta method on log(m₁/m₀), transformed back; needs positive means.
    case logRatio
}

/// Comparisons of the means of two independent groups.
public enum MeanComparison {
    /// The absolute difference of means, treatment − control, with a Welch t interval.
    ///
    /// Welch's unequal-variance t statistic with Welch–Satterthwaite degrees of freedom, as
    /// `scipy.stats.ttest_ind(equal_var=False)` and GrowthBook's frequentist engine.
    ///
    /// ```swift
    /// let effect = MeanComparison.absoluteDifference(treatment: t, control: c)
    /// effect.interval.lower   // 0.04538 for GrowthBook's published test case
    /// ```
    ///
    /// - Parameters:
    ///   - treatment: moments of the treatment group (at least two values).
    ///   - control: moments of the control group (at least two values).
    ///   - level: the confidence level.
    /// - Returns: the estimate; the standard error is √(s₁²/n₁ + s₀²/n₀).
    public static func absoluteDifference(treatment: Moments, control: Moments, level: Double = 0.95) -> EffectEstimate {
        precondition(treatment.count > 1 && control.count > 1, "absoluteDifference needs two values per group")
        let v1 = treatment.variance / treatment.count
        let v0 = control.variance / control.count
        let se = (v1 + v0).squareRoot()
        let df = welchSatterthwaite(v1: v1, n1: treatment.count, v0: v0, n0: control.count)
        let estimate = treatment.mean - control.mean
        return tEstimate(
            estimate, se: se, df: df, level: level,
            method: "difference of means, Welch t (Welch–Satterthwaite df)")
    }

    /// The relative difference of means, m₁/m₀ − 1, with an interval by `method`.
    ///
    /// The delta-method variance is s₁²/(n₁m₀²) + m₁²s₀²/(n₀m₀⁴) (control mean as
    /// denominator), with the Welch–Satterthwaite degrees of freedom of the absolute
    /// difference — the definition used in GrowthBook's gbstats test suite.
    ///
    /// Reference for Fieller: E. C. Fieller (1954), "Some problems in interval estimation",
    /// JRSS B 16(2).
    ///
    /// - Returns: the estimate; the p-value tests a relative difference of zero.
    public static func relativeDifference(
        treatment: Moments, control: Moments, level: Double = 0.95,
        method: RelativeIntervalMethod = .delta
    ) -> EffectEstimate {
        precondition(treatment.count > 1 && control.count > 1, "relativeDifference needs two values per group")
        let m1 = treatment.mean, m0 = control.mean
        let v1 = treatment.variance / treatment.count
        let v0 = control.variance / control.count
        let df = welchSatterthwaite(v1: v1, n1: treatment.count, v0: v0, n0: control.count)
        let lift = m1 / m0 - 1
        let deltaSE = (v1 / (m0 * m0) + m1 * m1 * v0 / (m0 * m0 * m0 * m0)).squareRoot()
        switch method {
        case .delta:
            return tEstimate(
                lift, se: deltaSE, df: df, level: level,
                method: "relative difference, delta method, Welch t (Welch–Satterthwaite df)")
        case .logRatio:
            let logSE = (v1 / (m1 * m1) + v0 / (m0 * m0)).squareRoot()
            let logRatio = tEstimate(m1 > 0 && m0 > 0 ? log(m1 / m0) : .nan, se: logSE, df: df, level: level, method: "")
            return EffectEstimate(
                estimate: lift, standardError: deltaSE,
                interval: ConfidenceInterval(
                    lower: exp(logRatio.interval.lower) - 1, upper: exp(logRatio.interval.upper) - 1, level: level),
                pValue: logRatio.pValue, degreesOfFreedom: df,
                method: "relative difference, delta method on the log ratio, Welch t (Welch–Satterthwaite df)")
        case .fieller:
            let t = StudentTDistribution(degreesOfFreedom: df).quantile(0.5 + level / 2)
            let t2 = t * t
            // (m1 − ρ m0)² ≤ t² (v1 + ρ² v0)  ⇔  a ρ² − 2 b ρ + c ≤ 0
            let a = m0 * m0 - t2 * v0
            let b = m0 * m1
            let c = m1 * m1 - t2 * v1
            let discriminant = b * b - a * c
            var interval = ConfidenceInterval(lower: -.infinity, upper: .infinity, level: level)
            if a > 0 && discriminant >= 0 {
                let root = discriminant.squareRoot()
                interval = ConfidenceInterval(lower: (b - root) / a - 1, upper: (b + root) / a - 1, level: level)
            }
            let absolute = absoluteDifference(treatment: treatment, control: control, level: level)
            return EffectEstimate(
                estimate: lift, standardError: deltaSE, interval: interval,
                pValue: absolute.pValue, degreesOfFreedom: df,
                method: "relative difference, Fieller interval, Welch t (Welch–Satterthwaite df)")
        }
    }

    /// Welch–Satterthwaite degrees of freedom from the two squared standard errors.
    public static func welchSatterthwaite(v1: Double, n1: Double, v0: Double, n0: Double) -> Double {
        let numerator = (v1 + v0) * (v1 + v0)
        let denominator = v1 * v1 / (n1 - 1) + v0 * v0 / (n0 - 1)
        return denominator > 0 ? numerator / denominator : .infinity
    }

    /// An estimate with a t (or, for infinite df, normal) reference distribution.
    /// An estimate with a t (finite `df`) or normal (`df` = ∞) interval and two-sided p-value.
    public static func tEstimate(_ estimate: Double, se: Double, df: Double, level: Double, method: String) -> EffectEstimate {
        let quantile: Double
        let p: Double
        if df.isInfinite {
            quantile = NormalDistribution.standard.quantile(0.5 + level / 2)
            p = 2 * NormalDistribution.standard.survival(abs(estimate / se))
        } else {
            let t = StudentTDistribution(degreesOfFreedom: df)
            quantile = t.quantile(0.5 + level / 2)
            p = 2 * t.survival(abs(estimate / se))
        }
        return EffectEstimate(
            estimate: estimate, standardError: se,
            interval: ConfidenceInterval(lower: estimate - quantile * se, upper: estimate + quantile * se, level: level),
            pValue: min(1, p), degreesOfFreedom: df, method: method)
    }
}
