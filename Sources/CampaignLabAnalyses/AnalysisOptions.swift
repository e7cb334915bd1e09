import CampaignLabData

/// One option of an analysis: its name in notebooks (`pre_months`), what it means, and its
/// default (nil when required). On the command line it is ``flag`` (`--pre-months`).
public struct AnalysisOption: Sendable, Equatable {
    public var name: String
    public var help: String
    public var defaultValue: String?
    public init(_ name: String, _ help: String, default defaultValue: String? = nil) {
        self.name = name
        self.help = help
        self.defaultValue = defaultValue
    }

    /// The command-line spelling of an option name: `pre_months` → `--pre-months`.
    public static func flag(for name: String) -> String {
        "--" + String(name.map { $0 == "_" ? "-" : $0 })
    }
}

/// The typed options of one analysis.
///
/// `init(_:)` decodes a notebook block's text values (a value that is not of the option's
/// type is an error naming the option); `validate()` checks ranges and combinations and is
/// what both a notebook and the CLI call; `encoded()` gives the values back as text (for the
/// report's parameter list). Hashable: equal options share one computation per run.
public protocol AnalysisOptionSet: Sendable, Hashable {
    /// The options, as documented (`campaignlab render --list-analyses`).
    static var declarations: [AnalysisOption] { get }
    init(_ values: OptionValues) throws
    func validate() throws
    /// The options that were set, by notebook name, as text.
    func encoded() -> [(name: String, value: String)]
}

extension AnalysisOptionSet {
    public func validate() throws {}
}

/// The options of an analysis that takes none.
public struct NoOptions: AnalysisOptionSet {
    public static let declarations: [AnalysisOption] = []
    public init() {}
    public init(_ values: OptionValues) {}
    public func encoded() -> [(name: String, value: String)] { [] }
}

/// The campaign an analysis compares and how: shared by the uplift, the summary and the
/// year-over-year comparison.
public struct CampaignSelection: AnalysisOptionSet {
    /// The campaign_id.
    public var campaign: String
    /// Metrics by name (nil: every customer_months metric, then the events metrics of metric_definitions).
    public var metrics: [String]?
    /// The arm compared with the control arm (nil: the first other arm).
    public var arm: String?
    /// Months before the campaign in the pre-period (nil: as many as the campaign lasts).
    public var preMonths: Int?

    public init(campaign: String, metrics: [String]? = nil, arm: String? = nil, preMonths: Int? = nil) {
        self.campaign = campaign
        self.metrics = metrics
        self.arm = arm
        self.preMonths = preMonths
    }

    public static let declarations: [AnalysisOption] = [
        AnalysisOption("campaign", "the campaign_id"),
        AnalysisOption(
            "metrics", "metrics, comma-separated", default: "every customer_months metric, then the events metrics of metric_definitions"),
        AnalysisOption("arm", "the arm compared with the control arm", default: "uplift: every other arm; year over year: the first"),
        AnalysisOption("pre_months", "months before the campaign used as the pre-period", default: "as many as the campaign lasts"),
    ]

    public init(_ values: OptionValues) throws {
        campaign = try values.required("campaign")
        metrics = values.list("metrics")
        arm = values.optionalString("arm")
        preMonths = try values.optionalInteger("pre_months")
    }

    /// The longest pre-period: three years.
    public static let maximumPreMonths = 36

    public func validate() throws { try validate(maximumPreMonths: Self.maximumPreMonths) }

    /// - Parameter maximumPreMonths: the longest pre-period the analysis accepts.
    func validate(maximumPreMonths: Int) throws {
        if let metrics, metrics.isEmpty { throw AnalysisError(option: "metrics", "name at least one metric") }
        if let preMonths, !(1...maximumPreMonths).contains(preMonths) {
            throw AnalysisError(option: "pre_months", "expected a whole number from 1 to \(maximumPreMonths), found '\(preMonths)'")
        }
    }

    public func encoded() -> [(name: String, value: String)] {
        var list: [(name: String, value: String)] = [("campaign", campaign)]
        if let metrics { list.append(("metrics", metrics.joined(separator: ","))) }
        if let arm { list.append(("arm", arm)) }
        if let preMonths { list.append(("pre_months", String(preMonths))) }
        return list
    }
}

/// An analysis failed for a reason the user can fix; `option` names the option at fault by
/// its notebook name (the CLI shows it as its flag).
public struct AnalysisError: Error, Equatable, CustomStringConvertible, Sendable {
    public var option: String?
    public var message: String
    public init(option: String? = nil, _ message: String) {
        self.option = option
        self.message = message
    }

    /// How options are written where the user typed them.
    public enum Spelling: Sendable { case notebook, commandLine }

    /// The message, naming the option as the user wrote it: `option 'pre_months': …` in a
    /// notebook, `option '--pre-months': …` on the command line.
    public func description(_ spelling: Spelling) -> String {
        guard let option else { return message }
        return "option '\(spelling == .notebook ? option : AnalysisOption.flag(for: option))': \(message)"
    }

    public var description: String { description(.notebook) }

    /// Runs `body`, turning the data layer's `CampaignReadError` into an error naming the
    /// option the user has to change.
    static func namingReadErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CampaignReadError {
            throw AnalysisError(option: error.subject.rawValue, error.message)
        }
    }
}

/// The text options given to one notebook block, with decoders whose errors name the option.
public struct OptionValues: Sendable, ExpressibleByDictionaryLiteral {
    public var values: [String: String]
    public init(_ values: [String: String] = [:]) { self.values = values }
    public init(dictionaryLiteral elements: (String, String)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public func string(_ key: String, default value: String) -> String {
        values[key] ?? value
    }

    public func optionalString(_ key: String) -> String? { values[key] }

    /// A value that must be given.
    public func required(_ key: String) throws -> String {
        guard let value = values[key], !value.isEmpty else {
            throw AnalysisError(option: key, "required: give it as '\(key): VALUE'")
        }
        return value
    }

    public func optionalInteger(_ key: String) throws -> Int? {
        guard let text = values[key] else { return nil }
        guard let number = Int(text) else { throw AnalysisError(option: key, "expected a whole number, found '\(text)'") }
        return number
    }

    public func optionalNumber(_ key: String) throws -> Double? {
        guard let text = values[key] else { return nil }
        guard let number = Double(text), number.isFinite else { throw AnalysisError(option: key, "expected a number, found '\(text)'") }
        return number
    }

    /// A comma-separated list of numbers, ascending unless `requireAscending` is false.
    public func ascendingNumbers(_ key: String, requireAscending: Bool = true) throws -> [Double]? {
        guard let text = values[key] else { return nil }
        let parts = text.split(separator: ",").map { $0.filter { $0 != " " && $0 != "_" } }
        let numbers = parts.compactMap { Double($0) }
        guard numbers.count == parts.count, !numbers.isEmpty, numbers.allSatisfy(\.isFinite),
            !requireAscending || zip(numbers, numbers.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw AnalysisError(
                option: key, "expected \(requireAscending ? "ascending " : "")numbers separated by commas, found '\(text)'")
        }
        return numbers
    }

    /// A comma-separated list of names.
    public func list(_ key: String) -> [String]? {
        values[key].map(Self.names(in:))
    }

    /// The names in a comma-separated list, without surrounding spaces or empty entries
    /// ("aum, app_logins," → ["aum", "app_logins"]): how notebooks and the CLI read lists.
    public static func names(in text: String) -> [String] {
        text.split(separator: ",").map { String($0.drop { $0 == " " }).trimmingSuffixSpaces() }.filter { !$0.isEmpty }
    }

    /// A month 'YYYY-MM'.
    public func month(_ key: String) throws -> YearMonth? {
        guard let text = values[key], !text.isEmpty else { return nil }
        guard let month = YearMonth(text) else {
            throw AnalysisError(option: key, "expected a month as YYYY-MM, found '\(text)'")
        }
        return month
    }

    /// What activity is: "months:COLUMN>0" or "events:NAME,NAME".
    public func activityRule(_ key: String) throws -> ActivityRule? {
        guard let text = values[key] else { return nil }
        guard let rule = ActivityRule(text) else {
            throw AnalysisError(option: key, "expected months:COLUMN>0 or events:NAME,NAME, found '\(text)'")
        }
        return rule
    }

    /// A quarter "2026Q3".
    public func quarter(_ key: String) throws -> TierMigration.Quarter? {
        guard let text = values[key] else { return nil }
        guard let quarter = TierMigration.Quarter(text) else {
            throw AnalysisError(option: key, "expected a quarter such as 2026Q3, found '\(text)'")
        }
        return quarter
    }

    public func flag(_ key: String) throws -> Bool? {
        guard let text = values[key] else { return nil }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw AnalysisError(option: key, "expected true or false, found '\(text)'")
        }
    }
}

extension String {
    func trimmingSuffixSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
