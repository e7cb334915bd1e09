import Foundation

/// The weight given to each event time in a (weighted) log-rank test.
///
/// With nᵢ subjects at risk at the i-th time and Ŝ the pooled Kaplan–Meier curve:
public enum LogRankWeighting: Sendable, Equatable, Hashable {
    /// w = 1: the log-rank (Mantel–Cox) test, most powerful under proportional hazards.
    case logRank
    /// w = nᵢ: Gehan–Breslow generalized Wilcoxon; emphasises early differences.
    case wilcoxon
    /// w = √nᵢ: Tarone–Ware.
    case taroneWare
    /// w = Π_{j ≤ i} (1 − dⱼ/(nⱼ + 1)): Peto–Peto's modified survival estimate, as lifelines
    /// computes it (the product includes the current time).
    case peto
    /// w = Ŝ(tᵢ−)ᵖ (1 − Ŝ(tᵢ−))^q with the left-continuous pooled Kaplan–Meier curve:
    /// Fleming–Harrington G(p, q); (0, 0) is the log-rank test, (0, 1) emphasises late
    /// differences (conversions that come late). With unequal frequency weights the pooled
    /// curve is weighted too (lifelines fits it without the weights; equal for unit weights).
    case flemingHarrington(p: Double, q: Double)

    /// The name in words, for reports.
    public var description: String {
        switch self {
        case .logRank: return "log-rank (Mantel–Cox)"
        case .wilcoxon: return "Gehan–Breslow–Wilcoxon"
        case .taroneWare: return "Tarone–Ware"
        case .peto: return "Peto–Peto"
        case .flemingHarrington(let p, let q): return "Fleming–Harrington (p = \(p), q = \(q))"
        }
    }
}

/// The result of a k-group (weighted) log-rank test.
public struct LogRankTest: Sendable, Equatable {
    /// The chi-square statistic Zᵀ V⁻ Z.
    public var statistic: Double
    /// The rank of the covariance V: k − 1 unless a group never contributes.
    public var degreesOfFreedom: Int
    /// P(χ²(df) ≥ statistic).
    public var pValue: Double
    /// Per group: the weighted number of events Σ wᵢ dᵢⱼ.
    public var observed: [Double]
    /// Per group: the weighted number expected under no difference Σ wᵢ dᵢ nᵢⱼ / nᵢ.
    public var expected: [Double]
    public var weighting: LogRankWeighting
    /// The method in words, for reports.
    public var method: String

    // Reference: N. Mantel (1966), "Evaluation of survival data and two new rank order
    // statistics arising in its consideration", Cancer Chemotherapy Reports 50(3);
    // weighted family: T. R. Fleming, D. P. Harrington (1991), "Counting Processes and
    // Survival Analysis", Wiley, ch. 7; E. A. Gehan (1965), Biometrika 52; R. E. Tarone,
    // J. Ware (1977), Biometrika 64; R. Peto, J. Peto (1972), JRSS A 135. Numbers follow
    // lifelines 0.30 `statistics.multivariate_logrank_test(…, weightings=…)`, whose
    // hypergeometric variance uses (nᵢ − dᵢ)/(nᵢ − 1) with 0/0 read as 1.

    /// The (weighted) log-rank test of equal survival curves in two or more groups.
    ///
    /// Z_g = Σᵢ wᵢ (dᵢ_g − dᵢ nᵢ_g/nᵢ) over the pooled distinct times, with covariance
    /// V_gh = Σᵢ wᵢ² dᵢ (nᵢ − dᵢ)/(nᵢ − 1) · (nᵢ_g/nᵢ · δ_gh − nᵢ_g nᵢ_h/nᵢ²); the statistic is
    /// Zᵀ V⁻¹ Z on the first k − 1 groups (chi-square with k − 1 df). When V is singular (a
    /// group with no one at risk at any event time) a generalized inverse on its pivoted
    /// rank is used and df is that rank.
    ///
    /// ```swift
    /// let test = LogRankTest(groups: [invitedByApp, invitedBySMS])
    /// test.pValue            // do the two channels convert at the same speed?
    /// LogRankTest(groups: [a, b], weighting: .flemingHarrington(p: 0, q: 1))   // late differences
    /// ```
    ///
    /// - Parameters:
    ///   - groups: a survival table per group (two or more, each with at least one subject).
    ///   - weighting: the weight of each event time.
    /// - Complexity: O(k·m + k³) for k groups and m distinct pooled times.
    public init(groups: [SurvivalTable], weighting: LogRankWeighting = .logRank) {
        let k = groups.count
        precondition(k >= 2, "LogRankTest needs at least two groups")
        for g in groups { precondition(g.total > 0, "LogRankTest: every group needs at least one subject") }
        if case .flemingHarrington(let p, let q) = weighting {
            precondition(p >= 0 && q >= 0, "LogRankTest: Fleming–Harrington p and q must be ≥ 0")
        }
        let pooled = groups.dropFirst().reduce(groups[0], +)
        var atRisk = groups.map(\.total)
        var position = [Int](repeating: 0, count: k)
        var z = [Double](repeating: 0, count: k)
        var observed = [Double](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var v = [Double](repeating: 0, count: k * k)  // column-major k × k
        var totalAtRisk = pooled.total
        var petoSurvival = 1.0
        var logPooledSurvival = 0.0  // log Ŝ(t−) of the pooled curve
        var d = [Double](repeating: 0, count: k)
        var removed = [Double](repeating: 0, count: k)
        for i in 0..<pooled.count {
            let time = pooled.times[i]
            for g in 0..<k {
                d[g] = 0; removed[g] = 0
                let table = groups[g]
                if position[g] < table.count && table.times[position[g]] == time {
                    d[g] = table.events[position[g]]
                    removed[g] = d[g] + table.censored[position[g]]
                    position[g] += 1
                }
            }
            let deaths = pooled.events[i]
            let n = totalAtRisk
            if deaths > 0 {
                let w: Double
                switch weighting {
                case .logRank: w = 1
                case .wilcoxon: w = n
                case .taroneWare: w = n.squareRoot()
                case .peto:
                    petoSurvival *= 1 - deaths / (n + 1)
                    w = petoSurvival
                case .flemingHarrington(let p, let q):
                    let s = exp(logPooledSurvival)
                    w = pow(s, p) * pow(1 - s, q)
                }
                var factor = (n - deaths) / (n - 1)
                if !factor.isFinite { factor = 1 }  // lifelines: 0/0 → 1 (a lone subject at risk)
                factor *= deaths / (n * n)
                for g in 0..<k {
                    let e = deaths * atRisk[g] / n
                    observed[g] += w * d[g]
                    expected[g] += w * e
                    z[g] += w * (d[g] - e)
                    for h in 0..<k {
                        let cross = (g == h ? atRisk[g] * n : 0) - atRisk[g] * atRisk[h]
                        v[g + h * k] += w * w * factor * cross
                    }
                }
                logPooledSurvival += Foundation.log(n - deaths) - Foundation.log(n)
            }
            for g in 0..<k { atRisk[g] -= removed[g] }
            totalAtRisk -= pooled.events[i] + pooled.censored[i]
        }
        // Quadratic form on the first k − 1 groups, through the pivoted rank of V.
        let m = k - 1
        var sub = [Double](repeating: 0, count: m * m)
        for g in 0..<m { for h in 0..<m { sub[g + h * m] = v[g + h * k] } }
        let maxDiagonal = (0..<m).map { sub[$0 + $0 * m] }.max() ?? 0
        var statistic = 0.0
        var rank = 0
        if maxDiagonal > 0 {
            let (r, pivots) = BLAS.pivotedRank(sub, order: m, tolerance: 1e-10 * maxDiagonal)
            rank = r
            let kept = Array(pivots.prefix(r))
            var reduced = [Double](repeating: 0, count: r * r)
            for (a, g) in kept.enumerated() { for (b, h) in kept.enumerated() { reduced[a + b * r] = sub[g + h * m] } }
            do {
                try BLAS.choleskyFactor(&reduced, order: r)
                try BLAS.choleskyInverse(&reduced, order: r)
                for (a, g) in kept.enumerated() {
                    for (b, h) in kept.enumerated() { statistic += z[g] * reduced[a + b * r] * z[h] }
                }
            } catch {
                statistic = .nan
            }
        }
        self.statistic = statistic
        self.degreesOfFreedom = rank
        self.pValue = rank > 0 ? ChiSquaredDistribution(degreesOfFreedom: Double(rank)).survival(statistic) : 1
        self.observed = observed
        self.expected = expected
        self.weighting = weighting
        self.method = "\(weighting.description) test of equal survival in \(k) groups, chi-square with \(rank) df"
    }
}
