import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

/// The data of Tests/References/did.py, rebuilt with the same formulas.
private struct Unit {
    var treated: Bool, x1: Double, x2: Double, pre: Double, post: Double
    var change: Double { post - pre }
}

private let units: [Unit] = (0..<400).map { i in
    let treated = i % 3 == 0
    let t = treated ? 1.0 : 0.0
    let x1 = sin(Double(i))
    let x2 = Double((i * 37) % 101) / 101
    let e1 = Double((i * 7919) % 997) / 997 - 0.5
    let e2 = Double((i * 104_729) % 991) / 991 - 0.5
    let pre = 10 + 2 * x1 + 3 * x2 + 1.5 * t + 4 * e1
    let post = pre + 0.5 + 0.8 * x2 + 2 * t + 3 * e2 * (1 + t)
    return Unit(treated: treated, x1: x1, x2: x2, pre: pre, post: post)
}

struct DifferenceInDifferencesTests {
    /// scipy 1.x `ttest_ind(change_T, change_C, equal_var=False)` (Tests/References/did.py).
    @Test func panelMatchesScipyWelch() {
        let did = DifferenceInDifferences.panel(
            treatedChanges: Moments(units.filter(\.treated).map(\.change)),
            controlChanges: Moments(units.filter { !$0.treated }.map(\.change)))
        #expect(close(did.estimate, 1.8293547550216571, 1e-12))
        #expect(close(did.pValue, 4.605410494078269e-22, 1e-8))
        #expect(close(did.degreesOfFreedom, 167.82070185786682, 1e-10))
        #expect(close(did.interval.lower, 1.506549739320615, 1e-10))
        #expect(close(did.interval.upper, 2.152159770722699, 1e-10))
        #expect(did.method.hasPrefix("difference-in-differences (panel)"))
    }

    /// statsmodels OLS(y, [1, T, Post, T·Post]).fit(cov_type='HC2'), interaction term (did.py).
    @Test func repeatedCrossSectionsMatchSaturatedOLSWithHC2() {
        let did = DifferenceInDifferences.repeatedCrossSections(
            treatedPre: Moments(units.filter(\.treated).map(\.pre)), treatedPost: Moments(units.filter(\.treated).map(\.post)),
            controlPre: Moments(units.filter { !$0.treated }.map(\.pre)),
            controlPost: Moments(units.filter { !$0.treated }.map(\.post)))
        #expect(close(did.estimate, 1.8293547550216478, 1e-12))
        #expect(close(did.standardError, 0.3513626486550766, 1e-10))
        #expect(close(did.pValue, 1.9247958227908823e-07, 1e-8))
        #expect(close(did.interval.lower, 1.1406966181450968, 1e-10))
        #expect(close(did.interval.upper, 2.5180128918981985, 1e-10))
    }

    /// statsmodels OLS(change, [1, T, x1, x2]).fit(cov_type='HC1'), coefficient of T (did.py),
    /// streamed in blocks of 64 rows.
    @Test func withCovariatesMatchesStatsmodelsHC1() throws {
        let rows: [Double] = units.flatMap { unit -> [Double] in [unit.treated ? 1 : 0, unit.x1, unit.x2, unit.change] }
        var cp = CrossProducts(variables: 4)
        var start = 0
        while start < rows.count {
            let end = min(start + 64 * 4, rows.count)
            cp.add(rowMajor: Array(rows[start..<end]))
            start = end
        }
        let fit = try LinearRegression.fit(cp)
        var meat = fit.sandwichAccumulator()
        meat.add(rowMajor: rows)
        let did = DifferenceInDifferences.withCovariates(fit, meat: meat)
        #expect(close(did.estimate, 1.829068172218244, 1e-10))
        #expect(close(did.standardError, 0.16068193929405047, 1e-9))
        #expect(close(did.pValue, 5.0727868427789386e-30, 1e-6))
        #expect(close(did.interval.lower, 1.5141373582358537, 1e-9))
        #expect(close(did.interval.upper, 2.1439989862006343, 1e-9))
    }
}
