import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabStats

/// The data of Tests/References/ipw.py.
private struct IPWData {
    var y: [Double] = [], treated: [Bool] = [], e: [Double] = [], x: [[Double]] = []
    init() {
        for i in 0..<600 {
            let x1 = sin(Double(i)), x2 = Double((i * 37) % 101) / 101
            let e = 1 / (1 + exp(-(-0.4 + 1.1 * x1 + 0.9 * x2)))
            let t = Double((i * 7919) % 1009) / 1009 < e
            y.append(2 + 3 * x1 + 1.5 * x2 + (t ? 1 : 0) + (Double((i * 104_729) % 997) / 997 - 0.5) * 2)
            treated.append(t); self.e.append(e); x.append([x1, x2])
        }
    }
}

struct PropensityWeightingTests {
    /// statsmodels WLS(y, [1, T], weights=w).fit(cov_type='HC0') and numpy formulas (ipw.py).
    @Test func attMatchesWeightedLeastSquaresHC0() {
        let d = IPWData()
        let r = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, covariates: d.x, estimand: .att)
        #expect(close(r.effect.estimate, 0.9388245809783128, 1e-10))
        #expect(close(r.effect.standardError, 0.19036906067799075, 1e-9))
        #expect(close(r.effectiveSampleSize.treated, 298, 1e-12))
        #expect(close(r.effectiveSampleSize.comparison, 172.7165005314288, 1e-10))
        #expect(close(r.balance[0].before, 0.7590751674520567, 1e-10))
        #expect(close(r.balance[0].after, -0.007671250088297958, 1e-8))
        #expect(close(r.balance[1].before, 0.20177142968052636, 1e-10))
        #expect(close(r.balance[1].after, -0.01627622754089224, 1e-8))
        #expect(r.balance[0].isImbalanced == false)
        #expect(r.trimmed == 0)
    }

    @Test func ateMatchesWeightedLeastSquaresHC0() {
        let d = IPWData()
        let r = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, covariates: d.x, estimand: .ate)
        #expect(close(r.effect.estimate, 0.9515218315428324, 1e-10))
        #expect(close(r.effect.standardError, 0.2077093535563165, 1e-9))
        #expect(close(r.effectiveSampleSize.treated, 254.02863262997226, 1e-10))
        #expect(close(r.effectiveSampleSize.comparison, 252.1876638443907, 1e-10))
        #expect(close(r.balance[0].after, -0.0014957833728990112, 1e-8))
        #expect(close(r.balance[1].after, -0.015612520486641463, 1e-8))
    }

    @Test func trimmingDropsUnitsOutsideTheBounds() {
        let d = IPWData()
        let r = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, estimand: .att, overlap: .trim(0.3))
        let expectedDropped = d.e.filter { $0 < 0.3 || $0 > 0.7 }.count
        #expect(r.trimmed == expectedDropped && expectedDropped == 240)  // ipw.py: dropped 240
        #expect(close(r.effect.estimate, 0.8954432682917297, 1e-10))  // ipw.py, trimmed WLS HC0
        #expect(close(r.effect.standardError, 0.1770026072858148, 1e-9))
        #expect(r.effect.method.contains("ATT"))
    }

    /// Known propensity, known effect 1: the weighted estimate is within 3 SE of it, while
    /// the naive difference of means is far off (selection on x1).
    @Test func recoversTheKnownEffect() {
        let d = IPWData()
        let r = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, estimand: .ate)
        #expect(abs(r.effect.estimate - 1) < 3 * r.effect.standardError)
        let naive = MeanComparison.absoluteDifference(
            treatment: Moments(zip(d.y, d.treated).filter { $0.1 }.map(\.0)),
            control: Moments(zip(d.y, d.treated).filter { !$0.1 }.map(\.0)))
        #expect(naive.estimate - 1 > 3 * naive.standardError)
    }
}

struct AugmentedIPWTests {
    /// numpy formulas of ipw.py (outcome models by np.linalg.lstsq per group).
    @Test func matchesTheReferenceFormulas() throws {
        let d = IPWData()
        let ate = try AugmentedIPW.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, covariates: d.x, estimand: .ate)
        #expect(close(ate.estimate, 0.9613860655785434, 1e-10))
        #expect(close(ate.standardError, 0.05112852922271686, 1e-9))
        let att = try AugmentedIPW.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, covariates: d.x, estimand: .att)
        #expect(close(att.estimate, 0.9608333383463094, 1e-10))
        #expect(close(att.standardError, 0.056507635111803144, 1e-9))
        #expect(att.method.contains("doubly robust"))
    }

    /// Doubly robust: with a wrong propensity (0.5 for everyone) the correct outcome model
    /// still recovers the known effect 1 (within 3 SE).
    @Test func wrongPropensityCorrectOutcomeModel() throws {
        let d = IPWData()
        let flat = [Double](repeating: 0.5, count: d.y.count)
        let ate = try AugmentedIPW.estimate(outcomes: d.y, treated: d.treated, propensity: flat, covariates: d.x, estimand: .ate)
        #expect(abs(ate.estimate - 1) < 3 * ate.standardError)
    }

    /// End to end with an estimated propensity: our logit on [x1, x2] → scores → IPW and AIPW,
    /// against statsmodels TreatmentEffect (Tests/References/treatment_effect.py) — point
    /// estimates only (statsmodels' GMM SEs account for the estimated scores; ours treat them
    /// as known).
    @Test func matchStatsmodelsTreatmentEffect() throws {
        let d = IPWData()
        let rows = zip(d.x, d.treated).flatMap { $0.0 + [$0.1 ? 1.0 : 0.0] }
        let logit = try LogisticRegression.fit(rows: rows, covariates: 2)
        #expect(logit.status == .converged)
        let scores = d.x.map { logit.probability($0) }
        let ipwATE = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: scores, estimand: .ate)
        let ipwATT = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: scores, estimand: .att)
        let aipw = try AugmentedIPW.estimate(outcomes: d.y, treated: d.treated, propensity: scores, covariates: d.x, estimand: .ate)
        #expect(close(ipwATE.effect.estimate, 0.9566729403724348, 1e-9))
        #expect(close(ipwATT.effect.estimate, 0.9422080053672774, 1e-9))
        #expect(close(aipw.estimate, 0.9612089872747278, 1e-9))
        // statsmodels' GMM standard errors (treatment_effect.py); GMM differentiates numerically,
        // so the agreement is about 1e-10 relative.
        let mATE = PropensityWeighting.estimate(
            outcomes: d.y, treated: d.treated, propensity: scores, estimand: .ate,
            standardError: .estimatedLogitScores(covariates: RowMatrix(d.x)))
        let mATT = PropensityWeighting.estimate(
            outcomes: d.y, treated: d.treated, propensity: scores, estimand: .att,
            standardError: .estimatedLogitScores(covariates: RowMatrix(d.x)))
        #expect(close(mATE.effect.standardError, 0.053722294118954024, 1e-8))
        #expect(close(mATT.effect.standardError, 0.0786435233859777, 1e-8))
        #expect(mATT.effect.method.contains("M-estimation"))
    }
}

struct OverlapAndStabilizationTests {
    /// Scores e = 1/(1 + exp(−4 sin i)), i < 600 (Tests/References/ipw.py).
    static let scores = (0..<600).map { 1 / (1 + exp(-4 * sin(Double($0)))) }

    @Test func crumpOptimalBoundMatchesTheReference() throws {
        // Python (Tests/References/ipw.py): roots of γ = 2E[g | g ≤ γ] keep 253, 257 or 260 units;
        // the variance bound picks 257, γ = 14.049040934070534, α = 0.07712795786946386.
        let rule = try #require(PropensityWeighting.crumpOptimalRule(Self.scores))
        #expect(abs(rule.alpha - 0.07712795786946386) <= 1e-12)
        let kept = Self.scores.filter { 1 / ($0 * (1 - $0)) <= rule.largestKept }
        #expect(kept.count == 257)
        let n = Self.scores.count
        let y = (0..<n).map { Double($0 % 7) }
        let treated = (0..<n).map { i in Double((i * 7919) % 1009) / 1009 < Self.scores[i] }
        let fit = PropensityWeighting.estimate(
            outcomes: y, treated: treated, propensity: Self.scores,
            estimand: .ate, overlap: .crumpOptimal)
        #expect(fit.trimmed == n - 257)
        #expect(fit.overlapBound == rule.alpha)
        #expect(fit.weights.filter { $0 == 0 }.count == n - 257)
    }

    @Test func crumpOptimalKeepsEverythingWithGoodOverlap() {
        // Python (ipw.py): on the main data max g ≤ 2·mean g, so the rule does not trim.
        let d = IPWData()
        #expect(PropensityWeighting.crumpOptimalRule(d.e) == nil)
        let fit = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, overlap: .crumpOptimal)
        #expect(fit.trimmed == 0 && fit.overlapBound == 0)
    }

    @Test(arguments: WeightingEstimand.allCases)
    func stabilizedWeightsLeaveTheEstimateAndESSUnchanged(estimand: WeightingEstimand) {
        let d = IPWData()
        let plain = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: d.e, estimand: estimand)
        let stable = PropensityWeighting.estimate(
            outcomes: d.y, treated: d.treated, propensity: d.e, estimand: estimand,
            weightScale: .stabilized)
        #expect(abs(plain.effect.estimate - stable.effect.estimate) <= 1e-12)
        #expect(abs(plain.effectiveSampleSize.comparison - stable.effectiveSampleSize.comparison) <= 1e-9)
        // Definition (Robins, Hernán & Brumback 2000): factors are the group shares.
        let nt = Double(d.treated.filter { $0 }.count), n = Double(d.treated.count)
        let i = d.treated.firstIndex(of: false)!
        let expected = estimand == .ate ? (n - nt) / n / (1 - d.e[i]) : (n - nt) / nt * d.e[i] / (1 - d.e[i])
        #expect(abs(stable.weights[i] - expected) <= 1e-12)
        // Stabilized comparison weights average about 1 on this data (within 15%).
        let comparison = zip(stable.weights, d.treated).filter { !$0.1 }.map(\.0)
        #expect(abs(comparison.reduce(0, +) / Double(comparison.count) - 1) < 0.15)
        #expect(stable.largestWeight.comparison == comparison.max())
    }
}
