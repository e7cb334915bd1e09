import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

struct QuantileTests {
    static let smallSample: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    static let smallP = [0.0, 0.05, 0.1, 0.15, 0.25, 0.3, 0.33, 0.5, 0.55, 0.75, 0.9, 0.95, 1.0]
    static let largeP = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]

    /// Tests/References/inequality_quantiles.py `days(n)`: ((i·7919) mod 997) div 4 / 2 + (i mod 3)/4.
    static func days(_ n: Int) -> [Double] {
        (0..<n).map { (i: Int) -> Double in
            let bin = Double(((i * 7919) % 997) / 4)
            return bin / 2 + Double(i % 3) / 4
        }
    }

    // Tests/References/inequality_quantiles.py: np.quantile(x, p, method=…) (equal to
    // scipy.stats.quantile(x, p, method=…)) for each Hyndman–Fan definition.
    static let small: [(QuantileDefinition, [Double])] = [
        (.invertedCDF, [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 9.0, 9.0]),
        (.averagedInvertedCDF, [1.0, 1.0, 1.0, 1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 7.5, 9.0, 9.0]),
        (.closestObservation, [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 9.0, 9.0]),
        (.interpolatedInvertedCDF, [1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 2.3000000000000003, 3.0, 3.5, 5.0, 6.0, 7.5, 9.0]),
        (.hazen, [1.0, 1.0, 1.0, 1.0, 2.0, 2.5, 2.8000000000000003, 3.5, 4.0, 5.0, 7.5, 9.0, 9.0]),
        (.weibull, [1.0, 1.0, 1.0, 1.0, 1.75, 2.3, 2.6300000000000003, 3.5, 4.05, 5.25, 8.700000000000001, 9.0, 9.0]),
        (
            .linear,
            [1.0, 1.0, 1.0, 1.3499999999999999, 2.25, 2.6999999999999997, 2.97, 3.5, 3.95, 5.0, 6.299999999999999, 7.649999999999997, 9.0]
        ),
        (
            .medianUnbiased,
            [
                1.0, 1.0, 1.0, 1.0, 1.9166666666666665, 2.4333333333333336, 2.7433333333333336, 3.5, 4.016666666666667, 5.083333333333334,
                7.899999999999999, 9.0, 9.0,
            ]
        ),
        (.normalUnbiased, [1.0, 1.0, 1.0, 1.0, 1.9375, 2.45, 2.7575000000000003, 3.5, 4.0125, 5.0625, 7.799999999999999, 9.0, 9.0]),
    ]
    static let days1000: [(QuantileDefinition, [Double])] = [
        (.invertedCDF, [0.0, 1.0, 12.25, 31.0, 62.25, 93.5, 112.25, 123.5, 124.5]),
        (.averagedInvertedCDF, [0.0, 1.0, 12.375, 31.125, 62.375, 93.625, 112.25, 123.5, 124.75]),
        (.closestObservation, [0.0, 1.0, 12.25, 31.0, 62.25, 93.5, 112.25, 123.5, 124.5]),
        (.interpolatedInvertedCDF, [0.0, 1.0, 12.25, 31.0, 62.25, 93.5, 112.25, 123.5, 124.5]),
        (.hazen, [0.0, 1.0, 12.375, 31.125, 62.375, 93.625, 112.25, 123.5, 124.75]),
        (.weibull, [0.0, 1.0, 12.274999999999999, 31.0625, 62.375, 93.6875, 112.25, 123.5, 124.99950000000001]),
        (.linear, [0.0, 1.0, 12.475000000000001, 31.1875, 62.375, 93.5625, 112.25, 123.5, 124.50049999999999]),
        (
            .medianUnbiased,
            [0.0, 1.0, 12.341666666666665, 31.104166666666664, 62.375, 93.64583333333334, 112.25, 123.5, 124.83316666666667]
        ),
        (.normalUnbiased, [0.0, 1.0, 12.350000000000001, 31.109375, 62.375, 93.640625, 112.25, 123.5, 124.81237499999997]),
    ]
    static let days1001: [(QuantileDefinition, [Double])] = [
        (.invertedCDF, [0.0, 1.0, 12.5, 31.25, 62.5, 93.75, 112.25, 123.5, 124.5]),
        (.averagedInvertedCDF, [0.0, 1.0, 12.5, 31.25, 62.5, 93.75, 112.25, 123.5, 124.5]),
        (.closestObservation, [0.0, 1.0, 12.25, 31.0, 62.25, 93.75, 112.25, 123.5, 124.5]),
        (.interpolatedInvertedCDF, [0.0, 1.0, 12.275000000000002, 31.0625, 62.375, 93.6875, 112.225, 123.4975, 124.49975]),
        (.hazen, [0.0, 1.0, 12.400000000000002, 31.1875, 62.5, 93.75, 112.25, 123.5, 124.74950000000001]),
        (.weibull, [0.0, 1.0, 12.3, 31.125, 62.5, 93.75, 112.25, 123.5, 124.99900000000002]),
        (.linear, [0.0, 1.0, 12.5, 31.25, 62.5, 93.75, 112.25, 123.5, 124.5]),
        (.medianUnbiased, [0.0, 1.0, 12.366666666666667, 31.166666666666664, 62.5, 93.75, 112.25, 123.5, 124.83266666666668]),
        (.normalUnbiased, [0.0, 1.0, 12.375000000000004, 31.171875, 62.5, 93.75, 112.25, 123.5, 124.81187499999999]),
    ]

    static func check(_ sample: SortedSample, _ ps: [Double], _ table: [(QuantileDefinition, [Double])]) {
        #expect(table.count == QuantileDefinition.allCases.count)
        for (definition, want) in table {
            for (p, w) in zip(ps, want) {
                let got = sample.quantile(p, definition: definition)
                #expect(close(got, w, 1e-12) || got == w, "\(definition.numpyName) p=\(p): \(got) vs \(w)")
            }
        }
    }

    @Test func smallMatchesNumpy() {
        Self.check(SortedSample(Self.smallSample), Self.smallP, Self.small)
    }

    @Test(arguments: [1000, 1001])
    func largerMatchesNumpy(n: Int) {
        Self.check(SortedSample(Self.days(n)), Self.largeP, n == 1000 ? Self.days1000 : Self.days1001)
    }

    @Test func byHand() {
        // By hand, sorted [1, 1, 2, 3, 3, 4, 5, 5, 6, 9]: type 7 median = (3 + 4)/2; type 1 median = x₍₅₎ = 3;
        // type 2 median averages x₍₅₎ and x₍₆₎ = 3.5; every type gives min at p = 0 and max at p = 1.
        let s = SortedSample(Self.smallSample)
        #expect(s.quantile(0.5) == 3.5)
        #expect(s.quantile(0.5, definition: .invertedCDF) == 3)
        #expect(s.quantile(0.5, definition: .averagedInvertedCDF) == 3.5)
        for d in QuantileDefinition.allCases {
            #expect(s.quantile(0, definition: d) == 1 && s.quantile(1, definition: d) == 9, "\(d.numpyName)")
        }
        #expect(SortedSample([42]).quantile(0.3, definition: .hazen) == 42)
        #expect(QuantileDefinition.linear.rawValue == 7 && QuantileDefinition.linear.numpyName == "linear")
    }

    struct IntervalCase: Sendable, CustomStringConvertible {
        var n: Int, p: Double, lowerRank: Int, upperRank: Int, coverage: Double, lower: Double, upper: Double
        var description: String { "n=\(n) p=\(p)" }
    }

    // inequality_quantiles.py, level 0.95: l = binom.ppf(0.025, n, p), u = binom.ppf(0.975, n, p) + 1,
    // coverage = binom.cdf(u − 1) − binom.cdf(l − 1), bounds x₍ₗ₎, x₍ᵤ₎ of sorted days(n).
    static let intervalCases: [IntervalCase] = [
        IntervalCase(n: 10, p: 0.5, lowerRank: 2, upperRank: 9, coverage: 0.978515625, lower: 60.5, upper: 110.5),
        IntervalCase(n: 10, p: 0.9, lowerRank: 7, upperRank: 11, coverage: 0.9872048016, lower: 96.25, upper: .infinity),
        IntervalCase(n: 10, p: 0.99, lowerRank: 9, upperRank: 11, coverage: 0.9957337997571686, lower: 110.5, upper: .infinity),
        IntervalCase(n: 100, p: 0.5, lowerRank: 40, upperRank: 61, coverage: 0.9647997997822952, lower: 53.25, upper: 78.25),
        IntervalCase(n: 100, p: 0.9, lowerRank: 84, upperRank: 96, coverage: 0.955690107191223, lower: 106.5, upper: 120.75),
        IntervalCase(n: 100, p: 0.99, lowerRank: 97, upperRank: 101, coverage: 0.9816259635553503, lower: 121.0, upper: .infinity),
        IntervalCase(n: 1000, p: 0.5, lowerRank: 469, upperRank: 532, coverage: 0.9537088026395018, lower: 58.5, upper: 66.25),
        IntervalCase(n: 1000, p: 0.9, lowerRank: 881, upperRank: 919, coverage: 0.9549071811148259, lower: 110.0, upper: 114.5),
        IntervalCase(n: 1000, p: 0.99, lowerRank: 983, upperRank: 997, coverage: 0.976094763497977, lower: 122.5, upper: 124.25),
    ]

    @Test(arguments: intervalCases)
    func orderStatisticIntervalMatchesScipyBinomial(_ c: IntervalCase) {
        let q = SortedSample(Self.days(c.n)).quantileInterval(c.p, level: 0.95)
        #expect(q.lowerRank == c.lowerRank && q.upperRank == c.upperRank, "ranks \(q.lowerRank), \(q.upperRank)")
        #expect(close(q.coverage, c.coverage, 1e-12), "coverage \(q.coverage)")
        #expect(q.coverage >= 0.95)
        #expect(q.interval.lower == c.lower && q.interval.upper == c.upper)
        #expect(q.interval.level == 0.95)
    }

    @Test func tinySampleIsOpenOnBothSides() {
        // By hand: n = 3, p = 0.5: P(B ≤ 0) = 1/8 > 0.025 so l = 0 (−∞); P(B ≤ 2) = 7/8 < 0.975 so u = 4 (+∞).
        let q = SortedSample([1, 2, 3]).quantileInterval(0.5)
        #expect(q.lowerRank == 0 && q.upperRank == 4)
        #expect(q.interval.lower == -.infinity && q.interval.upper == .infinity && q.coverage == 1)
    }

    @Test func binomialDistributionMatchesScipy() {
        // scipy.stats.binom(100, 0.9).ppf(0.025) = 84.0, .ppf(0.975) = 95.0 (the ranks of the n = 100 case);
        // binom(10, 0.5).cdf(1) = 11/1024 (by hand).
        let b = BinomialDistribution(trials: 100, probability: 0.9)
        #expect(b.quantile(0.025) == 84)
        #expect(b.quantile(0.975) == 95)
        #expect(close(BinomialDistribution(trials: 10, probability: 0.5).cdf(1), 11.0 / 1024, 1e-14))
        #expect(close(BinomialDistribution(trials: 10, probability: 0.5).survival(1), 1013.0 / 1024, 1e-14))
    }
}
