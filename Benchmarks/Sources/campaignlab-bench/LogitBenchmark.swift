import CampaignLabStats
import Foundation

/// Logistic regression with 10 covariates on `rows` rows, the data of `peers/logit_peer.py`
/// (same integer hash), against statsmodels `Logit`.
struct LogitBenchmark {
    let rows: Int

    func data() -> [Double] {
        let k = OLSBenchmark.k
        var values = [Double](repeating: 0, count: rows * (k + 1))
        for r in 0..<rows {
            let i = UInt64(r)
            var eta = -1.0
            for j in 0..<k {
                let x = OLSBenchmark.column(i, UInt64(j))
                values[r * (k + 1) + j] = x
                eta += (0.2 * Double(j + 1) - 1.0) * x
            }
            values[r * (k + 1) + k] = OLSBenchmark.column(i, 101) < 1 / (1 + exp(-eta)) ? 1 : 0
        }
        return values
    }

    /// Best of `repeats` fits; only the fit is timed.
    func run(repeats: Int) throws -> (seconds: Double, fit: LogisticRegressionFit) {
        let values = data()
        var best: (Double, LogisticRegressionFit)?
        for _ in 0..<max(1, repeats) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let fit = try LogisticRegression.fit(rows: values, covariates: OLSBenchmark.k, tolerance: 1e-10)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if best == nil || seconds < best!.0 { best = (seconds, fit) }
        }
        return best!
    }
}
