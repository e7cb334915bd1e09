/// How the p-value of a difference of two proportions is computed.
public enum ProportionTest: String, Sendable, CaseIterable {
    /// Wald z with the unpooled variance p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀ — the same variance as the
    /// interval, so interval and test agree (statsmodels `test_proportions_2indep(method='wald')`).
    case wald
    /// Classic z test with the pooled proportion under H₀ (statsmodels `proportions_ztest`).
    case pooled
}

/// Comparison of two conversion rates (successes out of trials).
public enum ProportionComparison {
    /// The difference p₁ − p₀ with a Wald interval and a z test.
    ///
    /// ```swift
    /// let e = ProportionComparison.difference(treatment: (120, 1000), control: (100, 1000))
    /// e.estimate   // 0.02
    /// ```
    ///
    /// - Parameters:
    ///   - treatment: successes and trials of the treatment arm.
    ///   - control: successes and trials of the control arm.
    ///   - level: confidence level of the interval.
    ///   - test: how the p-value is computed.
    public static func difference(
        treatment: (successes: Double, trials: Double),
        control: (successes: Double, trials: Double),
        level: Double = 0.95, test: ProportionTest = .wald
    ) -> EffectEstimate {
        precondition(treatment.trials > 0 && control.trials > 0, "ProportionComparison needs trials in both arms")
        let p1 = treatment.successes / treatment.trials
        let p0 = control.successes / control.trials
        let se = (p1 * (1 - p1) / treatment.trials + p0 * (1 - p0) / control.trials).squareRoot()
        let d = p1 - p0
        var e = MeanComparison.tEstimate(
            d, se: se, df: .infinity, level: level,
            method: "difference of proportions, Wald z interval")
        if test == .pooled {
            let pooled = (treatment.successes + control.successes) / (treatment.trials + control.trials)
            let se0 = (pooled * (1 - pooled) * (1 / treatment.trials + 1 / control.trials)).squareRoot()
            e.pValue = 2 * NormalDistribution.standard.survival(abs(d / se0))
            e.method = "difference of proportions, Wald z interval, pooled z test"
        }
        return e
    }
}

/// Intervals for one proportion.
public enum ProportionInterval {
    /// The Wilson score interval for `successes` of `trials` — good near 0 and 1, where the
    /// Wald interval is not (statsmodels `proportion_confint(method="wilson")`):
    /// (p̂ + z²/2n ± z√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n).
    /// - Returns: nil for no trials.
    public static func wilson(successes x: Double, trials n: Double, level: Double = 0.95) -> ConfidenceInterval? {
        guard n > 0 else { return nil }
        let z = NormalDistribution.standard.quantile(0.5 + level / 2)
        let p = x / n, z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        return ConfidenceInterval(lower: max(0, center - half), upper: min(1, center + half), level: level)
    }
}
