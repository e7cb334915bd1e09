/// The doubly robust difference-in-differences for panel data of Sant'Anna & Zhao (2020,
/// "Doubly robust difference-in-differences estimators", J. Econometrics 219), the
/// "traditional" locally efficient form of the DRDiD package's `drdid_panel()`.
///
/// With ΔY = post − pre, a logistic propensity e(z) and an OLS outcome model m(x) of ΔY fitted
/// on the controls: w₁ = T, w₀ = e(1 − T)/(1 − e) and
/// τ = Σw₁(ΔY − m)/Σw₁ − Σw₀(ΔY − m)/Σw₀.
/// Consistent when either the propensity or the outcome model is right (under conditional
/// parallel trends). The standard error comes from the influence function including the
/// estimation of both nuisance models: √(Σ infᵢ²)/n (R's `sd(inf)/√n` differs by √(n/(n − 1))).
///
/// ```swift
/// let logit = try LogisticRegression.fit(rows: logitRows, covariates: k)
/// let dr = try DoublyRobustDiD.estimate(changes: delta, treated: t, propensity: logit.probabilities(z),
///                                       propensityFit: logit, propensityDesign: z, outcomeDesign: x)
/// ```
public enum DoublyRobustDiD {
    /// - Parameters:
    ///   - changes: ΔY per unit.
    ///   - propensity: e per unit, strictly in (0, 1), fitted by `propensityFit` on `propensityDesign`.
    ///   - outcomeDesign: the outcome-model covariates per unit (without the intercept).
    ///   - outcomeFit: the OLS of ΔY on [1, outcomeDesign] over the controls when fitted already.
    /// - Returns: the effect and the per-unit influence infᵢ/n (the variance is their sum of squares).
    /// - Throws: `LinearAlgebraError` only when LAPACK fails on a matrix it should not.
    public static func estimate(
        changes: [Double], treated: [Bool], propensity: [Double], propensityFit: LogisticRegressionFit,
        propensityDesign z: RowMatrix, outcomeDesign x: RowMatrix, level: Double = 0.95, outcomeFit: LinearRegressionFit? = nil
    ) throws -> (effect: EffectEstimate, influence: [Double]) {
        let n = changes.count, k = x.columns, kz = z.columns
        precondition(treated.count == n && propensity.count == n && x.rows == n && z.rows == n, "DoublyRobustDiD: one row per unit")
        precondition(propensityFit.coefficients.count == kz + 1, "DoublyRobustDiD: the propensity fit must be on the propensity design")
        // Outcome model on the controls.
        let outcomeFit = try outcomeFit ?? LinearRegression.fit(outcomes: changes, design: x, where: { !treated[$0] })
        var residual = [Double](repeating: 0, count: n)
        x.values.withUnsafeBufferPointer { values in
            for i in 0..<n { residual[i] = changes[i] - outcomeFit.predict(UnsafeBufferPointer(rebasing: values[(i * k)..<(i * k + k)])) }
        }
        let count = Double(n)
        var sums = (w1: 0.0, w0: 0.0, r1: 0.0, r0: 0.0)
        for i in 0..<n {
            let w0 = treated[i] ? 0 : propensity[i] / (1 - propensity[i])
            if treated[i] { sums.w1 += 1; sums.r1 += residual[i] } else { sums.w0 += w0; sums.r0 += w0 * residual[i] }
        }
        let eta1 = sums.r1 / sums.w1, eta0 = sums.r0 / sums.w0
        // Moment vectors M1 = mean(w₁x̃), M3 = mean(w₀x̃), M2 = mean(w₀(ΔY − m − η₀)z̃).
        var m1 = [Double](repeating: 0, count: k + 1), m3 = m1, m2 = [Double](repeating: 0, count: kz + 1)
        for i in 0..<n {
            if treated[i] {
                m1[0] += 1 / count
                for j in 0..<k { m1[j + 1] += x.values[i * k + j] / count }
            } else {
                let w0 = propensity[i] / (1 - propensity[i]), r = w0 * (residual[i] - eta0)
                m3[0] += w0 / count
                for j in 0..<k { m3[j + 1] += w0 * x.values[i * k + j] / count }
                m2[0] += r / count
                for j in 0..<kz { m2[j + 1] += r * z.values[i * kz + j] / count }
            }
        }
        // Per-unit linear representations: OLS n(1 − T)(ΔY − m)x̃ᵀ(X̃ᵀX̃)⁻¹, logit (T − e)z̃ᵀ·n·V.
        let bread = outcomeFit.inverseCrossProducts, logitCovariance = propensityFit.covariance
        let ols1 = multiply(bread, m1, scale: count), ols3 = multiply(bread, m3, scale: count)
        let logit2 = multiply(logitCovariance, m2, scale: count)
        let meanW1 = sums.w1 / count, meanW0 = sums.w0 / count
        var influence = [Double](repeating: 0, count: n), variance = 0.0
        for i in 0..<n {
            let t = treated[i] ? 1.0 : 0.0, e = propensity[i]
            let w0 = treated[i] ? 0 : e / (1 - e)
            var olsTerm1 = 0.0, olsTerm3 = 0.0, logitTerm = (t - e) * logit2[0]
            if !treated[i] {
                olsTerm1 = ols1[0]; olsTerm3 = ols3[0]
                for j in 0..<k { olsTerm1 += ols1[j + 1] * x.values[i * k + j]; olsTerm3 += ols3[j + 1] * x.values[i * k + j] }
                olsTerm1 *= residual[i]; olsTerm3 *= residual[i]
            }
            for j in 0..<kz { logitTerm += (t - e) * logit2[j + 1] * z.values[i * kz + j] }
            let infTreated = (t * residual[i] - t * eta1 - olsTerm1) / meanW1
            let infControl = (w0 * residual[i] - w0 * eta0 + logitTerm - olsTerm3) / meanW0
            influence[i] = (infTreated - infControl) / count
            variance += influence[i] * influence[i]
        }
        let effect = MeanComparison.tEstimate(
            eta1 - eta0, se: variance.squareRoot(), df: .infinity, level: level,
            method: "doubly robust difference-in-differences (Sant'Anna & Zhao 2020), influence-function SE")
        return (effect, influence)
    }

    /// scale · A·v for a column-major square A.
    private static func multiply(_ a: [Double], _ v: [Double], scale: Double) -> [Double] {
        let p = v.count
        precondition(a.count == p * p, "DoublyRobustDiD: matrix and vector sizes differ")
        return (0..<p).map { r in (0..<p).reduce(0.0) { $0 + a[r + $1 * p] * v[$1] } * scale }
    }
}
