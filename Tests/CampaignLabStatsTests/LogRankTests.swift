import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

struct LogRankTests {
    /// Tests/References/survival.py `logrank_data()`: three campaign channels of 3,000 customers,
    /// durations ≥ 1 day with ties, censored at 50 days and every 13th customer lost early.
    static func channels() -> [SurvivalTable] {
        var durations: [[Double]] = [[], [], []], events: [[Bool]] = [[], [], []]
        for i in 0..<9_000 {
            let g = i % 3
            let raw = 1 + ((i * 7919) % 997) % 60 + (g == 1 ? i % 5 : 0) + (g == 2 ? (i % 7) * 2 : 0)
            durations[g].append(Double(min(raw, 50)))
            events[g].append(raw <= 50 && i % 13 != 0)
        }
        return (0..<3).map { SurvivalTable(durations: durations[$0], eventObserved: events[$0]) }
    }

    struct Case: Sendable, CustomStringConvertible {
        var weighting: LogRankWeighting
        var twoGroups: (statistic: Double, pValue: Double)
        var threeGroups: (statistic: Double, pValue: Double)
        var description: String { weighting.description }
    }

    // survival.py: lifelines logrank_test(T[g==0], T[g==1], E[g==0], E[g==1], weightings=…, p=, q=)
    // and multivariate_logrank_test(T, g, E, weightings=…) (df 2): test_statistic, p_value.
    static let cases: [Case] = [
        Case(
            weighting: .logRank, twoGroups: (13.936451969170635, 0.00018909557056729146),
            threeGroups: (112.32287539257767, 4.0681551986899647e-25)),
        Case(
            weighting: .wilcoxon, twoGroups: (15.802796296829147, 7.029853646409852e-05),
            threeGroups: (125.89199966184022, 4.601502004489287e-28)),
        Case(
            weighting: .taroneWare, twoGroups: (15.022786173952074, 0.00010622087560143228),
            threeGroups: (120.92368566313328, 5.517664534986495e-27)),
        Case(
            weighting: .peto, twoGroups: (15.756698843490836, 7.203241740603009e-05),
            threeGroups: (125.64738656269128, 5.200159626331324e-28)),
        Case(
            weighting: .flemingHarrington(p: 0, q: 1), twoGroups: (6.317031758976751, 0.011958363978676388),
            threeGroups: (52.464441140818856, 4.050338854997579e-12)),
        Case(
            weighting: .flemingHarrington(p: 1, q: 0), twoGroups: (15.689983500941901, 7.461828422761899e-05),
            threeGroups: (125.27805196701809, 6.254846606796428e-28)),
        Case(
            weighting: .flemingHarrington(p: 0.5, q: 2), twoGroups: (5.904514879757127, 0.015102124370556537),
            threeGroups: (45.424909353588355, 1.3680635231128208e-10)),
    ]

    @Test(arguments: cases)
    func matchesLifelines(_ c: Case) {
        let groups = Self.channels()
        let two = LogRankTest(groups: Array(groups[0..<2]), weighting: c.weighting)
        #expect(close(two.statistic, c.twoGroups.statistic), "two groups: \(two.statistic)")
        #expect(close(two.pValue, c.twoGroups.pValue, 1e-8), "two groups p: \(two.pValue)")
        #expect(two.degreesOfFreedom == 1)
        let three = LogRankTest(groups: groups, weighting: c.weighting)
        #expect(close(three.statistic, c.threeGroups.statistic), "three groups: \(three.statistic)")
        #expect(close(three.pValue, c.threeGroups.pValue, 1e-8), "three groups p: \(three.pValue)")
        #expect(three.degreesOfFreedom == 2)
        // Observed − expected sums to zero across groups (the score is a contrast).
        let z = zip(three.observed, three.expected).map { $0 - $1 }
        #expect(abs(z.reduce(0, +)) < 1e-8 * three.observed.reduce(0, +))
    }

    @Test func lifelinesDocstringExample() {
        // lifelines multivariate_logrank_test docstring: G, T, E below →
        // (1.0800467314891906, 0.5827346361862382, df 2), survival.py.
        let g = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]
        let t: [Double] = [5, 3, 9, 8, 7, 4, 4, 3, 2, 5, 6, 7]
        let e = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0].map { $0 == 1 }
        let groups = (0..<3).map { k in
            let idx = g.indices.filter { g[$0] == k }
            return SurvivalTable(durations: idx.map { t[$0] }, eventObserved: idx.map { e[$0] })
        }
        let test = LogRankTest(groups: groups)
        #expect(close(test.statistic, 1.0800467314891906))
        #expect(close(test.pValue, 0.5827346361862382))
        #expect(test.degreesOfFreedom == 2)
        #expect(test.method.contains("log-rank"))
    }

    @Test func twoGroupsByHand() {
        // Computed by hand. A: events at 1 and 3; B: event at 2, censored at 4.
        // t=1: n=4 (2,2), d=1: E_A = 1/2, V = 1·3/3·(2·2)/16 = 1/4.
        // t=2: n=3 (1,2), d=1: E_A = 1/3, V = (1·2)/9 = 2/9.
        // t=3: n=2 (1,1), d=1: E_A = 1/2, V = 1/4.
        // O_A − E_A = 2 − 4/3 = 2/3; V = 1/4 + 2/9 + 1/4 = 13/18; χ² = (4/9)/(13/18) = 8/13.
        let a = SurvivalTable(durations: [1, 3])
        let b = SurvivalTable(durations: [2, 4], eventObserved: [true, false])
        let test = LogRankTest(groups: [a, b])
        #expect(close(test.statistic, 8.0 / 13, 1e-14))
        #expect(close(test.observed[0], 2, 1e-14) && close(test.expected[0], 4.0 / 3, 1e-14))
        // Chi-square(1) survival of 8/13 = 2·Φ(−√(8/13)) (by hand, via the normal).
        #expect(close(test.pValue, 2 * NormalDistribution.standard.cdf(-(8.0 / 13).squareRoot()), 1e-12))
        // The order of the groups does not matter.
        #expect(close(LogRankTest(groups: [b, a]).statistic, test.statistic, 1e-14))
    }

    @Test(arguments: [LogRankWeighting.logRank, .wilcoxon, .peto, .flemingHarrington(p: 1, q: 1)])
    func countsEqualExpandedRows(weighting: LogRankWeighting) {
        // Counts per day (as SQL returns them) give the same test as the individual rows.
        let groups = Self.channels()
        let rebuilt = groups.map { table in
            SurvivalTable(
                counts: table.times.indices.reversed().map {
                    (time: table.times[$0], events: table.events[$0], censored: table.censored[$0])
                })
        }
        #expect(rebuilt == groups)
        let halves = groups.map { table -> SurvivalTable in
            let half = table.times.indices.map { (time: table.times[$0], events: table.events[$0] / 2, censored: table.censored[$0] / 2) }
            return SurvivalTable(counts: half) + SurvivalTable(counts: half)
        }
        #expect(
            close(
                LogRankTest(groups: halves, weighting: weighting).statistic,
                LogRankTest(groups: groups, weighting: weighting).statistic, 1e-12))
    }

    @Test func identicalGroupsGiveNoEvidence() {
        let table = Self.channels()[0]
        let test = LogRankTest(groups: [table, table, table])
        #expect(abs(test.statistic) < 1e-20)
        #expect(close(test.pValue, 1, 1e-12))
    }

    @Test func groupWithoutEventTimesAtRiskReducesTheRank() {
        // Group C is censored before the first event: it never contributes, V has rank 1, df = 1,
        // and the statistic equals the two-group test of A and B.
        let a = SurvivalTable(durations: [1, 3, 5, 6])
        let b = SurvivalTable(durations: [2, 4, 7], eventObserved: [true, false, true])
        let c = SurvivalTable(durations: [0.5], eventObserved: [false])
        let three = LogRankTest(groups: [a, b, c])
        let two = LogRankTest(groups: [a, b])
        #expect(three.degreesOfFreedom == 1)
        #expect(close(three.statistic, two.statistic, 1e-12))
    }
}
