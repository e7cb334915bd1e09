import CampaignLabStats
import CampaignLabTestSupport
import Foundation
import Testing

/// A Kaplan–Meier curve from Tests/References/survival.py: lifelines 0.30
/// `KaplanMeierFitter().fit(T, E)` — `survival_function_`, `confidence_interval_` (log(−log)),
/// `_cumulative_sq_` — and the log / plain bounds evaluated there from lifelines' S and Greenwood
/// sum with R's `survfit(conf.type = "log" / "plain")` formulas (R survival 3.5.3 prints the same
/// values to ~1e-15; the script runs it when Rscript is installed).
struct CurveReference {
    var timeline: [Double]
    var survival: [Double]
    var logLogLower: [Double]
    var logLogUpper: [Double]
    var greenwoodSum: [Double]
    var logLower: [Double]
    var logUpper: [Double]
    var plainLower: [Double]
    var plainUpper: [Double]
}

/// Element-wise relative closeness (the `close` of MeanDifferenceTests), recording each mismatch.
private func expectEachClose(
    _ got: [Double], _ want: [Double], _ tol: Double, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(got.count == want.count, "\(label): \(got.count) values, want \(want.count)", sourceLocation: sourceLocation)
    for (k, (g, w)) in zip(got, want).enumerated() {
        #expect(close(g, w, tol) || (g == 0 && w == 0), "\(label)[\(k)]: \(g) vs \(w)", sourceLocation: sourceLocation)
    }
}

struct KaplanMeierTests {
    // Tests/References/survival.py, T_SMALL / E_SMALL.
    static let smallDurations: [Double] = [2, 3, 3, 5, 6, 6, 6, 8, 9, 10]
    static let smallEvents = [true, true, false, true, true, false, true, false, true, false]

    /// Tests/References/survival.py `large()`: 10,000 durations 0…60 days (ties), censored at a
    /// 45-day window end, and every 11th customer lost (censored) at its own time.
    static func large() -> (durations: [Double], events: [Bool]) {
        var durations: [Double] = [], events: [Bool] = []
        for i in 0..<10_000 {
            let raw = ((i * 7919) % 997) % 61
            durations.append(Double(min(raw, 45)))
            events.append(raw <= 45 && i % 11 != 0)
        }
        return (durations, events)
    }

    static let small = CurveReference(
        timeline: [0.0, 2.0, 3.0, 5.0, 6.0, 8.0, 9.0, 10.0],
        survival: [
            1.0, 0.8999999999999999, 0.7999999999999997, 0.6857142857142855, 0.45714285714285696, 0.45714285714285696, 0.22857142857142845,
            0.22857142857142845,
        ],
        logLogLower: [
            1.0, 0.47300927136205084, 0.40869078163340444, 0.3045850742018473, 0.14298216275561237, 0.14298216275561237,
            0.014374262704824317, 0.014374262704824317,
        ],
        logLogUpper: [
            1.0, 0.985281393367343, 0.9458726458389115, 0.8871484950277073, 0.7297791060152378, 0.7297791060152378, 0.5984157428875116,
            0.5984157428875116,
        ],
        greenwoodSum: [
            0.0, 0.011111111111111112, 0.025, 0.04880952380952381, 0.13214285714285715, 0.13214285714285715, 0.6321428571428571,
            0.6321428571428571,
        ],
        logLower: [
            1.0, 0.7320116427439926, 0.5868177012338134, 0.44472166068521174, 0.22419594758566921, 0.22419594758566921,
            0.048112023653787424, 0.048112023653787424,
        ],
        logUpper: [1.0, 1.0, 1.0, 1.0, 0.9321292114652509, 0.9321292114652509, 1.0, 1.0],
        plainLower: [1.0, 0.7140614903086315, 0.5520819870781752, 0.3887914676736541, 0.13143976948351327, 0.13143976948351327, 0.0, 0.0],
        plainUpper: [1.0, 1.0, 1.0, 0.9826371037549169, 0.7828459448022007, 0.7828459448022007, 0.5847580894368977, 0.5847580894368977])
    static let largeCurve = CurveReference(
        timeline: [
            0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0,
            23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0,
            44.0, 45.0,
        ],
        survival: [
            0.9841999999999986, 0.9686763406940045, 0.9532288770441255, 0.9377553609626674, 0.9220539724996235, 0.9064259390674277,
            0.8908727808928999, 0.875291360307152, 0.8594783374689452, 0.8437369759768398, 0.828068883091221, 0.8122679872548135,
            0.7962330225875179, 0.7803718069981245, 0.7644793316223901, 0.7486575580610616, 0.7325950385922776, 0.7165995137321838,
            0.7005693615271775, 0.6846072840489732, 0.66839864293323, 0.6532953542897328, 0.6379470376714502, 0.6226706283717897,
            0.6072533161988649, 0.5919011111486422, 0.5765078866691794, 0.5610751489622311, 0.5454956161142054, 0.529976839817893,
            0.5144112355906926, 0.4986934115142361, 0.4830388774181112, 0.46733204532389133, 0.4516787428124651, 0.43586077772476545,
            0.41998757404608833, 0.4040524945734462, 0.3881621740654044, 0.3720942190289569, 0.35595945336865803, 0.33975425218629945,
            0.3234692486343628, 0.3072173286579308, 0.29076328244220906, 0.274219463565918,
        ],
        logLogLower: [
            0.9815586004596442, 0.9650712951242183, 0.9489034215949249, 0.9328359153697936, 0.9166175493660322, 0.9005374249583817,
            0.8845824425460995, 0.8686374891665226, 0.8524890088469815, 0.8364424753381228, 0.8204956266286895, 0.8044360298585375,
            0.7881593280567152, 0.7720777690510128, 0.7559817373919592, 0.7399732031354209, 0.7237361961179973, 0.7075811577482473,
            0.6914046980201837, 0.6753097657067727, 0.6589787046115283, 0.6437722166063989, 0.6283294418902432, 0.6129692471919048,
            0.5974774037677321, 0.582060713220091, 0.5666123921151381, 0.5511339319510675, 0.5355177832386463, 0.5199719083183042,
            0.5043884551069997, 0.48866212347830335, 0.47300867833356175, 0.4573124033309302, 0.44167910046267855, 0.4258910398507534,
            0.4100578410001792, 0.3941730592017492, 0.37834319279817713, 0.36234705847926946, 0.346295619183642, 0.330185752611137,
            0.31400860234962824, 0.29787695457443003, 0.2815579820934042, 0.26516431373613053,
        ],
        logLogUpper: [
            0.9864656783875393, 0.9719147370428493, 0.9571964778347878, 0.9423257105144195, 0.9271501831488962, 0.9119830949115232,
            0.8968405970025345, 0.881631582128288, 0.8661630468944761, 0.850735874509397, 0.835355545399192, 0.8198224650682608,
            0.8040385238653953, 0.7884068744602714, 0.7727272338967542, 0.7571014966308167, 0.7412229194570435, 0.7253963636206531,
            0.709522039395417, 0.6937023424370228, 0.6776258404974157, 0.6626348508684549, 0.6473902857515206, 0.632206963630553,
            0.6168736225941567, 0.6015953557928347, 0.5862667614301464, 0.5708893643064111, 0.5553562209074514, 0.539874344349533,
            0.5243364893133095, 0.5086372458222342, 0.4929917362739679, 0.4772845778098155, 0.4616215600713312, 0.445784179027946,
            0.4298816000069424, 0.413907005560153, 0.3979671033402927, 0.38183845302552205, 0.36563167662632295, 0.3493426629492084,
            0.33296155815631556, 0.3166012830080861, 0.3000244410468218, 0.2833430539374845,
        ],
        greenwoodSum: [
            1.6053647632595e-06, 3.236141299907615e-06, 4.914241001498991e-06, 6.653525212183186e-06, 8.481228191281633e-06,
            1.0366562178197415e-05, 1.2311780903201276e-05, 1.4333519715420534e-05, 1.6464196731896334e-05, 1.8668700621522998e-05,
            2.095029273487095e-05, 2.3345074372810127e-05, 2.5877267580506678e-05, 2.8489425818783572e-05, 3.122081809436392e-05,
            3.406096396941997e-05, 3.707643769889312e-05, 4.0220743737973075e-05, 4.3523039327687005e-05, 4.697261322131178e-05,
            5.065298370816605e-05, 5.425569875397867e-05, 5.8100819387445294e-05, 6.212471504375191e-05, 6.640105006754667e-05,
            7.089232476667357e-05, 7.56484353263075e-05, 8.069164248550622e-05, 8.608649069172654e-05, 9.179225639141442e-05,
            9.787937515172682e-05, 0.00010443061404002347, 0.0001113986714625438, 0.00011888410051093044, 0.00012688960564836673,
            0.00013559464879586708, 0.00014502205220420918, 0.00015527104948724212, 0.00016637420206278299, 0.000178617607332831,
            0.0001920798995905284, 0.00020695262522225507, 0.00022348080236808793, 0.0002418108097531847, 0.00026256985131107967,
            0.0002860813784008679,
        ],
        logLower: [
            0.9817589359347607, 0.9652669629531769, 0.9490962104181329, 0.9330263948737638, 0.9168059590417396, 0.9007239260788859,
            0.8847671334718648, 0.8688204281859032, 0.852670212449982, 0.8366219807877124, 0.8206734600470149, 0.8046121918652572,
            0.7883338015779321, 0.7722505767074764, 0.7561528777664828, 0.7401426834297643, 0.7239039907513318, 0.7077472714505163,
            0.6915691215108873, 0.675472499447431, 0.6591397161807724, 0.6439316173823163, 0.6284871977201517, 0.6131253534350097,
            0.5976318338059704, 0.5822134636492181, 0.5667634470830097, 0.5512832730237106, 0.535665378884789, 0.5201177510199406,
            0.5045325242394093, 0.4888043830446442, 0.47314911407534277, 0.45745099046985627, 0.4418158254289528, 0.4260258614232611,
            0.4101907268356986, 0.3943039764539939, 0.37847211997618296, 0.362473943759094, 0.3464204190763556, 0.33030842013105555,
            0.3141290886778588, 0.2979952194990883, 0.28167395190243066, 0.26527792069716744,
        ],
        logUpper: [
            0.9866471335732924, 0.9720977605506672, 0.9573795386144178, 0.9425082954198755, 0.9273320268238243, 0.9121640485236887,
            0.8970205624857635, 0.8818104876148392, 0.8663408218000986, 0.8509124801625078, 0.8355309493067556, 0.8199966266848148,
            0.8042113949571411, 0.7885784427043501, 0.772897473066685, 0.7572703909531239, 0.7413904294311051, 0.725562476600951,
            0.7096867327424055, 0.6938656033462799, 0.6777876297055938, 0.6627952540543605, 0.6475492648857333, 0.6323645063195334,
            0.6170296981774245, 0.6017499547040366, 0.5864198637056508, 0.571040947889326, 0.5555062524655284, 0.5400228125123001,
            0.5244833714156688, 0.5087825054649582, 0.4931353566059829, 0.4774265334135352, 0.46176183596541603, 0.4459227355920903,
            0.43001840561786064, 0.4140420287901237, 0.39810032343904983, 0.3819698221585499, 0.365761154554189, 0.34947020676273277,
            0.33308712431716353, 0.31672483601034346, 0.3001459163886509, 0.2834623929528664,
        ],
        plainLower: [
            0.9817559036928337, 0.9652609489716729, 0.9490872259769096, 0.9330144308854015, 0.9167909671869999, 0.9007059158095843,
            0.8847461146797148, 0.8687963901967837, 0.8526431048449099, 0.8365918116923777, 0.8206402381042552, 0.8045758848157413,
            0.7882943574243311, 0.7722080229092252, 0.7561072013230894, 0.7400938910510456, 0.7238520267949127, 0.7076921405329968,
            0.6915108083330775, 0.6754110086698479, 0.6590749885419724, 0.6438638635772971, 0.6284163586210183, 0.6130514345367818,
            0.5975547963297927, 0.5821333089714434, 0.566680154355182, 0.5511968218741371, 0.5355757260803607, 0.520024893951536,
            0.5044364371010034, 0.4887050181512827, 0.47304646884895096, 0.45734503402807236, 0.4417065477070949, 0.42591320424694296,
            0.4100746550889613, 0.3941844494290824, 0.3783491176535647, 0.36234739450162484, 0.3462902747682857, 0.33017462822107213,
            0.3139915869561824, 0.2978539700833775, 0.28152885266394767, 0.2651288925734457,
        ],
        plainUpper: [
            0.9866440963071635, 0.9720917324163362, 0.9573705281113414, 0.9424962910399334, 0.9273169778122471, 0.9121459623252712,
            0.896999447106085, 0.8817863304175204, 0.8663135700929805, 0.8508821402613019, 0.8354975280781867, 0.8199600896938858,
            0.8041716877507048, 0.7885355910870238, 0.7728514619216909, 0.7572212250710776, 0.7413380503896425, 0.7255068869313708,
            0.7096279147212775, 0.6938035594280985, 0.6777222973244876, 0.6627268450021686, 0.6474777167218821, 0.6322898222067975,
            0.6169518360679371, 0.6016689133258409, 0.5863356189831768, 0.5709534760503251, 0.55541550614805, 0.5399287856842501,
            0.5243860340803818, 0.5086818048771895, 0.4930312859872714, 0.4773190566197103, 0.46165093791783535, 0.44580835120258794,
            0.42990049300321537, 0.41392053971781007, 0.39797523047724404, 0.38184104355628895, 0.36562863196903034, 0.3493338761515268,
            0.33294691031254325, 0.31658068723248406, 0.29999771222047045, 0.28331003455839027,
        ])
    static let allEvents = CurveReference(
        timeline: [0.0, 1.0, 2.0, 4.0],
        survival: [1.0, 0.7500000000000001, 0.25, 0.0],
        logLogLower: [1.0, 0.12794691759514565, 0.008947824416603157, 0.0],
        logLogUpper: [1.0, 0.9605486422850785, 0.6653253427888655, 0.0],
        greenwoodSum: [0.0, 0.08333333333333333, 0.75, 0.75],
        logLower: [1.0, 0.42593226849798205, 0.04579075966601816, 0.0],
        logUpper: [1.0, 1.0, 1.0, 0.0],
        plainLower: [1.0, 0.32565534972143567, 0.0, 0.0],
        plainUpper: [1.0, 1.0, 0.6743446502785644, 0.0])

    static func check(_ km: KaplanMeier, against r: CurveReference, tol: Double = 1e-9) {
        expectEachClose(km.steps.map(\.time), r.timeline, 0, "timeline")
        expectEachClose(km.steps.map(\.survival), r.survival, tol, "survival")
        expectEachClose(km.steps.map(\.greenwoodSum), r.greenwoodSum, tol, "Greenwood sum")
        let (lower, upper): ([Double], [Double])
        switch km.transform {
        case .logLog: (lower, upper) = (r.logLogLower, r.logLogUpper)
        case .log: (lower, upper) = (r.logLower, r.logUpper)
        case .plain: (lower, upper) = (r.plainLower, r.plainUpper)
        }
        expectEachClose(km.steps.map(\.interval.lower), lower, tol, "\(km.transform) lower")
        expectEachClose(km.steps.map(\.interval.upper), upper, tol, "\(km.transform) upper")
    }

    @Test(arguments: SurvivalIntervalTransform.allCases)
    func smallMatchesLifelines(transform: SurvivalIntervalTransform) {
        let km = KaplanMeier(durations: Self.smallDurations, eventObserved: Self.smallEvents, transform: transform)
        Self.check(km, against: Self.small)
    }

    @Test func smallByHand() {
        let km = KaplanMeier(durations: Self.smallDurations, eventObserved: Self.smallEvents)
        // Computed by hand: S(2) = 9/10, S(3) = 9/10 · 8/9 = 0.8, S(5) = 0.8 · 6/7,
        // S(6) = 0.8 · 6/7 · 4/6 (2 events of 6 at risk; the censoring at 6 counts after them).
        #expect(close(km.survival(at: 2).estimate, 0.9, 1e-14))
        #expect(close(km.survival(at: 4.9).estimate, 0.8, 1e-14))
        #expect(close(km.survival(at: 6).estimate, 0.8 * 6 / 7 * 4 / 6, 1e-14))
        #expect(km.survival(at: 1.99).estimate == 1)
        // Greenwood at 3: 1/(10·9) + 1/(9·8) = 0.025 (by hand).
        #expect(close(km.steps[2].greenwoodSum, 0.025, 1e-14))
        #expect(close(km.survival(at: 3).standardError, 0.8 * 0.025.squareRoot(), 1e-14))
        #expect(km.steps.map(\.atRisk) == [10, 10, 9, 7, 6, 3, 2, 1])  // by hand
        #expect(km.lastTime == 10)
    }

    @Test func smallQuantilesAndRestrictedMean() {
        let km = KaplanMeier(durations: Self.smallDurations, eventObserved: Self.smallEvents)
        // lifelines: median_survival_time_ 6.0; median_survival_times(kmf.confidence_interval_) [2.0, inf].
        #expect(km.median.time == 6)
        #expect(km.median.interval.lower == 2 && km.median.interval.upper == .infinity)
        // lifelines: qth_survival_times(q, survival_function_ / confidence_interval_), survival.py; R survival
        // 3.5.3 quantile(survfit(conf.type = "log-log"), c(.25, .5, .75)) gives the same times (NA for ∞).
        let q25 = km.survivalTime(reaching: 0.25), q75 = km.survivalTime(reaching: 0.75)
        #expect(q25.time == 9 && q25.interval.lower == 6 && q25.interval.upper == .infinity)
        #expect(q75.time == 5 && q75.interval.lower == 2 && q75.interval.upper == 6)
        #expect(km.timeToEvent(quantile: 0.25) == q75)
        // lifelines restricted_mean_survival_time(kmf, t=7.0, return_variance=True): (5.642857142857142,
        // 2.943877560012993 by quad; exact step-function value 2.9438775510204067, survival.py).
        // KM standard error 0.5481349241233691 (survival.py formula; R survfit rmean se 0.54813492412336917).
        let r7 = km.restrictedMean(upTo: 7)
        #expect(close(r7.estimate, 5.642857142857142))
        #expect(close(r7.varianceOfRestrictedTime, 2.9438775510204067))
        #expect(close(r7.varianceOfRestrictedTime, 2.943877560012993, 1e-8))
        #expect(close(r7.standardError, 0.5481349241233691))
        #expect(close(r7.interval.lower, r7.estimate - 1.959963984540054 * r7.standardError, 1e-12))
        // By hand: ∫₀⁷ S = 2·1 + 1·0.9 + 2·0.8 + 1·(0.8·6/7) + 1·(0.8·6/7·4/6) = 5.642857…
        #expect(close(r7.estimate, 2 + 0.9 + 1.6 + 0.8 * 6 / 7 + 0.8 * 6 / 7 * 4 / 6, 1e-14))
        let r12 = km.restrictedMean(upTo: 12)  // beyond the last time: the last S carried to 12
        #expect(close(r12.estimate, 7.242857142857142))
        #expect(close(r12.varianceOfRestrictedTime, 11.355306122448965))
        #expect(close(r12.standardError, 1.1550964519948441))
    }

    @Test func countsAndWeightsGiveTheSameCurve() {
        let expanded = KaplanMeier(durations: Self.smallDurations, eventObserved: Self.smallEvents)
        // The same data as weighted rows (lifelines fit(..., weights=W), survival.py "small weighted").
        let weighted = KaplanMeier(
            durations: [2, 3, 3, 5, 6, 6, 8, 9, 10],
            eventObserved: [true, true, false, true, true, false, false, true, false],
            weights: [1, 1, 1, 1, 2, 1, 1, 1, 1])
        Self.check(weighted, against: Self.small)
        // And as counts per day, in any order, split across two "databases" and merged.
        let part1 = SurvivalTable(counts: [
            (time: 6, events: 2, censored: 0), (time: 2, events: 1, censored: 0),
            (time: 10, events: 0, censored: 1),
        ])
        let part2 = SurvivalTable(counts: [
            (time: 3, events: 1, censored: 1), (time: 6, events: 0, censored: 1),
            (time: 5, events: 1, censored: 0), (time: 8, events: 0, censored: 1),
            (time: 9, events: 1, censored: 0), (time: 4, events: 0, censored: 0),
        ])
        // Row by row, as a SQL result is stepped through (in order, repeated and out of order).
        var streamed = SurvivalTable()
        for (t, d, c) in [(2.0, 1.0, 0.0), (3, 1, 0), (3, 0, 1), (6, 2, 1), (8, 0, 1), (10, 0, 1), (5, 1, 0), (0, 0, 0), (9, 1, 0)] {
            streamed.add(time: t, events: d, censored: c)
        }
        #expect(streamed == SurvivalTable(durations: Self.smallDurations, eventObserved: Self.smallEvents))
        let merged = KaplanMeier(part1 + part2)
        #expect(merged.steps == expanded.steps)
        #expect((part2 + part1) == (part1 + part2))
        #expect((part1 + part2) == SurvivalTable(durations: Self.smallDurations, eventObserved: Self.smallEvents))
    }

    @Test(arguments: SurvivalIntervalTransform.allCases)
    func largeMatchesLifelines(transform: SurvivalIntervalTransform) {
        let (durations, events) = Self.large()
        let km = KaplanMeier(durations: durations, eventObserved: events, transform: transform)
        Self.check(km, against: Self.largeCurve)
        // survival.py: n 10000, events 6907, 46 distinct times (0…45; events on day 0).
        #expect(km.steps.reduce(0) { $0 + $1.events } == 6907)
        #expect(km.steps.count == 46 && km.steps[0].time == 0 && km.steps[0].events > 0)
    }

    @Test func largeQuantilesRestrictedMeanAndSurvivalAtTimes() {
        let (durations, events) = Self.large()
        let km = KaplanMeier(durations: durations, eventObserved: events)
        // lifelines median_survival_time_ 31.0; median_survival_times(kmf.confidence_interval_) [31.0, 32.0].
        #expect(km.median.time == 31 && km.median.interval.lower == 31 && km.median.interval.upper == 32)
        // qth_survival_times(0.75 / 0.25 / 0.1, …): [15, 15, 16], [inf, inf, inf], [inf, inf, inf].
        let q75 = km.survivalTime(reaching: 0.75)
        #expect(q75.time == 15 && q75.interval.lower == 15 && q75.interval.upper == 16)
        let q25 = km.survivalTime(reaching: 0.25)
        #expect(q25.time == .infinity && q25.interval.lower == .infinity && q25.interval.upper == .infinity)
        // kmf.survival_function_at_times([0, 7, 7.5, 44.9, 100]).
        let want = [0.9841999999999986, 0.875291360307152, 0.875291360307152, 0.29076328244220906, 0.274219463565918]
        for (t, w) in zip([0, 7, 7.5, 44.9, 100], want) { #expect(close(km.survival(at: t).estimate, w), "S(\(t))") }
        // Share converted by day 7 = 1 − S(7), interval (1 − upper, 1 − lower) of S(7) (confidence_interval_ row 7).
        let converted = km.eventProbability(by: 7)
        #expect(close(converted.estimate, 1 - 0.875291360307152))
        #expect(close(converted.interval.lower, 1 - 0.881631582128288))
        #expect(close(converted.interval.upper, 1 - 0.8686374891665226))
        // restricted_mean_survival_time(kmf, t=τ, return_variance=True) → estimate; the variance lifelines
        // returns comes from scipy quad over a 46-step function and is off in the 4th digit (95.0276 vs
        // the exact 95.0119), so the exact step-function value from survival.py is the reference at 1e-9.
        // Standard errors: survival.py formula; R survfit rmean se 0.098144837392134018 for τ = 30.
        let cases: [(Double, Double, Double, Double, Double)] = [
            (30, 22.700691314606644, 95.01191076280213, 95.02763111710055, 0.09814483739213373),
            (45, 28.753166431994163, 228.58621511926754, 228.9005933083788, 0.15293715470634492),
            (60, 32.866458385482936, 407.02236329686275, 407.04776119636495, 0.20525822587145934),
        ]
        for (tau, mean, exactVariance, lifelinesVariance, se) in cases {
            let r = km.restrictedMean(upTo: tau)
            #expect(close(r.estimate, mean), "RMST(\(tau))")
            #expect(close(r.varianceOfRestrictedTime, exactVariance), "Var min(T, \(tau))")
            #expect(close(r.varianceOfRestrictedTime, lifelinesVariance, 2e-3), "lifelines quad Var min(T, \(tau))")
            #expect(close(r.standardError, se), "se RMST(\(tau))")
        }
    }

    @Test(arguments: SurvivalIntervalTransform.allCases)
    func curveThatReachesZero(transform: SurvivalIntervalTransform) {
        // survival.py "all events": T = [1, 2, 2, 4], all converted.
        let km = KaplanMeier(durations: [1, 2, 2, 4], transform: transform)
        Self.check(km, against: Self.allEvents)
        // lifelines: median 2.0, median_survival_times(confidence_interval_) [1.0, 4.0];
        // restricted_mean_survival_time(kmf, t=3.0, return_variance=True) (2.0, 0.5); se 0.3535533905932738.
        #expect(km.median.time == 2)
        if transform == .logLog { #expect(km.median.interval.lower == 1 && km.median.interval.upper == 4) }
        let r = km.restrictedMean(upTo: 3)
        #expect(close(r.estimate, 2) && close(r.varianceOfRestrictedTime, 0.5) && close(r.standardError, 0.3535533905932738))
        #expect(km.survival(at: 4).estimate == 0 && km.survival(at: 4).interval.upper == 0)
    }

    @Test func levelChangesTheIntervalsOnly() {
        let k95 = KaplanMeier(durations: Self.smallDurations, eventObserved: Self.smallEvents)
        let k80 = KaplanMeier(durations: Self.smallDurations, eventObserved: Self.smallEvents, level: 0.8)
        #expect(k95.steps.map(\.survival) == k80.steps.map(\.survival))
        for (a, b) in zip(k95.steps, k80.steps) where a.survival < 1 && a.survival > 0 {
            #expect(b.interval.lower > a.interval.lower && b.interval.upper < a.interval.upper)
            #expect(b.interval.level == 0.8)
        }
    }

    @Test func millionDurationsAreFast() {
        // 1,000,000 durations 0…89 days; the table has 90 rows whatever n is.
        let n = 1_000_000
        var durations = [Double](repeating: 0, count: n), events = [Bool](repeating: false, count: n)
        for i in 0..<n {
            durations[i] = Double((i &* 2_654_435_761) % 90)
            events[i] = (i % 7) != 0
        }
        let clock = ContinuousClock()
        var km: KaplanMeier?
        let elapsed = clock.measure { km = KaplanMeier(durations: durations, eventObserved: events) }
        #expect(km!.steps.count == 90)
        // 6/7 of the n converted; counted by hand from the formula (i % 7 != 0).
        #expect(km!.steps.reduce(0) { $0 + $1.events } == Double(n - (n + 6) / 7))
        // A loose bound for an unoptimized debug build on a shared 2-core machine.
        #expect(elapsed < .seconds(20), "1M durations took \(elapsed)")
        print("KaplanMeier of 1,000,000 durations (debug build): \(elapsed)")
    }
}

struct SurvivalPreconditionTests {
    // Programmer mistakes stop the process with a message instead of returning a wrong curve.
    @Test func negativeDurationIsRejected() async {
        await #expect(processExitsWith: .failure) {
            _ = SurvivalTable(durations: [1, -2, 3])
        }
    }

    @Test func mismatchedEventFlagsAreRejected() async {
        await #expect(processExitsWith: .failure) {
            _ = SurvivalTable(durations: [1, 2, 3], eventObserved: [true])
        }
    }

    @Test func logRankNeedsTwoGroups() async {
        await #expect(processExitsWith: .failure) {
            _ = LogRankTest(groups: [SurvivalTable(durations: [1, 2])])
        }
    }
}

struct SurvivalTableCountingPathTests {
    /// Whole-number durations are counted without sorting; the result must equal the sorting
    /// path's (forced here by shifting every duration by 0.5, which is exact in binary).
    @Test func countingAndSortingPathsAgree() {
        let durations = (0..<5_000).map { Double(($0 &* 7_919) % 97) }
        let observed = (0..<5_000).map { $0 % 3 != 0 }
        let weights = (0..<5_000).map { Double($0 % 4) }  // includes zero weights
        let counted = SurvivalTable(durations: durations, eventObserved: observed, weights: weights)
        let sorted = SurvivalTable(durations: durations.map { $0 + 0.5 }, eventObserved: observed, weights: weights)
        #expect(counted.times == sorted.times.map { $0 - 0.5 })
        #expect(counted.events == sorted.events)
        #expect(counted.censored == sorted.censored)
        // A huge range falls back to sorting and still groups ties.
        let sparse = SurvivalTable(durations: [0, 10_000_000, 3, 3], eventObserved: [true, false, true, false])
        #expect(sparse.times == [0, 3, 10_000_000])
        #expect(sparse.events == [1, 1, 0])
        #expect(sparse.censored == [0, 1, 1])
    }
}
