import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

/// Reference values: Tests/References/experiment_stats.py (scipy 1.17, statsmodels 0.14);
/// each test names the call or formula the script evaluated.
struct ExperimentStatsTests {
    @Test func proportions() {
        // statsmodels test_proportions_2indep(120,1000,100,1000, method='wald') and
        // confint_proportions_2indep(..., method='wald'); proportions_ztest for pooled.
        let wald = ProportionComparison.difference(treatment: (120, 1000), control: (100, 1000))
        #expect(close(wald.estimate, 0.02, 1e-12))
        #expect(close(wald.interval.lower, -0.007411481998019949))
        #expect(close(wald.interval.upper, 0.04741148199801993))
        #expect(close(wald.pValue, 0.15270801019387792))
        let pooled = ProportionComparison.difference(treatment: (120, 1000), control: (100, 1000), test: .pooled)
        #expect(close(pooled.pValue, 0.1529177818639462))
    }

    /// The per-customer data of experiment_stats.py, rebuilt from the same formulas.
    struct Unit { var pre, y, numerator, denominator: Double; var treated: Bool }
    static let units: [Unit] = (0..<400).map { i in
        let pre = Double((i * 37) % 101) / 10
        let treated = i % 2 == 0
        let t: Double = treated ? 1 : 0
        let y = 2 + 0.8 * pre + 0.5 * t + sin(Double(i)) * 1.5
        let den = Double(1 + i % 7)
        let num = (den * (0.3 + 0.1 * t) + 0.5 * cos(Double(i)) + 0.5).rounded(.down)
        return Unit(pre: pre, y: y, numerator: num, denominator: den, treated: treated)
    }

    @Test func ratioMetricDeltaMethod() {
        // Deng et al. (2018) delta-method variance, evaluated in numpy ("ratio").
        let t = Self.units.filter(\.treated), c = Self.units.filter { !$0.treated }
        let rt = RatioMetric(numerators: t.map(\.numerator), denominators: t.map(\.denominator))
        let rc = RatioMetric(numerators: c.map(\.numerator), denominators: c.map(\.denominator))
        #expect(close(rt.ratio, 0.4, 1e-12))
        #expect(close(rc.ratio, 0.30112923462986196))
        let e = RatioMetric.difference(treatment: rt, control: rc)
        #expect(close(e.interval.lower, 0.07632199767241796))
        #expect(close(e.interval.upper, 0.12141953306785816))
        #expect(close(e.pValue, 8.402450359451116e-18, 1e-7))  // far tail: relative 1e-7
    }

    @Test func cupedPooledTheta() {
        // Per-unit adjustment then scipy.stats.ttest_ind(equal_var=False) ("cuped").
        var t = PairedMoments(), c = PairedMoments()
        for u in Self.units {
            if u.treated { t.add(x: u.pre, y: u.y) } else { c.add(x: u.pre, y: u.y) }
        }
        let (e, theta) = CUPED.absoluteDifference(treatment: t, control: c)
        #expect(close(theta, 0.7898401790447339))
        #expect(close(e.estimate, 0.50044208652068))
        #expect(close(e.interval.lower, 0.2917584768591737))
        #expect(close(e.interval.upper, 0.7091256961821863))
        #expect(close(e.pValue, 3.3566047003088336e-06, 1e-8))
        // CUPED must be tighter than the plain comparison on the same data.
        let plain = MeanComparison.absoluteDifference(treatment: t.y, control: c.y)
        #expect(e.standardError < plain.standardError)
    }

    @Test func multipleTesting() {
        // statsmodels multipletests(ps, method='holm' / 'fdr_bh').
        let ps = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
        let holm = [0.05, 0.12, 0.12, 0.03, 0.2, 0.12]
        let bh = [0.030000000000000002, 0.048, 0.048, 0.030000000000000002, 0.2, 0.048]
        for (g, w) in zip(MultipleTesting.holm(ps), holm) { #expect(close(g, w, 1e-12)) }
        for (g, w) in zip(MultipleTesting.benjaminiHochberg(ps), bh) { #expect(close(g, w, 1e-12)) }
    }

    @Test func sampleRatioMismatch() {
        // scipy.stats.chisquare([5030, 4970, 5102], f_exp=15102/3 each).
        let srm = SampleRatioMismatch(observed: [5030, 4970, 5102], allocation: [1, 1, 1])
        #expect(close(srm.statistic, 1.735399284862932))
        #expect(close(srm.pValue, 0.4199163969366725))
        #expect(srm.degreesOfFreedom == 2)
    }

    @Test func power() {
        // statsmodels NormalIndPower().power / .solve_power.
        let plan = PowerAnalysis(alpha: 0.05)
        #expect(close(plan.power(standardizedEffect: 0.05, sampleSize: 5000), 0.7054180011138002))
        #expect(close(PowerAnalysis(alpha: 0.05, ratio: 2).power(standardizedEffect: 0.05, sampleSize: 5000), 0.822982153484888))
        // brentq roots of NormalIndPower().power at 1e-15 (solve_power itself stops early).
        #expect(close(plan.sampleSize(standardizedEffect: 0.05, power: 0.8), 6279.088407460959))
        #expect(close(plan.minimumDetectableEffect(sampleSize: 20000, power: 0.8), 0.02801581787013579))
        // Round trip to full precision.
        let n = plan.sampleSize(standardizedEffect: 0.05, power: 0.8)
        #expect(close(plan.power(standardizedEffect: 0.05, sampleSize: n), 0.8, 1e-12))
    }

    @Test func confidenceSequence() {
        // Waudby-Smith et al. (2023) eq. 161, 9, 155 evaluated in numpy ("cs").
        let cs = ConfidenceSequence(tuningSampleSize: 100_000, level: 0.95)
        #expect(close(cs.rho, 0.00890850975289221))
        #expect(close(cs.halfWidth(standardError: 0.012, sampleSize: 40_000), 0.03748534910009676))
        #expect(close(cs.pValue(estimate: 0.03, standardError: 0.012, sampleSize: 40_000), 0.18977658133905426))
        // Always wider than the fixed-n interval, and p ≤ α exactly when 0 is outside.
        #expect(cs.halfWidth(standardError: 0.012, sampleSize: 40_000) > 1.96 * 0.012)
        let h = cs.halfWidth(standardError: 0.012, sampleSize: 40_000)
        #expect(close(cs.pValue(estimate: h, standardError: 0.012, sampleSize: 40_000), 0.05, 1e-10))
    }

    @Test func bayesianNormal() {
        // Conjugate update and truncated-normal moments; losses checked by scipy.integrate.quad.
        let posterior = NormalPosterior(
            estimate: 0.02, standardError: 0.01,
            prior: NormalPrior(mean: 0, standardDeviation: 0.02))
        #expect(close(posterior.mean, 0.016, 1e-12))
        #expect(close(posterior.standardDeviation, 0.00894427190999916, 1e-12))
        #expect(close(posterior.chanceToBeatControl, 0.9631808649398487, 1e-12))
        #expect(close(posterior.expectedLossOfTreatment, 0.0001313107324806521, 1e-8))  // quad's accuracy
        #expect(close(posterior.expectedLossOfControl, 0.016131310732480652, 1e-10))
        // E[max(D,0)] − E[max(−D,0)] = E[D], exactly.
        #expect(close(posterior.expectedLossOfControl - posterior.expectedLossOfTreatment, posterior.mean, 1e-12))
    }
}
