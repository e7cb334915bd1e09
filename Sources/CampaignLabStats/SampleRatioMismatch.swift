/// The sample-ratio-mismatch check of a randomized test: do the arm sizes fit the planned
/// allocation? A small p-value means the assignment or the data pipeline is broken and the
/// results should not be trusted.
///
/// Pearson's χ² goodness-of-fit test, as `scipy.stats.chisquare(observed, expected)`.
public struct SampleRatioMismatch: Sendable, Equatable {
    public var statistic: Double
    public var degreesOfFreedom: Double
    public var pValue: Double

    /// - Parameters:
    ///   - observed: customers per arm.
    ///   - allocation: planned shares per arm (normalized here; need not sum to 1).
    public init(observed: [Double], allocation: [Double]) {
        precondition(
            observed.count == allocation.count && observed.count >= 2,
            "SampleRatioMismatch needs the same number (≥ 2) of arms and shares")
        let total = observed.reduce(0, +)
        let shares = allocation.reduce(0, +)
        var chi2 = 0.0
        for (o, a) in zip(observed, allocation) {
            let expected = total * a / shares
            chi2 += (o - expected) * (o - expected) / expected
        }
        statistic = chi2
        degreesOfFreedom = Double(observed.count - 1)
        pValue = ChiSquaredDistribution(degreesOfFreedom: degreesOfFreedom).survival(chi2)
    }
}
