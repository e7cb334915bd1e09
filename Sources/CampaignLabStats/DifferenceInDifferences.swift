/// Difference-in-differences: the treated group's change minus the comparison group's change,
/// which removes level differences between the groups and the common trend.
///
/// Three forms, each returning an ``EffectEstimate`` whose `method` names it:
///
/// * ``panel(treatedChanges:controlChanges:level:)`` — the same units seen before and after
///   (customer panels): the difference of mean per-unit changes, Welch t interval. Reference:
///   scipy `ttest_ind(change_T, change_C, equal_var=False)`.
/// * ``repeatedCrossSections(treatedPre:treatedPost:controlPre:controlPost:level:)`` — four
///   independent samples: (T̄₁ − T̄₀) − (C̄₁ − C̄₀) with SE √(Σ s²_g/n_g), z interval. It equals
///   the interaction coefficient of the saturated OLS y ~ T + Post + T·Post with HC2 standard
///   errors (statsmodels `cov_type='HC2'`; in a saturated model HC2 is exactly Σ s²_g/n_g).
/// * ``withCovariates(_:meat:level:)`` — OLS of the per-unit change on [treated, covariates…]
///   with HC1 standard errors and a z interval, as statsmodels `OLS(Δy, X).fit(cov_type='HC1')`
///   (conditional parallel trends: the untreated change may depend on the covariates).
///
/// Reference for the design: Angrist & Pischke (2009), *Mostly Harmless Econometrics*, §5.2.
///
/// ```swift
/// let did = DifferenceInDifferences.panel(treatedChanges: Moments(treatedDeltas),
///                                         controlChanges: Moments(controlDeltas))
/// ```
public enum DifferenceInDifferences {
    /// Panel DiD: difference of the mean per-unit changes (post − pre), Welch t interval.
    ///
    /// - Parameters: moments of the per-unit changes in each group (at least two units each).
    public static func panel(treatedChanges: Moments, controlChanges: Moments, level: Double = 0.95) -> EffectEstimate {
        var effect = MeanComparison.absoluteDifference(treatment: treatedChanges, control: controlChanges, level: level)
        effect.method = "difference-in-differences (panel): difference of mean changes, Welch t (Welch–Satterthwaite df)"
        return effect
    }

    /// 2×2 DiD from four independent samples (repeated cross-sections).
    ///
    /// - Precondition: at least two observations in each group.
    public static func repeatedCrossSections(
        treatedPre: Moments, treatedPost: Moments, controlPre: Moments,
        controlPost: Moments, level: Double = 0.95
    ) -> EffectEstimate {
        let groups = [treatedPre, treatedPost, controlPre, controlPost]
        precondition(groups.allSatisfy { $0.count > 1 }, "DifferenceInDifferences: each group needs at least two observations")
        let estimate = (treatedPost.mean - treatedPre.mean) - (controlPost.mean - controlPre.mean)
        let se = groups.reduce(0) { $0 + $1.variance / $1.count }.squareRoot()
        return MeanComparison.tEstimate(
            estimate, se: se, df: .infinity, level: level,
            method: "difference-in-differences (2×2, repeated cross-sections), z interval")
    }

    /// DiD with covariates: the coefficient of the treatment indicator — the first covariate
    /// of `fit` — in the OLS of the per-unit change on [treated, covariates…], with the HC1
    /// covariance from `meat` (the second pass over the same rows) and a z interval.
    ///
    /// ```swift
    /// var cp = CrossProducts(variables: 4)          // treated, x₁, x₂, change
    /// cp.add(rowMajor: rows)
    /// let fit = try LinearRegression.fit(cp)
    /// var meat = fit.sandwichAccumulator()
    /// meat.add(rowMajor: rows)
    /// let did = DifferenceInDifferences.withCovariates(fit, meat: meat)
    /// ```
    ///
    /// - Precondition: the treatment indicator was not dropped as collinear.
    public static func withCovariates(
        _ fit: LinearRegressionFit, meat: SandwichAccumulator,
        level: Double = 0.95
    ) -> EffectEstimate {
        precondition(
            fit.keptCovariates.contains(0),
            "DifferenceInDifferences.withCovariates: the treatment indicator is collinear with the covariates")
        let covariance = fit.robustCovariance(meat)
        let se = fit.standardErrors(covariance)[1]
        return MeanComparison.tEstimate(
            fit.slopes[0], se: se, df: .infinity, level: level,
            method: "difference-in-differences with covariates: OLS of the change, HC1, z interval")
    }
}
