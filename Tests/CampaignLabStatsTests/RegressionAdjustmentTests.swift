import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

/// Regression adjustment is the OLS coefficient of a treatment column: on the data of
/// Tests/References/ols_hc1.py with x3 (0/1) as the treatment it is statsmodels' x3
/// coefficient and HC1 standard error (LinearRegressionTests.params / hc1SE).
struct RegressionAdjustmentTests {
    /// Rows [T = x3, x1, x2, y] of ols_hc1.py's data.
    static let units: [[Double]] = {
        let rows = LinearRegressionTests.rows()
        var units: [[Double]] = []
        for i in 0..<200 {
            let base = i * 4
            let unit: [Double] = [rows[base + 2], rows[base], rows[base + 1], rows[base + 3]]
            units.append(unit)
        }
        return units
    }()

    @Test func treatmentCoefficientAndHC1MatchStatsmodels() throws {
        let byRow = try RegressionAdjustment.estimate(count: 200, covariates: 2) { i, row in
            for c in 0..<4 { row[c] = Self.units[i][c] }
        }
        #expect(close(byRow.effect.estimate, LinearRegressionTests.params[3], 1e-9), "\(byRow.effect.estimate)")
        #expect(close(byRow.effect.standardError, LinearRegressionTests.hc1SE[3], 1e-9), "\(byRow.effect.standardError)")
        // The block-filling form reads the same rows: the same numbers, bit for bit.
        var calls = 0
        let byBlock = try RegressionAdjustment.estimate(count: 200, covariates: 2) { range, block in
            calls += 1
            for (offset, i) in range.enumerated() { for c in 0..<4 { block[offset * 4 + c] = Self.units[i][c] } }
        }
        #expect(byBlock.effect.estimate == byRow.effect.estimate)
        #expect(byBlock.effect.standardError == byRow.effect.standardError)
        #expect(calls == 2)  // one fill per pass: the cross-products, then the sandwich
    }

    @Test func longInputsAreCentredInBlocksWithTheSameResult() {
        // 20,000 rows added at once are centred 8,192 at a time: exactly what adding those
        // blocks one by one gives, and within rounding of much smaller blocks.
        let n = 20_000
        var rows: [Double] = []
        for i in 0..<n {
            let x = Double(i % 997) + 1e6
            let row: [Double] = [x, sin(Double(i)) * x / 1e6, Double(i % 7)]
            rows += row
        }
        var once = CrossProducts(variables: 3), byHand = CrossProducts(variables: 3), small = CrossProducts(variables: 3)
        once.add(rowMajor: rows)
        for start in stride(from: 0, to: n, by: 8_192) { byHand.add(rowMajor: Array(rows[(start * 3)..<(min(start + 8_192, n) * 3)])) }
        for start in stride(from: 0, to: n, by: 500) { small.add(rowMajor: Array(rows[(start * 3)..<((start + 500) * 3)])) }
        #expect(once == byHand)
        for i in 0..<3 { for j in 0..<3 { #expect(close(once[i, j], small[i, j], 1e-11), "\(i),\(j)") } }
        #expect(once.count == Double(n))
    }

    @Test func rowMatrixProbabilitiesEqualTheRowByRowOnes() throws {
        let x = RowMatrix([[0.5, 1], [-2, 3], [4, -1]])
        #expect(x.rows == 3 && x.columns == 2 && x[1, 1] == 3 && x.row(2) == [4, -1])
        var rows: [Double] = []
        for i in 0..<300 {
            let a = sin(Double(i)), b = Double(i % 5)
            let y: Double = (a + 0.3 * b + cos(Double(i * 7))) > 1 ? 1 : 0
            rows += [a, b, y]
        }
        let fit = try LogisticRegression.fit(rows: rows, covariates: 2)
        var values: [Double] = []
        for r in 0..<300 { values += [rows[r * 3], rows[r * 3 + 1]] }
        let design = RowMatrix(values: values, columns: 2)
        let all = fit.probabilities(design)
        for r in 0..<300 { #expect(all[r] == fit.probability(design.row(r))) }
    }
}
