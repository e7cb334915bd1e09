import CampaignLabData
import CampaignLabStats
import Foundation

/// What every estimator of one uplift reads.
struct UpliftInputs {
    var panel: CampaignPanel
    var treatedArm: Int
    var covariates: UpliftCovariates
    var sample: UpliftSample
    var designs: UpliftDesigns
    var level: Double
    var randomized: Bool
    var treated: [Bool] { sample.treated }

    /// Post-period values, pre-period values and changes of metric `j`, per included customer.
    func values(_ j: Int) -> (post: [Double], pre: [Double], change: [Double]) {
        let post = sample.included.map { panel.post[j][$0] }, pre = sample.included.map { panel.pre[j][$0] }
        return (post, pre, zip(post, pre).map { $0 - $1 })
    }

    /// `values` of every outcome, computed once for all the tasks that read them.
    var data: [(post: [Double], pre: [Double], change: [Double])] = []

    mutating func computeValues() { data = (0..<covariates.outcomes).map { values($0) } }
}

/// The models shared by every metric of an observational uplift: the propensity scores and
/// the entropy-balancing weights (they depend on the covariates only).
struct UpliftNuisance {
    var logit: LogisticRegressionFit?
    var scores: [Double] = []
    var entropy: EntropyBalance?
    var entropyNote: UpliftNote?
    /// Per outcome: the control group's OLS of the post value and of the change on the outcome
    /// design (AIPW and DR-DiD), from one pass of cross products for every outcome.
    var controlFits: [(post: LinearRegressionFit, change: LinearRegressionFit)] = []
    /// The logit's information, shared by every outcome's weighting standard error.
    var logitInformation: [Double] = []

    init() {}

    init(_ inputs: UpliftInputs) throws {
        let designs = inputs.designs, treated = inputs.treated
        let n = treated.count, controls = treated.filter { !$0 }.count
        // The logit needs more customers than coefficients; its scores must be numbers.
        var fit: LogisticRegressionFit?
        if n > designs.propensity.columns + 2 {
            fit = try LogisticRegression.fit(design: designs.propensity, outcomes: treated)
        }
        if let fit, fit.coefficients.allSatisfy(\.isFinite) {
            logit = fit
            scores = fit.probabilities(designs.propensity).map { $0.isFinite ? min(max($0, 1e-9), 1 - 1e-9) : .nan }
            if scores.contains(where: \.isNaN) { logit = nil; scores = [] }
        }
        if logit != nil { logitInformation = PropensityWeighting.logitInformation(designs.propensity, propensity: scores) }
        // The control group's outcome models need more controls than coefficients.
        if controls > designs.outcome.columns + 2 { controlFits = try Self.controlFits(inputs) }
    }

    /// The entropy-balancing weights of the whole sample (or why there are none). Newton starts
    /// from the logit's tilt (its coefficients on the columns both designs share): the
    /// propensity weights e/(1 − e) already nearly balance, so fewer steps are needed to the
    /// same exact solution.
    mutating func balance(_ inputs: UpliftInputs) {
        let designs = inputs.designs
        let start = logit.map { fit in
            designs.balanceNames.map { name in designs.propensityNames.firstIndex(of: name).map { fit.coefficients[$0 + 1] } ?? 0 }
        }
        do {
            entropy = try EntropyBalancing.weights(covariates: designs.balance, treated: inputs.treated, start: start)
        } catch EntropyBalancingError.infeasible(let covariate) {
            entropyNote = .noBalance(covariate: designs.balanceNames[covariate])
        } catch {
            entropyNote = .notEstimable
        }
    }

    var propensityReliable: Bool { logit?.status == .converged }

    /// One pass over the controls: cross products of [outcome design, every post value, every change].
    static func controlFits(_ inputs: UpliftInputs) throws -> [(post: LinearRegressionFit, change: LinearRegressionFit)] {
        let x = inputs.designs.outcome, p = x.columns, k = inputs.covariates.outcomes, width = p + 2 * k
        let data = inputs.data, treated = inputs.treated
        var cp = CrossProducts(variables: width)
        let blockRows = 4_096
        var block = [Double](repeating: 0, count: blockRows * width), filled = 0
        x.values.withUnsafeBufferPointer { v in
            for i in 0..<x.rows where !treated[i] {
                let base = filled * width
                for c in 0..<p { block[base + c] = v[i * p + c] }
                for j in 0..<k { block[base + p + j] = data[j].post[i]; block[base + p + k + j] = data[j].change[i] }
                filled += 1
                if filled == blockRows { block.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: filled) }; filled = 0 }
            }
        }
        block.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: filled) }
        let design = Array(0..<p)
        return try (0..<k).map { j in
            (try LinearRegression.fit(cp.selecting(design + [p + j])), try LinearRegression.fit(cp.selecting(design + [p + k + j])))
        }
    }

    /// The balance table: every balancing covariate before weighting, after propensity
    /// weighting and after entropy balancing.
    func diagnostics(_ inputs: UpliftInputs) -> BalanceDiagnostics? {
        guard !scores.isEmpty else { return nil }
        let designs = inputs.designs, treated = inputs.treated
        let weighted = PropensityWeighting.estimate(
            outcomes: inputs.data[0].post, treated: treated, propensity: scores, estimand: .att, weightScale: .stabilized)
        // Both weightings' balance in one pass over the design.
        let tables = CovariateBalance.tables(
            designs.balance, treated: treated, weights: [weighted.weights] + (entropy.map { [$0.weights] } ?? []))
        let rows = tables[0].map { b in
            BalanceDiagnostics.Row(
                covariate: designs.balanceNames[b.index], before: b.before, afterPropensity: b.after,
                afterEntropy: tables.count > 1 ? tables[1][b.index].after : nil)
        }
        return BalanceDiagnostics(
            rows: rows, propensity: weighted, propensityStatus: logit?.status ?? .converged, entropy: entropy,
            entropyNote: entropyNote)
    }
}

extension UpliftInputs {
    /// The default method and its fallbacks, given which shared models exist.
    func defaultCandidates(_ nuisance: UpliftNuisance) -> [UpliftMethod] {
        UpliftMethod.defaults(randomized: randomized).filter { $0 != .entropy || nuisance.entropy != nil }
    }

    /// One estimate of the uplift's work: a metric by one method.
    struct MetricTask {
        var metric: Int
        var method: UpliftMethod
    }

    /// Every metric × method, metric by metric.
    func metricTasks() -> [MetricTask] {
        let methods = UpliftMethod.methods(randomized: randomized)
        return (0..<covariates.outcomes).flatMap { j in methods.map { MetricTask(metric: j, method: $0) } }
    }

    /// One metric × method estimate (`constant`: the metric has no variation). A method failing
    /// on these data (a collinear treatment, a singular system) is a note on its row, never the
    /// end of the report.
    func run(_ task: MetricTask, _ nuisance: UpliftNuisance, constant: Bool) -> (MethodEstimate, HonestGrowth?) {
        guard !constant else { return (MethodEstimate(method: task.method, note: .noVariation), nil) }
        // The growth multiple for every method that may be the default (which one is, depends on
        // which estimates exist: known when every task is done).
        let candidate = UpliftMethod.defaults(randomized: randomized).contains(task.method)
        do {
            return try estimate(task.method, metric: task.metric, data[task.metric], nuisance, honestGrowth: candidate)
        } catch {
            return (MethodEstimate(method: task.method, note: .notEstimable), nil)
        }
    }

    /// Every metric's uplift from its tasks' results (in `metricTasks` order).
    func assembleMetrics(
        _ tasks: [MetricTask], _ results: [(MethodEstimate, HonestGrowth?)], _ nuisance: UpliftNuisance, constant: [Bool]
    ) -> [MetricUplift] {
        let preferred = defaultCandidates(nuisance).first
        return (0..<covariates.outcomes).map { j in
            let mine = tasks.indices.filter { tasks[$0].metric == j }.map { results[$0] }
            let estimates = mine.map(\.0)
            let available = defaultCandidates(nuisance).filter { m in estimates.contains { $0.method == m && $0.effect != nil } }
            var uplift = business(j, data[j], estimates: estimates, noVariation: constant[j])
            uplift.defaultMethod = available.first
            if let growth = mine.first(where: { $0.0.method == preferred })?.1, available.first == preferred {
                (uplift.honestMultiple, uplift.honestMultipleNote) = growth.multiple
            } else if !constant[j] {
                uplift.honestMultipleNote = .notEstimable
            }
            if randomized || constant[j] { uplift.honestMultiple = nil; uplift.honestMultipleNote = nil }
            return uplift
        }
    }

    /// True when metric j has one value for every included customer in both periods.
    func isConstant(_ j: Int) -> Bool {
        let post = panel.post[j], pre = panel.pre[j], included = sample.included
        let first = post[included[0]], firstPre = pre[included[0]]
        return included.allSatisfy { post[$0] == first && pre[$0] == firstPre }
    }

    /// Arm summaries and the naive growth multiple.
    func business(
        _ j: Int, _ data: (post: [Double], pre: [Double], change: [Double]), estimates: [MethodEstimate], noVariation: Bool
    ) -> MetricUplift {
        let (y, pre, change) = data
        var sums = [[Moments]](repeating: [Moments](repeating: Moments(), count: 2), count: 3)
        for r in y.indices {
            let g = treated[r] ? 1 : 0
            sums[0][g].add(y[r]); sums[1][g].add(pre[r]); sums[2][g].add(change[r])
        }
        let arms = [(panel.arms[0], 0), (panel.arms[treatedArm], 1)].map { name, g -> MetricUplift.ArmSummary in
            let delta = sums[2][g]
            let change = MeanComparison.tEstimate(
                delta.mean, se: (delta.variance / delta.count).squareRoot(), df: delta.count - 1, level: level,
                method: "mean change, t interval")
            return MetricUplift.ArmSummary(
                arm: name, customers: Int(sums[0][g].count), preMean: sums[1][g].mean,
                postMean: sums[0][g].mean, postStandardDeviation: sums[0][g].variance.squareRoot(), change: change)
        }
        var uplift = MetricUplift(
            metric: panel.metrics[j], arms: arms, estimates: estimates, defaultMethod: nil, growthMultiple: nil,
            multipleNote: nil, honestMultiple: nil, honestMultipleNote: nil, noVariation: noVariation)
        guard !randomized && !noVariation else { return uplift }
        // "N× as much growth" only when the control grew clearly and the treated grew.
        let control = arms[0].change, treatedChange = arms[1].change
        let lift = MeanComparison.relativeDifference(treatment: sums[2][1], control: sums[2][0], level: level, method: .fieller)
        if control.interval.lower > 0 && treatedChange.estimate > 0 && lift.interval.lower.isFinite && lift.interval.upper.isFinite {
            uplift.growthMultiple = EffectEstimate(
                estimate: lift.estimate + 1, standardError: lift.standardError,
                interval: ConfidenceInterval(lower: lift.interval.lower + 1, upper: lift.interval.upper + 1, level: level),
                pValue: lift.pValue, degreesOfFreedom: lift.degreesOfFreedom, method: "ratio of mean changes, Fieller interval")
        } else {
            uplift.multipleNote = .noGrowthBase
        }
        return uplift
    }

    /// One method's estimate of metric j, with its relative effect.
    func estimate(
        _ method: UpliftMethod, metric j: Int, _ data: (post: [Double], pre: [Double], change: [Double]), _ nuisance: UpliftNuisance,
        honestGrowth: Bool
    ) throws -> (MethodEstimate, HonestGrowth?) {
        let (y, pre, change) = data
        var result = MethodEstimate(method: method)
        // Methods whose shared models could not be fitted on these data (too few customers for
        // the covariates, a logit without finite scores) are reported as not estimable.
        let needsLogit: Set<UpliftMethod> = [.ipw, .ipwChange, .drdid, .aipw]
        if (needsLogit.contains(method) && nuisance.scores.isEmpty) || ([.drdid, .aipw].contains(method) && nuisance.controlFits.isEmpty)
            || (method == .regression && y.count <= designs.columns + 3)
        {
            result.note = .notEstimable
            return (result, nil)
        }
        var effect: EffectEstimate, influence: [Double], scale = 1.0
        switch method {
        case .naive, .did:
            let outcome = method == .naive ? y : change
            var m = (Moments(), Moments())
            for r in outcome.indices { if treated[r] { m.0.add(outcome[r]) } else { m.1.add(outcome[r]) } }
            effect =
                method == .naive
                ? MeanComparison.absoluteDifference(treatment: m.0, control: m.1, level: level)
                : DifferenceInDifferences.panel(treatedChanges: m.0, controlChanges: m.1, level: level)
            influence = RelativeEffect.meanDifferenceInfluence(outcome, treated: treated)
        case .regression:
            let p = designs.columns
            let fit = try RegressionAdjustment.estimate(count: y.count, covariates: p, level: level, influence: true) { range, block in
                UpliftDesigns.fillRows(block, range, design: designs.outcome, treated: treated, outcome: y)
            }
            effect = fit.effect
            influence = fit.influence!
            scale = fit.fit.count / fit.fit.residualDegreesOfFreedom
        case .ipw, .ipwChange:
            let w = PropensityWeighting.estimate(
                outcomes: method == .ipw ? y : change, treated: treated, propensity: nuisance.scores, covariates: nil,
                estimand: .att,
                standardError: .estimatedLogitScoresWithInformation(covariates: designs.propensity, information: nuisance.logitInformation),
                level: level)
            (effect, influence) = (w.effect, w.influence)
        case .entropy:
            guard let balance = nuisance.entropy else {
                result.note = nuisance.entropyNote ?? .notEstimable
                return (result, nil)
            }
            (effect, influence) = EntropyBalancing.estimate(
                outcomes: y, treated: treated, covariates: designs.balance, balance: balance, level: level)
        case .drdid:
            (effect, influence) = try DoublyRobustDiD.estimate(
                changes: change, treated: treated, propensity: nuisance.scores, propensityFit: nuisance.logit!,
                propensityDesign: designs.propensity, outcomeDesign: designs.outcome, level: level,
                outcomeFit: nuisance.controlFits.isEmpty ? nil : nuisance.controlFits[j].change)
        case .aipw:
            (effect, influence) = try AugmentedIPW.estimateWithInfluence(
                outcomes: y, treated: treated, propensity: nuisance.scores, covariates: designs.outcome, estimand: .att,
                level: level, controlFit: nuisance.controlFits.isEmpty ? nil : nuisance.controlFits[j].post)
        }
        guard effect.estimate.isFinite, effect.standardError.isFinite, effect.standardError > 0 else {
            result.note = .notEstimable
            return (result, nil)
        }
        effect.method = method.rawValue
        result.effect = effect
        if [.ipw, .ipwChange, .drdid, .aipw].contains(method) && !nuisance.propensityReliable { result.note = .propensityUnreliable }
        do {
            result.relative = try RelativeEffect.deltaMethod(
                effect: effect.estimate, influence: influence, levels: y, treated: treated, level: level, varianceScale: scale)
        } catch {
            result.relativeNote = .noRelativeBase
        }
        var treatedCount = 0.0, treatedSize = 0.0
        for r in pre.indices where treated[r] { treatedCount += 1; treatedSize += abs(pre[r]) }
        let size = treatedSize / max(1, treatedCount)
        let growth =
            honestGrowth
            ? HonestGrowth(change: change, treated: treated, effect: effect.estimate, influence: influence, level: level, scale: size) : nil
        return (result, growth)
    }
}

/// The participants' growth against the growth they would have had without the campaign
/// (their growth minus the effect), with the delta-method interval of the latter.
struct HonestGrowth {
    var multiple: (Double?, UpliftNote?)

    /// - Parameter scale: the size of the metric (its treated pre-period mean and growth): a
    ///   counterfactual growth below a millionth of it is zero up to rounding, however precise.
    init(change: [Double], treated: [Bool], effect tau: Double, influence: [Double], level: Double, scale: Double) {
        var n1 = 0.0, sum = 0.0
        for r in change.indices where treated[r] { n1 += 1; sum += change[r] }
        let g1 = sum / n1
        var variance = 0.0
        for r in change.indices {
            let psi = treated[r] ? (change[r] - g1) / n1 : 0
            variance += (psi - influence[r]) * (psi - influence[r])
        }
        let g0 = g1 - tau, z = NormalDistribution.standard.quantile(0.5 + level / 2)
        if g1 > 0 && g0 - z * variance.squareRoot() > 0 && g0 > 1e-6 * (scale + g1) {
            multiple = (g1 / g0, nil)
        } else {
            multiple = (nil, .noGrowthBase)
        }
    }
}
