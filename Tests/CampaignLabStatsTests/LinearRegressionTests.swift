import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

struct LinearRegressionTests {
    /// The data of Tests/References/ols_hc1.py, rebuilt with the same formulas, row-major
    /// [x1, x2, x3, y] (plus x4 = 2·x2 + x3 when `collinear`).
    static func rows(collinear: Bool = false) -> [Double] {
        var rows: [Double] = []
        for i in 0..<200 {
            let x1 = Double((i * 7919) % 1000) / 10 + 1e5
            let x2 = sin(Double(i))
            let x3: Double = i % 3 == 0 ? 1 : 0
            let noise = (Double((i * 104_729) % 997) / 997 - 0.5) * (1 + 3 * abs(x2))
            let y = 3 + 0.02 * x1 + 5 * x2 - 2 * x3 + noise
            rows += collinear ? [x1, x2, x3, 2 * x2 + x3, y] : [x1, x2, x3, y]
        }
        return rows
    }

    // statsmodels 0.14 OLS(y, add_constant(X)).fit() and .fit(cov_type='HC1'), ols_hc1.py.
    static let params = [62.69130102408235, 0.019402707502430894, 5.0094265639361755, -1.9527806806781918]
    static let classicalSE = [212.47874258360244, 0.0021237272434369452, 0.08748149401509442, 0.13082714571284296]
    static let hc1SE = [212.3319726002048, 0.002122296325937252, 0.10360933067360756, 0.1313548703734458]

    @Test(arguments: [200, 64, 7])
    func matchesStatsmodelsStreamedInBlocks(blockRows: Int) throws {
        let rows = Self.rows()
        var cp = CrossProducts(variables: 4)
        var start = 0
        while start < rows.count {
            let end = min(start + blockRows * 4, rows.count)
            cp.add(rowMajor: Array(rows[start..<end]))
            start = end
        }
        let fit = try LinearRegression.fit(cp)
        for (got, want) in zip(fit.coefficients, Self.params) { #expect(close(got, want, 1e-9), "\(got) vs \(want)") }
        for (got, want) in zip(fit.standardErrors(fit.classicalCovariance), Self.classicalSE) {
            #expect(close(got, want, 1e-9), "classical \(got) vs \(want)")
        }
        var meat = fit.sandwichAccumulator()
        meat.add(rowMajor: rows)
        for (got, want) in zip(fit.standardErrors(fit.robustCovariance(meat)), Self.hc1SE) {
            #expect(close(got, want, 1e-9), "HC1 \(got) vs \(want)")
        }
        #expect(close(fit.rSquared, 0.9478610933956738, 1e-12))  // statsmodels fit.rsquared
        #expect(fit.droppedCovariates.isEmpty)
    }

    @Test func swiftKernelAgreesWithBLAS() throws {
        var blas = CrossProducts(variables: 4), plain = CrossProducts(variables: 4)
        blas.add(rowMajor: Self.rows(), kernel: .blas)
        plain.add(rowMajor: Self.rows(), kernel: .swift)
        for i in 0..<4 { for j in 0..<4 { #expect(close(blas[i, j], plain[i, j], 1e-12)) } }
    }

    @Test func mergeOfShardsEqualsOnePass() throws {
        let rows = Self.rows()
        var a = CrossProducts(variables: 4), b = CrossProducts(variables: 4), whole = CrossProducts(variables: 4)
        a.add(rowMajor: Array(rows[0..<(4 * 77)]))
        b.add(rowMajor: Array(rows[(4 * 77)...]))
        whole.add(rowMajor: rows)
        for (x, y) in [(a + b, whole), (b + a, whole)] {
            #expect(x.count == y.count)
            for i in 0..<4 { for j in 0..<4 { #expect(close(x[i, j], y[i, j], 1e-11)) } }
        }
    }

    @Test func collinearCovariateIsDroppedAndReported() throws {
        // x4 = 2·x2 + x3 is exactly collinear: pivoting keeps three of x2, x3, x4 minus one,
        // and the fitted values, R² and the x1 slope equal the full-rank fit (statsmodels above).
        var cp = CrossProducts(variables: 5)
        cp.add(rowMajor: Self.rows(collinear: true))
        let fit = try LinearRegression.fit(cp)
        #expect(fit.droppedCovariates.count == 1)
        #expect(close(fit.rSquared, 0.9478610933956738, 1e-9))
        #expect(close(fit.slopes[0], Self.params[1], 1e-9))
        #expect(close(fit.intercept, Self.params[0], 1e-9))
    }

    @Test func constantCovariateIsDropped() throws {
        var rows: [Double] = []
        let base = Self.rows()
        for r in 0..<200 { rows += [base[r * 4], 7.0, base[r * 4 + 1], base[r * 4 + 2], base[r * 4 + 3]] }
        var cp = CrossProducts(variables: 5)
        cp.add(rowMajor: rows)
        let fit = try LinearRegression.fit(cp)
        #expect(fit.droppedCovariates == [1])
        #expect(close(fit.slopes[2], Self.params[2], 1e-9))  // x2's slope, statsmodels
    }
}
