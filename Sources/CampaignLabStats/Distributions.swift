import CRmath

// Distribution functions come from R's standalone math library (Debian `r-mathlib`),
// the same code R's pnorm/qt/pchisq run. Every Rmath call of the project lives here.
// Rmath's `qnorm`, `pnorm` are macros for `qnorm5`, `pnorm5`; the shim defines
// MATHLIB_STANDALONE and this file calls the real names.

/// The normal distribution N(mean, sd²).
public struct NormalDistribution: Sendable {
    public var mean: Double
    public var standardDeviation: Double

    /// The standard normal N(0, 1).
    public static let standard = NormalDistribution(mean: 0, standardDeviation: 1)

    public init(mean: Double, standardDeviation: Double) {
        precondition(standardDeviation > 0, "NormalDistribution needs a positive standard deviation")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { pnorm5(x, mean, standardDeviation, 1, 0) }
    /// P(X > x), accurate in the far tail.
    public func survival(_ x: Double) -> Double { pnorm5(x, mean, standardDeviation, 0, 0) }
    /// The p-quantile.
    public func quantile(_ p: Double) -> Double { qnorm5(p, mean, standardDeviation, 1, 0) }
    public func density(_ x: Double) -> Double { dnorm4(x, mean, standardDeviation, 0) }
}

/// Student's t distribution with `degreesOfFreedom` (may be fractional, as in Welch's test).
public struct StudentTDistribution: Sendable {
    public var degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "StudentTDistribution needs positive degrees of freedom")
        self.degreesOfFreedom = degreesOfFreedom
    }

    public func cdf(_ x: Double) -> Double { pt(x, degreesOfFreedom, 1, 0) }
    public func survival(_ x: Double) -> Double { pt(x, degreesOfFreedom, 0, 0) }
    public func quantile(_ p: Double) -> Double { qt(p, degreesOfFreedom, 1, 0) }
}

/// The chi-square distribution with `degreesOfFreedom`.
public struct ChiSquaredDistribution: Sendable {
    public var degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "ChiSquaredDistribution needs positive degrees of freedom")
        self.degreesOfFreedom = degreesOfFreedom
    }

    public func cdf(_ x: Double) -> Double { pchisq(x, degreesOfFreedom, 1, 0) }
    public func survival(_ x: Double) -> Double { pchisq(x, degreesOfFreedom, 0, 0) }
    public func quantile(_ p: Double) -> Double { qchisq(p, degreesOfFreedom, 1, 0) }
}

// MARK: - Survival and quantiles area: binomial distribution (order-statistic intervals)

/// The binomial distribution: the number of successes in `trials` independent trials with
/// success probability `probability`.
///
/// Used for distribution-free confidence intervals of quantiles: the number of sample values
/// below the population p-quantile is Binomial(n, p).
public struct BinomialDistribution: Sendable {
    public var trials: Double
    public var probability: Double

    public init(trials: Int, probability: Double) {
        precondition(trials >= 0, "BinomialDistribution needs a non-negative number of trials")
        precondition(probability >= 0 && probability <= 1, "BinomialDistribution needs a probability in [0, 1]")
        self.trials = Double(trials)
        self.probability = probability
    }

    /// P(X ≤ k).
    public func cdf(_ k: Double) -> Double { pbinom(k, trials, probability, 1, 0) }
    /// P(X > k).
    public func survival(_ k: Double) -> Double { pbinom(k, trials, probability, 0, 0) }
    /// The smallest k with P(X ≤ k) ≥ p (R's `qbinom`, scipy's `binom.ppf`).
    public func quantile(_ p: Double) -> Double { qbinom(p, trials, probability, 1, 0) }
}
