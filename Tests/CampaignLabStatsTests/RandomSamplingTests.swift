import CampaignLabStats
import Foundation
import Testing

/// Sample moments of 10^6 draws against the distributions' exact moments.
///
/// Tolerance: 5 standard errors of the sample statistic (two-sided false-alarm chance
/// about 6e-7 per check for a correct sampler; the seeds are fixed, so the tests are
/// deterministic anyway). The standard error of a sample mean is σ/√n; of a sample
/// variance sqrt((μ₄ − σ⁴)/n), with μ₄ the fourth central moment.
struct RandomSamplingTests {
    static let n = 1_000_000

    struct Moments {
        var mean = 0.0, variance = 0.0
        init(_ values: [Double]) {
            mean = values.reduce(0, +) / Double(values.count)
            variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        }
    }

    func check(_ values: [Double], mean: Double, variance: Double, fourthCentral: Double) {
        let m = Moments(values)
        let n = Double(values.count)
        let meanSE = (variance / n).squareRoot()
        let varianceSE = ((fourthCentral - variance * variance) / n).squareRoot()
        #expect(abs(m.mean - mean) < 5 * meanSE, "mean \(m.mean) vs \(mean) (SE \(meanSE))")
        #expect(abs(m.variance - variance) < 5 * varianceSE, "variance \(m.variance) vs \(variance) (SE \(varianceSE))")
    }

    @Test func uniform() {
        var rng = Xoshiro256StarStar(seed: 11)
        let x = (0..<Self.n).map { _ in rng.uniform() }
        #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
        // U(0,1): mean 1/2, variance 1/12, μ₄ = 1/80 (by hand: ∫(u−1/2)⁴du).
        check(x, mean: 0.5, variance: 1.0 / 12, fourthCentral: 1.0 / 80)
    }

    @Test func normal() {
        var rng = Xoshiro256StarStar(seed: 12)
        let x = (0..<Self.n).map { _ in rng.normal(mean: 2, standardDeviation: 3) }
        // N(2, 9): μ₄ = 3σ⁴ = 243.
        check(x, mean: 2, variance: 9, fourthCentral: 243)
        // Tail: P(Z > 1.959963984540054) = 0.025 (scipy.stats.norm.sf); binomial SE sqrt(.025·.975/n).
        let share = Double(x.filter { ($0 - 2) / 3 > 1.959963984540054 }.count) / Double(Self.n)
        #expect(abs(share - 0.025) < 5 * (0.025 * 0.975 / Double(Self.n)).squareRoot())
    }

    @Test func lognormal() {
        var rng = Xoshiro256StarStar(seed: 13)
        let x = (0..<Self.n).map { _ in log(rng.lognormal(logMean: 1, logStandardDeviation: 0.5)) }
        // log of a lognormal(1, 0.5²) is N(1, 0.25): μ₄ = 3·0.0625.
        check(x, mean: 1, variance: 0.25, fourthCentral: 3 * 0.0625)
    }

    @Test(arguments: [0.3, 3.7, 9.99, 10.0, 47.5, 1e6])
    func poisson(mean λ: Double) {
        var rng = Xoshiro256StarStar(seed: 14)
        let x = (0..<Self.n).map { _ in Double(rng.poisson(mean: λ)) }
        #expect(x.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
        // Poisson(λ): mean = variance = λ, μ₄ = λ(1 + 3λ).
        check(x, mean: λ, variance: λ, fourthCentral: λ * (1 + 3 * λ))
    }

    @Test func poissonProbabilityOfZero() {
        // P(X = 0) = e^{-3.7} = 0.024723526470339388 (Python: math.exp(-3.7)).
        var rng = Xoshiro256StarStar(seed: 15)
        let zeros = Double((0..<Self.n).filter { _ in rng.poisson(mean: 3.7) == 0 }.count) / Double(Self.n)
        let p = 0.024723526470339388
        #expect(abs(zeros - p) < 5 * (p * (1 - p) / Double(Self.n)).squareRoot())
    }

    @Test(arguments: [(0.4, 2.0), (1.0, 1.0), (2.5, 2.0), (30.0, 0.1)])
    func gamma(shape k: Double, scale θ: Double) {
        var rng = Xoshiro256StarStar(seed: 16)
        let x = (0..<Self.n).map { _ in rng.gamma(shape: k, scale: θ) }
        #expect(x.allSatisfy { $0 > 0 })
        // Gamma(k, θ): mean kθ, variance kθ², μ₄ = 3k(k + 2)θ⁴ (excess kurtosis 6/k).
        check(x, mean: k * θ, variance: k * θ * θ, fourthCentral: 3 * k * (k + 2) * pow(θ, 4))
    }

    @Test func exponential() {
        var rng = Xoshiro256StarStar(seed: 17)
        let x = (0..<Self.n).map { _ in rng.exponential(mean: 4) }
        // Exponential with mean m: variance m², μ₄ = 9m⁴.
        check(x, mean: 4, variance: 16, fourthCentral: 9 * 256)
    }

    @Test func bernoulliAndCategorical() {
        var rng = Xoshiro256StarStar(seed: 18)
        let n = Double(Self.n)
        let hits = Double((0..<Self.n).filter { _ in rng.bernoulli(probability: 0.15) }.count) / n
        #expect(abs(hits - 0.15) < 5 * (0.15 * 0.85 / n).squareRoot())

        let weights = [1.0, 0, 3, 6]
        let sampler = CategoricalSampler(weights: weights)
        var counts = [0, 0, 0, 0], direct = [0, 0, 0, 0]
        for _ in 0..<Self.n {
            counts[sampler.sample(using: &rng)] += 1
            direct[rng.categorical(weights: weights)] += 1
        }
        for (i, w) in weights.enumerated() {
            let p = w / 10
            let se = (p * (1 - p) / n).squareRoot()
            #expect(abs(Double(counts[i]) / n - p) <= 5 * se)
            #expect(abs(Double(direct[i]) / n - p) <= 5 * se)
        }
        #expect(counts[1] == 0 && direct[1] == 0)
    }

    @Test func samplersAreDeterministic() {
        func draws(_ seed: UInt64) -> [Double] {
            var rng = Xoshiro256StarStar(seed: seed)
            return (0..<200).map { i in
                switch i % 5 {
                case 0: return rng.normal()
                case 1: return Double(rng.poisson(mean: Double(i)))
                case 2: return rng.gamma(shape: 0.5 + Double(i % 7))
                case 3: return Double(rng.categorical(weights: [1, 2, 3]))
                default: return rng.uniform()
                }
            }
        }
        #expect(draws(3) == draws(3))
        #expect(draws(3) != draws(4))
    }
}
