import CampaignLabData
import CampaignLabStats
import Foundation

extension UpliftInputs {
    /// Customers needed in each arm of a level before it is estimated.
    static let segmentMinimum = 10

    /// One level of one dimension: its members, as indices into the included customers.
    struct LevelTask {
        var dimension: Int
        var code: Int
        var members: [Int]
    }

    /// Every level with customers, dimension by dimension.
    func levelTasks() -> [LevelTask] {
        var tasks: [LevelTask] = []
        for d in panel.dimensions.indices {
            var members = [[Int]](repeating: [], count: panel.levels[d].count)
            for (r, i) in sample.included.enumerated() { members[Int(panel.dimensionCodes[d][i])].append(r) }
            for code in members.indices where !members[code].isEmpty {
                tasks.append(LevelTask(dimension: d, code: code, members: members[code]))
            }
        }
        return tasks
    }

    /// The segments' method: entropy balancing within the level on the pre-period metrics and
    /// the other dimensions for an observational campaign, regression adjustment for a
    /// randomized one.
    func segmentMethod(_ nuisance: UpliftNuisance) -> UpliftMethod {
        !randomized && nuisance.entropy != nil ? .entropy : .regression
    }

    /// The effect within each level of each dimension (the tasks' results, in `levelTasks`
    /// order); then, per metric and dimension, Holm and Benjamini–Hochberg across the levels,
    /// empirical-Bayes shrinkage and Cochran's test that the levels share one effect (Holm
    /// across the dimensions).
    func assembleSegments(_ tasks: [LevelTask], _ results: [[SegmentUplift]]) -> [SegmentDimension] {
        guard !tasks.isEmpty else { return [] }
        var result: [SegmentDimension] = []
        for j in 0..<covariates.outcomes {
            var perMetric: [SegmentDimension] = []
            for d in panel.dimensions.indices {
                let levels = tasks.indices.filter { tasks[$0].dimension == d }.map { results[$0][j] }
                perMetric.append(Self.combine(metric: panel.metrics[j], dimension: panel.dimensions[d], levels))
            }
            let tested = perMetric.indices.filter { perMetric[$0].heterogeneityPValue != nil }
            for (index, p) in zip(tested, MultipleTesting.holm(tested.map { perMetric[$0].heterogeneityPValue! })) {
                perMetric[index].heterogeneityAdjusted = p
            }
            result += perMetric
        }
        return result
    }

    /// One level's estimate for every metric: its rows of the sample's designs, without the
    /// columns of its own dimension.
    func levelEstimates(_ task: LevelTask, method: UpliftMethod, nuisance: UpliftNuisance) -> [SegmentUplift] {
        let d = task.dimension, code = task.code, members = task.members
        let outcomes = data.map(\.post)
        let treatedCount = members.filter { treated[$0] }.count, controlCount = members.count - treatedCount
        var template = SegmentUplift(
            dimension: panel.dimensions[d], level: panel.levels[d][code], treated: treatedCount, control: controlCount, method: method)
        guard treatedCount >= Self.segmentMinimum && controlCount >= Self.segmentMinimum else {
            template.note = .tooFewCustomers
            return outcomes.map { _ in template }
        }
        let levelTreated = members.map { treated[$0] }
        var balance: EntropyBalance?
        var columns = UpliftDesigns.columns(method == .entropy ? designs.balanceGroups : designs.outcomeGroups, excluding: d)
        var x = UpliftDesigns.columns(columns, of: method == .entropy ? designs.balance : designs.outcome, rows: members)
        if method == .entropy {
            // Started from the whole sample's solution: the same weights in fewer Newton steps.
            let start = nuisance.entropy.map { overall in columns.map { overall.coefficients[$0] } }
            do {
                balance = try EntropyBalancing.weights(covariates: x, treated: levelTreated, start: start)
            } catch {
                // A small level often has no participant (or no non-participant) of some level of
                // another dimension, which no positive weights can match: then the level is
                // balanced on the pre-period metrics alone.
                let numbers = UpliftDesigns.columns(designs.balanceGroups, excluding: d, numbersOnly: true)
                x = UpliftDesigns.columns(numbers.map { columns.firstIndex(of: $0)! }, of: x)
                columns = numbers
                do {
                    balance = try EntropyBalancing.weights(covariates: x, treated: levelTreated)
                    template.note = .metricsOnlyBalance
                } catch EntropyBalancingError.infeasible(let covariate) {
                    template.note = .noBalance(covariate: designs.balanceNames[columns[covariate]])
                    return outcomes.map { _ in template }
                } catch {
                    template.note = .notEstimable
                    return outcomes.map { _ in template }
                }
            }
        }
        return outcomes.map { all in
            var segment = template
            let y = members.map { all[$0] }
            let effect: EffectEstimate?
            if let balance {
                effect = EntropyBalancing.estimate(outcomes: y, treated: levelTreated, covariates: x, balance: balance, level: level).effect
            } else {
                let p = x.columns
                effect =
                    members.count > p + 2
                    ? try? RegressionAdjustment.estimate(count: y.count, covariates: p, level: level) { range, block in
                        UpliftDesigns.fillRows(block, range, design: x, treated: levelTreated, outcome: y)
                    }.effect : nil
            }
            if let effect, effect.estimate.isFinite, effect.standardError.isFinite, effect.standardError > 0 {
                segment.effect = effect
                segment.note = template.note
            } else {
                segment.note = .notEstimable
            }
            return segment
        }
    }

    /// Multiplicity, shrinkage and the heterogeneity test across the levels of one dimension.
    static func combine(metric: String, dimension: String, _ levels: [SegmentUplift]) -> SegmentDimension {
        var levels = levels
        let estimated = levels.indices.filter { levels[$0].effect != nil }
        var result = SegmentDimension(metric: metric, dimension: dimension, levels: levels)
        guard estimated.count >= 2 else { return result }
        let effects = estimated.map { levels[$0].effect! }
        let holm = MultipleTesting.holm(effects.map(\.pValue)), fdr = MultipleTesting.benjaminiHochberg(effects.map(\.pValue))
        let shrinkage = EmpiricalBayesShrinkage(estimates: effects.map(\.estimate), standardErrors: effects.map(\.standardError))
        for (a, index) in estimated.enumerated() {
            levels[index].holmPValue = holm[a]
            levels[index].fdrPValue = fdr[a]
            levels[index].shrunken = shrinkage.estimates[a]
            levels[index].shrunkenStandardDeviation =
                shrinkage.betweenVariance > 0 ? shrinkage.posteriorStandardDeviations[a] : shrinkage.meanStandardError
        }
        result.levels = levels
        result.heterogeneityPValue = shrinkage.heterogeneityPValue
        result.commonEffect = shrinkage.mean
        return result
    }
}

extension SegmentDimension {
    /// The level worth prioritising: only when the levels' effects differ beyond noise (Cochran's
    /// Q, Holm across dimensions, p < 0.05) and the level's own effect is clear after Holm across
    /// the levels; the one with the largest shrunken estimate among those above the common effect.
    public var standout: SegmentUplift? {
        guard let p = heterogeneityAdjusted, p < 0.05, let common = commonEffect else { return nil }
        return levels.filter { ($0.holmPValue ?? 1) < 0.05 && ($0.shrunken ?? -.infinity) > common && ($0.effect?.estimate ?? 0) > 0 }
            .max { ($0.shrunken ?? 0) < ($1.shrunken ?? 0) }
    }
}
