import CampaignLabData
import CampaignLabStats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The statistical model of the demo bank. Everything a customer gets — dimensions, monthly
// snapshots, events, campaign assignments — is drawn from that customer's own random stream
// `Xoshiro256StarStar(seed).stream(for: customerID)`, in a fixed order, so a customer's rows
// depend only on (seed, customer_id, configuration) and chunks can be generated on any thread.
//
// The model, in short (DESIGN is also written to `demo_info`):
//
// * Customer level. log AUM level μ ~ N(log 12,000 + age/region shifts, 2.15²) for most
//   customers; 14% are near-empty accounts (μ ~ N(log 80, 1.2²)). The very wide lognormal
//   puts more than half of all AUM with the top 2% of customers. App-usage rate
//   λ = 4 · Gamma(0.8, 1/0.8) · channel · age · wealth factors (many near zero → many
//   zero-login months). Products held: a persistent base count (richer → more).
// * Months. aum = level · market(t) · season(t) · dormancy · mean-one lognormal noise (σ 0.07);
//   products = base + Poisson(market drift) + occasional +1; app_logins = Poisson(λ · market ·
//   season · dormancy). The opening month is pro-rated by the days the account was open.
// * Dormancy: a monthly Markov chain (active → dormant 1.2%, 3% for near-empty accounts;
//   dormant → active 6%); dormant months have 35% of the AUM and 3% of the logins.
// * Campaign months (September–October of the two growth-journey years). For every customer
//   with both pre-period months (July–August), the untreated value of each months metric
//   continues the customer's realized pre-period mean, lifted by the market's autumn step
//   (`DemoCalendar.continuation`): E[Y_t(0) | history] = pre-period mean × (1 + g) with g =
//   3.5% for aum, 3% for products, 12% for app_logins (aum: × mean-one lognormal noise;
//   products: stochastic rounding; app_logins: Poisson). Given everything observed before the
//   campaign the untreated change is known in expectation, so participation, which depends
//   only on those observables, is ignorable and adjusting for the pre-period values recovers
//   the effect. But the untreated change is proportional to the pre-period level, and
//   participants start higher: the raw difference in growth (plain DiD) and the "N×" growth
//   multiple overstate the effect — the self-selection bias the reports must expose.
//   Treatment adds a known amount to the expected value (aum + δ, products + acquisition
//   probability, logins: Poisson rate + δ), per segment.
// * Participation is a logistic model in pre-period means of log1p(app_logins),
//   log1p(aum), products_held, and channel and age band (self-selection).

/// The four customer tiers, set on monthly average daily AUM at the start of the data.
enum Segment: Int, CaseIterable, Sendable {
    case mass, affluent, wealth, `private`

    var name: String { ["mass", "affluent", "wealth", "private"][rawValue] }

    /// Tier thresholds on monthly average daily AUM (CNY): 50k, 500k, 6M.
    static let thresholds: [Double] = [50_000, 500_000, 6_000_000]

    init(aum: Double) {
        var s = 0
        for t in Segment.thresholds where aum >= t { s += 1 }
        self = Segment(rawValue: s)!
    }
}

enum DemoDimensions {
    static let ageBands = ["18-29", "30-44", "45-59", "60+"]
    static let regions = ["east", "north", "south", "central", "southwest", "northeast"]
    static let channels = ["app", "branch", "partner"]
    static let regionWeights = [0.30, 0.20, 0.20, 0.12, 0.10, 0.08]
    static let ageWeights = [0.22, 0.33, 0.27, 0.18]
    static let regionAUMShift = [0.20, 0.10, 0.15, -0.15, -0.20, -0.25]
    static let ageAUMShift = [-0.8, 0.0, 0.4, 0.6]
    static let ageLoginFactor = [1.25, 1.1, 0.85, 0.5]
    static let channelLoginFactor = [1.5, 0.6, 0.9]
}

/// Event names in code order.
enum EventKind: UInt8, CaseIterable, Sendable {
    case appLogin, pageView, click, enroll, taskComplete, reward, purchase, referral
    var name: String {
        ["app_login", "page_view", "click", "enroll", "task_complete", "reward", "purchase", "referral"][Int(rawValue)]
    }
}

/// Arm names in code order.
enum ArmCode: UInt8, CaseIterable, Sendable {
    case participant, nonParticipant, control, variantA, variantB
    var name: String { ["participant", "non_participant", "control", "variant_a", "variant_b"][Int(rawValue)] }
}

/// One growth-journey campaign: an observational campaign over the last two months of a
/// data year, with self-selected participation and known per-segment effects.
struct GrowthJourney: Sendable {
    /// Campaign code in events/assignments (1-based index into `DemoBankModel.campaignIDs`).
    let code: UInt8
    let id: String
    let preMonths: [Int]
    let postMonths: [Int]
    let preStart: CivilDate
    let start: CivilDate
    let end: CivilDate
    /// Logistic intercept of participation.
    let intercept: Double
    /// Effect on aum (CNY), mean over the two campaign months, per segment.
    let aumEffect: [Double]
    /// Share of the aum effect in the first and second campaign month (mean 1).
    let aumShape: [Double] = [0.7, 1.3]
    /// Chance to take up one more product in the first month, and in the second month.
    let productsFirst: [Double]
    let productsSecond: [Double]
    /// Extra app logins per campaign month (added to the Poisson rate), per segment.
    let loginEffect: [Double]

    /// True ATT per customer of each months metric (mean over the campaign months).
    func effect(metric: Int, segment: Int) -> Double {
        switch metric {
        case 0: return aumEffect[segment]
        case 1: return productsFirst[segment] + productsSecond[segment] / 2
        default: return loginEffect[segment]
        }
    }
}

/// The randomized activity-page test.
struct PageTest: Sendable {
    let code: UInt8 = 3
    let id: String
    let start: CivilDate
    /// Last day of the window (28 days).
    let end: CivilDate
    /// First day of the 4-week pre-period.
    let preStart: CivilDate
    /// Months that must be active (not dormant) for eligibility: the pre-period and window months.
    let activeMonths: [Int]
    /// Chance that an eligible customer is in the test.
    let inclusion = 0.25
    /// Additive lift of the purchase-conversion chance, per arm (control, variant_a, variant_b).
    let conversionLift = [0.0, 0.008, 0.020]
    /// Additive lift of the click-through chance per page view.
    let clickLift = [0.0, 0.010, 0.030]
    /// Multiplier of the purchase amount.
    let amountMultiplier = [1.0, 1.0, 1.05]
    /// Expected purchases of a converting customer: 1 + Poisson(0.4).
    let purchasesPerConverter = 1.4
}

/// A generated row of `customers`.
struct CustomerRow: Sendable {
    var id: Int
    var openedOn: CivilDate
    var segment: UInt8
    var ageBand: UInt8
    var region: UInt8
    var channel: UInt8
}

/// A generated row of `customer_months`.
struct MonthRow: Sendable {
    var id: Int
    var month: Int32
    var products: Int32
    var logins: Int32
    var aum: Double
}

/// A generated row of `events`; the timestamp is in `DemoChunk.eventTimes`.
struct EventRow: Sendable {
    var id: Int
    var kind: EventKind
    /// 0 = NULL, otherwise the campaign code.
    var campaign: UInt8
    /// NaN = NULL.
    var value: Double
}

/// A generated row of `assignments`.
struct AssignmentRow: Sendable {
    var campaign: UInt8
    var id: Int
    var arm: ArmCode
    var assignedAt: Int64
}

/// What the generator knows exactly, summed over a chunk (added up in chunk order).
struct DemoTruth: Sendable {
    /// Participants per growth journey (index 0 = this year, 1 = last year) and segment.
    var participants = [[Int]](repeating: [0, 0, 0, 0], count: 2)
    var eligible = [0, 0]
    /// Sum over customers eligible for both growth journeys of the untreated expected mean
    /// over the campaign months: [metric][journey].
    var marketSums = [[Double]](repeating: [0, 0], count: 3)
    var marketCustomers = 0
    /// Page test: customers per arm, and the sum over assigned customers of the expected
    /// purchase-amount difference (arm − control) for variant_a and variant_b.
    var testArms = [0, 0, 0]
    var testAmountEffect = [0.0, 0.0]
    /// Pre-period app_logins sums, for the generator's own sanity summary.
    var rows = 0
    /// The lifecycle the checkup reads (activity = app_logins > 0, dormant after
    /// `DemoTruth.dormantMonths` months without it), per month of the data: customers active,
    /// and for each rate the sum over the customers in its denominator of the chance the
    /// generator gave them — P(active in m | the state of month m − 1) — and its variance.
    var lifecycle = LifecycleTruth()

    struct LifecycleTruth: Sendable {
        var mau: [Int] = []
        /// Retained: over customers active in m − 1, Σ p and Σ p(1 − p).
        var retainedExpected: [Double] = []
        var retainedVariance: [Double] = []
        /// Resurrected: over customers dormant at the end of m − 1.
        var resurrectedExpected: [Double] = []
        var resurrectedVariance: [Double] = []
        var dormant: [Int] = []
        /// Newly dormant: over customers last active in m − N, Σ (1 − p).
        var newlyDormantExpected: [Double] = []
        var newlyDormantVariance: [Double] = []

        init(months: Int = 0) {
            mau = [Int](repeating: 0, count: months)
            dormant = mau
            retainedExpected = [Double](repeating: 0, count: months)
            retainedVariance = retainedExpected
            resurrectedExpected = retainedExpected
            resurrectedVariance = retainedExpected
            newlyDormantExpected = retainedExpected
            newlyDormantVariance = retainedExpected
        }

        mutating func add(_ other: LifecycleTruth) {
            if mau.isEmpty { self = LifecycleTruth(months: other.mau.count) }
            for m in other.mau.indices {
                mau[m] += other.mau[m]
                dormant[m] += other.dormant[m]
                retainedExpected[m] += other.retainedExpected[m]
                retainedVariance[m] += other.retainedVariance[m]
                resurrectedExpected[m] += other.resurrectedExpected[m]
                resurrectedVariance[m] += other.resurrectedVariance[m]
                newlyDormantExpected[m] += other.newlyDormantExpected[m]
                newlyDormantVariance[m] += other.newlyDormantVariance[m]
            }
        }

        /// Adds a customer: its logins per month of the data (0 before it opened) and p[m].
        mutating func add(logins: [Int], firstIndex: Int, p: [Double]) {
            if mau.isEmpty { self = LifecycleTruth(months: logins.count) }
            let n = DemoTruth.dormantMonths
            var lastActive = Int.min
            for m in firstIndex..<logins.count {
                if m >= 1 {
                    let q = p[m], v = q * (1 - q)
                    if lastActive == m - 1 {
                        retainedExpected[m] += q
                        retainedVariance[m] += v
                    }
                    if lastActive != Int.min && lastActive <= m - 1 - n {
                        resurrectedExpected[m] += q
                        resurrectedVariance[m] += v
                        dormant[m - 1] += 1
                    }
                    if lastActive == m - n {
                        newlyDormantExpected[m] += 1 - q
                        newlyDormantVariance[m] += v
                    }
                }
                if logins[m] > 0 {
                    mau[m] += 1
                    lastActive = m
                }
            }
        }
    }

    /// The dormancy threshold of the lifecycle truth: the checkup's default.
    static let dormantMonths = 6

    /// Tier migration from the end of March to the end of June of each year in the data (a
    /// quarter without campaign months), as the checkup's matrix counts it (tiers on aum at the
    /// month's end; "dormant": no app_logins in the 6 months up to June, for a customer with a
    /// March row): per end month, [row: 4 tiers + new][column: 4 tiers + dormant], the sum over
    /// customers of the chance of the cell given everything known at the end of March, and Σ p(1 − p).
    var tiers: [Int: (expected: [[Double]], variance: [[Double]])] = [:]

    mutating func addTiers(_ other: [Int: (expected: [[Double]], variance: [[Double]])]) {
        for (end, cells) in other {
            var mine = tiers[end] ?? (Self.emptyCells, Self.emptyCells)
            for r in 0..<5 {
                for c in 0..<5 {
                    mine.expected[r][c] += cells.expected[r][c]
                    mine.variance[r][c] += cells.variance[r][c]
                }
            }
            tiers[end] = mine
        }
    }

    static let emptyCells = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)

    mutating func add(_ other: DemoTruth) {
        for j in 0..<2 {
            for s in 0..<4 { participants[j][s] += other.participants[j][s] }
            eligible[j] += other.eligible[j]
        }
        for m in 0..<3 { for j in 0..<2 { marketSums[m][j] += other.marketSums[m][j] } }
        marketCustomers += other.marketCustomers
        for a in 0..<3 { testArms[a] += other.testArms[a] }
        for a in 0..<2 { testAmountEffect[a] += other.testAmountEffect[a] }
        lifecycle.add(other.lifecycle)
        addTiers(other.tiers)
    }
}

/// The rows of a block of consecutive customers.
struct DemoChunk: Sendable {
    var firstCustomer = 0
    var customerCount = 0
    var customers: [CustomerRow] = []
    var months: [MonthRow] = []
    var events: [EventRow] = []
    /// 19 bytes 'YYYY-MM-DD HH:MM:SS' per event, in event order.
    var eventTimes: [UInt8] = []
    var assignments: [AssignmentRow] = []
    var truth = DemoTruth()
}

/// The demo bank's model: calendar, campaigns and the per-customer simulation.
struct DemoBankModel: Sendable {
    let configuration: DemoBankConfiguration
    let calendar: DemoCalendar
    let root: Xoshiro256StarStar
    /// Growth journeys: [this year, last year].
    let journeys: [GrowthJourney]
    let pageTest: PageTest
    /// Months (indices) whose app logins are also written as `app_login` events.
    let loginEventMonths: Range<Int>
    let hourSampler = CategoricalSampler(weights: [
        0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.8, 2.2, 3.5, 2.8, 2.4, 2.6,
        3.6, 3.0, 2.3, 2.2, 2.3, 2.6, 3.0, 3.6, 4.2, 4.4, 3.2, 1.4,
    ])
    let regionSampler = CategoricalSampler(weights: DemoDimensions.regionWeights)
    let ageSampler = CategoricalSampler(weights: DemoDimensions.ageWeights)

    /// Campaign ids by code (index 0 unused).
    var campaignIDs: [String] { ["", journeys[0].id, journeys[1].id, pageTest.id] }

    init(configuration: DemoBankConfiguration) {
        self.configuration = configuration
        calendar = DemoCalendar(firstMonth: configuration.firstMonth, months: configuration.months)
        root = Xoshiro256StarStar(seed: configuration.seed)
        let last = configuration.months - 1
        let lastMonth = configuration.lastMonth
        func journey(code: UInt8, yearsBack: Int, intercept: Double, scale: Double, logins: [Double]) -> GrowthJourney {
            let post = [last - 1 - 12 * yearsBack, last - 12 * yearsBack]
            let startMonth = lastMonth.adding(months: -1 - 12 * yearsBack)
            return GrowthJourney(
                code: code, id: "growth_journey_\(startMonth.year)",
                preMonths: [post[0] - 2, post[0] - 1], postMonths: post,
                preStart: startMonth.adding(months: -2).firstDay,
                start: startMonth.firstDay, end: startMonth.adding(months: 1).lastDay,
                intercept: intercept,
                aumEffect: [2_000, 9_000, 30_000, 90_000].map { $0 * scale },
                productsFirst: [0.12, 0.18, 0.20, 0.15].map { $0 * scale },
                productsSecond: [0.08, 0.10, 0.10, 0.08].map { $0 * scale },
                loginEffect: logins)
        }
        journeys = [
            journey(code: 1, yearsBack: 0, intercept: -4.35, scale: 1.0, logins: [2.5, 3.0, 2.0, 1.5]),
            journey(code: 2, yearsBack: 1, intercept: -4.55, scale: 0.7, logins: [1.8, 2.2, 1.5, 1.0]),
        ]
        let testMonth = lastMonth.adding(months: -4)
        let testStart = testMonth.firstDay
        pageTest = PageTest(
            id: "page_ab_\(testMonth.year)", start: testStart, end: testStart.adding(days: 27),
            preStart: testStart.adding(days: -28),
            activeMonths: [last - 5, last - 4])
        loginEventMonths = (configuration.months - configuration.loginEventMonths)..<configuration.months
    }

    // MARK: One chunk

    func generate(first: Int, count: Int) -> DemoChunk {
        var chunk = DemoChunk()
        chunk.firstCustomer = first
        chunk.customerCount = count
        chunk.customers.reserveCapacity(count)
        chunk.months.reserveCapacity(count * calendar.months)
        chunk.events.reserveCapacity(count * 16)
        chunk.eventTimes.reserveCapacity(count * 16 * 19)
        for id in first..<(first + count) {
            var rng = root.stream(for: UInt64(id))
            simulate(customer: id, rng: &rng, into: &chunk)
        }
        return chunk
    }

    // MARK: One customer

    private func simulate(customer id: Int, rng: inout Xoshiro256StarStar, into chunk: inout DemoChunk) {
        let cal = calendar
        let last = cal.months - 1

        // Dimensions and opening date: 62% opened in the three years before the data, the
        // rest during the 36 months (uniformly), so recent customers have fewer months.
        let age = ageSampler.sample(using: &rng)
        let region = regionSampler.sample(using: &rng)
        let appShare = [0.65, 0.5, 0.3, 0.15][age]
        let channel = rng.categorical(weights: [appShare, 0.85 - appShare, 0.15])
        let dataStart = cal.firstMonth.firstDay
        let dataEnd = cal.firstMonth.adding(months: cal.months - 1).lastDay
        let openedOn: CivilDate
        if rng.bernoulli(probability: 0.62) {
            openedOn = dataStart.adding(days: -1 - rng.uniformInt(below: 3 * 365))
        } else {
            let span = dataEnd.daysSinceEpoch - 14 - dataStart.daysSinceEpoch
            openedOn = dataStart.adding(days: rng.uniformInt(below: span))
        }
        let firstIndex = max(0, cal.monthIndex(of: openedOn))

        // Persistent levels.
        let nearEmpty = rng.bernoulli(probability: 0.14)
        let mu =
            nearEmpty
            ? rng.normal(mean: log(80), standardDeviation: 1.2)
            : rng.normal(
                mean: log(12_000) + DemoDimensions.ageAUMShift[age] + DemoDimensions.regionAUMShift[region],
                standardDeviation: 2.15)
        let level = exp(min(mu, log(2e9)))
        let wealthLogins = exp(max(-1.5, min(1.5, 0.08 * (mu - log(12_000)))))
        var loginRate =
            4 * rng.gamma(shape: 0.8, scale: 1 / 0.8) * DemoDimensions.channelLoginFactor[channel]
            * DemoDimensions.ageLoginFactor[age] * wealthLogins
        if nearEmpty { loginRate *= 0.4 }
        let productsBase =
            (nearEmpty ? (rng.bernoulli(probability: 0.7) ? 1 : 0) : 1)
            + rng.poisson(mean: max(0, 0.2 + 0.3 * (log10(level) - 3)))
        var dormant = rng.bernoulli(probability: nearEmpty ? 1.0 / 3 : 1.0 / 6)  // the chain's stationary shares
        let toDormant = nearEmpty ? 0.03 : 0.012
        let toActive = 0.06

        // Tier at the start of the customer's data: expected full-month AUM in the first month.
        let segment = Segment(aum: level * cal.aumMarket[firstIndex] * cal.aumSeason[firstIndex])
        chunk.customers.append(
            CustomerRow(
                id: id, openedOn: openedOn, segment: UInt8(segment.rawValue),
                ageBand: UInt8(age), region: UInt8(region), channel: UInt8(channel)))

        // Months.
        var aum = [Double](repeating: 0, count: cal.months)
        var products = [Int](repeating: 0, count: cal.months)
        var logins = [Int](repeating: 0, count: cal.months)
        var wasDormant = [Bool](repeating: false, count: cal.months)
        var pActive = [Double](repeating: 0, count: cal.months)
        var participates = [false, false]
        var eligibleFor = [false, false]
        var joinedAt: [Int64] = [0, 0]
        var preMeans = [[Double]](repeating: [0, 0, 0], count: 2)  // [journey][aum, products, logins]
        let noiseSD = 0.07, continuationSD = 0.04
        let fullPreMonths = { (j: GrowthJourney) in firstIndex <= j.preMonths[0] }

        var m = firstIndex
        while m <= last {
            // Campaign months of a growth journey: continuation of the realized pre-period.
            if let j = journeys.firstIndex(where: { $0.postMonths[0] == m }), fullPreMonths(journeys[j]) {
                let journey = journeys[j]
                let pre = journey.preMonths
                let means = [
                    (aum[pre[0]] + aum[pre[1]]) / 2,
                    Double(products[pre[0]] + products[pre[1]]) / 2,
                    Double(logins[pre[0]] + logins[pre[1]]) / 2,
                ]
                preMeans[j] = means
                let eligible = openedOn < journey.preStart
                var treated = false
                if eligible {
                    eligibleFor[j] = true
                    let x =
                        journey.intercept + 0.55 * log1p(means[2]) + 0.16 * log1p(means[0]) + 0.30 * means[1]
                        + [0.35, -0.25, 0.0][channel] + [0.15, 0.25, 0.0, -0.35][age]
                    treated = rng.bernoulli(probability: 1 / (1 + exp(-x)))
                    participates[j] = treated
                    chunk.truth.eligible[j] += 1
                    if treated {
                        chunk.truth.participants[j][segment.rawValue] += 1
                        joinedAt[j] = Int64(journey.start.daysSinceEpoch) * 86_400 + Int64(rng.uniformInt(below: 21 * 86_400))
                    }
                }
                var acquired = 0
                for (k, month) in journey.postMonths.enumerated() {
                    wasDormant[month] = dormant  // the state is frozen over the campaign months
                    var value =
                        means[0] * cal.continuation(metric: 0, from: pre[0], to: month)
                        * exp(continuationSD * rng.normal() - continuationSD * continuationSD / 2)
                    var held = Int((means[1] * cal.continuation(metric: 1, from: pre[0], to: month) + rng.uniform()).rounded(.down))
                    var rate = means[2] * cal.continuation(metric: 2, from: pre[0], to: month)
                    if treated {
                        value += journey.aumEffect[segment.rawValue] * journey.aumShape[k]
                        let take = k == 0 ? journey.productsFirst[segment.rawValue] : journey.productsSecond[segment.rawValue]
                        if acquired == 0 && rng.bernoulli(probability: take / (k == 0 ? 1 : 1 - journey.productsFirst[segment.rawValue])) {
                            acquired = 1
                        }
                        held += acquired
                        rate += journey.loginEffect[segment.rawValue]
                    }
                    aum[month] = (value * 100).rounded() / 100
                    products[month] = held
                    logins[month] = rng.poisson(mean: rate)
                    pActive[month] = 1 - exp(-rate)
                }
                m = journey.postMonths[1] + 1
                continue
            }

            let previous = dormant
            if m > firstIndex {
                dormant = dormant ? !rng.bernoulli(probability: toActive) : rng.bernoulli(probability: toDormant)
            }
            wasDormant[m] = dormant
            let share = cal.openingShare(month: m, openedOn: openedOn)
            // The chance of a login this month given last month's state (the lifecycle truth).
            let activeRate = loginRate * cal.loginMarket[m] * cal.loginSeason[m] * share
            let toDormantNow = m > firstIndex ? (previous ? 1 - toActive : toDormant) : (dormant ? 1 : 0)
            pActive[m] = toDormantNow * (1 - exp(-activeRate * 0.03)) + (1 - toDormantNow) * (1 - exp(-activeRate))
            let noise = exp(noiseSD * rng.normal() - noiseSD * noiseSD / 2)
            let value = level * cal.aumMarket[m] * cal.aumSeason[m] * (dormant ? 0.35 : 1) * share * noise
            aum[m] = (value * 100).rounded() / 100
            products[m] = productsBase + rng.poisson(mean: cal.productsDrift[m]) + (rng.bernoulli(probability: 0.03) ? 1 : 0)
            logins[m] = rng.poisson(mean: loginRate * cal.loginMarket[m] * cal.loginSeason[m] * (dormant ? 0.03 : 1) * share)
            m += 1
        }
        chunk.truth.lifecycle.add(logins: logins, firstIndex: firstIndex, p: pActive)
        addTierTruth(
            &chunk.truth, level: level, loginRate: loginRate, stationary: nearEmpty ? 1.0 / 3 : 1.0 / 6, toDormant: toDormant,
            toActive: toActive, openedOn: openedOn, firstIndex: firstIndex, wasDormant: wasDormant, logins: logins, aum: aum)
        for m in firstIndex...last {
            chunk.months.append(
                MonthRow(
                    id: id, month: Int32(m), products: Int32(products[m]),
                    logins: Int32(logins[m]), aum: aum[m]))
        }

        // Market factor population: eligible for both journeys.
        if eligibleFor[0] && eligibleFor[1] {
            chunk.truth.marketCustomers += 1
            for metric in 0..<3 {
                for j in 0..<2 {
                    let journey = journeys[j]
                    let factor =
                        journey.postMonths.reduce(0.0) {
                            $0 + cal.continuation(metric: metric, from: journey.preMonths[0], to: $1)
                        } / Double(journey.postMonths.count)
                    chunk.truth.marketSums[metric][j] += preMeans[j][metric] * factor
                }
            }
        }

        // Login events for the documented months: exactly app_logins per month.
        for m in loginEventMonths where m >= firstIndex && logins[m] > 0 {
            let month = cal.firstMonth.adding(months: m)
            let firstDay = max(month.firstDay.daysSinceEpoch, openedOn.daysSinceEpoch)
            let days = month.lastDay.daysSinceEpoch - firstDay + 1
            var times = (0..<logins[m]).map { _ -> Int64 in
                let day = firstDay + rng.uniformInt(below: days)
                let seconds = hourSampler.sample(using: &rng) * 3600 + rng.uniformInt(below: 3600)
                return Int64(day) * 86_400 + Int64(seconds)
            }
            times.sort()
            for t in times { appendEvent(&chunk, id, .appLogin, t) }
        }

        // Growth journeys: assignments and the campaign funnel.
        for (j, journey) in journeys.enumerated() where eligibleFor[j] {
            let startSeconds = Int64(journey.start.daysSinceEpoch) * 86_400
            let endSeconds = Int64(journey.end.daysSinceEpoch + 1) * 86_400 - 1
            if participates[j] {
                chunk.assignments.append(AssignmentRow(campaign: journey.code, id: id, arm: .participant, assignedAt: joinedAt[j]))
                funnel(&chunk, id, journey, start: joinedAt[j], end: endSeconds, level: level, rng: &rng)
            } else {
                chunk.assignments.append(AssignmentRow(campaign: journey.code, id: id, arm: .nonParticipant, assignedAt: startSeconds))
                if rng.bernoulli(probability: 0.04) {
                    let t = startSeconds + Int64(rng.uniformInt(below: Int(endSeconds - startSeconds)))
                    appendEvent(&chunk, id, .purchase, daytime(t, &rng), value: purchaseValue(level, &rng))
                }
            }
        }

        // Randomized page test over a random subset of active, established customers.
        let test = pageTest
        if openedOn < test.preStart, test.activeMonths.allSatisfy({ !wasDormant[$0] }),
            rng.bernoulli(probability: test.inclusion)
        {
            pageTestCustomer(&chunk, id, rng: &rng, loginRate: loginRate, level: level)
        }
    }

    /// Growth-journey funnel of one participant: page_view → click → enroll → task_complete
    /// (a purchase just before it) → reward → referral, each step after the previous one,
    /// within the campaign window.
    private func funnel(
        _ chunk: inout DemoChunk, _ id: Int, _ journey: GrowthJourney, start: Int64, end: Int64,
        level: Double, rng: inout Xoshiro256StarStar
    ) {
        let campaign = journey.code
        appendEvent(&chunk, id, .pageView, start, campaign: campaign)
        var t = start
        let steps: [(EventKind, Double)] = [(.click, 0.85), (.enroll, 0.70), (.taskComplete, 0.60), (.reward, 0.95)]
        var previous = start
        for (kind, chance) in steps {
            guard rng.bernoulli(probability: chance) else { return }
            t += timeToConvert(&rng)
            guard t <= end else { return }
            if kind == .taskComplete {
                // The task is "buy a fund": the purchase happens between enrolment and completion.
                let purchaseAt = previous + max(1, Int64(Double(t - previous) * rng.uniform(0.5, 0.99)))
                appendEvent(&chunk, id, .purchase, min(purchaseAt, t - 1), value: purchaseValue(level, &rng), campaign: campaign)
            }
            appendEvent(&chunk, id, kind, t, campaign: campaign)
            previous = t
        }
        if rng.bernoulli(probability: 0.15) {
            t += timeToConvert(&rng)
            if t <= end { appendEvent(&chunk, id, .referral, t, campaign: campaign) }
        }
    }

    /// Seconds from one funnel step to the next: half within the hour, a third within
    /// hours, the rest a long tail over weeks.
    private func timeToConvert(_ rng: inout Xoshiro256StarStar) -> Int64 {
        let u = rng.uniform()
        let seconds: Double
        if u < 0.5 {
            seconds = rng.exponential(mean: 900)
        } else if u < 0.85 {
            seconds = rng.exponential(mean: 6 * 3600)
        } else {
            seconds = rng.gamma(shape: 0.8, scale: 6 * 86_400)
        }
        return 30 + Int64(seconds)
    }

    private func purchaseValue(_ level: Double, _ rng: inout Xoshiro256StarStar) -> Double {
        let typical = 3_000 * exp(max(-2, min(2.5, 0.3 * (log(level + 1) - log(12_000)))))
        return (typical * rng.lognormal(logMean: -0.125, logStandardDeviation: 0.5) * 100).rounded() / 100
    }

    /// Moves a timestamp into the same day's daytime profile (keeps the date).
    private func daytime(_ t: Int64, _ rng: inout Xoshiro256StarStar) -> Int64 {
        let day = t / 86_400
        return day * 86_400 + Int64(hourSampler.sample(using: &rng) * 3600 + rng.uniformInt(below: 3600))
    }

    /// One customer in the page test: assignment, four weeks of pre-period behaviour and the
    /// test window, from the same persistent propensities (so pre-period data predicts the
    /// window: CUPED has something to use).
    /// The end-of-March → end-of-June tier migration of one customer as chances (see
    /// `DemoTruth.tiers`): the latent dormancy chain run forward from March's state (or, for a
    /// customer opened in the quarter, from its stationary chance), the chance of no login in
    /// April–June along it, and the chance of each tier from June's lognormal noise (σ 0.07)
    /// around level × market × season × (0.35 when dormant) × the opening month's share.
    private func addTierTruth(
        _ truth: inout DemoTruth, level: Double, loginRate: Double, stationary: Double, toDormant: Double, toActive: Double,
        openedOn: CivilDate, firstIndex: Int, wasDormant: [Bool], logins: [Int], aum: [Double]
    ) {
        let cal = calendar, n = DemoTruth.dormantMonths, sd = 0.07
        func step(_ p: [Double]) -> [Double] {  // [active, dormant] one month on
            [p[0] * (1 - toDormant) + p[1] * toActive, p[0] * toDormant + p[1] * (1 - toActive)]
        }
        func tier(_ value: Double) -> Int { Segment(aum: value).rawValue }
        for end in 0..<cal.months where cal.firstMonth.adding(months: end).month == 6 && end >= 3 && firstIndex <= end {
            let start = end - 3
            let isNew = firstIndex > start
            let row = isNew ? 4 : tier(aum[start])
            // The chain from the first month known: March's state, or the opening month's chance.
            let chainStart = isNew ? firstIndex : start
            var p = isNew ? [1 - stationary, stationary] : (wasDormant[start] ? [0.0, 1] : [1.0, 0])
            // Dormant in June: no login in the 6 months up to it (those up to March are known).
            let eligible = !isNew && end - n >= 0 && ((end - n + 1)...start).allSatisfy { $0 < firstIndex || logins[$0] == 0 }
            var none = p
            if chainStart < end {
                for m in (chainStart + 1)...end {
                    p = step(p)
                    let rate = loginRate * cal.loginMarket[m] * cal.loginSeason[m] * cal.openingShare(month: m, openedOn: openedOn)
                    let quiet = [exp(-rate), exp(-rate * 0.03)]
                    let moved = step(none)
                    none = [moved[0] * quiet[0], moved[1] * quiet[1]]
                }
            }
            var cells = [Double](repeating: 0, count: 5)
            for s in 0..<2 {
                let mean =
                    level * cal.aumMarket[end] * cal.aumSeason[end] * (s == 1 ? 0.35 : 1) * cal.openingShare(month: end, openedOn: openedOn)
                var below = 0.0
                for (t, bound) in (Segment.thresholds + [Double.infinity]).enumerated() {
                    let upTo = bound.isInfinite ? 1 : NormalDistribution.standard.cdf((log(bound / mean) + sd * sd / 2) / sd)
                    let chance = upTo - below
                    below = upTo
                    cells[t] += (p[s] - (eligible ? none[s] : 0)) * chance
                }
                if eligible { cells[4] += none[s] }
            }
            var entry = truth.tiers[end] ?? (DemoTruth.emptyCells, DemoTruth.emptyCells)
            for c in 0..<5 {
                entry.expected[row][c] += cells[c]
                entry.variance[row][c] += cells[c] * (1 - cells[c])
            }
            truth.tiers[end] = entry
        }
    }

    private func pageTestCustomer(
        _ chunk: inout DemoChunk, _ id: Int, rng: inout Xoshiro256StarStar,
        loginRate: Double, level: Double
    ) {
        let test = pageTest
        let arm = rng.uniformInt(below: 3)  // equal allocation
        let visits = 0.3 + 0.6 * pow(loginRate, 0.7) * rng.gamma(shape: 2, scale: 0.5)
        let a = rng.gamma(shape: 2), b = rng.gamma(shape: 14)
        let clickChance = min(0.85, a / (a + b))
        let conversion = min(0.8, 0.055 * rng.gamma(shape: 1.5, scale: 1 / 1.5))
        let typical =
            3_000 * exp(max(-2, min(2.5, 0.3 * (log(level + 1) - log(12_000)))))
            * rng.lognormal(logMean: -0.08, logStandardDeviation: 0.4)

        let windowStart = Int64(test.start.daysSinceEpoch) * 86_400
        let windowEnd = Int64(test.end.daysSinceEpoch + 1) * 86_400
        let preStart = Int64(test.preStart.daysSinceEpoch) * 86_400
        let assignedAt = windowStart + Int64(rng.uniformInt(below: 2 * 86_400))
        chunk.assignments.append(
            AssignmentRow(
                campaign: test.code, id: id,
                arm: ArmCode(rawValue: ArmCode.control.rawValue + UInt8(arm))!,
                assignedAt: assignedAt))
        chunk.truth.testArms[arm] += 1
        for v in 0..<2 {
            let lift = conversion + test.conversionLift[v + 1]
            chunk.truth.testAmountEffect[v] +=
                test.purchasesPerConverter * typical
                * (lift * test.amountMultiplier[v + 1] - conversion)
        }

        // Pre-period (control behaviour), then the window (arm behaviour).
        for period in 0..<2 {
            let from = period == 0 ? preStart : assignedAt
            let to = period == 0 ? windowStart : windowEnd
            let armIndex = period == 0 ? 0 : arm
            let campaign: UInt8 = period == 0 ? 0 : test.code
            let views = rng.poisson(mean: visits)
            var viewTimes = (0..<views).map { _ in from + Int64(rng.uniformInt(below: Int(to - from))) }
            viewTimes.sort()
            for t in viewTimes {
                appendEvent(&chunk, id, .pageView, t, campaign: campaign)
                if rng.bernoulli(probability: clickChance + test.clickLift[armIndex]) {
                    appendEvent(&chunk, id, .click, min(to - 1, t + 5 + Int64(rng.exponential(mean: 40))), campaign: campaign)
                }
            }
            if rng.bernoulli(probability: conversion + test.conversionLift[armIndex]) {
                let count = 1 + rng.poisson(mean: test.purchasesPerConverter - 1)
                for _ in 0..<count {
                    let t = from + Int64(rng.uniformInt(below: Int(to - from)))
                    let value = typical * test.amountMultiplier[armIndex] * rng.lognormal(logMean: -0.125, logStandardDeviation: 0.5)
                    appendEvent(&chunk, id, .purchase, t, value: (value * 100).rounded() / 100)
                }
            }
        }
    }

    private func appendEvent(
        _ chunk: inout DemoChunk, _ id: Int, _ kind: EventKind, _ seconds: Int64,
        value: Double = .nan, campaign: UInt8 = 0
    ) {
        chunk.events.append(EventRow(id: id, kind: kind, campaign: campaign, value: value))
        appendTimestamp(seconds, to: &chunk.eventTimes)
    }
}

/// Appends 'YYYY-MM-DD HH:MM:SS' (19 bytes) for `seconds` since 1970-01-01 00:00:00.
func appendTimestamp(_ seconds: Int64, to bytes: inout [UInt8]) {
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let s = Int(seconds - Int64(days) * 86_400)
    let c = CivilDate(daysSinceEpoch: days).components
    func two(_ v: Int) { bytes.append(UInt8(48 + v / 10)); bytes.append(UInt8(48 + v % 10)) }
    two(c.year / 100); two(c.year % 100)
    bytes.append(45); two(c.month); bytes.append(45); two(c.day)
    bytes.append(32); two(s / 3600); bytes.append(58); two(s / 60 % 60); bytes.append(58); two(s % 60)
}
