import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabStats

/// The data and reference values of Tests/References/weighting_methods.py (numpy/scipy:
/// entropy balancing by scipy's dual solver with a numerical-Jacobian sandwich, logit IPW
/// cross-checked against statsmodels TreatmentEffect, DRDiD's drdid_panel transcribed, AIPW,
/// Holm/BH from statsmodels multipletests, DerSimonian–Laird from statsmodels combine_effects).
private struct WeightingReference {
    var treated: [Bool] = [], preAUM: [Double] = [], preLogins: [Double] = [], segmentB: [Double] = []
    var yPre: [Double] = [], yPost: [Double] = []
    let json: [String: Any]

    init() throws {
        let directory = repositoryRoot + "/Tests/References/"
        let csv = try String(contentsOfFile: directory + "weighting_methods_data.csv", encoding: .utf8)
        for line in csv.split(separator: "\n").dropFirst() {
            let v = line.split(separator: ",").map { Double(String($0))! }
            treated.append(v[0] == 1); preAUM.append(v[1]); preLogins.append(v[2]); segmentB.append(v[3])
            yPre.append(v[4]); yPost.append(v[5])
        }
        json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "weighting_methods.json")))
            as! [String: Any]
    }

    var n: Int { treated.count }
    var changes: [Double] { zip(yPost, yPre).map { $0 - $1 } }
    /// [pre_aum, pre_logins, segment_b] (+ log1p(pre_aum)).
    func covariates(withLog: Bool = false) -> RowMatrix {
        RowMatrix(
            (0..<n).map { i -> [Double] in
                let row: [Double] = [preAUM[i], preLogins[i], segmentB[i]]
                return withLog ? row + [log1p(preAUM[i])] : row
            })
    }
    /// [log1p(pre_aum), pre_logins, segment_b].
    var logitDesign: RowMatrix { RowMatrix((0..<n).map { [log1p(preAUM[$0]), preLogins[$0], segmentB[$0]] }) }
    func logit() throws -> LogisticRegressionFit {
        try LogisticRegression.fit(
            rows: (0..<n).flatMap { [log1p(preAUM[$0]), preLogins[$0], segmentB[$0], treated[$0] ? 1 : 0] }, covariates: 3)
    }
    func value(_ path: String...) -> Double {
        var node: Any = json
        for key in path { node = (node as! [String: Any])[key]! }
        return node as! Double
    }
    func list(_ path: String...) -> [Double] {
        var node: Any = json
        for key in path { node = (node as! [String: Any])[key]! }
        return node as! [Double]
    }
}

struct WeightingMethodsTests {
    @Test func entropyBalancingMatchesTheDualSolutionAndTheSandwich() throws {
        let d = try WeightingReference()
        for (name, withLog) in [("y_post", false), ("x4", true)] {
            let x = d.covariates(withLog: withLog)
            let balance = try EntropyBalancing.weights(covariates: x, treated: d.treated)
            #expect(balance.largestGap < 1e-9)
            let result = EntropyBalancing.estimate(outcomes: d.yPost, treated: d.treated, covariates: x, balance: balance)
            #expect(close(result.effect.estimate, d.value("entropy_balancing", name, "att"), 1e-9))
            // The reference's analytic-Jacobian sandwich; its numerical one differs by ~3e-11.
            #expect(close(result.effect.standardError, d.value("entropy_balancing", name, "se_analytic_J"), 1e-9))
            #expect(close(result.effect.standardError, d.value("entropy_balancing", name, "se"), 1e-8))
            let controls = balance.weights.enumerated().filter { !d.treated[$0.offset] }.map(\.element)
            let total = controls.reduce(0, +)
            #expect(close(controls.map { $0 / total }.max()!, d.value("entropy_balancing", name, "weights_max"), 1e-9))
            #expect(close(balance.effectiveControls, d.value("entropy_balancing", name, "effective_sample_size"), 1e-9))
            let relative = try RelativeEffect.deltaMethod(
                effect: result.effect.estimate, influence: result.influence, levels: d.yPost, treated: d.treated)
            #expect(close(relative.estimate, d.value("entropy_balancing", name, "relative"), 1e-9))
            #expect(close(relative.standardError, d.value("entropy_balancing", name, "relative_se_analytic_J"), 1e-9))
        }
        // Balancing the pre-period value exactly makes the effect on the change the same.
        let x = d.covariates()
        let balance = try EntropyBalancing.weights(covariates: x, treated: d.treated)
        let onChange = EntropyBalancing.estimate(outcomes: d.changes, treated: d.treated, covariates: x, balance: balance)
        #expect(close(onChange.effect.estimate, d.value("entropy_balancing", "change", "att"), 1e-9))
        #expect(close(onChange.effect.standardError, d.value("entropy_balancing", "change", "se_analytic_J"), 1e-9))
    }

    @Test func entropyBalancingReportsAnUnreachableTarget() {
        // Every participant above every non-participant: no weights reach their mean.
        let x = RowMatrix((0..<40).map { [Double($0)] })
        let treated = (0..<40).map { $0 >= 30 }
        #expect(throws: EntropyBalancingError.infeasible(covariate: 0)) {
            try EntropyBalancing.weights(covariates: x, treated: treated)
        }
        // A covariate the controls do not vary on, but the participants do.
        let constantRows: [[Double]] = (0..<40).map { i -> [Double] in
            let second: Double = i < 30 ? 0 : Double(i % 2)
            return [Double(i % 5), second]
        }
        let constant = RowMatrix(constantRows)
        #expect(throws: EntropyBalancingError.infeasible(covariate: 1)) {
            try EntropyBalancing.weights(covariates: constant, treated: treated)
        }
    }

    @Test func entropyBalancingSkipsACollinearColumn() throws {
        let d = try WeightingReference()
        // pre_aum twice (and a multiple): the same weights as with it once.
        let rows: [[Double]] = (0..<d.n).map { i -> [Double] in
            let aum = d.preAUM[i]
            return [aum, d.preLogins[i], d.segmentB[i], 2 * aum]
        }
        let doubled = RowMatrix(rows)
        let balance = try EntropyBalancing.weights(covariates: doubled, treated: d.treated)
        #expect(balance.collinear == [3])
        let result = EntropyBalancing.estimate(outcomes: d.yPost, treated: d.treated, covariates: doubled, balance: balance)
        #expect(close(result.effect.estimate, d.value("entropy_balancing", "y_post", "att"), 1e-9))
        #expect(close(result.effect.standardError, d.value("entropy_balancing", "y_post", "se_analytic_J"), 1e-9))
    }

    @Test func logitWeightingInfluenceGivesTheRelativeEffect() throws {
        let d = try WeightingReference()
        let logit = try d.logit()
        let scores = logit.probabilities(d.logitDesign)
        for (name, outcome) in [("ipw", d.yPost), ("ipw_change", d.changes)] {
            let r = PropensityWeighting.estimate(
                outcomes: outcome, treated: d.treated, propensity: scores, covariates: nil, estimand: .att,
                standardError: .estimatedLogitScores(covariates: d.logitDesign))
            #expect(close(r.effect.estimate, d.value(name, "att"), 1e-9))
            #expect(close(r.effect.standardError, d.value(name, "se"), 1e-8))
            // The influence reproduces the sandwich variance.
            #expect(close(r.influence.reduce(0) { $0 + $1 * $1 }.squareRoot(), r.effect.standardError, 1e-12))
        }
        let r = PropensityWeighting.estimate(
            outcomes: d.yPost, treated: d.treated, propensity: scores, covariates: nil, estimand: .att,
            standardError: .estimatedLogitScores(covariates: d.logitDesign))
        let relative = try RelativeEffect.deltaMethod(
            effect: r.effect.estimate, influence: r.influence, levels: d.yPost, treated: d.treated)
        #expect(close(relative.estimate, d.value("ipw", "relative"), 1e-9))
        #expect(close(relative.standardError, d.value("ipw", "relative_se"), 1e-8))
        // On the change the counterfactual mean (−161) is not a base for a percentage — but the
        // relative effect is on the level, whose counterfactual is positive.
        let change = PropensityWeighting.estimate(
            outcomes: d.changes, treated: d.treated, propensity: scores, covariates: nil, estimand: .att,
            standardError: .estimatedLogitScores(covariates: d.logitDesign))
        #expect(throws: RelativeEffectUnavailable.self) {
            try RelativeEffect.deltaMethod(
                effect: change.effect.estimate, influence: change.influence, levels: d.changes, treated: d.treated)
        }
    }

    @Test func doublyRobustDiDMatchesDRDiDPanel() throws {
        let d = try WeightingReference()
        let logit = try d.logit()
        let scores = logit.probabilities(d.logitDesign)
        let result = try DoublyRobustDiD.estimate(
            changes: d.changes, treated: d.treated, propensity: scores, propensityFit: logit,
            propensityDesign: d.logitDesign, outcomeDesign: d.covariates())
        #expect(close(result.effect.estimate, d.value("drdid_panel", "att"), 1e-9))
        #expect(close(result.effect.standardError, d.value("drdid_panel", "se_n"), 1e-9))
        let first = d.list("drdid_panel", "influence_first5")
        for i in 0..<5 { #expect(close(result.influence[i] * Double(d.n), first[i], 1e-8)) }
    }

    @Test func augmentedWeightingRelativeEffect() throws {
        let d = try WeightingReference()
        let scores = try d.logit().probabilities(d.logitDesign)
        let result = try AugmentedIPW.estimateWithInfluence(
            outcomes: d.yPost, treated: d.treated, propensity: scores, covariates: d.covariates(), estimand: .att)
        #expect(close(result.effect.estimate, d.value("aipw_att", "att"), 1e-9))
        #expect(close(result.effect.standardError, d.value("aipw_att", "se"), 1e-9))
        let relative = try RelativeEffect.deltaMethod(
            effect: result.effect.estimate, influence: result.influence, levels: d.yPost, treated: d.treated)
        #expect(close(relative.counterfactualMean, d.value("aipw_att", "counterfactual_mean"), 1e-9))
        #expect(close(relative.estimate, d.value("aipw_att", "relative"), 1e-9))
        #expect(close(relative.standardError, d.value("aipw_att", "relative_se"), 1e-9))
    }

    @Test func segmentMultiplicityAndShrinkage() throws {
        let d = try WeightingReference()
        let estimates = d.list("multiplicity_shrinkage", "estimates"), errors = d.list("multiplicity_shrinkage", "standard_errors")
        let p = zip(estimates, errors).map { 2 * NormalDistribution.standard.survival(abs($0 / $1)) }
        let holm = MultipleTesting.holm(p), bh = MultipleTesting.benjaminiHochberg(p)
        for i in p.indices {
            #expect(close(p[i], d.list("multiplicity_shrinkage", "p_values")[i], 1e-10))
            #expect(close(holm[i], d.list("multiplicity_shrinkage", "holm")[i], 1e-10))
            #expect(close(bh[i], d.list("multiplicity_shrinkage", "benjamini_hochberg")[i], 1e-10))
        }
        let shrinkage = EmpiricalBayesShrinkage(estimates: estimates, standardErrors: errors)
        #expect(close(shrinkage.betweenVariance, d.value("multiplicity_shrinkage", "tau2_dl"), 1e-10))
        #expect(close(shrinkage.mean, d.value("multiplicity_shrinkage", "mu_hat"), 1e-10))
        for i in estimates.indices {
            #expect(close(shrinkage.estimates[i], d.list("multiplicity_shrinkage", "shrunken")[i], 1e-10))
            #expect(close(shrinkage.posteriorStandardDeviations[i], d.list("multiplicity_shrinkage", "posterior_sd")[i], 1e-10))
        }
        // No spread beyond noise: every segment gets the common mean.
        let flat = EmpiricalBayesShrinkage(estimates: [10, 11, 9.5], standardErrors: [5, 5, 5])
        #expect(flat.betweenVariance == 0)
        #expect(flat.estimates.allSatisfy { close($0, flat.mean, 1e-12) })
    }

    @Test func relativeEffectWithoutVariationIsRefused() {
        let y = [Double](repeating: 3, count: 10), treated = (0..<10).map { $0 < 5 }
        #expect(throws: RelativeEffectUnavailable.noVariation) {
            try RelativeEffect.deltaMethod(
                effect: 0, influence: RelativeEffect.meanDifferenceInfluence(y, treated: treated), levels: y, treated: treated)
        }
    }
}
