import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

/// The data of Tests/References/logit.py, row-major [x1, x2, x3, y].
private func logitRows(separated: Bool = false, collinear: Bool = false) -> [Double] {
    var rows: [Double] = []
    for i in 0..<500 {
        let x1 = sin(Double(i))
        let x2 = Double((i * 37) % 101) / 101
        let x3: Double = i % 4 == 0 ? 1 : 0
        let eta = -0.5 + 1.2 * x1 - 2 * x2 + 0.8 * x3
        let u = Double((i * 7919) % 1009) / 1009
        let y: Double = separated ? (x1 > 0 ? 1 : 0) : (u < 1 / (1 + exp(-eta)) ? 1 : 0)
        rows += collinear ? [x1, x2, x3, x1 + 2 * x3, y] : [x1, x2, x3, y]
    }
    return rows
}

struct LogisticRegressionTests {
    /// statsmodels 0.14 Logit(y, add_constant(X)).fit(tol=1e-14): params, bse, llf (logit.py).
    static let params = [-0.45500965340325317, 1.340227739263494, -2.2890084421797265, 0.9023115935465228]
    static let bse = [0.22119480838963296, 0.18250925019855455, 0.4209910439710512, 0.2542336916378954]
    static let llf = -233.7598824387302

    @Test func matchesStatsmodelsLogit() throws {
        let fit = try LogisticRegression.fit(rows: logitRows(), covariates: 3)
        #expect(fit.status == .converged)
        for (got, want) in zip(fit.coefficients, Self.params) { #expect(close(got, want, 1e-9), "\(got) vs \(want)") }
        for (got, want) in zip(fit.standardErrors, Self.bse) { #expect(close(got, want, 1e-9), "\(got) vs \(want)") }
        #expect(close(fit.logLikelihood, Self.llf, 1e-12))
        #expect(fit.iterations < 15)
        #expect(fit.droppedCovariates.isEmpty)
        let p = fit.probability([0.5, 0.2, 1])
        #expect(p > 0 && p < 1)
    }

    /// The design and the outcomes apart (no copy into rows) fit the same model: statsmodels'
    /// figures again (logit.py).
    @Test func aDesignAndItsOutcomesMatchStatsmodels() throws {
        let rows = logitRows()
        let design = RowMatrix(values: (0..<500).flatMap { rows[$0 * 4..<$0 * 4 + 3] }, columns: 3)
        let fit = try LogisticRegression.fit(design: design, outcomes: (0..<500).map { rows[$0 * 4 + 3] == 1 })
        #expect(fit.status == .converged)
        for (got, want) in zip(fit.coefficients, Self.params) { #expect(close(got, want, 1e-9), "\(got) vs \(want)") }
        for (got, want) in zip(fit.standardErrors, Self.bse) { #expect(close(got, want, 1e-9), "\(got) vs \(want)") }
        #expect(close(fit.logLikelihood, Self.llf, 1e-12))
    }

    /// Frequency weights of 2 give the same coefficients as every row twice (hand check).
    @Test func caseWeightsActAsFrequencies() throws {
        let rows = logitRows()
        let weighted = try LogisticRegression.fit(rows: rows, covariates: 3, weights: [Double](repeating: 2, count: 500))
        let doubled = try LogisticRegression.fit(rows: rows + rows, covariates: 3)
        for (a, b) in zip(weighted.coefficients, doubled.coefficients) { #expect(close(a, b, 1e-10)) }
        for (a, b) in zip(weighted.standardErrors, doubled.standardErrors) { #expect(close(a, b, 1e-10)) }
    }

    /// y = 1 exactly when x1 > 0: the MLE does not exist (statsmodels fits with a
    /// PerfectSeparationWarning and a ConvergenceWarning, logit.py); we report separation.
    @Test func separationIsReported() throws {
        let fit = try LogisticRegression.fit(rows: logitRows(separated: true), covariates: 3)
        guard case .separation(let rows) = fit.status else {
            Issue.record("expected separation, got \(fit.status)")
            return
        }
        #expect(rows > 0)
    }

    /// x4 = x1 + 2·x3 is collinear: it is dropped and reported; the rest is the plain fit.
    @Test func collinearCovariateIsDropped() throws {
        let fit = try LogisticRegression.fit(rows: logitRows(collinear: true), covariates: 4)
        #expect(fit.droppedCovariates.count == 1)
        #expect(fit.status == .converged)
        #expect(close(fit.logLikelihood, Self.llf, 1e-10))
    }

    /// 40,000 rows are fitted in parallel slices; the result equals the 500 rows with weight 80.
    @Test func parallelSlicesAgreeWithWeights() throws {
        let rows = logitRows()
        let repeated = Array([[Double]](repeating: rows, count: 80).joined())
        let sliced = try LogisticRegression.fit(rows: repeated, covariates: 3)
        let weighted = try LogisticRegression.fit(rows: rows, covariates: 3, weights: [Double](repeating: 80, count: 500))
        for (a, b) in zip(sliced.coefficients, weighted.coefficients) { #expect(close(a, b, 1e-10)) }
        for (a, b) in zip(sliced.standardErrors, weighted.standardErrors) { #expect(close(a, b, 1e-10)) }
        #expect(close(sliced.logLikelihood, 80 * Self.llf, 1e-10))
    }

    @Test func iterationLimitIsReported() throws {
        let fit = try LogisticRegression.fit(rows: logitRows(), covariates: 3, maxIterations: 2)
        #expect(fit.status == .notConverged(iterations: 2))
    }
}
