#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Samplers for the common distributions, on any `RandomNumberGenerator` (use a seeded
// `Xoshiro256StarStar` for reproducible results). Each draws only from the generator it is
// given, so a seeded generator gives the same values on every platform and run.
//
// Method references are given above each sampler.

extension RandomNumberGenerator {
    /// A uniform double in [0, 1), with 53 random bits (every multiple of 2⁻⁵³ equally likely).
    ///
    /// ```swift
    /// var rng = Xoshiro256StarStar(seed: 1)
    /// let u = rng.uniform()
    /// ```
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in [lower, upper).
    ///
    /// - Precondition: lower < upper.
    @inlinable
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        precondition(lower < upper, "uniform(lower, upper) needs lower < upper")
        return lower + (upper - lower) * uniform()
    }

    /// A uniform integer in 0..<count, without modulo bias (Lemire's method, via the
    /// standard library's `next(upperBound:)`).
    ///
    /// - Precondition: count > 0.
    @inlinable
    public mutating func uniformInt(below count: Int) -> Int {
        precondition(count > 0, "uniformInt(below:) needs a positive count")
        return Int(next(upperBound: UInt64(count)))
    }

    /// true with probability `probability` (Bernoulli).
    ///
    /// - Precondition: 0 ≤ probability ≤ 1.
    @inlinable
    public mutating func bernoulli(probability: Double) -> Bool {
        precondition(probability >= 0 && probability <= 1, "bernoulli needs a probability in [0, 1]")
        return uniform() < probability
    }

    // Marsaglia polar method: G. Marsaglia and T. A. Bray, "A Convenient Method for
    // Generating Normal Variables", SIAM Review 6(3), 260–264, 1964. The second variate of
    // each pair is discarded so that the sampler keeps no state between calls.

    /// A draw from the normal distribution N(mean, standardDeviation²) (Marsaglia polar method).
    ///
    /// ```swift
    /// let z = rng.normal()                                    // standard normal
    /// let height = rng.normal(mean: 170, standardDeviation: 8)
    /// ```
    /// - Precondition: standardDeviation ≥ 0.
    @inlinable
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        precondition(standardDeviation >= 0, "normal needs a non-negative standard deviation")
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return mean + standardDeviation * u * (-2 * log(s) / s).squareRoot()
            }
        }
    }

    /// A draw from the lognormal distribution: exp(N(logMean, logStandardDeviation²)).
    ///
    /// Its mean is exp(logMean + logStandardDeviation²/2).
    @inlinable
    public mutating func lognormal(logMean: Double, logStandardDeviation: Double) -> Double {
        exp(normal(mean: logMean, standardDeviation: logStandardDeviation))
    }

    /// A draw from the exponential distribution with the given mean (inversion).
    ///
    /// - Precondition: mean > 0.
    @inlinable
    public mutating func exponential(mean: Double) -> Double {
        precondition(mean > 0, "exponential needs a positive mean")
        return -mean * log1p(-uniform())  // 1 − U is in (0, 1]
    }

    // Poisson. Small means (< 10): inversion by sequential search from 0 (L. Devroye,
    // "Non-Uniform Random Variate Generation", Springer 1986, section X.3.3), O(mean) time.
    // Larger means: PTRS, transformed rejection with squeeze — W. Hörmann, "The transformed
    // rejection method for generating Poisson random variables", Insurance: Mathematics and
    // Economics 12(1), 39–45, 1993 (the method NumPy uses), O(1) expected time.

    /// A draw from the Poisson distribution with the given mean.
    ///
    /// ```swift
    /// let logins = rng.poisson(mean: 3.7)
    /// let big = rng.poisson(mean: 1e6)   // constant expected time for large means
    /// ```
    /// - Precondition: mean ≥ 0 and finite.
    /// - Complexity: O(mean) for mean < 10, O(1) expected otherwise.
    @inlinable
    public mutating func poisson(mean: Double) -> Int {
        precondition(mean >= 0 && mean.isFinite, "poisson needs a finite, non-negative mean")
        if mean == 0 { return 0 }
        if mean < 10 {
            // Inversion: walk the CDF until it passes U.
            var u = uniform()
            var k = 0
            var p = exp(-mean)
            while u > p {
                u -= p
                k += 1
                p *= mean / Double(k)
                if p == 0 { break }  // numerically exhausted (u was within rounding of 1)
            }
            return k
        }
        let squareRootMean = mean.squareRoot()
        let logMean = log(mean)
        let b = 0.931 + 2.53 * squareRootMean
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + mean + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(inverseAlpha) - log(a / (us * us) + b) <= -mean + k * logMean - lgamma(k + 1) {
                return Int(k)
            }
        }
    }

    // Gamma: G. Marsaglia and W. W. Tsang, "A Simple Method for Generating Gamma Variables",
    // ACM Transactions on Mathematical Software 26(3), 363–372, 2000. For shape < 1 the same
    // paper's boost: Gamma(shape) = Gamma(shape + 1) · U^(1/shape).

    /// A draw from the gamma distribution with the given shape and scale
    /// (mean shape·scale, variance shape·scale²).
    ///
    /// ```swift
    /// let waitingDays = rng.gamma(shape: 0.7, scale: 10)
    /// ```
    /// - Precondition: shape > 0, scale > 0.
    @inlinable
    public mutating func gamma(shape: Double, scale: Double = 1) -> Double {
        precondition(shape > 0 && scale > 0, "gamma needs a positive shape and scale")
        if shape < 1 {
            let boost = pow(1 - uniform(), 1 / shape)  // U in (0, 1]
            return gamma(shape: shape + 1, scale: scale) * boost
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v * scale }
            if u > 0, log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v * scale }
        }
    }

    /// An index drawn with probability proportional to `weights` (inversion by linear
    /// search; for repeated draws from the same weights use ``CategoricalSampler``).
    ///
    /// ```swift
    /// let arm = rng.categorical(weights: [1, 1, 1])   // 0, 1 or 2, equally likely
    /// ```
    /// - Precondition: weights are non-negative, finite, and not all zero.
    /// - Complexity: O(weights.count).
    @inlinable
    public mutating func categorical(weights: [Double]) -> Int {
        var total = 0.0
        for w in weights {
            precondition(w >= 0 && w.isFinite, "categorical weights must be finite and non-negative")
            total += w
        }
        precondition(total > 0, "categorical weights must not all be zero")
        let target = uniform() * total
        var cumulative = 0.0
        for (i, w) in weights.enumerated() {
            cumulative += w
            if target < cumulative { return i }
        }
        return weights.lastIndex { $0 > 0 }!  // rounding: target reached the total
    }
}

/// Draws indices with fixed probabilities, by inversion on precomputed cumulative
/// probabilities (binary search).
///
/// ```swift
/// let region = CategoricalSampler(weights: [0.3, 0.25, 0.2, 0.15, 0.1])
/// let r = region.sample(using: &rng)
/// ```
public struct CategoricalSampler: Sendable {
    /// Cumulative probabilities; the last is exactly 1.
    public let cumulative: [Double]

    /// - Precondition: weights are non-negative, finite, and not all zero.
    public init(weights: [Double]) {
        precondition(!weights.isEmpty, "CategoricalSampler needs at least one weight")
        var total = 0.0
        for w in weights {
            precondition(w >= 0 && w.isFinite, "categorical weights must be finite and non-negative")
            total += w
        }
        precondition(total > 0, "categorical weights must not all be zero")
        var running = 0.0
        var cumulative = weights.map { w -> Double in
            running += w
            return running / total
        }
        // Categories with zero weight at the end must never be drawn.
        let last = weights.lastIndex { $0 > 0 }!
        for i in last..<cumulative.count { cumulative[i] = 1 }
        self.cumulative = cumulative
    }

    /// The number of categories.
    public var count: Int { cumulative.count }

    /// One index in 0..<count.
    ///
    /// - Complexity: O(log count).
    @inlinable
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        let u = generator.uniform()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if u < cumulative[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
