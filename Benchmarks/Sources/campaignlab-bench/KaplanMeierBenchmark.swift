import CampaignLabStats
import Foundation

/// Kaplan–Meier on `rows` durations (days to convert 1…60, 70% observed), the data of
/// `peers/km_peer.py` (same integer hash), against lifelines' KaplanMeierFitter.
struct KaplanMeierBenchmark {
    let rows: Int

    struct Result {
        var seconds: Double
        var median: Double
        var s7: Double
        var s30: Double
        var ci30: (Double, Double)
    }

    func data() -> (durations: [Double], observed: [Bool]) {
        var durations = [Double](repeating: 0, count: rows)
        var observed = [Bool](repeating: false, count: rows)
        for i in 0..<rows {
            durations[i] = (OLSBenchmark.column(UInt64(i), 201) * 60).rounded(.down) + 1
            observed[i] = OLSBenchmark.column(UInt64(i), 202) < 0.7
        }
        return (durations, observed)
    }

    /// Best of `repeats` fits (table, curve, median and two survival probabilities).
    func run(repeats: Int) -> Result {
        let (durations, observed) = data()
        var best: Result?
        for _ in 0..<max(1, repeats) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let km = KaplanMeier(durations: durations, eventObserved: observed)
            let median = km.survivalTime(reaching: 0.5).time
            let s7 = km.survival(at: 7), s30 = km.survival(at: 30)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let result = Result(seconds: seconds, median: median, s7: s7.estimate, s30: s30.estimate,
                                ci30: (s30.interval.lower, s30.interval.upper))
            if best == nil || seconds < best!.seconds { best = result }
        }
        return best!
    }
}
