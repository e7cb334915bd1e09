/// Doubly robust augmented inverse-probability weighting (AIPW): consistent when either the
/// propensity model or the outcome model is right.
///
/// Outcome models are OLS of y on [1, covariates] within each group (``LinearRegression``).
///
/// * ATE (Robins, Rotnitzky & Zhao 1994; Lunceford & Davidian 2004, eq. 9): the mean of
///   ψᵢ = m₁(xᵢ) − m₀(xᵢ) + Tᵢ(yᵢ − m₁(xᵢ))/eᵢ − (1 − Tᵢ)(yᵢ − m₀(xᵢ))/(1 − eᵢ).
/// * ATT (Mercatanti & Li 2014, eq. 5; the control-model version): with r = y − m₀(x),
///   τ = [Σ Tᵢrᵢ − Σ (1 − Tᵢ) eᵢ/(1 − eᵢ) rᵢ] / n₁.
///
/// Standard errors from the influence function with the nuisance models treated as known:
/// SE = √(Σ φᵢ²)/n with φᵢ = ψᵢ − τ (ATE) or φᵢ = [Tᵢ(rᵢ − τ) − (1 − Tᵢ)eᵢ/(1 − eᵢ)rᵢ]·n/n₁ (ATT);
/// z interval.
///
/// ```swift
/// let dr = try AugmentedIPW.estimate(outcomes: y, treated: t, propensity: scores,
///                                    covariates: x, estimand: .att)
/// ```
public enum AugmentedIPW {
    /// - Parameters:
    ///   - outcomes: y per unit.
    ///   - treated: treatment indicator per unit.
    ///   - propensity: P(treated | x) per unit, strictly in (0, 1).
    ///   - covariates: the outcome-model covariates per unit (same count for every unit).
    ///   - estimand: ATT or ATE.
    ///   - level: confidence level.
    /// - Throws: `LinearAlgebraError` only if LAPACK fails on a matrix it should not.
    /// - Precondition: each group has more units than outcome-model parameters.
    public static func estimate(
        outcomes: [Double], treated: [Bool], propensity: [Double], covariates: [[Double]],
        estimand: WeightingEstimand = .att, level: Double = 0.95
    ) throws -> EffectEstimate {
        try estimate(
            outcomes: outcomes, treated: treated, propensity: propensity,
            covariates: RowMatrix(covariates),
            estimand: estimand, level: level)
    }

    /// The same with the covariates in one ``RowMatrix`` (one row per unit).
    public static func estimate(
        outcomes: [Double], treated: [Bool], propensity: [Double], covariates: RowMatrix,
        estimand: WeightingEstimand = .att, level: Double = 0.95
    ) throws -> EffectEstimate {
        try estimateWithInfluence(
            outcomes: outcomes, treated: treated, propensity: propensity, covariates: covariates, estimand: estimand,
            level: level
        ).effect
    }

    /// The same, with each unit's influence φᵢ (the variance is Σφᵢ²) for a relative effect.
    ///
    /// - Parameter controlFit: the control group's outcome model when fitted already (OLS of y on
    ///   [1, covariates] over the untreated units); fitted here when nil.
    public static func estimateWithInfluence(
        outcomes: [Double], treated: [Bool], propensity: [Double], covariates: RowMatrix,
        estimand: WeightingEstimand = .att, level: Double = 0.95, controlFit: LinearRegressionFit? = nil
    ) throws -> (effect: EffectEstimate, influence: [Double]) {
        let n = outcomes.count
        precondition(
            treated.count == n && propensity.count == n && covariates.rows == n,
            "AugmentedIPW: one outcome, indicator, score and covariate row per unit")
        precondition(propensity.allSatisfy { $0 > 0 && $0 < 1 }, "AugmentedIPW: scores must lie strictly in (0, 1)")
        let k = covariates.columns
        let x = covariates.values
        func outcomeModel(_ group: Bool) throws -> LinearRegressionFit {
            try LinearRegression.fit(outcomes: outcomes, design: covariates, where: { treated[$0] == group })
        }
        func predict(_ fit: LinearRegressionFit, _ i: Int) -> Double {
            var value = fit.intercept
            for j in 0..<k { value += fit.slopes[j] * x[i * k + j] }
            return value
        }
        let m0 = try controlFit ?? outcomeModel(false)
        switch estimand {
        case .ate:
            let m1 = try outcomeModel(true)
            var psi = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let mu1 = predict(m1, i), mu0 = predict(m0, i), e = propensity[i]
                psi[i] = mu1 - mu0 + (treated[i] ? (outcomes[i] - mu1) / e : -(outcomes[i] - mu0) / (1 - e))
            }
            let tau = psi.reduce(0, +) / Double(n)
            let influence = psi.map { ($0 - tau) / Double(n) }
            let se = influence.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let effect = MeanComparison.tEstimate(
                tau, se: se, df: .infinity, level: level,
                method: "augmented IPW (doubly robust, ATE), influence-function SE")
            return (effect, influence)
        case .att:
            let treatedCount = Double(treated.filter { $0 }.count)
            var numerator = 0.0
            var residual = [Double](repeating: 0, count: n)
            for i in 0..<n {
                residual[i] = outcomes[i] - predict(m0, i)
                let e = propensity[i]
                numerator += treated[i] ? residual[i] : -e / (1 - e) * residual[i]
            }
            let tau = numerator / treatedCount
            var sum = 0.0
            var influence = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let e = propensity[i]
                let phi = treated[i] ? residual[i] - tau : -e / (1 - e) * residual[i]
                influence[i] = phi / treatedCount
                sum += phi * phi
            }
            let se = sum.squareRoot() / treatedCount
            let effect = MeanComparison.tEstimate(
                tau, se: se, df: .infinity, level: level,
                method: "augmented IPW (doubly robust, ATT), influence-function SE")
            return (effect, influence)
        }
    }
}
