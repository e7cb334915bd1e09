import CampaignLabData
import CampaignLabReport
import Foundation

/// A named analysis that notebooks call (```` ```campaignlab NAME ````) and the CLI can run:
/// it reads through the data layer, computes with the numeric core and returns report blocks.
///
/// ```swift
/// let blocks = try AnalysisRegistry.named("overview.events")!.run(context, options)
/// ```
public protocol Analysis: Sendable {
    /// The name used in notebooks, e.g. "overview.monthly-kpis".
    static var name: String { get }
    /// One line saying what the analysis shows.
    static var summary: String { get }
    /// The options it accepts.
    static var options: [AnalysisOption] { get }
    /// Runs the analysis. Options were checked against `options` before the call.
    static func run(_ context: AnalysisContext, _ options: AnalysisOptions) throws -> [ReportBlock]
}

/// One option of an analysis: name, what it means, and its default (nil when required).
public struct AnalysisOption: Sendable, Equatable {
    public var name: String
    public var help: String
    public var defaultValue: String?
    public init(_ name: String, _ help: String, default defaultValue: String? = nil) {
        self.name = name
        self.help = help
        self.defaultValue = defaultValue
    }
}

/// Every analysis the tool knows, by name.
public enum AnalysisRegistry {
    public static let all: [any Analysis.Type] = [
        OverviewSummary.self,
        CustomersBreakdown.self,
        AUMDistribution.self,
        MonthlyKPIs.self,
        EventsByType.self,
        CampaignArms.self,
        DataChecks.self,
        CampaignUplift.self,
        CampaignSummary.self,
        CampaignYearOverYear.self,
        CampaignFunnel.self,
    ]

    public static func named(_ name: String) -> (any Analysis.Type)? {
        all.first { $0.name == name }
    }
}

/// What an analysis runs against: the read-only database, its discovered schema, the
/// report language and the notebook's parameters.
public final class AnalysisContext: @unchecked Sendable {
    public let database: SQLiteDatabase
    public let schema: ContractSchema
    public let language: ReportLanguage
    public let parameters: [String: String]
    /// Reports a step of long work (the CLI prints it on stderr).
    public let progress: @Sendable (String) -> Void

    private let memos: MemoStore

    /// The value computed for `key` earlier in this run, or `compute()`'s, remembered: lets
    /// two blocks of one notebook (a summary and its detail) share one computation. Blocks
    /// running at once wait for the one computing it (an error is shared the same way).
    public func memo<T>(_ key: String, _ compute: () throws -> T) throws -> T {
        try memos.value(key, compute)
    }

    public convenience init(database: SQLiteDatabase, schema: ContractSchema, language: ReportLanguage,
                            parameters: [String: String] = [:], progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(database: database, schema: schema, language: language, parameters: parameters, progress: progress,
                  memos: MemoStore())
    }

    private init(database: SQLiteDatabase, schema: ContractSchema, language: ReportLanguage,
                 parameters: [String: String], progress: @escaping @Sendable (String) -> Void, memos: MemoStore) {
        self.database = database
        self.schema = schema
        self.language = language
        self.parameters = parameters
        self.progress = progress
        self.memos = memos
    }

    /// The same context on another connection to the same database (for a block run on its
    /// own thread: a connection is used by one thread at a time), sharing the remembered values.
    public func onConnection(_ database: SQLiteDatabase) -> AnalysisContext {
        AnalysisContext(database: database, schema: schema, language: language, parameters: parameters, progress: progress,
                        memos: memos)
    }

    /// The text in the report's language.
    public func text(_ en: String, _ zh: String) -> String {
        language == .zh ? zh : en
    }
}

/// Results written by concurrent iterations, one slot each.
public final class ResultSlots<T>: @unchecked Sendable {
    public private(set) var values: [T?]
    private let lock = NSLock()
    public init(count: Int) { values = Array(repeating: nil, count: count) }
    public subscript(index: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return values[index] }
        set { lock.lock(); values[index] = newValue; lock.unlock() }
    }
}

/// Values computed once per run and shared, safe to use from several threads.
final class MemoStore: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [String: Result<Any, Error>] = [:]
    private var computing: Set<String> = []

    func value<T>(_ key: String, _ compute: () throws -> T) throws -> T {
        condition.lock()
        while computing.contains(key) { condition.wait() }
        if let result = results[key] {
            condition.unlock()
            return try result.get() as! T
        }
        computing.insert(key)
        condition.unlock()
        let result = Result<Any, Error> { try compute() }
        condition.lock()
        results[key] = result
        computing.remove(key)
        condition.broadcast()
        condition.unlock()
        return try result.get() as! T
    }
}

/// An analysis failed for a reason the user can fix; `option` names the option at fault.
public struct AnalysisError: Error, Equatable, CustomStringConvertible, Sendable {
    public var option: String?
    public var message: String
    public init(option: String? = nil, _ message: String) {
        self.option = option
        self.message = message
    }
    public var description: String {
        option.map { "option '\($0)': \(message)" } ?? message
    }
}

/// The options given to one analysis block, with typed accessors whose errors name the option.
public struct AnalysisOptions: Sendable {
    public var values: [String: String]
    public init(_ values: [String: String] = [:]) { self.values = values }

    public func string(_ key: String, default value: String) -> String {
        values[key] ?? value
    }

    public func optionalString(_ key: String) -> String? { values[key] }

    public func integer(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = values[key] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw AnalysisError(option: key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found '\(text)'")
        }
        return number
    }

    public func number(_ key: String, default value: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let text = values[key] else { return value }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw AnalysisError(option: key, "expected a number from \(range.lowerBound) to \(range.upperBound), found '\(text)'")
        }
        return number
    }

    /// A comma-separated list of numbers, ascending.
    public func ascendingNumbers(_ key: String, default value: [Double]) throws -> [Double] {
        guard let text = values[key] else { return value }
        let parts = text.split(separator: ",").map { $0.filter { $0 != " " && $0 != "_" } }
        let numbers = parts.compactMap { Double($0) }
        guard numbers.count == parts.count, !numbers.isEmpty, numbers.allSatisfy(\.isFinite),
              zip(numbers, numbers.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw AnalysisError(option: key, "expected ascending numbers separated by commas, found '\(text)'")
        }
        return numbers
    }

    /// A comma-separated list of names.
    public func list(_ key: String) -> [String]? {
        values[key].map { $0.split(separator: ",").map { String($0.drop { $0 == " " }).trimmingSuffixSpaces() }.filter { !$0.isEmpty } }
    }

    /// A month 'YYYY-MM'.
    public func month(_ key: String) throws -> YearMonth? {
        guard let text = values[key], !text.isEmpty else { return nil }
        guard let month = YearMonth(text) else {
            throw AnalysisError(option: key, "expected a month as YYYY-MM, found '\(text)'")
        }
        return month
    }

    public func flag(_ key: String, default value: Bool) throws -> Bool {
        guard let text = values[key] else { return value }
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
