import CampaignLabStats
import Testing

/// Small versions of the calibration simulations (the full ones, 20,000 runs each, are in
/// `make bench`). Issue 3's criterion: 95% intervals cover the truth 93.5–96.5% of the time;
/// with 2,000 simulations the Monte Carlo SE is 0.49%, so the band is about ±3 SE. Seeded:
/// the outcome of each test is fixed.
struct CalibrationTests {
    @Test(arguments: CalibrationScenario.allCases)
    func ninetyFivePercentIntervalsCoverTheTruth(_ scenario: CalibrationScenario) {
        let result = Calibration.coverage(scenario, simulations: 2_000, seed: 20261122)
        #expect(result.simulations == 2_000)
        #expect(result.coverage >= 0.935 && result.coverage <= 0.965, "\(scenario.rawValue): \(result.coverage)")
    }

    @Test func resultsDoNotDependOnTheSeedOrderOrCores() {
        let a = Calibration.coverage(.proportionDifference, simulations: 300, seed: 5)
        let b = Calibration.coverage(.proportionDifference, simulations: 300, seed: 5)
        #expect(a == b)
        // A smaller run is a prefix of a larger one: simulation i uses stream i.
        let c = Calibration.coverage(.proportionDifference, simulations: 150, seed: 5)
        #expect(c.covered <= a.covered)
    }

    /// Continuous peeking (40 looks): the always-valid sequence keeps the false-positive rate
    /// at or below 5%, while fixed-n intervals checked at every look do not (the textbook
    /// inflation for 40 looks is about 20%+; Armitage, McPherson & Rowe 1969).
    @Test func sequentialIntervalsSurviveContinuousPeeking() {
        let result = Calibration.peeking(simulations: 1_000, looks: 40, batchSize: 50, seed: 7)
        #expect(result.sequentialRate <= 0.05, "sequential false-positive rate \(result.sequentialRate)")
        #expect(result.fixedRate > 0.10, "fixed-n peeking false-positive rate \(result.fixedRate)")
    }

    /// The readout's interim looks (issue 14): CUPED-adjusted estimates of a real effect checked
    /// after each of 40 batches; the always-valid sequence misses the truth at some look in at
    /// most 5% of simulations (time-uniform coverage), the fixed-n interval far more often.
    @Test func cupedSequentialIntervalsCoverTheTruthAtEveryLook() {
        let result = Calibration.sequentialCoverage(simulations: 1_000, looks: 40, batchSize: 50, seed: 11)
        #expect(result.sequentialRate <= 0.05, "sequential miss rate \(result.sequentialRate)")
        #expect(result.fixedRate > 0.10, "fixed-n miss rate under peeking \(result.fixedRate)")
    }
}
