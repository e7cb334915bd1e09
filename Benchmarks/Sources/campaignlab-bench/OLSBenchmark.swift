import CampaignLabStats
import Foundation

/// Streamed OLS with 10 covariates and HC1 standard errors on `rows` rows, block by block
/// (memory independent of the row count), with the BLAS and the plain-Swift Gram kernels;
/// the same data fitted by statsmodels and numpy in `peers/ols_peer.py`.
struct OLSBenchmark {
    static let k = 10
    let rows: Int
    let blockRows = 65_536

    /// The integer-hash covariate j of row i; identical to `column` in ols_peer.py.
    @inline(__always)
    static func column(_ i: UInt64, _ j: UInt64) -> Double {
        let h = (i &* (2_654_435_761 + 2 * j)) ^ (i >> 3)
        return Double(h & 0xFFFFF) / 1_048_576
    }

    /// Fills `block` with rows [start, start + count): x₁…x₁₀, y.
    static func fill(_ block: inout [Double], start: Int, count: Int) {
        let width = k + 1
        for r in 0..<count {
            let i = UInt64(start + r)
            var y = 1.0
            for j in 0..<k {
                let x = column(i, UInt64(j))
                block[r * width + j] = x
                y += 0.1 * Double(j + 1) * x
            }
            y += (column(i, 97) - 0.5) * (1 + block[r * width])
            block[r * width + k] = y
        }
    }

    struct Result {
        var seconds: Double
        var coefficients: [Double]
        var hc1: [Double]
    }

    /// Fits with `kernel`; only the statistics are timed, not the data generation.
    func run(kernel: GramKernel) throws -> Result {
        let width = Self.k + 1
        var block = [Double](repeating: 0, count: blockRows * width)
        var timed = 0.0
        var cp = CrossProducts(variables: width)
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            Self.fill(&block, start: start, count: count)
            let t0 = DispatchTime.now().uptimeNanoseconds
            block.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: count, kernel: kernel) }
            timed += Double(DispatchTime.now().uptimeNanoseconds - t0)
            start += count
        }
        var t0 = DispatchTime.now().uptimeNanoseconds
        let fit = try LinearRegression.fit(cp)
        var meat = fit.sandwichAccumulator()
        timed += Double(DispatchTime.now().uptimeNanoseconds - t0)
        start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            Self.fill(&block, start: start, count: count)
            t0 = DispatchTime.now().uptimeNanoseconds
            block.withUnsafeBufferPointer { meat.add(rowMajor: $0, rows: count) }
            timed += Double(DispatchTime.now().uptimeNanoseconds - t0)
            start += count
        }
        t0 = DispatchTime.now().uptimeNanoseconds
        let se = fit.standardErrors(fit.robustCovariance(meat))
        timed += Double(DispatchTime.now().uptimeNanoseconds - t0)
        return Result(seconds: timed / 1e9, coefficients: fit.coefficients, hc1: se)
    }
}
