import CampaignLabData

/// What to generate: how many customers, from which seed, up to which month.
public struct DemoBankConfiguration: Sendable, Equatable {
    /// Number of customers (at least 100, so every arm and segment has someone in it).
    public var customers: Int
    /// The seed: the same seed and configuration give the same database content.
    public var seed: UInt64
    /// The last month of `customer_months` (the data cut-off). 36 months end here.
    public var lastMonth: YearMonth
    /// Months of `customer_months` history.
    public var months: Int
    /// How many of the last months also get one `app_login` event per login (their count per
    /// customer and month equals `customer_months.app_logins` exactly). Logins of earlier
    /// months exist only as monthly counts: writing 36 months of login events for a million
    /// customers would take most of the time budget. Recorded in `demo_info`.
    public var loginEventMonths: Int

    public init(
        customers: Int, seed: UInt64 = 42, lastMonth: YearMonth = YearMonth(year: 2026, month: 10)!, months: Int = 36,
        loginEventMonths: Int = 3
    ) {
        self.customers = customers
        self.seed = seed
        self.lastMonth = lastMonth
        self.months = months
        self.loginEventMonths = loginEventMonths
    }

    /// The first month with `app_login` events.
    public var firstLoginEventMonth: YearMonth { lastMonth.adding(months: -(loginEventMonths - 1)) }

    /// The first month of `customer_months`.
    public var firstMonth: YearMonth { lastMonth.adding(months: -(months - 1)) }

    /// Throws a message an analyst can act on when the configuration cannot make a useful bank.
    public func validate() throws {
        guard customers >= 100 else {
            throw DemoBankError.invalidConfiguration(
                "--customers must be at least 100 (got \(customers)), so that every campaign arm and segment has customers in it.")
        }
        guard customers <= 50_000_000 else {
            throw DemoBankError.invalidConfiguration("--customers must be at most 50,000,000 (got \(customers)).")
        }
        guard months >= 36 else {
            throw DemoBankError.invalidConfiguration("the demo needs at least 36 months of history (got \(months)).")
        }
        guard (1...months).contains(loginEventMonths) else {
            throw DemoBankError.invalidConfiguration("login events must cover 1 to \(months) months (got \(loginEventMonths)).")
        }
    }
}

/// Errors from the demo generator.
public enum DemoBankError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case outputExists(path: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return message
        case .outputExists(let path): return "\(path) already exists; remove it or pass --force to overwrite it."
        }
    }
}
