import Foundation

/// Control weights that reproduce the treated group's covariate means exactly.
public struct EntropyBalance: Sendable {
    /// Per unit: 1 for a treated unit; for a control, its weight scaled so that the controls'
    /// weights average 1 (a weight of 40 reads "counts as 40 non-participants").
    public var weights: [Double]
    /// The treated group's covariate means (the targets).
    public var targets: [Double]
    /// Newton steps taken.
    public var iterations: Int
    /// The largest |weighted control mean − treated mean| after weighting, in units of the
    /// covariate's control standard deviation.
    public var largestGap: Double
    /// Covariates left out of the balancing because they are linear combinations of others
    /// among the controls (0-based).
    public var collinear: [Int]
    /// Kish's effective number of controls, (Σw)²/Σw².
    public var effectiveControls: Double
    /// The covariates the weights were solved on (the others are constant or collinear there).
    public var balancedColumns: [Int] = []
    /// Controls given no weight because the participants' mean of a covariate sits at the
    /// controls' extreme value (see `weights`).
    public var unweightedControls = 0
    /// S = Σ w̃ᵢ dᵢdᵢᵀ over the controls, d = x − x̄₁ on `balancedColumns` (w̃ summing to 1),
    /// column-major: the same for every outcome, so computed once.
    var gapCovariance: [Double] = []
    /// λ per covariate, in the covariates' units (0 for those not balanced): wᵢ ∝ exp(λᵀxᵢ).
    public var coefficients: [Double] = []
}

/// Why entropy balancing found no weights.
public enum EntropyBalancingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The treated mean of a covariate lies outside what weighted controls can reach (beyond
    /// the controls' range), so no weights balance it.
    case infeasible(covariate: Int)
    /// Fewer than two controls or treated units.
    case tooFewUnits

    public var description: String {
        switch self {
        case .infeasible(let covariate):
            return "no weights make the comparison group match the participants on covariate \(covariate + 1)"
        case .tooFewUnits: return "entropy balancing needs at least two units in each group"
        }
    }
}

/// Entropy balancing for the average effect on the treated (Hainmueller 2012, "Entropy
/// balancing for causal effects", Political Analysis 20): control weights wᵢ ∝ exp(λᵀxᵢ),
/// the closest to uniform in entropy, subject to Σ wᵢxᵢ/Σ wᵢ = x̄_treated exactly.
///
/// λ minimises the dual log Σ exp(λᵀ(xᵢ − x̄₁)) over the controls, by Newton's method with
/// backtracking on standardized covariates (gradient = weighted mean gap, Hessian = weighted
/// covariance, accumulated with BLAS `dsyrk`). Because the weighted controls match the
/// treated means, the estimate equals a weighted regression adjustment: it is consistent
/// when either the odds of treatment are log-linear in x or the control outcome is linear in
/// x (Zhao & Percival 2017, "Entropy balancing is doubly robust", J. Causal Inference 5).
///
/// ```swift
/// let balance = try EntropyBalancing.weights(covariates: x, treated: t)
/// let att = EntropyBalancing.estimate(outcomes: y, treated: t, covariates: x, balance: balance)
/// ```
public enum EntropyBalancing {
    /// - Parameters:
    ///   - covariates: one row per unit; constant columns must have been removed.
    ///   - treated: treatment indicator per unit.
    ///   - tolerance: convergence when every standardized mean gap is below it.
    /// - Throws: ``EntropyBalancingError``.
    ///   - start: λ to start from, per column of `covariates` (e.g. the solution of a related
    ///     problem); the solution is the same, found in fewer steps when the start is close.
    public static func weights(
        covariates x: RowMatrix, treated: [Bool], start: [Double]? = nil, tolerance: Double = 1e-12, maxIterations: Int = 200
    ) throws -> EntropyBalance {
        let n = x.rows, p = x.columns
        precondition(treated.count == n, "EntropyBalancing: one indicator per unit")
        let allControls = (0..<n).filter { !treated[$0] }
        let treatedCount = n - allControls.count
        guard allControls.count >= 2, treatedCount >= 2 else { throw EntropyBalancingError.tooFewUnits }
        let treatedRows = (0..<n).filter { treated[$0] }
        let targets = columnMeans(x, rows: treatedRows)
        let controls = try reachable(x, controls: allControls, targets: targets)
        // Standardized gaps z = (x − x̄₁)/s over the controls; a column the controls do not vary
        // on is balanced only if the participants sit on the same value.
        let controlMeans = columnMeans(x, rows: controls)
        var scale = [Double](repeating: 0, count: p)
        x.values.withUnsafeBufferPointer { v in
            for i in controls {
                for j in 0..<p {
                    let d = v[i * p + j] - controlMeans[j]
                    scale[j] += d * d
                }
            }
        }
        scale = scale.map { ($0 / Double(controls.count - 1)).squareRoot() }
        for j in 0..<p where !(scale[j] > 0) {
            if abs(controlMeans[j] - targets[j]) > 1e-12 * max(1, abs(targets[j])) {
                throw EntropyBalancingError.infeasible(covariate: j)
            }
        }
        var columns = (0..<p).filter { scale[$0] > 0 }
        var z = standardized(x, rows: controls, columns: columns, targets: targets, scale: scale)
        // Collinear columns (among the controls) would make the Hessian singular: keep a
        // spanning set; the others are balanced with them when the relation holds for all.
        var zProducts = CrossProducts(variables: max(columns.count, 1))
        if !columns.isEmpty { zProducts.add(rowMajor: z) }
        let kept = columns.isEmpty ? [] : zProducts.independentColumns().kept
        let collinear = columns.indices.filter { !kept.contains($0) }.map { columns[$0] }
        if kept.count < columns.count {
            columns = kept.map { columns[$0] }
            z = standardized(x, rows: controls, columns: columns, targets: targets, scale: scale)
        }
        let solution: (weights: [Double], iterations: Int, lambda: [Double])
        do {
            // A start that leads nowhere (a separated logit's huge tilt) is dropped for λ = 0.
            let initial = start.map { start in columns.map { start[$0] * scale[$0] } }.flatMap { $0.allSatisfy(\.isFinite) ? $0 : nil }
            if let initial,
                let warm = try? newton(
                    z, rows: controls.count, columns: columns.count, start: initial, tolerance: tolerance, maxIterations: maxIterations)
            {
                solution = warm
            } else {
                solution = try newton(
                    z, rows: controls.count, columns: columns.count, start: nil, tolerance: tolerance, maxIterations: maxIterations)
            }
        } catch EntropyBalancingError.infeasible(let c) {
            throw EntropyBalancingError.infeasible(covariate: columns[c])
        }
        // Weights that are not numbers are no balance (never an estimate).
        guard solution.weights.allSatisfy(\.isFinite) else { throw EntropyBalancingError.infeasible(covariate: columns.first ?? 0) }
        var weights = [Double](repeating: 1, count: n)
        for i in allControls { weights[i] = 0 }
        for (r, i) in controls.enumerated() { weights[i] = solution.weights[r] * Double(allControls.count) }
        // The achieved balance on every column (also the collinear and constant ones).
        var means = [Double](repeating: 0, count: p)
        x.values.withUnsafeBufferPointer { v in
            for (r, i) in controls.enumerated() {
                let w = solution.weights[r], base = i * p
                for j in 0..<p { means[j] += w * v[base + j] }
            }
        }
        let largestGap = (0..<p).filter { scale[$0] > 0 }.map { abs(means[$0] - targets[$0]) / scale[$0] }.max() ?? 0
        if largestGap > 1e-6, let worst = collinear.first { throw EntropyBalancingError.infeasible(covariate: worst) }
        let sumSquares = solution.weights.reduce(0) { $0 + $1 * $1 }
        var balance = EntropyBalance(
            weights: weights, targets: targets, iterations: solution.iterations, largestGap: largestGap,
            collinear: collinear, effectiveControls: 1 / sumSquares)
        balance.balancedColumns = columns
        balance.unweightedControls = allControls.count - controls.count
        balance.gapCovariance = gapCovariance(z, weights: solution.weights, columns: columns, scale: scale)
        balance.coefficients = [Double](repeating: 0, count: p)
        for (a, j) in columns.enumerated() { balance.coefficients[j] = solution.lambda[a] / scale[j] }
        return balance
    }

    /// The controls that can carry weight. When the participants' mean of a covariate equals the
    /// controls' smallest (or largest) value — every participant sits there, e.g. none of them
    /// in a cell of a dimension where some controls are — exact balance puts zero weight on the
    /// controls elsewhere: the limit of the dual's solution, taken directly. A mean outside the
    /// controls' range is infeasible.
    private static func reachable(_ x: RowMatrix, controls: [Int], targets: [Double]) throws -> [Int] {
        let p = x.columns
        var active = controls
        while true {
            // Every column's range over the active controls, in one pass.
            var low = [Double](repeating: .infinity, count: p), high = [Double](repeating: -.infinity, count: p)
            x.values.withUnsafeBufferPointer { v in
                for i in active {
                    for j in 0..<p {
                        let value = v[i * p + j]
                        if value < low[j] { low[j] = value }
                        if value > high[j] { high[j] = value }
                    }
                }
            }
            var edge: (column: Int, value: Double)?
            for j in 0..<p where low[j] < high[j] {
                let tolerance = 1e-12 * max(1, abs(low[j]), abs(high[j]))
                if targets[j] < low[j] - tolerance || targets[j] > high[j] + tolerance {
                    throw EntropyBalancingError.infeasible(covariate: j)
                }
                if abs(targets[j] - low[j]) <= tolerance { edge = (j, low[j]); break }
                if abs(targets[j] - high[j]) <= tolerance { edge = (j, high[j]); break }
            }
            guard let edge else { break }
            active = active.filter { x.values[$0 * p + edge.column] == edge.value }
        }
        guard active.count >= 2 else { throw EntropyBalancingError.tooFewUnits }
        return active
    }

    /// Σ wᵣ zᵣzᵣᵀ of the standardized gaps, rescaled to the covariates' units (dsyrk on √w·z).
    private static func gapCovariance(_ z: [Double], weights: [Double], columns: [Int], scale: [Double]) -> [Double] {
        let q = columns.count
        var s = weightedGram(z, weights: weights, columns: q)
        for b in 0..<q { for a in 0..<q { s[a + b * q] *= scale[columns[a]] * scale[columns[b]] } }
        return s
    }

    /// Σ wᵣ zᵣzᵣᵀ for row-major z (BLAS dsyrk on blocks of √w·z), both triangles, column-major.
    private static func weightedGram(_ z: [Double], weights: [Double], columns q: Int) -> [Double] {
        let m = weights.count
        var s = [Double](repeating: 0, count: q * q)
        guard q > 0 else { return s }
        let blockRows = 4_096
        var block = [Double](repeating: 0, count: min(m, blockRows) * q)
        var start = 0
        z.withUnsafeBufferPointer { zp in
            while start < m {
                let count = min(blockRows, m - start)
                for r in 0..<count {
                    let root = weights[start + r].squareRoot(), base = (start + r) * q
                    for c in 0..<q { block[r * q + c] = root * zp[base + c] }
                }
                block.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: count, columns: q, into: &s) }
                start += count
            }
        }
        BLAS.symmetrizeFromUpper(&s, order: q)
        return s
    }

    /// The mean of every column over `rows`.
    private static func columnMeans(_ x: RowMatrix, rows: [Int]) -> [Double] {
        let p = x.columns
        var sums = [Double](repeating: 0, count: p)
        x.values.withUnsafeBufferPointer { v in
            for i in rows { for j in 0..<p { sums[j] += v[i * p + j] } }
        }
        return sums.map { $0 / Double(rows.count) }
    }

    /// The weighted difference of means, treated − balanced controls, with the standard error of
    /// the stacked estimating equations (treated means, λ, both outcome means): per unit the
    /// influence Tᵢ(yᵢ − μ₁)/n₁ − [w̃ᵢ(yᵢ − μ₀ − hᵀ(xᵢ − x̄₁)) + Tᵢhᵀ(xᵢ − x̄₁)/n₁], with w̃ the
    /// control weights summing to 1 and h = S⁻¹g the weighted regression slope of y on x among the
    /// controls (S = Σw̃(x − x̄₁)xᵀ, which exact balance makes Σw̃(x − x̄₁)(x − x̄₁)ᵀ, computed once
    /// with the weights; g = Σw̃(y − μ₀)(x − x̄₁)). Var = Σφ², normal interval.
    ///
    /// - Returns: the effect and the per-unit influence φ (for a relative effect).
    public static func estimate(
        outcomes y: [Double], treated: [Bool], covariates x: RowMatrix, balance: EntropyBalance, level: Double = 0.95
    ) -> (effect: EffectEstimate, influence: [Double]) {
        let n = y.count, p = x.columns
        precondition(treated.count == n && x.rows == n && balance.weights.count == n, "EntropyBalancing: one row per unit")
        var treatedCount = 0.0, controlWeight = 0.0, mu1 = 0.0, mu0 = 0.0
        for i in 0..<n {
            if treated[i] { treatedCount += 1; mu1 += y[i] } else { controlWeight += balance.weights[i]; mu0 += balance.weights[i] * y[i] }
        }
        mu1 /= treatedCount; mu0 /= controlWeight
        let columns = balance.balancedColumns
        let q = columns.count
        // g over the controls, with gaps d = x − x̄₁ (S comes with the weights): Xᵀf − x̄₁Σf for
        // f = w̃(y − μ₀) on the controls, 0 on the treated (BLAS dgemv over every column).
        var f = [Double](repeating: 0, count: n), total = 0.0
        for i in 0..<n where !treated[i] && balance.weights[i] > 0 {
            f[i] = balance.weights[i] / controlWeight * (y[i] - mu0)
            total += f[i]
        }
        let xf = x.values.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: n, columns: p, by: f, transposed: true) }
        let g = columns.map { xf[$0] - balance.targets[$0] * total }
        let h = q > 0 ? ((try? BLAS.solve(balance.gapCovariance, order: q, rhs: g)) ?? [Double](repeating: 0, count: q)) : []
        // The fitted gaps hᵀ(xᵢ − x̄₁) = (X·h)ᵢ − hᵀx̄₁, h zero on the columns not balanced.
        var slope = [Double](repeating: 0, count: p), offset = 0.0
        for (a, j) in columns.enumerated() { slope[j] = h[a]; offset += h[a] * balance.targets[j] }
        let xh = x.values.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: n, columns: p, by: slope) }
        var influence = [Double](repeating: 0, count: n), variance = 0.0
        for i in 0..<n {
            let fitted = xh[i] - offset
            let phi: Double
            if treated[i] {
                phi = (y[i] - mu1 - fitted) / treatedCount
            } else {
                phi = -balance.weights[i] / controlWeight * (y[i] - mu0 - fitted)
            }
            influence[i] = phi
            variance += phi * phi
        }
        let effect = MeanComparison.tEstimate(
            mu1 - mu0, se: variance.squareRoot(), df: .infinity, level: level,
            method: "entropy balancing (ATT, exact mean balance), M-estimation SE")
        return (effect, influence)
    }

    /// Row-major (x − x̄₁)/s of the given rows and columns.
    private static func standardized(
        _ x: RowMatrix, rows: [Int], columns: [Int], targets: [Double], scale: [Double]
    ) -> [Double] {
        let p = x.columns, q = columns.count
        var z = [Double](repeating: 0, count: rows.count * q)
        let shift = columns.map { targets[$0] }, inverse = columns.map { 1 / scale[$0] }
        x.values.withUnsafeBufferPointer { v in
            z.withUnsafeMutableBufferPointer { out in
                for (r, i) in rows.enumerated() {
                    for (a, j) in columns.enumerated() { out[r * q + a] = (v[i * p + j] - shift[a]) * inverse[a] }
                }
            }
        }
        return z
    }

    /// Newton's method on the dual; returns the control weights (summing to 1).
    ///
    /// The weights are updated multiplicatively, wᵢ ← wᵢ·exp(t·sᵢ)/Σ with sᵢ = −zᵢᵀd for the Newton
    /// step d (one BLAS dgemv per iteration), and the line search measures the change of the
    /// dual directly, log Σ wᵢ exp(t·sᵢ) (with expm1 near zero), so that a decrease far below
    /// the objective's rounding is still seen and full steps are taken to the end.
    private static func newton(
        _ z: [Double], rows m: Int, columns q: Int, start: [Double]?, tolerance: Double, maxIterations: Int
    ) throws -> (weights: [Double], iterations: Int, lambda: [Double]) {
        var lambda = start ?? [Double](repeating: 0, count: q)
        var weights = [Double](repeating: 1 / Double(m), count: m)
        if start != nil {
            weights = z.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: m, columns: q, by: lambda) }
            let largest = weights.max() ?? 0
            var total = 0.0
            for r in 0..<m { weights[r] = exp(weights[r] - largest); total += weights[r] }
            for r in 0..<m { weights[r] /= total }
        }
        var lastGradient = [Double](repeating: 0, count: q)
        var recent: [Double] = []
        var trial = [Double](repeating: 0, count: m)
        /// log Σ wᵢ exp(t·sᵢ), and the new weights in `trial`.
        /// expm1 keeps tiny changes exact when every |t·sᵢ| is small; otherwise the weights are
        /// rescaled by the largest exponent (a step that drives every weight towards zero would
        /// make 1 + Σ wᵢ·expm1(t·sᵢ) vanish and the weights 0/0). A step whose weights are not
        /// numbers is refused (+∞: no decrease).
        func change(_ t: Double, _ scores: [Double]) -> Double {
            var largest = -Double.infinity, smallest = Double.infinity
            for r in 0..<m {
                largest = max(largest, t * scores[r])
                smallest = min(smallest, t * scores[r])
            }
            guard largest.isFinite, smallest.isFinite else { return .infinity }
            if largest < 0.5 && smallest > -0.5 {
                var sum = 0.0
                for r in 0..<m {
                    let e = expm1(t * scores[r])
                    trial[r] = weights[r] * (1 + e)
                    sum += weights[r] * e
                }
                for r in 0..<m { trial[r] /= 1 + sum }
                return log1p(sum)
            }
            var total = 0.0
            for r in 0..<m {
                trial[r] = weights[r] * exp(t * scores[r] - largest)
                total += trial[r]
            }
            guard total > 0, total.isFinite else { return .infinity }
            for r in 0..<m { trial[r] /= total }
            return largest + log(total)
        }
        for iteration in 0..<maxIterations {
            // Gradient (weighted mean of z) and Hessian (weighted covariance of z).
            let gradient = z.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: m, columns: q, by: weights, transposed: true) }
            let largest = gradient.map { abs($0) }.max() ?? 0
            if largest < tolerance { return (weights, iteration, lambda) }
            // Rounding can stall Newton short of the tolerance on ill-conditioned covariates: a gap
            // below 1e-7 standard deviations that stopped shrinking is balance for every purpose.
            recent.append(largest)
            if recent.count > 3 { recent.removeFirst() }
            if largest < 1e-7 && recent.count == 3 && recent[2] > 0.5 * recent[0] { return (weights, iteration, lambda) }
            lastGradient = gradient
            var hessian = weightedGram(z, weights: weights, columns: q)
            for b in 0..<q { for a in 0..<q { hessian[a + b * q] -= gradient[a] * gradient[b] } }
            guard let step = try? BLAS.solve(hessian, order: q, rhs: gradient) else {
                throw EntropyBalancingError.infeasible(covariate: worstColumn(gradient))
            }
            let direction = step.map { -$0 }
            let scores = z.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: m, columns: q, by: direction) }
            // Backtracking on the dual (convex): accept a sufficient decrease.
            var t = 1.0, decrease = 0.0
            for c in 0..<q { decrease += gradient[c] * step[c] }
            var accepted = false
            while t > 1e-12 {
                let delta = change(t, scores)
                if delta <= -1e-4 * t * decrease {
                    swap(&weights, &trial)
                    for c in 0..<q { lambda[c] += t * direction[c] }
                    accepted = true
                    break
                }
                t /= 2
            }
            if !accepted {
                // Rounding stops the descent: accept a gap that is zero for every practical purpose.
                if gradient.allSatisfy({ abs($0) < 1e-7 }) { return (weights, iteration, lambda) }
                throw EntropyBalancingError.infeasible(covariate: worstColumn(gradient))
            }
        }
        if lastGradient.allSatisfy({ abs($0) < 1e-7 }) { return (weights, maxIterations, lambda) }
        throw EntropyBalancingError.infeasible(covariate: worstColumn(lastGradient))
    }

    private static func worstColumn(_ gradient: [Double]) -> Int {
        gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) } ?? 0
    }
}
