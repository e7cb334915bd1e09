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
    public static func weights(
        covariates x: RowMatrix, treated: [Bool], tolerance: Double = 1e-10, maxIterations: Int = 200
    ) throws -> EntropyBalance {
        let n = x.rows, p = x.columns
        precondition(treated.count == n, "EntropyBalancing: one indicator per unit")
        let allControls = (0..<n).filter { !treated[$0] }
        let treatedCount = n - allControls.count
        guard allControls.count >= 2, treatedCount >= 2 else { throw EntropyBalancingError.tooFewUnits }
        var targets = [Double](repeating: 0, count: p)
        for i in 0..<n where treated[i] {
            for j in 0..<p { targets[j] += x.values[i * p + j] / Double(treatedCount) }
        }
        let controls = try reachable(x, controls: allControls, targets: targets)
        var controlMoments = [Moments](repeating: Moments(), count: p)
        for i in controls {
            for j in 0..<p { controlMoments[j].add(x.values[i * p + j]) }
        }
        // Standardized gaps z = (x − x̄₁)/s over the controls; a column the controls do not vary
        // on is balanced only if the participants sit on the same value.
        let scale = controlMoments.map { $0.variance.squareRoot() }
        for j in 0..<p where !(scale[j] > 0) {
            if abs(controlMoments[j].mean - targets[j]) > 1e-12 * max(1, abs(targets[j])) {
                throw EntropyBalancingError.infeasible(covariate: j)
            }
        }
        var columns = (0..<p).filter { scale[$0] > 0 }
        var z = standardized(x, rows: controls, columns: columns, targets: targets, scale: scale)
        // Collinear columns (among the controls) would make the Hessian singular: keep a
        // spanning set; the others are balanced with them when the relation holds for all.
        let kept = spanningColumns(z, rows: controls.count, columns: columns.count)
        let collinear = columns.indices.filter { !kept.contains($0) }.map { columns[$0] }
        if kept.count < columns.count {
            columns = kept.map { columns[$0] }
            z = standardized(x, rows: controls, columns: columns, targets: targets, scale: scale)
        }
        let solution: (weights: [Double], iterations: Int)
        do {
            solution = try newton(z, rows: controls.count, columns: columns.count, tolerance: tolerance, maxIterations: maxIterations)
        } catch EntropyBalancingError.infeasible(let c) {
            throw EntropyBalancingError.infeasible(covariate: columns[c])
        }
        var weights = [Double](repeating: 1, count: n)
        for i in allControls { weights[i] = 0 }
        for (r, i) in controls.enumerated() { weights[i] = solution.weights[r] * Double(allControls.count) }
        // The achieved balance on every column (also the collinear and constant ones).
        var largestGap = 0.0
        for j in 0..<p where scale[j] > 0 {
            var mean = 0.0
            for (r, i) in controls.enumerated() { mean += solution.weights[r] * x.values[i * p + j] }
            largestGap = max(largestGap, abs(mean - targets[j]) / scale[j])
        }
        if largestGap > 1e-6, let worst = collinear.first { throw EntropyBalancingError.infeasible(covariate: worst) }
        let sumSquares = solution.weights.reduce(0) { $0 + $1 * $1 }
        var balance = EntropyBalance(
            weights: weights, targets: targets, iterations: solution.iterations, largestGap: largestGap,
            collinear: collinear, effectiveControls: 1 / sumSquares)
        balance.balancedColumns = columns
        balance.unweightedControls = allControls.count - controls.count
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
        var changed = true
        while changed {
            changed = false
            for j in 0..<p {
                var low = Double.infinity, high = -Double.infinity
                for i in active { low = min(low, x.values[i * p + j]); high = max(high, x.values[i * p + j]) }
                guard low < high else { continue }
                let tolerance = 1e-12 * max(1, abs(low), abs(high))
                if targets[j] < low - tolerance || targets[j] > high + tolerance { throw EntropyBalancingError.infeasible(covariate: j) }
                let edge: Double? = abs(targets[j] - low) <= tolerance ? low : abs(targets[j] - high) <= tolerance ? high : nil
                if let edge {
                    active = active.filter { x.values[$0 * p + j] == edge }
                    changed = true
                }
            }
        }
        guard active.count >= 2 else { throw EntropyBalancingError.tooFewUnits }
        return active
    }

    /// The weighted difference of means, treated − balanced controls, with the standard error of
    /// the stacked estimating equations (treated means, λ, both outcome means): per unit the
    /// influence Tᵢ(yᵢ − μ₁)/n₁ − [w̃ᵢ(yᵢ − μ₀ − hᵀ(xᵢ − x̄₁)) + Tᵢhᵀ(xᵢ − x̄₁)/n₁], with w̃ the
    /// control weights summing to 1 and h = S⁻¹g the weighted regression slope of y on x among the
    /// controls (S = Σw̃(x − x̄₁)xᵀ, g = Σw̃(y − μ₀)x). Var = Σφ², normal interval.
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
        // S and g over the controls, with gaps d = x − x̄₁.
        var s = [Double](repeating: 0, count: q * q), g = [Double](repeating: 0, count: q)
        var block = [Double](repeating: 0, count: 4_096 * q), filled = 0
        func flush() {
            block.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: filled, columns: q, into: &s) }
            filled = 0
        }
        for i in 0..<n where !treated[i] && balance.weights[i] > 0 {
            let w = balance.weights[i] / controlWeight, root = w.squareRoot()
            for (a, j) in columns.enumerated() {
                let d = x.values[i * p + j] - balance.targets[j]
                block[filled * q + a] = root * d
                g[a] += w * (y[i] - mu0) * d
            }
            filled += 1
            if filled == 4_096 { flush() }
        }
        flush()
        BLAS.symmetrizeFromUpper(&s, order: q)
        let h = q > 0 ? ((try? BLAS.solve(s, order: q, rhs: g)) ?? [Double](repeating: 0, count: q)) : []
        var influence = [Double](repeating: 0, count: n), variance = 0.0
        for i in 0..<n {
            var fitted = 0.0
            for (a, j) in columns.enumerated() { fitted += h[a] * (x.values[i * p + j] - balance.targets[j]) }
            let phi: Double
            if treated[i] {
                phi = (y[i] - mu1) / treatedCount - fitted / treatedCount
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
        for (r, i) in rows.enumerated() {
            for (a, j) in columns.enumerated() { z[r * q + a] = (x.values[i * p + j] - targets[j]) / scale[j] }
        }
        return z
    }

    /// Columns of z (its centred Gram matrix) that span the rest, in input order.
    private static func spanningColumns(_ z: [Double], rows: Int, columns q: Int) -> [Int] {
        guard q > 1 else { return Array(0..<q) }
        var cp = CrossProducts(variables: q)
        cp.add(rowMajor: z)
        var correlation = [Double](repeating: 0, count: q * q)
        for b in 0..<q {
            for a in 0..<q { correlation[a + b * q] = cp[a, b] / (cp[a, a] * cp[b, b]).squareRoot() }
        }
        let (rank, pivots) = BLAS.pivotedRank(correlation, order: q, tolerance: 1e-10)
        return rank < q ? pivots.prefix(rank).sorted() : Array(0..<q)
    }

    /// Newton's method on the dual; returns the control weights (summing to 1).
    private static func newton(
        _ z: [Double], rows m: Int, columns q: Int, tolerance: Double, maxIterations: Int
    ) throws -> (weights: [Double], iterations: Int) {
        var lambda = [Double](repeating: 0, count: q)
        func evaluate(_ lambda: [Double]) -> (objective: Double, weights: [Double]) {
            var scores = z.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: m, columns: q, by: lambda) }
            let largest = scores.max() ?? 0
            var total = 0.0
            for r in 0..<m { scores[r] = exp(scores[r] - largest); total += scores[r] }
            for r in 0..<m { scores[r] /= total }
            return (largest + log(total), scores)
        }
        var current = evaluate(lambda)
        var lastGradient = [Double](repeating: 0, count: q)
        var recent: [Double] = []
        for iteration in 0..<maxIterations {
            // Gradient (weighted mean of z) and Hessian (weighted covariance of z).
            var gradient = [Double](repeating: 0, count: q)
            var hessian = [Double](repeating: 0, count: q * q)
            var block = [Double](repeating: 0, count: min(m, 4_096) * q), filled = 0
            func flush() {
                block.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: filled, columns: q, into: &hessian) }
                filled = 0
            }
            for r in 0..<m {
                let w = current.weights[r], root = w.squareRoot()
                for c in 0..<q {
                    gradient[c] += w * z[r * q + c]
                    block[filled * q + c] = root * z[r * q + c]
                }
                filled += 1
                if filled == block.count / max(q, 1) { flush() }
            }
            flush()
            let largest = gradient.map { abs($0) }.max() ?? 0
            if largest < tolerance { return (current.weights, iteration) }
            // Rounding can stall Newton short of the tolerance on ill-conditioned covariates: a gap
            // below 1e-7 standard deviations that stopped shrinking is balance for every purpose.
            recent.append(largest)
            if recent.count > 3 { recent.removeFirst() }
            if largest < 1e-7 && recent.count == 3 && recent[2] > 0.5 * recent[0] { return (current.weights, iteration) }
            lastGradient = gradient
            BLAS.symmetrizeFromUpper(&hessian, order: q)
            for b in 0..<q { for a in 0..<q { hessian[a + b * q] -= gradient[a] * gradient[b] } }
            guard let step = try? BLAS.solve(hessian, order: q, rhs: gradient) else {
                throw EntropyBalancingError.infeasible(covariate: worstColumn(gradient))
            }
            // Backtracking on the dual (convex): accept a sufficient decrease.
            var t = 1.0, decrease = 0.0
            for c in 0..<q { decrease += gradient[c] * step[c] }
            var accepted = false
            while t > 1e-12 {
                let trial = (0..<q).map { lambda[$0] - t * step[$0] }
                let next = evaluate(trial)
                if next.objective <= current.objective - 1e-4 * t * decrease || next.objective < current.objective {
                    lambda = trial; current = next; accepted = true
                    break
                }
                t /= 2
            }
            if !accepted {
                // Rounding stops the descent: accept a gap that is zero for every practical purpose.
                if gradient.allSatisfy({ abs($0) < 1e-7 }) { return (current.weights, iteration) }
                throw EntropyBalancingError.infeasible(covariate: worstColumn(gradient))
            }
        }
        if lastGradient.allSatisfy({ abs($0) < 1e-7 }) { return (current.weights, maxIterations) }
        throw EntropyBalancingError.infeasible(covariate: worstColumn(lastGradient))
    }

    private static func worstColumn(_ gradient: [Double]) -> Int {
        gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) } ?? 0
    }
}
