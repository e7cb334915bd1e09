#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a logistic fit ended.
public enum LogisticFitStatus: Equatable, Sendable {
    /// Newton–Raphson converged.
    case converged
    /// The iteration limit was reached before convergence; the estimates are not reliable.
    case notConverged(iterations: Int)
    /// (Quasi-)complete separation: some covariate pattern predicts the outcome perfectly, so
    /// the maximum-likelihood estimates do not exist (coefficients run off to ±∞). `rows` is the
    /// number of rows fitted with a probability within 1e-10 of 0 or 1 that agree with their y.
    case separation(rows: Int)
}

/// A logistic regression fit: coefficients [intercept, slopes…], their covariance (inverse
/// Fisher information), the log-likelihood and how the fit ended.
public struct LogisticRegressionFit: Sendable {
    /// [intercept, β₁ … β_k]; dropped covariates have 0.
    public let coefficients: [Double]
    /// Column-major (k+1) × (k+1) inverse of the Fisher information; rows and columns of
    /// dropped covariates are 0.
    public let covariance: [Double]
    public let logLikelihood: Double
    public let iterations: Int
    public let status: LogisticFitStatus
    /// Covariates (0-based) left out because they are constant or collinear with others.
    public let droppedCovariates: [Int]

    /// Square roots of the covariance diagonal.
    public var standardErrors: [Double] {
        let p = coefficients.count
        return (0..<p).map { covariance[$0 + $0 * p].squareRoot() }
    }

    /// The fitted probability for covariates `x` (without the intercept).
    public func probability(_ x: [Double]) -> Double {
        precondition(
            x.count == coefficients.count - 1, "LogisticRegressionFit.probability: \(x.count) covariates for \(coefficients.count - 1)")
        var eta = coefficients[0]
        for j in 0..<x.count { eta += coefficients[j + 1] * x[j] }
        return logistic(eta)
    }

    /// The fitted probability of every row of `x` (covariates without the intercept).
    public func probabilities(_ x: RowMatrix) -> [Double] {
        let k = x.columns
        precondition(k == coefficients.count - 1, "LogisticRegressionFit.probabilities: \(k) covariates for \(coefficients.count - 1)")
        return x.values.withUnsafeBufferPointer { values in
            (0..<x.rows).map { r in
                var eta = coefficients[0]
                for j in 0..<k { eta += coefficients[j + 1] * values[r * k + j] }
                return logistic(eta)
            }
        }
    }
}

/// Logistic regression by iteratively reweighted least squares (Newton–Raphson on the
/// log-likelihood), with the weighted Gram matrix XᵀWX of each pass built by BLAS `dsyrk` on
/// blocks of rows and solved by LAPACK Cholesky.
///
/// Constant or collinear covariates are found first (pivoted Cholesky of the equilibrated
/// XᵀX, as in ``LinearRegression``) and dropped; separation and non-convergence are reported in
/// ``LogisticRegressionFit/status`` — never a crash or a silent huge coefficient.
///
/// Reference: McCullagh & Nelder (1989), *Generalized Linear Models*, §4.4; statsmodels
/// `Logit(y, add_constant(X)).fit()` (params, bse, llf) is matched to 1e-9 in the tests.
///
/// ```swift
/// // rows: row-major [x₁, …, x_k, y] with y ∈ {0, 1}
/// let fit = try LogisticRegression.fit(rows: rows, covariates: 2)
/// fit.coefficients; fit.standardErrors; fit.status
/// ```
public enum LogisticRegression {
    /// Fits P(y = 1 | x) = 1/(1 + e^{−(b₀ + xᵀβ)}).
    ///
    /// - Parameters:
    ///   - rows: row-major values, `covariates` columns of x then y (0 or 1) per row.
    ///   - covariates: k, the number of x columns.
    ///   - weights: optional non-negative case weights, one per row.
    ///   - maxIterations: Newton steps before giving up (`.notConverged`).
    ///   - tolerance: convergence when every |Δβ| ≤ tolerance · (1 + |β|).
    /// - Throws: `LinearAlgebraError` only if LAPACK fails on a matrix it should not.
    /// - Complexity: O(iterations · n · k²) flops, in BLAS; memory O(block · k).
    public static func fit(
        rows: [Double], covariates k: Int, weights: [Double]? = nil,
        maxIterations: Int = 100, tolerance: Double = 1e-12
    ) throws -> LogisticRegressionFit {
        let width = k + 1
        precondition(k >= 0 && rows.count % width == 0, "LogisticRegression.fit: rows must hold k + 1 values per row")
        let n = rows.count / width
        let labels = (0..<n).map { rows[$0 * width + k] }
        return try fit(
            values: rows, stride: width, covariates: k, labels: labels, weights: weights, maxIterations: maxIterations, tolerance: tolerance
        )
    }

    /// The same with the covariates in one ``RowMatrix`` (one row per unit, no copy) and the
    /// outcome apart.
    public static func fit(
        design: RowMatrix, outcomes: [Bool], weights: [Double]? = nil, maxIterations: Int = 100, tolerance: Double = 1e-12
    ) throws -> LogisticRegressionFit {
        precondition(outcomes.count == design.rows, "LogisticRegression.fit: one outcome per row")
        return try fit(
            values: design.values, stride: design.columns, covariates: design.columns, labels: outcomes.map { $0 ? 1 : 0 },
            weights: weights, maxIterations: maxIterations, tolerance: tolerance)
    }

    /// The fit on row-major values with `stride` values per row, the first `k` of them the
    /// covariates, and the outcomes in `labels`.
    private static func fit(
        values rows: [Double], stride width: Int, covariates k: Int, labels: [Double], weights: [Double]?,
        maxIterations: Int, tolerance: Double
    ) throws -> LogisticRegressionFit {
        let n = labels.count
        precondition(weights == nil || weights!.count == n, "LogisticRegression.fit: one weight per row")
        precondition(n > k + 1, "LogisticRegression.fit: \(n) rows for \(k + 1) parameters")
        for (r, y) in labels.enumerated() {
            precondition(y == 0 || y == 1, "LogisticRegression.fit: y must be 0 or 1 (row \(r) has \(y))")
        }

        // Which covariates are identifiable: rank of the centred, equilibrated XᵀX.
        var cp = CrossProducts(variables: max(width, 1))
        if width > 0 { cp.add(rowMajor: rows) }
        let scale = (0..<k).map { cp[$0, $0].squareRoot() }
        var kept = (0..<k).filter { scale[$0] > 0 }
        if !kept.isEmpty {
            let m = kept.count
            var s = [Double](repeating: 0, count: m * m)
            for (b, j) in kept.enumerated() { for (a, i) in kept.enumerated() { s[a + b * m] = cp[i, j] / (scale[i] * scale[j]) } }
            let (rank, pivots) = BLAS.pivotedRank(s, order: m, tolerance: 1e-10)
            if rank < m { kept = pivots.prefix(rank).sorted().map { kept[$0] } }
        }
        let dropped = (0..<k).filter { !kept.contains($0) }
        let p = kept.count + 1  // intercept + kept covariates

        var beta = [Double](repeating: 0, count: p)
        var iterations = 0
        var converged = false

        // One pass over the rows at β: XᵀWX (upper triangle), the score Xᵀ(y − μ), the
        // log-likelihood and the perfectly predicted rows. The rows are cut into a fixed
        // number of slices computed in parallel and added in slice order, so the result does
        // not depend on the number of cores.
        let slices = min(8, max(1, n / 16_384))
        let keptColumns = kept
        func pass(_ beta: [Double]) -> (information: [Double], score: [Double], logLikelihood: Double, perfect: Int) {
            let parts = mapInParallel(slices) { slice -> ([Double], [Double], Double, Int) in
                let from = n * slice / slices, to = n * (slice + 1) / slices
                let blockRows = 4096
                var block = [Double](repeating: 0, count: blockRows * p)
                var information = [Double](repeating: 0, count: p * p)
                var score = [Double](repeating: 0, count: p)
                var logLikelihood = 0.0
                var perfect = 0
                var filled = 0
                rows.withUnsafeBufferPointer { data in
                    for r in from..<to {
                        let base = r * width
                        var eta = beta[0]
                        for (a, j) in keptColumns.enumerated() { eta += beta[a + 1] * data[base + j] }
                        let y = labels[r]
                        let caseWeight = weights?[r] ?? 1
                        let mu = logistic(eta)
                        logLikelihood += caseWeight * (y * eta - softplus(eta))  // y·η − log(1 + e^η)
                        if (mu < 1e-10 && y == 0) || (mu > 1 - 1e-10 && y == 1) { perfect += 1 }
                        let residual = (y - mu) * caseWeight
                        let root = (mu * (1 - mu) * caseWeight).squareRoot()
                        score[0] += residual
                        block[filled * p] = root
                        for (a, j) in keptColumns.enumerated() {
                            let x = data[base + j]
                            score[a + 1] += residual * x
                            block[filled * p + a + 1] = root * x
                        }
                        filled += 1
                        if filled == blockRows {
                            block.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: filled, columns: p, into: &information) }
                            filled = 0
                        }
                    }
                }
                block.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: filled, columns: p, into: &information) }
                return (information, score, logLikelihood, perfect)
            }
            var total = parts[0]
            for part in parts.dropFirst() {
                for i in total.0.indices { total.0[i] += part.0[i] }
                for i in total.1.indices { total.1[i] += part.1[i] }
                total.2 += part.2
                total.3 += part.3
            }
            return total
        }

        var current = pass(beta)
        while iterations < maxIterations {
            iterations += 1
            // Newton step: δ = I⁻¹ score, via the Cholesky factor.
            var factor = current.information
            do { try BLAS.choleskyFactor(&factor, order: p) } catch LinearAlgebraError.notPositiveDefinite {
                break  // weights collapsed to 0: separation, classified below
            }
            let delta = BLAS.choleskySolve(factor, order: p, rhs: current.score)
            var largest = 0.0
            for a in 0..<p {
                beta[a] += delta[a]
                largest = max(largest, abs(delta[a]) / (1 + abs(beta[a])))
            }
            if !beta.allSatisfy(\.isFinite) { break }
            current = pass(beta)  // information and log-likelihood at the new β
            if largest <= tolerance { converged = true; break }
        }
        let information = current.information
        let logLikelihood = current.logLikelihood
        let perfect = current.perfect

        var inverse = information
        var invertible = true
        do {
            try BLAS.choleskyFactor(&inverse, order: p)
            try BLAS.choleskyInverse(&inverse, order: p)
        } catch LinearAlgebraError.notPositiveDefinite {
            invertible = false
            inverse = [Double](repeating: .nan, count: p * p)
        }

        let status: LogisticFitStatus
        if perfect > 0 || !invertible || !beta.allSatisfy(\.isFinite) {
            status = .separation(rows: perfect)
        } else if !converged {
            status = .notConverged(iterations: iterations)
        } else {
            status = .converged
        }

        // Back to the full parameter vector.
        let index = [0] + kept.map { $0 + 1 }
        var coefficients = [Double](repeating: 0, count: k + 1)
        var covariance = [Double](repeating: 0, count: (k + 1) * (k + 1))
        for (a, i) in index.enumerated() {
            coefficients[i] = beta[a]
            for (b, j) in index.enumerated() { covariance[i + j * (k + 1)] = inverse[a + b * p] }
        }
        return LogisticRegressionFit(
            coefficients: coefficients, covariance: covariance, logLikelihood: logLikelihood,
            iterations: iterations, status: status, droppedCovariates: dropped)
    }
}

/// 1/(1 + e^{−η}), without overflow for large |η|.
@inline(__always)
func logistic(_ eta: Double) -> Double {
    eta >= 0 ? 1 / (1 + exp(-eta)) : exp(eta) / (1 + exp(eta))
}

/// log(1 + e^η), without overflow.
@inline(__always)
func softplus(_ eta: Double) -> Double {
    eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta))
}
