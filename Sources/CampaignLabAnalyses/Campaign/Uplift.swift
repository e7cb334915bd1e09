import CampaignLabData
import CampaignLabStats
import Foundation

/// Participant-versus-control estimates for one metric of a campaign panel: the numbers the
/// business asks for (arm means, growth, the "N× growth" multiple) and the honest ones
/// (difference-in-differences, regression adjustment, propensity weighting, doubly robust).
public struct MetricUplift: Sendable {
    public struct ArmSummary: Sendable {
        public var arm: String
        public var customers: Int
        public var preMean: Double
        public var postMean: Double
        /// postMean − preMean, with a Welch interval of the mean per-customer change.
        public var change: EffectEstimate
        /// postMean / preMean − 1.
        public var growthRate: Double
    }

    public var metric: String
    public var arms: [ArmSummary]
    /// Post-period means, treated − control (Welch): no adjustment at all.
    public var naiveDifference: EffectEstimate
    /// Mean change of the treated ÷ mean change of the control, with Fieller's interval.
    public var growthMultiple: EffectEstimate
    /// True when the control's mean change has a 95% interval that includes zero: the
    /// multiple then divides by something that may be nothing.
    public var multipleIsMeaningless: Bool
    public var differenceInDifferences: EffectEstimate
    public var regressionAdjusted: EffectEstimate
    public var weighted: WeightedEffect
    public var doublyRobust: EffectEstimate
    /// Treated change ÷ (treated change − doubly robust ATT): the growth multiple the
    /// campaign itself explains.
    public var honestMultiple: Double
    /// Holm-adjusted p-values across the metrics of the analysis, per method.
    public var adjustedPValues: [String: Double] = [:]
}

/// Segment-level estimate: regression adjustment within one level of a dimension.
public struct SegmentUplift: Sendable {
    public var dimension: String
    public var level: String
    public var treated: Int
    public var control: Int
    /// nil when the level has too few customers in an arm for the model.
    public var effect: EffectEstimate?
}

/// The uplift of every metric of a panel, for one treated arm against the control.
public struct UpliftAnalysis: Sendable {
    public var panel: CampaignPanel
    public var treatedArm: Int
    /// Customers with a value in both windows for every metric (the others are left out).
    public var included: [Int]
    /// Customers of the two arms left out for a missing value.
    public var excluded: Int
    /// Customers left out because their dimension level has customers in one arm only.
    public var outsideSupport: Int
    /// Those levels, as "dimension=level".
    public var unsupportedLevels: [String]
    public var metrics: [MetricUplift]
    public var segments: [String: [SegmentUplift]]
    /// Names of the propensity-model covariates, in order (for the balance table).
    public var propensityCovariates: [String]
    public var propensityStatus: LogisticFitStatus

    /// Runs every estimator.
    /// - Throws: `AnalysisError` when an arm has too few complete customers.
    public static func run(
        _ panel: CampaignPanel, treatedArm: Int = 1, level: Double = 0.95,
        progress: (String) -> Void = { _ in }
    ) throws -> UpliftAnalysis {
        let sample = try UpliftSample(panel, treatedArm: treatedArm)
        let designs = UpliftDesigns(panel, sample)
        progress(
            "propensity model: logistic regression on \(designs.propensityNames.count) covariates, \(formatCount(sample.included.count)) customers"
        )
        let logit = try LogisticRegression.fit(rows: designs.logitRows(treated: sample.treated), covariates: designs.columns)
        let scores = logit.probabilities(designs.propensity).map { min(max($0, 1e-9), 1 - 1e-9) }
        let outcomes = panel.metrics.indices.map { j in sample.included.map { panel.post[j][$0] } }
        let business = panel.metrics.indices.map { j in
            businessNumbers(panel, sample, metric: j, outcome: outcomes[j], treatedArm: treatedArm, level: level)
        }
        progress("estimating \(panel.metrics.joined(separator: ", "))")
        let models = try modelEstimates(panel, sample, designs, outcomes: outcomes, scores: scores, level: level)
        var results = panel.metrics.indices.map { j in
            let g1 = business[j].arms[1].change.estimate, aipw = models.doublyRobust[j]!
            return MetricUplift(
                metric: panel.metrics[j], arms: business[j].arms, naiveDifference: business[j].naive,
                growthMultiple: business[j].multiple, multipleIsMeaningless: business[j].meaningless,
                differenceInDifferences: business[j].did, regressionAdjusted: models.regression[j]!,
                weighted: models.weighted[j]!, doublyRobust: aipw, honestMultiple: g1 / (g1 - aipw.estimate))
        }
        // Holm across metrics, per method.
        let methods: [(String, (MetricUplift) -> Double)] = [
            ("naive", { $0.naiveDifference.pValue }), ("did", { $0.differenceInDifferences.pValue }),
            ("regression", { $0.regressionAdjusted.pValue }), ("ipw", { $0.weighted.effect.pValue }),
            ("aipw", { $0.doublyRobust.pValue }),
        ]
        for (name, p) in methods {
            let adjusted = MultipleTesting.holm(results.map(p))
            for j in results.indices { results[j].adjustedPValues[name] = adjusted[j] }
        }
        return UpliftAnalysis(
            panel: panel, treatedArm: treatedArm, included: sample.included, excluded: sample.excluded,
            outsideSupport: sample.outsideSupport, unsupportedLevels: sample.unsupportedLevels,
            metrics: results, segments: models.segments, propensityCovariates: designs.propensityNames,
            propensityStatus: logit.status)
    }

    /// The numbers the business asks for, from one pass of moments: arm means and changes,
    /// the naive post-period difference, the growth multiple (Fieller) and DiD.
    static func businessNumbers(
        _ panel: CampaignPanel, _ sample: UpliftSample, metric j: Int, outcome y: [Double], treatedArm: Int,
        level: Double
    ) -> (
        arms: [MetricUplift.ArmSummary], naive: EffectEstimate, multiple: EffectEstimate,
        meaningless: Bool, did: EffectEstimate
    ) {
        let column = panel.pre[j], included = sample.included, treated = sample.treated
        // [post, pre, change] × [control, treated].
        var sums = [[Moments]](repeating: [Moments](repeating: Moments(), count: 2), count: 3)
        for r in 0..<included.count {
            let g = treated[r] ? 1 : 0, y0 = column[included[r]]
            sums[0][g].add(y[r]); sums[1][g].add(y0); sums[2][g].add(y[r] - y0)
        }
        let y_ = 0, y0_ = 1, change = 2
        func moments(_ which: Int, _ group: Bool) -> Moments { sums[which][group ? 1 : 0] }
        var arms: [MetricUplift.ArmSummary] = []
        for (index, group) in [(0, false), (treatedArm, true)] {
            let post = moments(y_, group), pre = moments(y0_, group), delta = moments(change, group)
            let se = (delta.variance / delta.count).squareRoot()
            let changeEstimate = MeanComparison.tEstimate(
                delta.mean, se: se, df: delta.count - 1, level: level,
                method: "mean change, t interval")
            arms.append(
                .init(
                    arm: panel.arms[index], customers: Int(post.count), preMean: pre.mean, postMean: post.mean,
                    change: changeEstimate, growthRate: post.mean / pre.mean - 1))
        }
        let naive = MeanComparison.absoluteDifference(treatment: moments(y_, true), control: moments(y_, false), level: level)
        let lift = MeanComparison.relativeDifference(
            treatment: moments(change, true), control: moments(change, false),
            level: level, method: .fieller)
        let multiple = EffectEstimate(
            estimate: lift.estimate + 1, standardError: lift.standardError,
            interval: ConfidenceInterval(lower: lift.interval.lower + 1, upper: lift.interval.upper + 1, level: level),
            pValue: lift.pValue, degreesOfFreedom: lift.degreesOfFreedom,
            method: "ratio of mean changes, Fieller interval")
        let controlChange = arms[0].change.interval
        let did = DifferenceInDifferences.panel(treatedChanges: moments(change, true), controlChanges: moments(change, false), level: level)
        return (arms, naive, multiple, controlChange.lower <= 0 && controlChange.upper >= 0, did)
    }

    /// The model-based estimates of every metric.
    struct ModelEstimates {
        var regression: [EffectEstimate?]
        var weighted: [WeightedEffect?]
        var doublyRobust: [EffectEstimate?]
        var segments: [String: [SegmentUplift]] = [:]
    }

    /// Regression adjustment, propensity weighting and AIPW per metric, and the segment
    /// regressions, as independent tasks on every core, the longest first (the weighting of
    /// the first metric also computes the balance table).
    static func modelEstimates(
        _ panel: CampaignPanel, _ sample: UpliftSample, _ designs: UpliftDesigns, outcomes: [[Double]],
        scores: [Double], level: Double
    ) throws -> ModelEstimates {
        let k = panel.metrics.count, n = sample.included.count, p = designs.columns
        let included = sample.included, treated = sample.treated
        // Segments: customers of each level of each dimension.
        var levelMembers: [[[Int]]] = panel.dimensions.indices.map { d in Array(repeating: [], count: panel.levels[d].count) }
        for (r, i) in included.enumerated() {
            for d in panel.dimensions.indices { levelMembers[d][Int(panel.dimensionCodes[d][i])].append(r) }
        }
        let members = levelMembers

        enum Task { case weighting(Int), doublyRobust(Int), regression(Int), segments(metric: Int, dimension: Int) }
        let tasks: [Task] =
            [.weighting(0)] + (0..<k).map { .doublyRobust($0) } + (0..<k).map { .regression($0) }
            + (1..<max(k, 1)).map { .weighting($0) }
            + (0..<k).flatMap { j in panel.dimensions.indices.map { Task.segments(metric: j, dimension: $0) } }
        let effects = ResultSlots<EffectEstimate>(count: tasks.count)
        let weightedEffects = ResultSlots<WeightedEffect>(count: tasks.count)
        let segmentLists = ResultSlots<[SegmentUplift]>(count: tasks.count)
        let failures = ResultSlots<Error>(count: tasks.count)
        let outcomeMatrix = designs.outcome, propensityMatrix = designs.propensity
        DispatchQueue.concurrentPerform(iterations: tasks.count) { t in
            do {
                switch tasks[t] {
                case .regression(let j):
                    effects[t] = try RegressionAdjustment.estimate(count: n, covariates: p, level: level) { range, block in
                        designs.fillRows(block, range, treated: treated, covariates: p, outcome: outcomes[j])
                    }.effect
                case .weighting(let j):
                    // Balance depends only on the covariates: computed with the first metric, shown once.
                    weightedEffects[t] = PropensityWeighting.estimate(
                        outcomes: outcomes[j], treated: treated, propensity: scores,
                        covariates: j == 0 ? propensityMatrix : RowMatrix(rows: n, columns: 0),
                        estimand: .att, standardError: .estimatedLogitScores(covariates: propensityMatrix), level: level)
                case .doublyRobust(let j):
                    effects[t] = try AugmentedIPW.estimate(
                        outcomes: outcomes[j], treated: treated, propensity: scores,
                        covariates: outcomeMatrix, estimand: .att, level: level)
                case .segments(let j, let d):
                    segmentLists[t] = segmentEstimates(
                        panel, dimension: d, members: members[d], treated: treated, designs: designs,
                        outcome: outcomes[j], level: level)
                }
            } catch {
                failures[t] = error
            }
        }
        if let error = failures.values.compactMap({ $0 }).first { throw error }
        var estimates = ModelEstimates(
            regression: Array(repeating: nil, count: k), weighted: Array(repeating: nil, count: k),
            doublyRobust: Array(repeating: nil, count: k))
        for (t, task) in tasks.enumerated() {
            switch task {
            case .regression(let j): estimates.regression[j] = effects[t]
            case .weighting(let j): estimates.weighted[j] = weightedEffects[t]
            case .doublyRobust(let j): estimates.doublyRobust[j] = effects[t]
            case .segments(let j, _): estimates.segments[panel.metrics[j], default: []] += segmentLists[t]!
            }
        }
        return estimates
    }

    /// Regression adjustment within each level of dimension `d`, on the pre-period metrics
    /// (left empty for a level with fewer than metrics + 3 customers in an arm).
    static func segmentEstimates(
        _ panel: CampaignPanel, dimension d: Int, members levelMembers: [[Int]], treated: [Bool],
        designs: UpliftDesigns, outcome: [Double], level: Double
    ) -> [SegmentUplift] {
        let k = panel.metrics.count
        return panel.levels[d].enumerated().map { code, levelName in
            let members = levelMembers[code]
            let treatedCount = members.filter { treated[$0] }.count, controlCount = members.count - treatedCount
            var effect: EffectEstimate?
            if treatedCount >= k + 3 && controlCount >= k + 3 {
                effect = try? RegressionAdjustment.estimate(count: members.count, covariates: k, level: level) { range, block in
                    designs.fillRows(block, range, of: members, treated: treated, covariates: k, outcome: outcome)
                }.effect
            }
            return SegmentUplift(
                dimension: panel.dimensions[d], level: levelName, treated: treatedCount, control: controlCount,
                effect: effect)
        }
    }
}

/// The customers an uplift compares: those of the two arms with a value in both windows for
/// every metric, on common support of the dimensions.
struct UpliftSample {
    var included: [Int]
    /// Per included customer: in the treated arm.
    var treated: [Bool]
    var excluded: Int
    var outsideSupport: Int
    var unsupportedLevels: [String]

    init(_ panel: CampaignPanel, treatedArm: Int) throws {
        let k = panel.metrics.count
        let complete = (0..<panel.count).filter { i in
            (panel.arm[i] == 0 || panel.arm[i] == treatedArm)
                && (0..<k).allSatisfy { !panel.pre[$0][i].isNaN && !panel.post[$0][i].isNaN }
        }
        // Common support on the dimensions: a level with customers in one arm only has nobody
        // to compare them with (and makes the propensity model separate), so its customers are
        // left out of every estimate and named in `unsupportedLevels`.
        var unsupported: [(dimension: Int, code: Int32)] = []
        for d in panel.dimensions.indices {
            var treatedCount = [Int](repeating: 0, count: panel.levels[d].count), controlCount = treatedCount
            for i in complete {
                let code = Int(panel.dimensionCodes[d][i])
                if panel.arm[i] == treatedArm { treatedCount[code] += 1 } else { controlCount[code] += 1 }
            }
            for code in panel.levels[d].indices where (treatedCount[code] == 0) != (controlCount[code] == 0) {
                unsupported.append((d, Int32(code)))
            }
        }
        included = complete.filter { i in !unsupported.contains { panel.dimensionCodes[$0.dimension][i] == $0.code } }
        unsupportedLevels = unsupported.map { "\(panel.dimensions[$0.dimension])=\(panel.levels[$0.dimension][Int($0.code)])" }
        outsideSupport = complete.count - included.count
        let inArms = (0..<panel.count).filter { panel.arm[$0] == 0 || panel.arm[$0] == treatedArm }.count
        excluded = inArms - complete.count
        treated = included.map { panel.arm[$0] == treatedArm }
        let nTreated = treated.filter { $0 }.count, nControl = treated.count - nTreated
        let armName = panel.arms[treatedArm], controlName = panel.arms[0]
        guard nTreated >= 10, nControl >= 10 else {
            throw AnalysisError(
                option: "campaign",
                "too few customers with \(panel.metrics.joined(separator: ", ")) in both the pre-period and the campaign months: \(nTreated) in '\(armName)', \(nControl) in '\(controlName)' (at least 10 each are needed)"
            )
        }
    }
}

/// The designs of the models, one row per included customer, built once: the pre-period
/// metrics (raw for the outcome models; log1p of non-negative ones for the propensity model)
/// and the dimension dummies.
struct UpliftDesigns {
    var outcome: RowMatrix
    var propensity: RowMatrix
    var propensityNames: [String]
    var columns: Int { outcome.columns }

    init(_ panel: CampaignPanel, _ sample: UpliftSample) {
        let k = panel.metrics.count, included = sample.included
        // Dummies: every level but the first of each dimension (levels sorted by name).
        var dummyNames: [String] = []
        var dummySlots: [(dimension: Int, code: Int32)] = []
        for (d, name) in panel.dimensions.enumerated() {
            // Levels present among the included customers; the first is the reference.
            var isPresent = [Bool](repeating: false, count: panel.levels[d].count)
            let codes = panel.dimensionCodes[d]
            for i in included { isPresent[Int(codes[i])] = true }
            let present = isPresent.indices.filter { isPresent[$0] }.map { Int32($0) }
            for code in present.dropFirst() {
                dummyNames.append("\(name)=\(panel.levels[d][Int(code)])")
                dummySlots.append((d, code))
            }
        }

        let n = included.count, p = k + dummySlots.count
        let logged = (0..<k).map { j in
            let column = panel.pre[j]; return included.allSatisfy { column[$0] >= 0 }
        }
        propensityNames = (0..<k).map { logged[$0] ? "log1p(pre \(panel.metrics[$0]))" : "pre \(panel.metrics[$0])" } + dummyNames
        var outcomeDesign = RowMatrix(rows: n, columns: p), propensityDesign = RowMatrix(rows: n, columns: p)
        outcomeDesign.values.withUnsafeMutableBufferPointer { x in
            propensityDesign.values.withUnsafeMutableBufferPointer { z in
                for m in 0..<k {
                    let column = panel.pre[m]
                    for r in 0..<n {
                        let v = column[included[r]]
                        x[r * p + m] = v
                        z[r * p + m] = logged[m] ? log1p(v) : v
                    }
                }
                for (s, slot) in dummySlots.enumerated() {
                    let codes = panel.dimensionCodes[slot.dimension]
                    for r in 0..<n where codes[included[r]] == slot.code { x[r * p + k + s] = 1; z[r * p + k + s] = 1 }
                }
            }
        }
        outcome = outcomeDesign
        propensity = propensityDesign
    }

    /// Rows [T, the first `covariates` columns of the outcome design, y] of customers `range`
    /// (or of members[range]), for a streamed regression.
    func fillRows(
        _ block: UnsafeMutableBufferPointer<Double>, _ range: Range<Int>, of members: [Int]? = nil, treated: [Bool],
        covariates: Int, outcome y: [Double]
    ) {
        let width = covariates + 2, p = outcome.columns
        outcome.values.withUnsafeBufferPointer { x in
            for (offset, index) in range.enumerated() {
                let r = members?[index] ?? index, o = offset * width
                block[o] = treated[r] ? 1 : 0
                for c in 0..<covariates { block[o + 1 + c] = x[r * p + c] }
                block[o + 1 + covariates] = y[r]
            }
        }
    }

    /// Rows [propensity covariates…, treated] for the logistic regression.
    func logitRows(treated: [Bool]) -> [Double] {
        let n = propensity.rows, p = propensity.columns
        var rows = [Double](repeating: 0, count: n * (p + 1))
        propensity.values.withUnsafeBufferPointer { z in
            for r in 0..<n {
                for c in 0..<p { rows[r * (p + 1) + c] = z[r * p + c] }
                rows[r * (p + 1) + p] = treated[r] ? 1 : 0
            }
        }
        return rows
    }
}
