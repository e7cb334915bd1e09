import CampaignLabStats
import CampaignLabTestSupport
import Testing

struct MeanDifferenceTests {
    // GrowthBook gbstats test suite, frequentist t-test case (published to 5 digits);
    // full precision from Tests/References/mean_difference.py ("growthbook abs/rel").
    static let control = Moments(count: 3407, sum: 1396.87, sumOfSquares: 52377.9767)
    static let treatment = Moments(count: 3461, sum: 2422.7, sumOfSquares: 134698.29)

    @Test func growthBookAbsolute() {
        let e = MeanComparison.absoluteDifference(treatment: Self.treatment, control: Self.control)
        #expect(close(e.estimate, 0.29))
        #expect(close(e.interval.lower, 0.04537789255929012))
        #expect(close(e.interval.upper, 0.5346221074407098))
        #expect(close(e.pValue, 0.020158402643586978, 1e-8))
        #expect(close(e.degreesOfFreedom, 5841.742032093565))
        // The published rounding: (0.04538, 0.53462), p 0.02016.
        #expect(abs(e.interval.lower - 0.04538) < 5e-6 && abs(e.interval.upper - 0.53462) < 5e-6)
        #expect(abs(e.pValue - 0.02016) < 5e-6)
    }

    @Test func growthBookRelativeDelta() {
        let e = MeanComparison.relativeDifference(treatment: Self.treatment, control: Self.control)
        #expect(close(e.estimate, 0.7073170731707317))
        #expect(close(e.interval.lower, -0.03526008906611777, 1e-8))
        #expect(close(e.interval.upper, 1.449894235407581))
        #expect(close(e.pValue, 0.0619118274561836, 1e-8))
        // Published: 0.70732, CI (−0.03526, 1.44989), p 0.06191.
        #expect(abs(e.interval.lower + 0.03526) < 5e-6 && abs(e.interval.upper - 1.44989) < 5e-6)
    }

    static let a: [Double] = [12.1, 9.8, 11.4, 10.0, 13.3, 12.7, 9.1, 10.9, 11.8, 14.2]
    static let b: [Double] = [9.5, 8.7, 10.2, 9.9, 8.1, 10.8, 9.0, 7.7]

    @Test func welchMatchesScipyOnRawSamples() {
        // scipy.stats.ttest_ind(a, b, equal_var=False) and .confidence_interval(0.95) ("welch raw").
        let e = MeanComparison.absoluteDifference(treatment: Moments(Self.a), control: Moments(Self.b))
        #expect(close(e.estimate, 2.2925000000000004))
        #expect(close(e.interval.lower, 0.9418370935466278))
        #expect(close(e.interval.upper, 3.643162906453373))
        #expect(close(e.pValue, 0.002467967797502793))
        #expect(close(e.degreesOfFreedom, 15.500065089806847))
    }

    @Test func fiellerAndLogRatio() {
        // Textbook formulas evaluated in Tests/References/mean_difference.py ("fieller", "logratio").
        let f = MeanComparison.relativeDifference(treatment: Moments(Self.a), control: Moments(Self.b), method: .fieller)
        #expect(close(f.interval.lower, 0.09687249111690233))
        #expect(close(f.interval.upper, 0.4182076675523496))
        let l = MeanComparison.relativeDifference(treatment: Moments(Self.a), control: Moments(Self.b), method: .logRatio)
        #expect(close(l.interval.lower, 0.09818330733436409))
        #expect(close(l.interval.upper, 0.41864873046146744))
        #expect(close(l.pValue, 0.0021209692469785677, 1e-8))
    }

    @Test func fiellerIsUnboundedWhenControlMeanIsNotAwayFromZero() {
        let control = Moments([-1, 1, -2, 2.5, 0.1])
        let e = MeanComparison.relativeDifference(treatment: Moments(Self.a), control: control, method: .fieller)
        #expect(e.interval.lower == -.infinity && e.interval.upper == .infinity)
    }
}

struct MomentsTests {
    @Test func mergeIsAssociativeAndCommutative() {
        // Large mean, small spread: where Σy² − (Σy)²/n would lose digits.
        let values = (0..<3000).map { 1e7 + Double(($0 * 7919) % 1000) / 10 }
        let whole = Moments(values)
        let parts = stride(from: 0, to: values.count, by: 700).map { Moments(values[$0..<min($0 + 700, values.count)]) }
        let left = parts.reduce(Moments(), +)
        let right = parts.reversed().reduce(Moments(), +)
        for m in [left, right] {
            #expect(m.count == whole.count)
            #expect(close(m.mean, whole.mean, 1e-14))
            #expect(close(m.variance, whole.variance, 1e-10))
        }
        // Two-pass variance in Double, by hand: mean then Σ(y − mean)² / (n − 1).
        let mean = values.reduce(0, +) / Double(values.count)
        let twoPass = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        #expect(close(whole.variance, twoPass, 1e-10))
    }

    @Test func weightsActAsFrequencies() {
        var weighted = Moments()
        weighted.add(3, weight: 2)
        weighted.add(5, weight: 1)
        let unweighted = Moments([3, 3, 5])
        #expect(weighted.count == 3)
        #expect(close(weighted.mean, unweighted.mean, 1e-15))
        #expect(close(weighted.variance, unweighted.variance, 1e-15))  // 4/3, by hand
    }

    @Test func pairedMomentsMerge() {
        let x = (0..<500).map { Double($0 % 37) }
        let y = x.enumerated().map { 2 * $1 + Double($0 % 5) }
        let whole = PairedMoments(x: x, y: y)
        let merged = PairedMoments(x: Array(x[..<123]), y: Array(y[..<123])) + PairedMoments(x: Array(x[123...]), y: Array(y[123...]))
        #expect(close(merged.covariance, whole.covariance, 1e-12))
        #expect(close(merged.x.variance, whole.x.variance, 1e-12))
        #expect(close(merged.meanY, whole.meanY, 1e-14))
    }
}
