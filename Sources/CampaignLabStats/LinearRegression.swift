/// Ordinary least squares with an intercept, from streamed cross-products.
///
/// The slopes solve S β = s_xy, where S is the centred cross-product matrix of the
/// covariates, equilibrated to a unit diagonal and factored by LAPACK's Cholesky (`dpotrf`).
/// A rank-deficient design (collinear or constant covariates) is detected by Cholesky with
/// complete pivoting (`dpstrf`); the dependent covariates are dropped, reported in
/// ``LinearRegressionFit/droppedCovariates`` and given a coefficient of 0 — the fit of the
/// remaining ones is what R's `lm` reports (R shows NA for the dropped ones).
///
/// Reference: the classical and HC1 covariances are those of statsmodels
/// `OLS(y, X).fit()` and `.fit(cov_type='HC1')` (MacKinnon & White 1985, HC1 = n/(n−k)·HC0).
///
/// ```swift
/// var cp = CrossProducts(variables: 3)           // x₁, x₂, y (y last)
/// cp.add(rowMajor: rows)
/// let fit = try LinearRegression.fit(cp)
/// fit.coefficients                               // [intercept, β₁, β₂]
/// var meat = fit.sandwichAccumulator()           // second pass over the same rows
/// meat.add(rowMajor: rows)
/// let robust = fit.robustCovariance(meat)        // HC1
/// ```
public enum LinearRegression {
    /// Fits the last variable of `crossProducts` on all the others, with an intercept.
    ///
    /// - Parameter tolerance: relative pivot tolerance for the rank decision (on the
    ///   equilibrated matrix, whose diagonal is 1).
    /// - Throws: `LinearAlgebraError` only when LAPACK fails on a matrix it should not.
    /// - Precondition: more rows than parameters.
    public static func fit(_ crossProducts: CrossProducts, tolerance: Double = 1e-10) throws -> LinearRegressionFit {
        let k = crossProducts.variables - 1
        let n = crossProducts.count
        precondition(n > Double(k + 1), "LinearRegression.fit: \(Int(n)) rows for \(k + 1) parameters")
        let yIndex = k
        // Covariates with no variation cannot be estimated; the rest go through pivoting.
        let scale = (0..<k).map { crossProducts[$0, $0].squareRoot() }
        let candidates = (0..<k).filter { scale[$0] > 0 }
        var kept = candidates
        if !candidates.isEmpty {
            let m = candidates.count
            var s = [Double](repeating: 0, count: m * m)
            for (b, j) in candidates.enumerated() {
                for (a, i) in candidates.enumerated() { s[a + b * m] = crossProducts[i, j] / (scale[i] * scale[j]) }
            }
            let (rank, pivots) = BLAS.pivotedRank(s, order: m, tolerance: tolerance)
            if rank < m {
                kept = pivots.prefix(rank).sorted().map { candidates[$0] }
            }
        }
        let m = kept.count
        // Solve the equilibrated system for the kept covariates.
        var inverse = [Double](repeating: 0, count: m * m)
        for (b, j) in kept.enumerated() {
            for (a, i) in kept.enumerated() { inverse[a + b * m] = crossProducts[i, j] / (scale[i] * scale[j]) }
        }
        if m > 0 {
            try BLAS.choleskyFactor(&inverse, order: m)
            try BLAS.choleskyInverse(&inverse, order: m)
        }
        // S⁻¹ in original units: (D⁻¹ Ŝ⁻¹ D⁻¹).
        var sInverse = [Double](repeating: 0, count: m * m)
        for b in 0..<m {
            for a in 0..<m { sInverse[a + b * m] = inverse[a + b * m] / (scale[kept[a]] * scale[kept[b]]) }
        }
        var slopes = [Double](repeating: 0, count: m)
        for a in 0..<m {
            for b in 0..<m { slopes[a] += sInverse[a + b * m] * crossProducts[kept[b], yIndex] }
        }
        var beta = [Double](repeating: 0, count: k)
        for (a, i) in kept.enumerated() { beta[i] = slopes[a] }
        let means = crossProducts.means
        var intercept = means[yIndex]
        for i in 0..<k { intercept -= beta[i] * means[i] }
        var rss = crossProducts[yIndex, yIndex]
        for (a, i) in kept.enumerated() { rss -= slopes[a] * crossProducts[i, yIndex] }
        rss = max(rss, 0)
        return LinearRegressionFit(
            count: n, covariateMeans: Array(means[0..<k]), intercept: intercept, slopes: beta,
            keptCovariates: kept, droppedCovariates: (0..<k).filter { !kept.contains($0) },
            centredInverse: sInverse, residualSumOfSquares: rss,
            totalSumOfSquares: crossProducts[yIndex, yIndex])
    }
}

extension LinearRegression {
    /// OLS of y on [1, x] over the units `include` selects (a group of a comparison), the rows
    /// [x, y] gathered into ``CrossProducts`` a block at a time.
    public static func fit(outcomes y: [Double], design x: RowMatrix, where include: (Int) -> Bool) throws -> LinearRegressionFit {
        let k = x.columns
        precondition(y.count == x.rows, "LinearRegression.fit: one outcome per design row")
        var cp = CrossProducts(variables: k + 1)
        let blockRows = CrossProducts.blockRows
        var rows = [Double](repeating: 0, count: blockRows * (k + 1))
        var filled = 0
        for i in 0..<y.count where include(i) {
            for j in 0..<k { rows[filled * (k + 1) + j] = x.values[i * k + j] }
            rows[filled * (k + 1) + k] = y[i]
            filled += 1
            if filled == blockRows {
                rows.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: filled) }
                filled = 0
            }
        }
        rows.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: filled) }
        return try fit(cp)
    }
}

/// The result of ``LinearRegression/fit(_:tolerance:)``.
public struct LinearRegressionFit: Sendable {
    /// Rows used.
    public let count: Double
    /// Means of the covariates.
    public let covariateMeans: [Double]
    public let intercept: Double
    /// One slope per covariate, in input order (0 for dropped covariates).
    public let slopes: [Double]
    /// Covariates in the model (0-based, input order).
    public let keptCovariates: [Int]
    /// Covariates dropped as constant or collinear with others (0-based).
    public let droppedCovariates: [Int]
    /// S⁻¹ for the kept covariates (centred cross-products), column-major.
    let centredInverse: [Double]
    public let residualSumOfSquares: Double
    public let totalSumOfSquares: Double

    /// [intercept, slopes…].
    public var coefficients: [Double] { [intercept] + slopes }

    /// Parameters estimated: the intercept and the kept slopes.
    public var parameterCount: Int { keptCovariates.count + 1 }

    /// Residual degrees of freedom, n − parameters.
    public var residualDegreesOfFreedom: Double { count - Double(parameterCount) }

    /// σ̂² = RSS / (n − parameters).
    public var residualVariance: Double { residualSumOfSquares / residualDegreesOfFreedom }

    public var rSquared: Double { totalSumOfSquares > 0 ? 1 - residualSumOfSquares / totalSumOfSquares : .nan }

    /// The classical covariance matrix of [intercept, slopes…] (σ̂² (XᵀX)⁻¹); rows and
    /// columns of dropped covariates are 0. Column-major, (k+1) × (k+1).
    public var classicalCovariance: [Double] { inverseCrossProducts.map { $0 * residualVariance } }

    /// (X̃ᵀX̃)⁻¹ for X̃ = [1, covariates] (the bread of sandwich covariances and influence
    /// functions); rows and columns of dropped covariates are 0. Column-major, (k+1) × (k+1).
    public var inverseCrossProducts: [Double] {
        var centred = [Double](repeating: 0, count: (keptCovariates.count + 1) * (keptCovariates.count + 1))
        let m = keptCovariates.count
        let p = m + 1
        centred[0] = 1 / count
        for b in 0..<m {
            for a in 0..<m { centred[(a + 1) + (b + 1) * p] = centredInverse[a + b * m] }
        }
        return uncentre(centred)
    }

    /// The fitted value b₀ + Σ βⱼxⱼ for one row of covariates.
    public func predict(_ x: UnsafeBufferPointer<Double>) -> Double {
        var value = intercept
        for j in 0..<slopes.count where slopes[j] != 0 { value += slopes[j] * x[j] }
        return value
    }

    /// Starts the second pass that HC-type robust covariances need (residuals per row).
    public func sandwichAccumulator() -> SandwichAccumulator {
        SandwichAccumulator(fit: self)
    }

    /// The HC1 heteroskedasticity-robust covariance of [intercept, slopes…]:
    /// n/(n − k) · (XᵀX)⁻¹ (Σ eᵢ² xᵢxᵢᵀ) (XᵀX)⁻¹, with k the parameter count.
    public func robustCovariance(_ meat: SandwichAccumulator) -> [Double] {
        let m = keptCovariates.count
        let p = m + 1
        // Bread in centred coordinates is block-diagonal: diag(1/n, S⁻¹).
        var bread = [Double](repeating: 0, count: p * p)
        bread[0] = 1 / count
        for b in 0..<m {
            for a in 0..<m { bread[(a + 1) + (b + 1) * p] = centredInverse[a + b * m] }
        }
        let middle = meat.meat
        let sandwich = multiply(multiply(bread, middle, p), bread, p)
        let factor = count / residualDegreesOfFreedom
        return uncentre(sandwich.map { $0 * factor })
    }

    /// Standard errors (square roots of the diagonal) of a covariance matrix from this fit.
    public func standardErrors(_ covariance: [Double]) -> [Double] {
        let p = slopes.count + 1
        return (0..<p).map { covariance[$0 + $0 * p].squareRoot() }
    }

    /// Maps a covariance of (centred intercept, kept slopes) to (intercept, all slopes):
    /// the intercept is b₀ − x̄ᵀβ, so T = [[1, −x̄ᵀ], [0, I]] and Σ = T Σc Tᵀ.
    private func uncentre(_ centred: [Double]) -> [Double] {
        let m = keptCovariates.count
        let p = m + 1
        var t = [Double](repeating: 0, count: p * p)
        t[0] = 1
        for (a, i) in keptCovariates.enumerated() {
            t[0 + (a + 1) * p] = -covariateMeans[i]
            t[(a + 1) + (a + 1) * p] = 1
        }
        let small = multiply(multiply(t, centred, p), transpose(t, p), p)
        // Place into the full (k+1) × (k+1) matrix.
        let full = slopes.count + 1
        var result = [Double](repeating: 0, count: full * full)
        let index = [0] + keptCovariates.map { $0 + 1 }
        for b in 0..<p {
            for a in 0..<p { result[index[a] + index[b] * full] = small[a + b * p] }
        }
        return result
    }
}

/// The second pass of a robust (sandwich) covariance: Σ eᵢ² x̃ᵢx̃ᵢᵀ over rows, with x̃ the
/// centred covariates and a leading 1. Mergeable, like ``CrossProducts``.
public struct SandwichAccumulator: Sendable {
    let fit: LinearRegressionFit
    /// p × p upper triangle, column-major (p = kept covariates + 1).
    var upper: [Double]

    init(fit: LinearRegressionFit) {
        self.fit = fit
        let p = fit.keptCovariates.count + 1
        upper = Array(repeating: 0, count: p * p)
    }

    /// Adds a row-major block laid out as for ``CrossProducts`` (covariates, then y).
    public mutating func add(rowMajor block: UnsafeBufferPointer<Double>, rows: Int) {
        let k = fit.slopes.count
        let width = k + 1
        let kept = fit.keptCovariates
        let p = kept.count + 1
        precondition(block.count >= rows * width, "SandwichAccumulator.add: block too small")
        var scaled = [Double](repeating: 0, count: rows * p)
        let slopes = fit.slopes, means = fit.covariateMeans, intercept = fit.intercept
        slopes.withUnsafeBufferPointer { slopes in
            means.withUnsafeBufferPointer { means in
                kept.withUnsafeBufferPointer { kept in
                    scaled.withUnsafeMutableBufferPointer { scaled in
                        for r in 0..<rows {
                            let row = r * width
                            var predicted = intercept
                            for i in 0..<k { predicted += slopes[i] * block[row + i] }
                            let e = block[row + k] - predicted
                            scaled[r * p] = e
                            for a in 0..<kept.count { scaled[r * p + a + 1] = e * (block[row + kept[a]] - means[kept[a]]) }
                        }
                    }
                }
            }
        }
        scaled.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: rows, columns: p, into: &upper) }
    }

    public mutating func add(rowMajor block: [Double]) {
        let width = fit.slopes.count + 1
        block.withUnsafeBufferPointer { add(rowMajor: $0, rows: block.count / width) }
    }

    public mutating func merge(_ other: SandwichAccumulator) {
        for i in upper.indices { upper[i] += other.upper[i] }
    }

    /// The full symmetric meat matrix.
    var meat: [Double] {
        var full = upper
        BLAS.symmetrizeFromUpper(&full, order: fit.keptCovariates.count + 1)
        return full
    }
}

/// C = A·B for small square column-major matrices (p × p).
private func multiply(_ a: [Double], _ b: [Double], _ p: Int) -> [Double] {
    var c = [Double](repeating: 0, count: p * p)
    for j in 0..<p {
        for l in 0..<p {
            let blj = b[l + j * p]
            if blj == 0 { continue }
            for i in 0..<p { c[i + j * p] += a[i + l * p] * blj }
        }
    }
    return c
}

private func transpose(_ a: [Double], _ p: Int) -> [Double] {
    var t = [Double](repeating: 0, count: p * p)
    for j in 0..<p {
        for i in 0..<p { t[j + i * p] = a[i + j * p] }
    }
    return t
}
