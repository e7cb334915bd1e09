import CampaignLabStats
import Testing

/// Reference values: scipy 1.17.1, printed with repr() (full double precision).
/// Script: Tests/References/distributions.py.
struct DistributionsTests {
    static let tolerance = 1e-12

    @Test(arguments: [
        // (x, scipy.stats.norm.cdf(x))
        (-1.959963984540054, 0.025),
        (0.0, 0.5),
        (1.0, 0.8413447460685429),
        (-8.0, 6.22096057427174e-16),
    ])
    func normalCDF(x: Double, expected: Double) {
        let got = NormalDistribution.standard.cdf(x)
        #expect(abs(got / expected - 1) <= Self.tolerance)
    }

    @Test func normalQuantile() {
        // scipy.stats.norm.ppf(0.975) = 1.959963984540054
        #expect(abs(NormalDistribution.standard.quantile(0.975) - 1.959963984540054) < 1e-14)
    }

    @Test func studentT() {
        // scipy.stats.t.sf(2.0, 7.5) = 0.041448497649083156 ; scipy.stats.t.ppf(0.975, 10) = 2.228138851986274
        #expect(abs(StudentTDistribution(degreesOfFreedom: 7.5).survival(2.0) - 0.041448497649083156) < 1e-12)
        #expect(abs(StudentTDistribution(degreesOfFreedom: 10).quantile(0.975) - 2.228138851986274) < 1e-13)
    }

    @Test func chiSquared() {
        // scipy.stats.chi2.sf(3.84, 1) = 0.05004352124870519
        #expect(abs(ChiSquaredDistribution(degreesOfFreedom: 1).survival(3.84) - 0.05004352124870519) < 1e-15)
    }

    @Test func blasDot() {
        // 1·4 + 2·5 + 3·6 = 32, exact in floating point.
        #expect(BLAS.dot([1, 2, 3], [4, 5, 6]) == 32)
    }
}
