import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

/// y_i = 10 + 3 sin(i) + (i mod 7), units i = 1…200 (the data of Tests/References/bootstrap.py).
private let units = Array(1...200)
private func value(_ i: Int) -> Double { 10 + 3 * sin(Double(i)) + Double(i % 7) }

struct BootstrapTests {
    /// Python: Tests/References/bootstrap.py — an independent transcription of xoshiro256**,
    /// the keyed streams, Poisson(1) inversion and numpy's type-7 quantiles (B = 50, seed 2026).
    @Test func poissonBootstrapMatchesTheReferenceTranscription() {
        var boot = PoissonBootstrap<Moments>(replicates: 50, seed: 2026)
        for i in units { boot.add(value(i), unit: UInt64(i)) }
        let means = boot.replicates.map(\.mean)
        #expect(close(means[0], 13.074352957377618, 1e-12))
        #expect(close(means[1], 13.131919830303833, 1e-12))
        #expect(close(means[2], 13.148852589177134, 1e-12))

        let percentile = boot.summarize(method: .percentile) { $0.mean }
        #expect(close(percentile.estimate, 12.990490495254212, 1e-12))
        #expect(close(percentile.standardError, 0.2308009881085464, 1e-10))
        #expect(close(percentile.interval.lower, 12.70359125790632, 1e-12))
        #expect(close(percentile.interval.upper, 13.491418196405846, 1e-12))
        let basic = boot.summarize(method: .basic) { $0.mean }
        #expect(close(basic.interval.lower, 12.489562794102579, 1e-12))
        #expect(close(basic.interval.upper, 13.277389732602105, 1e-12))
        let normal = boot.summarize(method: .normal) { $0.mean }
        #expect(close(normal.interval.lower, 12.538128870965204, 1e-12))
        #expect(close(normal.interval.upper, 13.44285211954322, 1e-12))
    }

    /// Chunks merged in any grouping and order give the same replicates as one pass.
    @Test func poissonBootstrapIsMergeable() {
        func bootstrap(_ ids: some Sequence<Int>) -> PoissonBootstrap<Moments> {
            var boot = PoissonBootstrap<Moments>(replicates: 40, seed: 9)
            for i in ids { boot.add(value(i), unit: UInt64(i)) }
            return boot
        }
        let whole = bootstrap(units)
        let (a, b, c) = (bootstrap(units[0..<70]), bootstrap(units[70..<150].reversed()), bootstrap(units[150...]))
        var left = a; left.merge(b); left.merge(c)  // (a + b) + c
        var bc = c; bc.merge(b)
        var right = bc; right.merge(a)  // (c + b) + a
        for (x, (y, z)) in zip(whole.replicates, zip(left.replicates, right.replicates)) {
            #expect(x.count == y.count && y.count == z.count)
            #expect(close(x.mean, y.mean, 1e-13) && close(x.mean, z.mean, 1e-13))
            #expect(close(x.variance, y.variance, 1e-11) && close(x.variance, z.variance, 1e-11))
        }
        #expect(whole.full.count == 200 && left.full.count == 200)
    }

    /// The weights are Poisson(1): mean 1 and variance 1 (200 units × 500 replicates = 100,000
    /// draws; the tolerance is 5 standard errors: SE(mean) = 1/√N, SE(variance) ≈ √(3/N)).
    @Test func poissonWeightsHaveMeanAndVarianceOne() {
        var boot = PoissonBootstrap<Moments>(replicates: 500, seed: 3)
        for i in units { boot.add(1, unit: UInt64(i)) }
        let counts = Moments(boot.replicates.map(\.count))  // Σ weights per replicate
        let draws = 100_000.0
        let mean = counts.sum / draws
        #expect(abs(mean - 1) < 5 / draws.squareRoot())
        // Var(Σ of 200 weights) = 200 · Var(weight).
        let variance = counts.variance / 200
        #expect(abs(variance - 1) < 5 * (2.0 / 500).squareRoot())  // sample variance of 500 sums: rel. SE √(2/499)
    }

    /// Efron resampling: deterministic for a seed, and the bootstrap SE of a mean is close to
    /// the plug-in s·√((n−1)/n)/√n (Efron & Tibshirani 1993, eq. 6.8); B = 4,000 gives the SE
    /// to about 1/√(2B) ≈ 1.1% relative, so 5% is a safe tolerance.
    @Test func resamplingBootstrapOfAMean() {
        let data = units.map(value)
        let mean: ([Double]) -> Double = { $0.reduce(0, +) / Double($0.count) }
        let first = Bootstrap.resampling(data, replicates: 4000, seed: 11, mean)
        let again = Bootstrap.resampling(data, replicates: 4000, seed: 11, mean)
        let other = Bootstrap.resampling(data, replicates: 4000, seed: 12, mean)
        #expect(first == again)
        #expect(first.replicates != other.replicates)
        let moments = Moments(data)
        let n = Double(data.count)
        let plugIn = moments.standardDeviation * ((n - 1) / n).squareRoot() / n.squareRoot()
        #expect(abs(first.standardError / plugIn - 1) < 0.05)
        #expect(close(first.estimate, moments.mean, 1e-14))
        #expect(first.interval.lower < moments.mean && moments.mean < first.interval.upper)
    }

    /// Two arms: the bootstrap SE of a difference of means agrees with the Welch SE.
    @Test func twoSampleDifferenceAgreesWithWelch() {
        var treated = PoissonBootstrap<Moments>(replicates: 2000, seed: 5)
        var control = PoissonBootstrap<Moments>(replicates: 2000, seed: 5)
        for i in 1...400 {
            if i % 2 == 0 { treated.add(value(i) + 0.5, unit: UInt64(i)) } else { control.add(value(i), unit: UInt64(i)) }
        }
        let difference = PoissonBootstrap.summarize(treated, control) { $0.mean - $1.mean }
        let welch = MeanComparison.absoluteDifference(treatment: treated.full, control: control.full)
        #expect(close(difference.estimate, welch.estimate, 1e-12))
        #expect(abs(difference.standardError / welch.standardError - 1) < 0.08)  // B = 2000: ~1.6% MC error, plus Poisson-count noise
        let effect = difference.effectEstimate
        #expect(effect.method.contains("bootstrap (2000 replicates, percentile interval)"))
        #expect(effect.pValue > 0 && effect.pValue < 1)
    }

    /// A replicate that draws no unit of a small arm has an undefined mean: dropped and counted.
    @Test func undefinedReplicatesAreDroppedAndCounted() {
        var tiny = PoissonBootstrap<Moments>(replicates: 200, seed: 1)
        tiny.add(4, unit: 1)  // P(weight 0) = e⁻¹: about 74 of 200 replicates are empty
        tiny.add(6, unit: 2)  // both zero with probability e⁻² ≈ 13.5%
        let summary = tiny.summarize { $0.count > 0 ? $0.mean : .nan }
        #expect(summary.droppedReplicates > 0)
        #expect(summary.droppedReplicates + summary.replicates.count == 200)
        #expect(summary.interval.lower >= 4 && summary.interval.upper <= 6)
    }
}
