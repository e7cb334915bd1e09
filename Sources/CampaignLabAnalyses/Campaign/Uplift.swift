import CampaignLabData
import CampaignLabStats
import Foundation

/// The estimators of an uplift, in the order a report reads them: the naive comparison, then
/// difference-in-differences, then the adjusted ones.
public enum UpliftMethod: String, CaseIterable, Sendable {
    /// Post-period means, treated − control (Welch): the raw gap.
    case naive
    /// Difference of the mean changes (post − pre).
    case did
    /// OLS of the post value on the treatment, pre-period values and dimensions (HC1); for a
    /// randomized design this is the CUPED-like variance reduction.
    case regression
    /// Logistic propensity weighting (ATT) of the post value.
    case ipw
    /// Logistic propensity weighting (ATT) of the change.
    case ipwChange = "ipw_change"
    /// Entropy balancing: exact balance of pre-period means (raw and log scale) and dimension shares.
    case entropy
    /// Sant'Anna & Zhao's doubly robust difference-in-differences.
    case drdid
    /// Augmented inverse-probability weighting (doubly robust) of the post value.
    case aipw

    /// The methods of a design, in report order.
    static func methods(randomized: Bool) -> [UpliftMethod] {
        randomized ? [.naive, .regression] : allCases
    }

    /// The method the summary uses when it can be computed, then the fallbacks. Chosen on the
    /// simulation evidence in Benchmarks/simulation (see the README's uplift section).
    static func defaults(randomized: Bool) -> [UpliftMethod] {
        randomized ? [.regression, .naive] : [.entropy, .drdid, .aipw, .did]
    }
}

/// Why a figure is not given, or what to keep in mind when reading it.
public enum UpliftNote: Sendable, Equatable {
    /// The metric has the same value for every customer in both periods.
    case noVariation
    /// The estimator could not produce a finite estimate and standard error.
    case notEstimable
    /// No weights reproduce the participants' means on this covariate.
    case noBalance(covariate: String)
    /// The propensity model separated or did not converge: the weighted estimate is unreliable.
    case propensityUnreliable
    /// No percentage: the counterfactual mean is not clearly above zero.
    case noRelativeBase
    /// No "N× growth" multiple: the growth it would divide by is not clearly above zero.
    case noGrowthBase
    /// Too few customers of this level in an arm.
    case tooFewCustomers
    /// Balanced on the pre-period metrics only: the other dimensions could not be matched in this level.
    case metricsOnlyBalance
}

/// One method's estimate for one metric.
public struct MethodEstimate: Sendable {
    public var method: UpliftMethod
    /// nil when it cannot be computed (`note` says why).
    public var effect: EffectEstimate?
    /// The effect in per cent of the counterfactual mean; nil with `relativeNote` when none.
    public var relative: RelativeEffect?
    /// Holm-adjusted across the metrics of the analysis, per method.
    public var adjustedPValue: Double?
    public var note: UpliftNote?
    public var relativeNote: UpliftNote?
}

/// Participant-versus-control estimates for one metric of a campaign panel: the numbers the
/// business asks for (arm means, growth, the "N× growth" multiple) and the honest ones.
public struct MetricUplift: Sendable {
    public struct ArmSummary: Sendable {
        public var arm: String
        public var customers: Int
        public var preMean: Double
        public var postMean: Double
        /// Standard deviation of the post-period values.
        public var postStandardDeviation: Double
        /// postMean − preMean, with a t interval of the mean per-customer change.
        public var change: EffectEstimate
    }

    public var metric: String
    /// [control, treated].
    public var arms: [ArmSummary]
    /// Every method of the design, in report order.
    public var estimates: [MethodEstimate]
    /// The method the summary uses.
    public var defaultMethod: UpliftMethod?
    /// Mean change of the treated ÷ mean change of the control, with Fieller's interval; nil
    /// (with `multipleNote`) unless the control's growth is clearly above zero.
    public var growthMultiple: EffectEstimate?
    public var multipleNote: UpliftNote?
    /// Treated growth ÷ the growth they would have had without the campaign (their growth minus
    /// the default effect); nil (with `honestMultipleNote`) unless that growth is clearly above zero.
    public var honestMultiple: Double?
    public var honestMultipleNote: UpliftNote?
    /// The metric does not vary at all: nothing is estimated.
    public var noVariation: Bool

    public func estimate(_ method: UpliftMethod) -> MethodEstimate? { estimates.first { $0.method == method } }
    /// The default method's estimate.
    public var headline: MethodEstimate? { defaultMethod.flatMap { estimate($0) } }
}

/// The effect within one level of a dimension.
public struct SegmentUplift: Sendable {
    public var dimension: String
    public var level: String
    public var treated: Int
    public var control: Int
    /// nil when the level cannot be estimated (`note` says why).
    public var effect: EffectEstimate?
    public var method: UpliftMethod
    public var note: UpliftNote?
    /// Holm- and Benjamini–Hochberg-adjusted across the estimated levels of the dimension.
    public var holmPValue: Double?
    public var fdrPValue: Double?
    /// The empirical-Bayes (shrunken) estimate and its posterior standard deviation.
    public var shrunken: Double?
    public var shrunkenStandardDeviation: Double?
}

/// The segments of one dimension for one metric, with the test of equal effects.
public struct SegmentDimension: Sendable {
    public var metric: String
    public var dimension: String
    public var levels: [SegmentUplift]
    /// Cochran's Q test that every level has the same effect (nil with fewer than two levels).
    public var heterogeneityPValue: Double?
    /// Holm-adjusted across the dimensions of the metric.
    public var heterogeneityAdjusted: Double?
    /// The common mean of the empirical-Bayes model.
    public var commonEffect: Double?
}

/// Balance of the covariates before and after each weighting.
public struct BalanceDiagnostics: Sendable {
    public struct Row: Sendable {
        public var covariate: String
        public var before: Double
        public var afterPropensity: Double
        public var afterEntropy: Double?
    }
    public var rows: [Row]
    public var propensity: WeightedEffect
    public var propensityStatus: LogisticFitStatus
    public var entropy: EntropyBalance?
    /// Why entropy balancing found no weights.
    public var entropyNote: UpliftNote?
}

/// The uplift of every metric of a panel, for one treated arm against the control.
public struct UpliftAnalysis: Sendable {
    public var panel: CampaignPanel
    public var treatedArm: Int
    public var randomized: Bool
    /// Customers with a value in both windows for every metric (the others are left out).
    public var included: [Int]
    /// Customers of the two arms left out for a missing value.
    public var excluded: Int
    /// Customers left out because their dimension level has customers in one arm only.
    public var outsideSupport: Int
    /// Those levels, as "dimension=level".
    public var unsupportedLevels: [String]
    public var metrics: [MetricUplift]
    public var segments: [SegmentDimension]
    /// nil for a randomized design.
    public var balance: BalanceDiagnostics?
    /// Covariates left out of the models.
    public var droppedCovariates: [DroppedCovariate]
    /// Customers left out for lack of overlap (`trim`), and the bound α of [α, 1 − α].
    public var trimmed: (count: Int, bound: Double)?

    /// Runs every estimator of the design.
    /// - Parameters:
    ///   - covariates: nil for every dimension and numeric column with mean baselines.
    ///   - trim: for an observational design, leave out the customers whose propensity lies
    ///     outside Crump et al.'s (2009) optimal overlap bounds [α, 1 − α].
    /// - Throws: `AnalysisError` when an arm has too few complete customers.
    public static func run(
        _ panel: CampaignPanel, treatedArm: Int = 1, covariates: UpliftCovariates? = nil, trim: Bool = false,
        level: Double = 0.95, segments wantSegments: Bool = true, progress: (String) -> Void = { _ in }
    ) throws -> UpliftAnalysis {
        let randomized = panel.campaign.design == "randomized"
        let covariates = covariates ?? .all(panel)
        var sample = try UpliftSample(panel, treatedArm: treatedArm, randomized: randomized, covariates: covariates)
        var designs = UpliftDesigns(panel, sample, covariates: covariates)
        var inputs = UpliftInputs(
            panel: panel, treatedArm: treatedArm, covariates: covariates, sample: sample, designs: designs, level: level,
            randomized: randomized)
        inputs.computeValues()
        var nuisance = UpliftNuisance()
        var trimming: (count: Int, bound: Double)?
        if !randomized {
            progress(
                "propensity model: logistic regression on \(designs.propensityNames.count) covariates, \(formatCount(sample.included.count)) customers; entropy balancing on \(designs.balanceNames.count)"
            )
            nuisance = try UpliftNuisance(inputs)
            if trim, let rule = PropensityWeighting.crumpOptimalRule(nuisance.scores) {
                let kept = nuisance.scores.indices.filter { 1 / (nuisance.scores[$0] * (1 - nuisance.scores[$0])) <= rule.largestKept }
                let before = sample.included.count
                try sample.keep(kept, panel, treatedArm: treatedArm, dimensions: covariates.dimensions)
                trimming = (before - sample.included.count, rule.alpha)
                progress("trimmed \(formatCount(trimming!.count)) customers outside the overlap bounds")
                designs = UpliftDesigns(panel, sample, covariates: covariates)
                inputs.sample = sample
                inputs.designs = designs
                inputs.computeValues()
                nuisance = try UpliftNuisance(inputs)
            }
        }
        progress(
            "estimating \(panel.metrics.prefix(covariates.outcomes).joined(separator: ", "))"
                + (wantSegments ? "; segments of \(panel.dimensions.count) dimensions" : ""))
        let (estimated, segments, balance) = inputs.estimateAll(&nuisance, segments: wantSegments)
        var metrics = estimated
        // Holm across metrics, per method.
        for method in UpliftMethod.methods(randomized: randomized) {
            let indices = metrics.indices.filter { metrics[$0].estimate(method)?.effect != nil }
            let adjusted = MultipleTesting.holm(indices.map { metrics[$0].estimate(method)!.effect!.pValue })
            for (index, p) in zip(indices, adjusted) {
                let slot = metrics[index].estimates.firstIndex { $0.method == method }!
                metrics[index].estimates[slot].adjustedPValue = p
            }
        }
        return UpliftAnalysis(
            panel: panel, treatedArm: treatedArm, randomized: randomized, included: sample.included, excluded: sample.excluded,
            outsideSupport: sample.outsideSupport, unsupportedLevels: sample.unsupportedLevels, metrics: metrics,
            segments: segments, balance: balance, droppedCovariates: designs.dropped, trimmed: trimming)
    }
}
