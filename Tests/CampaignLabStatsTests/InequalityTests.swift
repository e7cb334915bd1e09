import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

struct InequalityTests {
    /// Tests/References/inequality.py `balances()`: 10,000 long-tailed balances (Pareto-like,
    /// rounded to the fen, with ties), every 17th customer at 0; weights 1 + i mod 4.
    static func balances() -> (values: [Double], weights: [Double]) {
        var values: [Double] = [], weights: [Double] = []
        for i in 0..<10_000 {
            let u = Double((i * 7919) % 9973 + 1) / 9974
            var x = (1000 / pow(u, 1 / 1.2) * 100).rounded(.toNearestOrEven) / 100  // np.round(·, 2)
            if i % 17 == 0 { x = 0 }
            values.append(x)
            weights.append(Double(1 + i % 4))
        }
        return (values, weights)
    }

    @Test func closedForms() {
        // x = 1…n: G = (n − 1)/(3n), so 4/15 for n = 5, and 1/3 with the n/(n − 1) correction
        // (closed form; inequality.py's numpy double sum gives 0.26666666666666666 and 0.3333333333333333).
        let lorenz = LorenzCurve(values: [3, 1, 5, 2, 4])
        #expect(close(lorenz.gini(), 4.0 / 15, 1e-14))
        #expect(close(lorenz.gini(.sampleCorrected), 1.0 / 3, 1e-14))
        // inequality.py: P = [0, .2, .4, .6, .8, 1], L = [0, 1/15, 3/15, 6/15, 10/15, 1].
        #expect(lorenz.points.map(\.population) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        let wantShares: [Double] = [0, 1.0 / 15, 3.0 / 15, 6.0 / 15, 10.0 / 15, 1]
        for (got, want) in zip(lorenz.points.map(\.share), wantShares) {
            #expect(close(got, want, 1e-14) || got == want)
        }
        // One customer of n holds everything: 1 − 1/n, exactly 1 when corrected (by hand).
        let one = LorenzCurve(values: [0, 0, 10, 0])
        #expect(close(one.gini(), 0.75, 1e-14) && close(one.gini(.sampleCorrected), 1, 1e-14))
        #expect(close(one.topShare(0.25), 1, 1e-14) && one.bottomShare(0.75) == 0)
        // Everyone equal: 0, and L(p) = p.
        let equal = LorenzCurve(values: [7, 7, 7, 7])
        #expect(abs(equal.gini()) < 1e-15)
        #expect(close(equal.share(ofPoorest: 0.3), 0.3, 1e-14))
    }

    @Test func smallWeightedMatchesNumpyDoubleSum() {
        // inequality.py "small weighted": x = [5, 1, 3, 3, 8], w = [2, 1, 1, 3, 1] → gini 0.2620967741935484,
        // corrected (× W/(W − 1), W = 8) 0.2995391705069124; P and L from numpy cumsum.
        let lorenz = LorenzCurve(values: [5, 1, 3, 3, 8], weights: [2, 1, 1, 3, 1])
        #expect(close(lorenz.gini(), 0.2620967741935484))
        #expect(close(lorenz.gini(.sampleCorrected), 0.2995391705069124))
        let wantP = [0.0, 0.125, 0.25, 0.625, 0.875, 1.0]
        let wantL = [0.0, 0.03225806451612903, 0.12903225806451613, 0.41935483870967744, 0.7419354838709677, 1.0]
        for (point, (p, l)) in zip(lorenz.points, zip(wantP, wantL)) {
            #expect(close(point.population, p, 1e-15) || point.population == p)
            #expect(close(point.share, l, 1e-15) || point.share == l)
        }
        // The same as expanded rows and as (value, count) rows.
        let expanded = LorenzCurve(values: [5, 5, 1, 3, 3, 3, 3, 8])
        #expect(close(expanded.gini(), lorenz.gini(), 1e-14))
        let counted = LorenzCurve(valueCounts: [(value: 8, count: 1), (value: 3, count: 4), (value: 1, count: 1), (value: 5, count: 2)])
        #expect(close(counted.gini(), lorenz.gini(), 1e-14))
        #expect(close(counted.share(ofPoorest: 0.4), expanded.share(ofPoorest: 0.4), 1e-14))
    }

    static let shares = [0.0, 0.2, 0.5, 0.8, 0.9, 0.98, 0.99, 1.0]

    @Test(arguments: [false, true])
    func longTailMatchesNumpy(weighted: Bool) {
        let (values, weights) = Self.balances()
        let lorenz = LorenzCurve(values: values, weights: weighted ? weights : nil)
        // inequality.py, "balances unweighted" / "balances weights 1 + i % 4": numpy double-sum Gini,
        // corrected Gini, np.interp(p, P, L), top 1 %/2 %/20 % = 1 − np.interp(1 − p, P, L).
        let gini = weighted ? 0.6676306459088094 : 0.6700195804510178
        let corrected = weighted ? 0.6676573522028975 : 0.6700865891099288
        let lorenzAt =
            weighted
            ? [
                0.0, 0.03296721238278253, 0.12352931677910743, 0.2810064098338469, 0.3858169085568555, 0.58726213275334, 0.6589652872393721,
                0.9999999999999987,
            ]
            : [
                0.0, 0.03262121109002159, 0.1223633560179501, 0.27913836292870314, 0.38360670745203923, 0.5840190799308289,
                0.6550423964574104, 0.9999999999999961,
            ]
        let tops =
            weighted
            ? [0.3410347127606279, 0.41273786724665995, 0.718993590166153]
            : [0.34495760354258964, 0.4159809200691711, 0.7208616370712968]
        #expect(close(lorenz.gini(), gini), "gini \(lorenz.gini())")
        #expect(close(lorenz.gini(.sampleCorrected), corrected))
        for (point, want) in zip(lorenz.points(at: Self.shares), lorenzAt) {
            #expect(close(point.share, want) || point.share == want, "L(\(point.population)) = \(point.share) vs \(want)")
        }
        for (p, want) in zip([0.01, 0.02, 0.2], tops) {
            #expect(close(lorenz.topShare(p), want), "top \(p): \(lorenz.topShare(p)) vs \(want)")
        }
        // The bottom 80 % and the top 20 % add up to the whole.
        #expect(close(lorenz.bottomShare(0.8) + lorenz.topShare(0.2), 1, 1e-14))
        #expect(lorenz.points.count == 10_001)
        #expect(close(lorenz.totalWeight, weighted ? 25_000 : 10_000, 1e-15))
    }

    @Test func millionBalancesAreFast() {
        // 1, 2, …, n in a scrambled order (7919 is coprime with 10⁶): G = (n − 1)/(3n) in closed
        // form (the mean absolute difference of 1…n is (n² − 1)/(3n)); L(1/2) = (n/2)(n/2 + 1)/(n(n + 1)).
        let n = 1_000_000
        let values = (0..<n).map { Double(($0 * 7919) % n + 1) }
        let clock = ContinuousClock()
        var lorenz: LorenzCurve?
        let elapsed = clock.measure { lorenz = LorenzCurve(values: values) }
        let nd = Double(n)
        #expect(close(lorenz!.gini(), (nd - 1) / (3 * nd), 1e-12))
        #expect(close(lorenz!.bottomShare(0.5), (nd / 2) * (nd / 2 + 1) / (nd * (nd + 1)), 1e-12))
        #expect(elapsed < .seconds(20), "1M balances took \(elapsed)")
        print("LorenzCurve of 1,000,000 balances (debug build): \(elapsed)")
    }
}
