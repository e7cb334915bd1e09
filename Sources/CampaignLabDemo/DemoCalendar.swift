import CampaignLabData

/// The month-level calendar of the demo bank: market drift, Spring-Festival seasonality and
/// the campaign windows, all as indices into the 36 months of `customer_months`.
///
/// Market drift happens in two phases of each data year: a gradual rise over November–June,
/// flat July–August, and an autumn step (the wealth-management sales season and the app's
/// autumn promotions) that lifts every customer's expected AUM, products and logins from
/// September on, for good. The growth journeys' pre-period (July–August) and campaign months
/// (September–October) straddle that step, so non-participants grow during the campaign too,
/// in proportion to what they already had: participants, who had more, would have grown more
/// in absolute terms without the campaign — the self-selection that makes the naive
/// "participants grew N× non-participants" multiple overstate the effect.
struct DemoCalendar: Sendable {
    let firstMonth: YearMonth
    let months: Int
    /// 'YYYY-MM' for each month index.
    let monthText: [String]
    /// Multiplicative market level of AUM, per month (1 in the first month).
    let aumMarket: [Double]
    /// Multiplicative market level of app usage, per month.
    let loginMarket: [Double]
    /// Additive market drift of products held, per month.
    let productsDrift: [Double]
    /// Seasonal multiplier of AUM (Spring-Festival bonus inflow and festival spending).
    let aumSeason: [Double]
    /// Seasonal multiplier of app logins (dip in the festival month).
    let loginSeason: [Double]

    /// Spring Festival (Chinese New Year's day), 2019–2031.
    static let springFestivals: [CivilDate] = [
        "2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10",
        "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03", "2031-01-23",
    ].map { CivilDate($0)! }

    /// November–June market growth, most recent data year first (the year to the last month,
    /// then the year before, …): AUM and app usage multiplicative, products additive.
    static let aumGrowth = [0.04, 0.11, 0.07, 0.06]
    static let loginGrowth = [0.02, 0.06, 0.04, 0.03]
    static let productsGrowth = [0.05, 0.12, 0.07, 0.07]
    /// The autumn step from August to September, every year: AUM and app usage multiplicative;
    /// products held additive in the calendar, and multiplicative (`autumnProductsGrowth`) when
    /// a growth journey's untreated campaign months continue a customer's pre-period mean.
    static let autumnAUMGrowth = 0.035
    static let autumnLoginGrowth = 0.12
    static let autumnProductsStep = 0.05
    static let autumnProductsGrowth = 0.03

    init(firstMonth: YearMonth, months: Int) {
        self.firstMonth = firstMonth
        self.months = months
        monthText = (0..<months).map { firstMonth.adding(months: $0).description }
        let last = months - 1
        var aum = [Double](), login = [Double](), products = [Double]()
        var aumBase = 1.0, loginBase = 1.0, productsBase = 0.0
        for m in 0..<months {
            // Position in the data year that ends with the last month (0 = first month of the year).
            let k = ((m - last - 1) % 12 + 12) % 12
            let block = min((last - m) / 12, Self.aumGrowth.count - 1)
            if k == 0 && m > 0 {
                aumBase = aum[m - 1]; loginBase = login[m - 1]; productsBase = products[m - 1]
            }
            let progress = Double(min(k + 1, 8)) / 8
            let autumn = k >= 10 ? 1.0 : 0.0  // September and October
            aum.append(aumBase * pow1p(Self.aumGrowth[block], progress) * pow1p(Self.autumnAUMGrowth, autumn))
            login.append(loginBase * pow1p(Self.loginGrowth[block], progress) * pow1p(Self.autumnLoginGrowth, autumn))
            products.append(productsBase + Self.productsGrowth[block] * progress + Self.autumnProductsStep * autumn)
        }
        // Normalise so the first month is 1.
        let a0 = aum[0], l0 = login[0]
        aumMarket = aum.map { $0 / a0 }
        loginMarket = login.map { $0 / l0 }
        productsDrift = products.map { $0 - products[0] }

        var aumSeason = [Double](repeating: 1, count: months)
        var loginSeason = [Double](repeating: 1, count: months)
        for festival in Self.springFestivals {
            // Year-end bonuses arrive about three weeks before the festival.
            let bonus = festival.adding(days: -21).yearMonth.index - firstMonth.index
            let festivalMonth = festival.yearMonth.index - firstMonth.index
            if (0..<months).contains(bonus) { aumSeason[bonus] *= 1.06 }
            if (0..<months).contains(festivalMonth) {
                aumSeason[festivalMonth] *= 0.97  // red packets and travel
                loginSeason[festivalMonth] *= 0.80  // holidays: fewer logins
            }
        }
        self.aumSeason = aumSeason
        self.loginSeason = loginSeason
    }

    /// The factor by which the untreated campaign month `post` continues the mean of the
    /// pre-period month `pre` for months metric 0 (aum), 1 (products_held) or 2 (app_logins):
    /// the market's change between them.
    func continuation(metric: Int, from pre: Int, to post: Int) -> Double {
        switch metric {
        case 0: return aumMarket[post] / aumMarket[pre]
        case 1: return productsDrift[post] > productsDrift[pre] ? 1 + Self.autumnProductsGrowth : 1
        default: return loginMarket[post] / loginMarket[pre]
        }
    }

    /// The month index of a date (may be negative or ≥ months).
    func monthIndex(of date: CivilDate) -> Int { date.yearMonth.index - firstMonth.index }

    /// The share of month `m` an account opened on `openedOn` was open: its opening month is
    /// pro-rated by days, every other month counts whole.
    func openingShare(month m: Int, openedOn: CivilDate) -> Double {
        guard m == monthIndex(of: openedOn) else { return 1 }
        let month = firstMonth.adding(months: m)
        return Double(month.lastDay.daysSinceEpoch - openedOn.daysSinceEpoch + 1) / Double(month.dayCount)
    }
}

private func pow1p(_ rate: Double, _ power: Double) -> Double {
    exp(power * log1p(rate))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
