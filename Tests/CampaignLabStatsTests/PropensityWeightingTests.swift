import CampaignLabStats
import Foundation
import Testing

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
        #expect(close(r.effect.estimate, 0.8954432682917297, 1e-10))    // ipw.py, trimmed WLS HC0
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
        let mATE = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: scores, estimand: .ate,
                                                standardError: .estimatedLogitScores(covariates: d.x))
        let mATT = PropensityWeighting.estimate(outcomes: d.y, treated: d.treated, propensity: scores, estimand: .att,
                                                standardError: .estimatedLogitScores(covariates: d.x))
        #expect(close(mATE.effect.standardError, 0.053722294118954024, 1e-8))
        #expect(close(mATT.effect.standardError, 0.0786435233859777, 1e-8))
        #expect(mATT.effect.method.contains("M-estimation"))
    }
}
