/// A normal prior on an effect (absolute or relative), or none (flat).
public struct NormalPrior: Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double

    public init(mean: Double, standardDeviation: Double) {
        precondition(standardDeviation > 0, "NormalPrior needs a positive standard deviation")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }
}

/// The Bayesian reading of an estimate: the effect's posterior under a normal likelihood
/// N(estimate, SE²) and a normal (or flat) prior, with the quantities a decision needs.
///
/// Chance to beat control P(D > 0) = Φ(μ/σ); the expected loss of shipping the treatment
/// E[max(−D, 0)] = σφ(μ/σ) − μΦ(−μ/σ), and of keeping control E[max(D, 0)] = σφ(μ/σ) + μΦ(μ/σ)
/// (moments of the truncated normal).
///
/// Reference: the conjugate normal–normal update (e.g. Gelman et al., Bayesian Data Analysis,
/// 3rd ed., §2.5); GrowthBook's Bayesian engine uses the same normal approximation.
public struct NormalPosterior: Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double

    /// The posterior given an estimate with standard error `standardError`.
    public init(estimate: Double, standardError: Double, prior: NormalPrior? = nil) {
        precondition(standardError > 0, "NormalPosterior needs a positive standard error")
        guard let prior else {
            mean = estimate
            standardDeviation = standardError
            return
        }
        let dataPrecision = 1 / (standardError * standardError)
        let priorPrecision = 1 / (prior.standardDeviation * prior.standardDeviation)
        let precision = dataPrecision + priorPrecision
        mean = (estimate * dataPrecision + prior.mean * priorPrecision) / precision
        standardDeviation = (1 / precision).squareRoot()
    }

    /// P(effect > 0).
    public var chanceToBeatControl: Double { NormalDistribution.standard.cdf(mean / standardDeviation) }

    /// E[max(−effect, 0)]: what shipping the treatment costs on average if it is worse.
    public var expectedLossOfTreatment: Double {
        let z = mean / standardDeviation
        return standardDeviation * NormalDistribution.standard.density(z) - mean * NormalDistribution.standard.cdf(-z)
    }

    /// E[max(effect, 0)]: what keeping control costs on average if the treatment is better.
    public var expectedLossOfControl: Double {
        let z = mean / standardDeviation
        return standardDeviation * NormalDistribution.standard.density(z) + mean * NormalDistribution.standard.cdf(z)
    }

    /// The equal-tailed credible interval.
    public func credibleInterval(level: Double = 0.95) -> ConfidenceInterval {
        let q = NormalDistribution.standard.quantile(0.5 + level / 2)
        return ConfidenceInterval(lower: mean - q * standardDeviation, upper: mean + q * standardDeviation, level: level)
    }
}
