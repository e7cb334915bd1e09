/// Regression adjustment of a treatment comparison: the OLS coefficient of the treatment
/// indicator in y ~ 1 + T + covariates, with HC1 (heteroskedasticity-robust) standard error
/// and a z interval — statsmodels `OLS(y, X).fit(cov_type='HC1')`.
///
/// Rows are streamed in blocks into ``CrossProducts`` (BLAS `dsyrk`) and a second pass
/// accumulates the sandwich, so memory is O(block × columns) whatever the number of units.
/// Covariates that are constant or collinear are dropped (and reported by the fit).
///
/// ```swift
/// let effect = try RegressionAdjustment.estimate(count: n, covariates: 4) { i, row in
///     row[0] = treated[i] ? 1 : 0      // the treatment indicator first
///     row[1] = preAUM[i]; row[2] = preLogins[i]; row[3] = isAffluent[i]
///     row[4] = postAUM[i]             // the outcome last
/// }
/// ```
/// Why a regression adjustment has no treatment coefficient.
public enum RegressionAdjustmentError: Error, Equatable, Sendable {
    /// The treatment indicator is constant or a linear combination of the covariates.
    case treatmentCollinear
}

public enum RegressionAdjustment {
    /// - Parameters:
    ///   - count: the number of units.
    ///   - covariates: columns besides the treatment indicator.
    ///   - level: confidence level.
    ///   - row: fills unit i's row: [T, covariates…, y] (covariates + 2 values).
    /// - Returns: the treatment coefficient with HC1 SE, z interval, p-value; and the fit.
    /// - Throws: `LinearAlgebraError` when LAPACK fails on a matrix it should not.
    /// - Throws: also `RegressionAdjustmentError.treatmentCollinear` when the treatment indicator is
    ///   constant or collinear with the covariates.
    public static func estimate(
        count: Int, covariates: Int, level: Double = 0.95,
        row: (Int, inout [Double]) -> Void
    ) throws -> (effect: EffectEstimate, fit: LinearRegressionFit) {
        let width = covariates + 2
        var scratch = [Double](repeating: 0, count: width)
        let result = try estimate(count: count, covariates: covariates, level: level) { range, block in
            for (r, unit) in range.enumerated() {
                row(unit, &scratch)
                for c in 0..<width { block[r * width + c] = scratch[c] }
            }
        }
        return (result.effect, result.fit)
    }

    /// The same, filled a block of rows at a time: `rows(range, block)` writes the rows of
    /// units `range` into `block`, row-major, each [T, covariates…, y]. For large designs held
    /// in arrays this avoids a call per unit.
    ///
    /// With `influence`, a third pass gives each unit's influence on the coefficient,
    /// [S⁻¹(xᵢ − x̄)]_T·eᵢ (Σφᵢ² is the HC0 variance; × n/(n − p) the HC1 one).
    public static func estimate(
        count: Int, covariates: Int, level: Double = 0.95, influence wanted: Bool = false,
        rows fill: (Range<Int>, UnsafeMutableBufferPointer<Double>) -> Void
    ) throws
        -> (effect: EffectEstimate, fit: LinearRegressionFit, influence: [Double]?)
    {
        let width = covariates + 2
        let block = 8_192
        var buffer = [Double](repeating: 0, count: block * width)
        func pass(_ body: (UnsafeBufferPointer<Double>, Int) -> Void) {
            var start = 0
            while start < count {
                let rows = min(block, count - start)
                buffer.withUnsafeMutableBufferPointer { fill(start..<start + rows, $0) }
                buffer.withUnsafeBufferPointer { body($0, rows) }
                start += rows
            }
        }
        var crossProducts = CrossProducts(variables: width)
        pass { crossProducts.add(rowMajor: $0, rows: $1) }
        let fit = try LinearRegression.fit(crossProducts)
        guard fit.keptCovariates.contains(0) else { throw RegressionAdjustmentError.treatmentCollinear }
        let method = "regression adjustment: OLS with HC1 standard errors, z interval"
        guard wanted else {
            var meat = fit.sandwichAccumulator()
            pass { meat.add(rowMajor: $0, rows: $1) }
            let se = fit.standardErrors(fit.robustCovariance(meat))[1]
            return (MeanComparison.tEstimate(fit.slopes[0], se: se, df: .infinity, level: level, method: method), fit, nil)
        }
        // Row 0 of S⁻¹ (the treatment indicator is kept covariate 0).
        let kept = fit.keptCovariates, m = kept.count
        let inverseRow = (0..<m).map { fit.centredInverse[0 + $0 * m] }
        var influence = [Double](repeating: 0, count: count)
        var unit = 0
        pass { block, rows in
            for r in 0..<rows {
                let row = UnsafeBufferPointer(rebasing: block[(r * width)..<(r * width + width - 1)])
                let e = block[r * width + width - 1] - fit.predict(row)
                var leverage = 0.0
                for (a, c) in kept.enumerated() { leverage += inverseRow[a] * (row[c] - fit.covariateMeans[c]) }
                influence[unit] = leverage * e
                unit += 1
            }
        }
        // HC1 from the influence: n/(n − p)·Σφ² (the sandwich's treatment entry, without its pass).
        let hc0 = influence.reduce(0) { $0 + $1 * $1 }
        let se = (hc0 * fit.count / fit.residualDegreesOfFreedom).squareRoot()
        return (MeanComparison.tEstimate(fit.slopes[0], se: se, df: .infinity, level: level, method: method), fit, influence)
    }
}
