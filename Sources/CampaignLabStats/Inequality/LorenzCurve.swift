/// How the Gini coefficient is normalised.
public enum GiniDefinition: String, Sendable, CaseIterable {
    /// G = Σᵢ Σⱼ wᵢ wⱼ |xᵢ − xⱼ| / (2 W² μ), W = Σ w, μ = Σ w x / W: half the relative mean
    /// absolute difference, equal to 1 − 2 × (area under the piecewise-linear Lorenz curve).
    /// The usual definition for a whole population (n = 1 customer holding everything
    /// gives 1 − 1/n).
    case population
    /// The population value times W/(W − 1) (with unit weights n/(n − 1)): the unbiased
    /// estimate of the mean-difference Gini of the population a sample came from; one
    /// customer holding everything gives exactly 1. Weights must be frequencies.
    case sampleCorrected

    /// The definition in words, for reports.
    public var description: String {
        switch self {
        case .population: return "Gini, mean absolute difference / (2 × mean)"
        case .sampleCorrected: return "Gini with the small-sample n/(n − 1) correction"
        }
    }
}

/// A point of the Lorenz curve: the poorest `population` share holds `share` of the total.
public struct LorenzPoint: Sendable, Equatable {
    public var population: Double
    public var share: Double
}

// Reference: M. O. Lorenz (1905), "Methods of measuring the concentration of wealth",
// JASA 9(70); C. Gini (1912), "Variabilità e mutabilità". The sorted-sum form of the Gini
// coefficient used below is in e.g. P. J. Lambert, "The Distribution and Redistribution of
// Income" (3rd ed., 2001), ch. 2; Tests/References/inequality.py checks it against the
// double-sum definition with numpy.

/// The Lorenz curve of non-negative amounts (balances, AUM) with the Gini coefficient and
/// top/bottom shares: the long-tail concentration of a customer base.
///
/// The curve joins (0, 0) and, with the amounts sorted increasingly, the points
/// (Σ_{j≤i} wⱼ / W, Σ_{j≤i} wⱼxⱼ / Σ wx) by straight lines; shares at a population fraction
/// between points are read off those lines (a customer is split fractionally).
///
/// ```swift
/// let lorenz = LorenzCurve(values: balances)
/// lorenz.gini()                     // 0 equal … 1 one customer holds all
/// lorenz.topShare(0.01)             // share of AUM held by the top 1 %
/// lorenz.bottomShare(0.80)          // share held by the bottom 80 % (the long tail)
/// ```
///
/// - Complexity: O(n log n) to build (one sort), O(log n) per share, O(1) for the Gini.
public struct LorenzCurve: Sendable {
    /// (0, 0) followed by one point per amount (or per (value, count) row), increasing.
    public let points: [LorenzPoint]
    /// W: the total weight (the number of customers with unit weights).
    public let totalWeight: Double
    /// Σ w x: the total amount.
    public let totalAmount: Double
    /// The population-definition Gini coefficient.
    private let populationGini: Double

    /// The Lorenz curve of amounts, optionally weighted.
    ///
    /// - Parameters:
    ///   - values: non-negative finite amounts, not all zero.
    ///   - weights: optional non-negative frequency weights (counts), one per value.
    /// - Complexity: O(n log n).
    public init(values: [Double], weights: [Double]? = nil) {
        precondition(
            weights == nil || weights!.count == values.count,
            "LorenzCurve: \(weights!.count) weights for \(values.count) values")
        var order = Array(values.indices)
        values.withUnsafeBufferPointer { v in order.sort { v[$0] < v[$1] } }
        self.init(sortedRows: order.lazy.map { (values[$0], weights?[$0] ?? 1) }, capacity: values.count)
    }

    /// The Lorenz curve of pre-aggregated rows, in any order (e.g. a SQL
    /// `SELECT ROUND(aum, -2), COUNT(*) … GROUP BY 1`).
    ///
    /// - Complexity: O(k log k) for k rows.
    public init(valueCounts: [(value: Double, count: Double)]) {
        self.init(
            sortedRows: valueCounts.sorted { $0.value < $1.value }.lazy.map { ($0.value, $0.count) },
            capacity: valueCounts.count)
    }

    private init<S: Sequence>(sortedRows: S, capacity: Int) where S.Element == (Double, Double) {
        // Compensated (Neumaier) sums: a million balances in CNY would otherwise lose ~1e-12.
        var weightSum = CompensatedSum(), amountSum = CompensatedSum()
        var cumulative: [(weight: Double, amount: Double)] = []
        cumulative.reserveCapacity(capacity)
        // Σᵢ wᵢxᵢ (2 Cᵢ₋₁ + wᵢ), Cᵢ₋₁ the weight below i; the Gini numerator is this − W Σ wx.
        var giniSum = CompensatedSum()
        for (value, weight) in sortedRows {
            precondition(value.isFinite && value >= 0, "LorenzCurve: amounts must be finite and ≥ 0 (got \(value))")
            precondition(weight.isFinite && weight >= 0, "LorenzCurve: weights must be finite and ≥ 0 (got \(weight))")
            guard weight > 0 else { continue }
            giniSum.add(weight * value * (2 * weightSum.value + weight))
            weightSum.add(weight)
            amountSum.add(weight * value)
            cumulative.append((weightSum.value, amountSum.value))
        }
        let totalWeight = weightSum.value, totalAmount = amountSum.value
        precondition(totalAmount > 0, "LorenzCurve needs a positive total amount")
        self.totalWeight = totalWeight
        self.totalAmount = totalAmount
        var points = [LorenzPoint(population: 0, share: 0)]
        points.reserveCapacity(cumulative.count + 1)
        for c in cumulative { points.append(LorenzPoint(population: c.weight / totalWeight, share: c.amount / totalAmount)) }
        self.points = points
        // Σᵢ wᵢxᵢ (2Cᵢ₋₁ + wᵢ − W) / (W Σ wx) = ΣΣ wᵢwⱼ|xᵢ − xⱼ| / (2 W² μ).
        populationGini = (giniSum.value - totalWeight * totalAmount) / (totalWeight * totalAmount)
    }

    /// The Gini coefficient.
    ///
    /// - Parameter definition: `.population` (default) or `.sampleCorrected` (× W/(W − 1)).
    public func gini(_ definition: GiniDefinition = .population) -> Double {
        switch definition {
        case .population: return populationGini
        case .sampleCorrected:
            precondition(totalWeight > 1, "LorenzCurve: the n/(n − 1) correction needs more than one customer")
            return populationGini * totalWeight / (totalWeight - 1)
        }
    }

    /// L(p): the share of the total held by the poorest fraction `p` of the population.
    ///
    /// Linear between the points of the curve (numpy `np.interp(p, population, share)`).
    public func share(ofPoorest p: Double) -> Double {
        precondition(p >= 0 && p <= 1, "LorenzCurve: the population share must be in [0, 1]")
        // First point with population ≥ p.
        var low = 0, high = points.count - 1
        while low < high {
            let mid = (low + high) / 2
            if points[mid].population < p { low = mid + 1 } else { high = mid }
        }
        let right = points[low]
        if right.population == p || low == 0 { return right.share }
        let left = points[low - 1]
        let t = (p - left.population) / (right.population - left.population)
        return left.share + t * (right.share - left.share)
    }

    /// The share of the total held by the bottom (poorest) fraction `p`: L(p).
    public func bottomShare(_ p: Double) -> Double { share(ofPoorest: p) }

    /// The share of the total held by the top (richest) fraction `p`: 1 − L(1 − p).
    public func topShare(_ p: Double) -> Double {
        precondition(p >= 0 && p <= 1, "LorenzCurve: the population share must be in [0, 1]")
        return 1 - share(ofPoorest: 1 - p)
    }

    /// The Lorenz curve at the given population shares.
    public func points(at populationShares: [Double]) -> [LorenzPoint] {
        populationShares.map { LorenzPoint(population: $0, share: share(ofPoorest: $0)) }
    }
}

/// Neumaier's compensated summation (A. Neumaier (1974), "Rundungsfehleranalyse einiger
/// Verfahren zur Summation endlicher Summen", ZAMM 54): error O(ε) instead of O(nε).
public struct CompensatedSum: Sendable {
    private var sum = 0.0
    private var compensation = 0.0

    public init() {}

    public mutating func add(_ x: Double) {
        let t = sum + x
        if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
        sum = t
    }

    public var value: Double { sum + compensation }
}
