import CampaignLabData
import CampaignLabStats
import Foundation

/// Results written by concurrent iterations, one slot each.
final class ResultSlots<T>: @unchecked Sendable {
    private(set) var values: [T?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    subscript(index: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return values[index] }
        set { lock.lock(); values[index] = newValue; lock.unlock() }
    }
}

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
    public static func run(_ panel: CampaignPanel, treatedArm: Int = 1, level: Double = 0.95,
                           progress: (String) -> Void = { _ in }) throws -> UpliftAnalysis {
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
        let included = complete.filter { i in !unsupported.contains { panel.dimensionCodes[$0.dimension][i] == $0.code } }
        let unsupportedLevels = unsupported.map { "\(panel.dimensions[$0.dimension])=\(panel.levels[$0.dimension][Int($0.code)])" }
        let outsideSupport = complete.count - included.count
        let inArms = (0..<panel.count).filter { panel.arm[$0] == 0 || panel.arm[$0] == treatedArm }.count
        let treated = included.map { panel.arm[$0] == treatedArm }
        let nTreated = treated.filter { $0 }.count, nControl = treated.count - nTreated
        let armName = panel.arms[treatedArm], controlName = panel.arms[0]
        guard nTreated >= 10, nControl >= 10 else {
            throw AnalysisError(option: "campaign", "too few customers with \(panel.metrics.joined(separator: ", ")) in both the pre-period and the campaign months: \(nTreated) in '\(armName)', \(nControl) in '\(controlName)' (at least 10 each are needed)")
        }
        // Dummies: every level but the first of each dimension (levels sorted by name).
        var dummyNames: [String] = []
        var dummySlotList: [(dimension: Int, code: Int32)] = []
        for (d, name) in panel.dimensions.enumerated() {
            // Levels present among the included customers; the first is the reference.
            let present = Set(included.map { panel.dimensionCodes[d][$0] }).sorted()
            for code in present.dropFirst() {
                dummyNames.append("\(name)=\(panel.levels[d][Int(code)])")
                dummySlotList.append((d, code))
            }
        }
        let dummySlots = dummySlotList
        func dummies(_ i: Int) -> [Double] { dummySlots.map { panel.dimensionCodes[$0.dimension][i] == $0.code ? 1 : 0 } }

        // Propensity model: log1p of non-negative pre-period metrics (raw otherwise) + dummies.
        let logged = (0..<k).map { j in included.allSatisfy { panel.pre[j][$0] >= 0 } }
        let propensityNames = (0..<k).map { logged[$0] ? "log1p(pre \(panel.metrics[$0]))" : "pre \(panel.metrics[$0])" } + dummyNames
        func propensityRow(_ i: Int) -> [Double] {
            (0..<k).map { logged[$0] ? log1p(panel.pre[$0][i]) : panel.pre[$0][i] } + dummies(i)
        }
        progress("propensity model: logistic regression on \(propensityNames.count) covariates, \(formatCount(included.count)) customers")
        let propensityDesign = included.map(propensityRow)
        var rows: [Double] = []
        rows.reserveCapacity(included.count * (propensityNames.count + 1))
        for (r, i) in included.enumerated() { rows += propensityDesign[r]; rows.append(panel.arm[i] == treatedArm ? 1 : 0) }
        let logit = try LogisticRegression.fit(rows: rows, covariates: propensityNames.count)
        rows = []
        let scores = propensityDesign.map { min(max(logit.probability($0), 1e-9), 1 - 1e-9) }

        let outcomeCovariates = included.map { i in (0..<k).map { panel.pre[$0][i] } + dummies(i) }
        // The metrics are independent: estimate them concurrently (each on its own core).
        let slots = ResultSlots<MetricUplift>(count: k)
        let failures = ResultSlots<Error>(count: k)
        progress("estimating \(panel.metrics.joined(separator: ", "))")
        DispatchQueue.concurrentPerform(iterations: k) { j in
          do {
            let y = included.map { panel.post[j][$0] }, y0 = included.map { panel.pre[j][$0] }
            // One pass for every per-group moment: [post, pre, change] × [control, treated].
            var sums = [[Moments]](repeating: [Moments](repeating: Moments(), count: 2), count: 3)
            for r in 0..<y.count {
                let g = treated[r] ? 1 : 0
                sums[0][g].add(y[r]); sums[1][g].add(y0[r]); sums[2][g].add(y[r] - y0[r])
            }
            let y_ = 0, y0_ = 1, change = 2
            func moments(_ which: Int, _ group: Bool) -> Moments { sums[which][group ? 1 : 0] }
            var arms: [MetricUplift.ArmSummary] = []
            for (index, group) in [(0, false), (treatedArm, true)] {
                let post = moments(y_, group), pre = moments(y0_, group), delta = moments(change, group)
                let se = (delta.variance / delta.count).squareRoot()
                let changeEstimate = MeanComparison.tEstimate(delta.mean, se: se, df: delta.count - 1, level: level,
                                                              method: "mean change, t interval")
                arms.append(.init(arm: panel.arms[index], customers: Int(post.count), preMean: pre.mean, postMean: post.mean,
                                  change: changeEstimate, growthRate: post.mean / pre.mean - 1))
            }
            let naive = MeanComparison.absoluteDifference(treatment: moments(y_, true), control: moments(y_, false), level: level)
            let lift = MeanComparison.relativeDifference(treatment: moments(change, true), control: moments(change, false),
                                                         level: level, method: .fieller)
            let multiple = EffectEstimate(estimate: lift.estimate + 1, standardError: lift.standardError,
                                          interval: ConfidenceInterval(lower: lift.interval.lower + 1, upper: lift.interval.upper + 1, level: level),
                                          pValue: lift.pValue, degreesOfFreedom: lift.degreesOfFreedom,
                                          method: "ratio of mean changes, Fieller interval")
            let controlChange = arms[0].change.interval
            let did = DifferenceInDifferences.panel(treatedChanges: moments(change, true), controlChanges: moments(change, false), level: level)
            let regression = try RegressionAdjustment.estimate(count: included.count, covariates: k + dummySlots.count, level: level) { r, row in
                let i = included[r]
                row[0] = treated[r] ? 1 : 0
                for m in 0..<k { row[1 + m] = panel.pre[m][i] }
                for (s, slot) in dummySlots.enumerated() { row[1 + k + s] = panel.dimensionCodes[slot.dimension][i] == slot.code ? 1 : 0 }
                row[1 + k + dummySlots.count] = y[r]
            }.effect
            // Balance depends only on the covariates: computed with the first metric, shown once.
            let weighted = PropensityWeighting.estimate(outcomes: y, treated: treated, propensity: scores, covariates: j == 0 ? propensityDesign : [],
                                                        estimand: .att, standardError: .estimatedLogitScores(covariates: propensityDesign),
                                                        level: level)
            let aipw = try AugmentedIPW.estimate(outcomes: y, treated: treated, propensity: scores, covariates: outcomeCovariates,
                                                 estimand: .att, level: level)
            let g1 = arms[1].change.estimate
            slots[j] = MetricUplift(metric: panel.metrics[j], arms: arms, naiveDifference: naive, growthMultiple: multiple,
                                    multipleIsMeaningless: controlChange.lower <= 0 && controlChange.upper >= 0,
                                    differenceInDifferences: did, regressionAdjusted: regression, weighted: weighted,
                                    doublyRobust: aipw, honestMultiple: g1 / (g1 - aipw.estimate))
          } catch {
            failures[j] = error
          }
        }
        if let error = failures.values.compactMap({ $0 }).first { throw error }
        var results = slots.values.map { $0! }
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

        // Segments: regression adjustment within each level of each dimension.
        var levelMembers: [[[Int]]] = panel.dimensions.indices.map { d in Array(repeating: [], count: panel.levels[d].count) }
        for (r, i) in included.enumerated() {
            for d in panel.dimensions.indices { levelMembers[d][Int(panel.dimensionCodes[d][i])].append(r) }
        }
        // One list per metric, the metrics concurrently.
        let segmentSlots = ResultSlots<[SegmentUplift]>(count: k)
        let members = levelMembers
        DispatchQueue.concurrentPerform(iterations: k) { j in
            var list: [SegmentUplift] = []
            for (d, dimension) in panel.dimensions.enumerated() {
                for (code, levelName) in panel.levels[d].enumerated() {
                    let members = members[d][code]
                    let t = members.filter { treated[$0] }.count, c = members.count - t
                    var effect: EffectEstimate?
                    if t >= k + 3 && c >= k + 3 {
                        effect = try? RegressionAdjustment.estimate(count: members.count, covariates: k, level: level) { r, row in
                            let m = members[r], i = included[m]
                            row[0] = treated[m] ? 1 : 0
                            for q in 0..<k { row[1 + q] = panel.pre[q][i] }
                            row[1 + k] = panel.post[j][i]
                        }.effect
                    }
                    list.append(SegmentUplift(dimension: dimension, level: levelName, treated: t, control: c, effect: effect))
                }
            }
            segmentSlots[j] = list
        }
        var segments: [String: [SegmentUplift]] = [:]
        for j in 0..<k { segments[panel.metrics[j]] = segmentSlots.values[j] ?? [] }
        return UpliftAnalysis(panel: panel, treatedArm: treatedArm, included: included, excluded: inArms - complete.count,
                              outsideSupport: outsideSupport, unsupportedLevels: unsupportedLevels,
                              metrics: results, segments: segments, propensityCovariates: propensityNames,
                              propensityStatus: logit.status)
    }
}

