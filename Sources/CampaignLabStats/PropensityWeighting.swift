/// Which average effect inverse-probability weighting estimates.
public enum WeightingEstimand: String, Sendable, CaseIterable {
    /// Average effect on the treated (participants): treated weight 1, comparison weight e/(1 − e).
    case att
    /// Average effect over everyone: treated 1/e, comparison 1/(1 − e).
    case ate
}

/// Which units enter the weighted comparison.
public enum OverlapRule: Sendable, Equatable {
    /// Every unit.
    case none
    /// Units with a propensity score in [a, 1 − a] (symmetric trimming).
    case trim(Double)
    /// Crump, Hotz, Imbens & Mitnik (2009)'s rule of thumb: keep 0.1 ≤ e ≤ 0.9.
    case crumpRuleOfThumb
    /// Crump, Hotz, Imbens & Mitnik (2009)'s data-driven bound ("Dealing with limited overlap in
    /// estimation of average treatment effects", Biometrika 96): with g = 1/(e(1 − e)), nothing is
    /// dropped when max g ≤ 2·mean g; otherwise the kept units are the k with the smallest g that
    /// minimise the variance bound Σg/k² (a root of γ = 2·E[g | g ≤ γ]), and the reported bound is
    /// α = 1/2 − √(1/4 − 1/γ) with γ = 2·mean of the kept g.
    case crumpOptimal
}

/// Which weights are reported. The normalized (Hájek) estimate is the same for both: a
/// constant factor per group cancels in Σwy/Σw.
public enum WeightScale: String, Sendable, Equatable, CaseIterable {
    /// ATT: treated 1, comparison e/(1 − e); ATE: 1/e and 1/(1 − e).
    case unstabilized
    /// Multiplied by the marginal share of the unit's group (Robins, Hernán & Brumback 2000):
    /// ATE P̂(T=1)/e and P̂(T=0)/(1 − e); ATT treated 1, comparison P̂(T=0)/P̂(T=1)·e/(1 − e). Each
    /// group's weights then average about 1, so the largest weight reads as "counts as N units".
    /// P̂ are the shares among the units kept by the overlap rule.
    case stabilized
}

/// How the standard error of an inverse-probability-weighted effect treats the scores.
public enum WeightingStandardError: Sendable, Equatable {
    /// Scores taken as known: per group Σwᵢ²(yᵢ − ȳ_w)²/(Σwᵢ)² (= WLS HC0).
    case knownScores
    /// Scores from a logistic regression on these covariates (per unit, without the
    /// intercept): the M-estimation sandwich of the stacked logit score and weighted-mean
    /// equations (Lunceford & Davidian 2004, §3), as statsmodels `TreatmentEffect.ipw()`.
    case estimatedLogitScores(covariates: RowMatrix)
    /// The same, with the logit's information Σ e(1 − e)x̃x̃ᵀ (column-major, intercept first)
    /// computed once by the caller for several outcomes (``PropensityWeighting/logitInformation(_:propensity:)``).
    case estimatedLogitScoresWithInformation(covariates: RowMatrix, information: [Double])
}

/// The standardized mean difference of one covariate before and after weighting.
public struct CovariateBalance: Sendable, Equatable {
    public var index: Int
    /// (m₁ − m₀)/√((s₁² + s₀²)/2) with unweighted means and SDs (Austin 2009).
    public var before: Double
    /// The same with weighted means, over the same unweighted SD denominator.
    public var after: Double
    /// Weighted variance ratio s₁²/s₀² after weighting.
    public var varianceRatioAfter: Double
    /// |after| > 0.1, the usual flag for residual imbalance.
    public var isImbalanced: Bool { abs(after) > 0.1 }

    /// The balance of every column of `covariates` under `weights` (a unit with weight 0 is
    /// left out of the weighted means): the unweighted pooled SD is the denominator before and
    /// after (Austin 2009). A covariate with no variation has NaN differences.
    public static func table(_ covariates: RowMatrix, treated: [Bool], weights: [Double]) -> [CovariateBalance] {
        tables(covariates, treated: treated, weights: [weights])[0]
    }

    /// ``table(_:treated:weights:)`` under several weightings at once (two passes over the
    /// covariates in all): one table per weighting.
    public static func tables(_ covariates: RowMatrix, treated: [Bool], weights: [[Double]]) -> [[CovariateBalance]] {
        let n = covariates.rows, k = covariates.columns, m = weights.count
        guard k > 0 else { return weights.map { _ in [] } }
        precondition(treated.count == n && weights.allSatisfy { $0.count == n }, "CovariateBalance: one indicator and weight per unit")
        // Sums shifted by each column's mean (two passes, no cancellation), all columns at once.
        // Per group g (0 treated, 1 control) and weighting: [Σw, Σwd, Σwd²] per column, the
        // unweighted sums being weighting 0 (w = 1).
        var shift = [Double](repeating: 0, count: k)
        covariates.values.withUnsafeBufferPointer { v in
            for i in 0..<n { for j in 0..<k { shift[j] += v[i * k + j] } }
        }
        shift = shift.map { $0 / Double(n) }
        let width = 3 * k
        var sums = [Double](repeating: 0, count: 2 * (m + 1) * width)
        var weightRow = [Double](repeating: 0, count: m + 1)
        covariates.values.withUnsafeBufferPointer { v in
            sums.withUnsafeMutableBufferPointer { s in
                for i in 0..<n {
                    let g = treated[i] ? 0 : 1
                    weightRow[0] = 1
                    for h in 0..<m { weightRow[h + 1] = weights[h][i] }
                    for h in 0...m where weightRow[h] > 0 {
                        let w = weightRow[h], o = (g * (m + 1) + h) * width
                        for j in 0..<k {
                            let d = v[i * k + j] - shift[j], wd = w * d
                            s[o + 3 * j] += w; s[o + 3 * j + 1] += wd; s[o + 3 * j + 2] += wd * d
                        }
                    }
                }
            }
        }
        func moments(_ g: Int, _ h: Int, _ j: Int, unbiased: Bool) -> (mean: Double, variance: Double) {
            let o = (g * (m + 1) + h) * width + 3 * j
            let count = sums[o], mean = sums[o + 1] / count
            let squares = max(0, sums[o + 2] - count * mean * mean)
            return (mean, squares / (unbiased ? count - 1 : count))
        }
        return (1..<m + 1).map { h in
            (0..<k).map { j in
                let t = moments(0, 0, j, unbiased: true), c = moments(1, 0, j, unbiased: true)
                let wt = moments(0, h, j, unbiased: false), wc = moments(1, h, j, unbiased: false)
                let pooled = ((t.variance + c.variance) / 2).squareRoot()
                let denominator = pooled > 0 ? pooled : .nan
                return CovariateBalance(
                    index: j, before: (t.mean - c.mean) / denominator, after: (wt.mean - wc.mean) / denominator,
                    varianceRatioAfter: wt.variance / wc.variance)
            }
        }
    }
}

/// The result of an inverse-probability-weighted comparison.
public struct WeightedEffect: Sendable {
    public var effect: EffectEstimate
    public var estimand: WeightingEstimand
    /// Kish effective sample sizes (Σw)²/Σw² of the treated and comparison groups.
    public var effectiveSampleSize: (treated: Double, comparison: Double)
    /// Units dropped by the overlap rule.
    public var trimmed: Int
    /// Standardized mean differences of each covariate, before and after weighting.
    public var balance: [CovariateBalance]
    /// The smallest and largest propensity score in each group (before trimming).
    public var propensityRange: (treated: ClosedRange<Double>, comparison: ClosedRange<Double>)
    /// The overlap bound α applied (units with e outside [α, 1 − α] dropped); 0 when none.
    public var overlapBound: Double
    /// Each unit's weight on the requested scale (0 for units dropped by the overlap rule).
    public var weights: [Double]
    public var weightScale: WeightScale
    /// The largest weight in each group, on the requested scale (a few huge weights make the
    /// estimate fragile: compare with the effective sample size).
    public var largestWeight: (treated: Double, comparison: Double)
    /// Each unit's influence on the effect (the effect's variance is Σφ²), for a relative effect.
    public var influence: [Double]
}

/// Inverse-probability weighting with normalized (Hájek) weights: each group's weighted mean
/// is Σwᵢyᵢ/Σwᵢ, and the effect is the treated mean minus the comparison mean.
///
/// The standard error treats the propensity scores as known: per group
/// Var = Σwᵢ²(yᵢ − ȳ_w)²/(Σwᵢ)², which is the HC0 sandwich of the weighted least squares of y
/// on [1, treated] (statsmodels `WLS(y, X, weights=w).fit(cov_type='HC0')`); z interval. With
/// estimated scores this is conservative for the ATE (Lunceford & Davidian 2004, §3.2) and
/// usually close for the ATT. Balance follows Austin (2009), "Balance diagnostics for
/// comparing the distribution of baseline covariates between treatment groups in
/// propensity-score matched samples", Statistics in Medicine 28.
///
/// ```swift
/// let ps = try LogisticRegression.fit(rows: covariatesAndTreatment, covariates: k)
/// let scores = customers.map { ps.probability($0.covariates) }
/// let att = PropensityWeighting.estimate(outcomes: y, treated: t, propensity: scores,
///                                        covariates: x, estimand: .att)
/// ```
public enum PropensityWeighting {
    /// - Parameters:
    ///   - outcomes: y per unit.
    ///   - treated: treatment indicator per unit.
    ///   - propensity: P(treated | x) per unit, strictly between 0 and 1.
    ///   - covariates: one row per unit, the covariates to check balance on (may have no columns).
    ///   - estimand: ATT or ATE.
    ///   - overlap: which units to keep.
    ///   - level: confidence level.
    /// - Precondition: equal lengths; after the overlap rule, at least two units per group.
    public static func estimate(
        outcomes: [Double], treated: [Bool], propensity: [Double], covariates: [[Double]],
        estimand: WeightingEstimand = .att, overlap: OverlapRule = .none,
        standardError: WeightingStandardError = .knownScores,
        weightScale: WeightScale = .unstabilized,
        level: Double = 0.95
    ) -> WeightedEffect {
        estimate(
            outcomes: outcomes, treated: treated, propensity: propensity,
            covariates: covariates.isEmpty ? RowMatrix(rows: outcomes.count, columns: 0) : RowMatrix(covariates),
            estimand: estimand, overlap: overlap, standardError: standardError, weightScale: weightScale, level: level)
    }

    /// The same with the covariates in one ``RowMatrix`` (one row per unit).
    public static func estimate(
        outcomes: [Double], treated: [Bool], propensity: [Double], covariates: RowMatrix? = nil,
        estimand: WeightingEstimand = .att, overlap: OverlapRule = .none,
        standardError: WeightingStandardError = .knownScores,
        weightScale: WeightScale = .unstabilized,
        level: Double = 0.95
    ) -> WeightedEffect {
        let n = outcomes.count
        let covariates = covariates ?? RowMatrix(rows: n, columns: 0)
        precondition(
            treated.count == n && propensity.count == n && covariates.rows == n,
            "PropensityWeighting: one outcome, indicator, score (and covariate row) per unit")
        precondition(propensity.allSatisfy { $0 > 0 && $0 < 1 }, "PropensityWeighting: scores must lie strictly in (0, 1)")
        var bound: Double
        var keep: (Double) -> Bool
        switch overlap {
        case .none: bound = 0
        case .trim(let a):
            precondition(a >= 0 && a < 0.5, "PropensityWeighting: trimming bound must be in [0, 0.5)")
            bound = a
        case .crumpRuleOfThumb: bound = 0.1
        case .crumpOptimal: bound = 0
        }
        keep = { [bound] e in e >= bound && e <= 1 - bound }
        if overlap == .crumpOptimal, let rule = crumpOptimalRule(propensity) {
            bound = rule.alpha
            keep = { e in 1 / (e * (1 - e)) <= rule.largestKept }
        }
        var treatedLow = Double.infinity, treatedHigh = -Double.infinity
        var comparisonLow = Double.infinity, comparisonHigh = -Double.infinity
        var weights = [Double](repeating: 0, count: n)
        var trimmed = 0
        for i in 0..<n {
            let e = propensity[i]
            if treated[i] {
                treatedLow = min(treatedLow, e); treatedHigh = max(treatedHigh, e)
            } else {
                comparisonLow = min(comparisonLow, e); comparisonHigh = max(comparisonHigh, e)
            }
            if !keep(e) { trimmed += 1; continue }
            switch estimand {
            case .att: weights[i] = treated[i] ? 1 : e / (1 - e)
            case .ate: weights[i] = treated[i] ? 1 / e : 1 / (1 - e)
            }
        }
        func group(_ flag: Bool) -> (mean: Double, variance: Double, sum: Double, sumSquares: Double, count: Int) {
            var sw = 0.0, swy = 0.0, sw2 = 0.0, count = 0
            for i in 0..<n where treated[i] == flag && weights[i] > 0 {
                sw += weights[i]; swy += weights[i] * outcomes[i]; sw2 += weights[i] * weights[i]; count += 1
            }
            let mean = swy / sw
            var v = 0.0
            for i in 0..<n where treated[i] == flag && weights[i] > 0 {
                let d = outcomes[i] - mean
                v += weights[i] * weights[i] * d * d
            }
            return (mean, v / (sw * sw), sw, sw2, count)
        }
        let t = group(true), c = group(false)
        precondition(t.count >= 2 && c.count >= 2, "PropensityWeighting: fewer than two units left in a group after the overlap rule")
        var se = (t.variance + c.variance).squareRoot()
        var influence = (0..<n).map { i in
            weights[i] == 0 ? 0 : treated[i] ? weights[i] * (outcomes[i] - t.mean) / t.sum : -weights[i] * (outcomes[i] - c.mean) / c.sum
        }
        var seMethod = "SE with known scores"
        var logitDesign: (RowMatrix, [Double]?)?
        switch standardError {
        case .knownScores: break
        case .estimatedLogitScores(let design): logitDesign = (design, nil)
        case .estimatedLogitScoresWithInformation(let design, let information): logitDesign = (design, information)
        }
        if let (design, information) = logitDesign {
            precondition(design.rows == n, "PropensityWeighting: one propensity-covariate row per unit")
            (se, influence) = estimatedScoreStandardError(
                outcomes: outcomes, treated: treated, propensity: propensity, design: design,
                kept: weights.map { $0 > 0 }, estimand: estimand, means: (t.mean, c.mean), information: information)
            seMethod = "M-estimation SE for estimated logit scores"
        }
        let effect = MeanComparison.tEstimate(
            t.mean - c.mean, se: se, df: .infinity, level: level,
            method: "inverse-probability weighting (\(estimand.rawValue.uppercased()), normalized weights, \(seMethod))")

        let balance = CovariateBalance.table(covariates, treated: treated, weights: weights)
        if weightScale == .stabilized {
            let share = Double(t.count) / Double(t.count + c.count)
            let (treatedFactor, comparisonFactor) = estimand == .ate ? (share, 1 - share) : (1, (1 - share) / share)
            for i in 0..<n { weights[i] *= treated[i] ? treatedFactor : comparisonFactor }
        }
        var largest = (0.0, 0.0)
        for i in 0..<n {
            if treated[i] { largest.0 = max(largest.0, weights[i]) } else { largest.1 = max(largest.1, weights[i]) }
        }
        return WeightedEffect(
            effect: effect, estimand: estimand,
            effectiveSampleSize: (t.sum * t.sum / t.sumSquares, c.sum * c.sum / c.sumSquares),
            trimmed: trimmed, balance: balance,
            propensityRange: (treatedLow...treatedHigh, comparisonLow...comparisonHigh),
            overlapBound: bound, weights: weights, weightScale: weightScale, largestWeight: largest, influence: influence)
    }

    /// The logit's information Σ e(1 − e)x̃x̃ᵀ with x̃ = [1, x], column-major: the block of the
    /// M-estimation sandwich that is the same for every outcome.
    public static func logitInformation(_ design: RowMatrix, propensity: [Double]) -> [Double] {
        let k = design.columns + 1, n = design.rows
        var information = [Double](repeating: 0, count: k * k)
        let blockRows = 4_096
        var block = [Double](repeating: 0, count: blockRows * k)
        var start = 0
        design.values.withUnsafeBufferPointer { x in
            while start < n {
                let count = min(blockRows, n - start)
                for r in 0..<count {
                    let i = start + r, e = propensity[i], root = (e * (1 - e)).squareRoot()
                    block[r * k] = root
                    for c in 1..<k { block[r * k + c] = root * x[i * (k - 1) + c - 1] }
                }
                block.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: count, columns: k, into: &information) }
                start += count
            }
        }
        BLAS.symmetrizeFromUpper(&information, order: k)
        return information
    }

    /// Crump et al.'s optimal kept set: nil when nothing is to be dropped (max g ≤ 2·mean g).
    public static func crumpOptimalRule(_ propensity: [Double]) -> (alpha: Double, largestKept: Double)? {
        let g = propensity.map { 1 / ($0 * (1 - $0)) }.sorted()
        guard let largest = g.last else { return nil }
        let total = g.reduce(0, +)
        if largest <= 2 * total / Double(g.count) { return nil }
        var sum = 0.0, best = Double.infinity, bestCount = g.count, bestSum = total
        for (index, value) in g.enumerated() {
            sum += value
            let count = index + 1
            // Only whole tie groups can be kept or dropped.
            if count < g.count && g[count] == value { continue }
            let objective = sum / (Double(count) * Double(count))
            if objective < best { best = objective; bestCount = count; bestSum = sum }
        }
        let gamma = 2 * bestSum / Double(bestCount)
        let alpha = gamma > 4 ? 0.5 - (0.25 - 1 / gamma).squareRoot() : 0
        return (alpha, g[bestCount - 1])
    }

    /// √(cᵀA⁻¹BA⁻ᵀc) = √Σ(zᵀψᵢ)² for θ = (logit β, μ₁, μ₀), c = (0, …, 1, −1): A = −Σ∂ψ/∂θ, B = Σψψᵀ with
    /// ψ = ((T − e)x̃, T·w₁(y − μ₁), (1 − T)·w₀(y − μ₀)), x̃ = [1, x], w the estimand's weights;
    /// and each unit's influence zᵀψᵢ with z = A⁻ᵀc (so the variance is Σ(zᵀψᵢ)²).
    private static func estimatedScoreStandardError(
        outcomes: [Double], treated: [Bool], propensity: [Double],
        design: RowMatrix, kept: [Bool], estimand: WeightingEstimand,
        means: (Double, Double), information: [Double]?
    ) -> (standardError: Double, influence: [Double]) {
        let k = design.columns + 1
        let p = k + 2
        let n = outcomes.count
        // Per unit, ψᵢ = [(t − e)x̃ᵢ, m₁ᵢ, m₀ᵢ] (the logit score, then the two mean equations).
        // A = −Σ∂ψ/∂θ: its logit block Σ e(1 − e)x̃x̃ᵀ is the logit's information (BLAS dsyrk, or
        // the caller's); the two mean rows are d/dβ of the mean equations, Σ fᵢx̃ᵢ (BLAS dgemv
        // below), and their diagonal. B = Σψψᵀ is never formed: the variance is Σ(zᵀψᵢ)², from
        // the influence computed anyway.
        var m1 = [Double](repeating: 0, count: n), m0 = [Double](repeating: 0, count: n)
        var f1 = [Double](repeating: 0, count: n), f0 = [Double](repeating: 0, count: n)
        var a = [Double](repeating: 0, count: p * p)  // column-major
        for i in 0..<n where kept[i] {
            let e = propensity[i], y = outcomes[i]
            switch estimand {
            case .ate:
                if treated[i] {
                    m1[i] = (y - means.0) / e
                    a[k + k * p] += 1 / e
                    f1[i] = (y - means.0) * (1 - e) / e
                } else {
                    m0[i] = (y - means.1) / (1 - e)
                    a[(k + 1) + (k + 1) * p] += 1 / (1 - e)
                    f0[i] = -(y - means.1) * e / (1 - e)
                }
            case .att:
                let odds = e / (1 - e)
                if treated[i] {
                    m1[i] = y - means.0
                    a[k + k * p] += 1
                } else {
                    m0[i] = odds * (y - means.1)
                    a[(k + 1) + (k + 1) * p] += odds
                    f0[i] = -(y - means.1) * odds
                }
            }
        }
        let logitBlock = information ?? logitInformation(design, propensity: propensity)
        let columns = k - 1
        for (r, factors) in [(k, f1), (k + 1, f0)] {
            a[r] = factors.reduce(0, +)
            let sums = design.values.withUnsafeBufferPointer {
                BLAS.multiply(rowMajor: $0, rows: n, columns: columns, by: factors, transposed: true)
            }
            for c in 1..<k { a[r + c * p] = sums[c - 1] }
        }
        for c in 0..<k { for r in 0..<k { a[r + c * p] = logitBlock[r + c * k] } }
        // z = A⁻ᵀc, then Var = zᵀBz.
        var transposed = [Double](repeating: 0, count: p * p)
        for r in 0..<p { for c in 0..<p { transposed[c + r * p] = a[r + c * p] } }
        var contrast = [Double](repeating: 0, count: p)
        contrast[k] = 1; contrast[k + 1] = -1
        guard let z = try? BLAS.solve(transposed, order: p, rhs: contrast) else {
            return (.nan, [Double](repeating: .nan, count: n))
        }
        // zᵀψᵢ = (tᵢ − eᵢ)(z₀ + (X·z₁…)ᵢ) + z_k m₁ᵢ + z_{k+1} m₀ᵢ.
        let xz = design.values.withUnsafeBufferPointer { BLAS.multiply(rowMajor: $0, rows: n, columns: columns, by: Array(z[1..<k])) }
        var variance = 0.0
        var influence = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let residual = (treated[i] ? 1.0 : 0.0) - propensity[i]
            let value = residual * (z[0] + xz[i]) + z[k] * m1[i] + z[k + 1] * m0[i]
            influence[i] = value
            variance += value * value
        }
        return (variance.squareRoot(), influence)
    }
}
