import CampaignLabData
import CampaignLabReport
import Foundation

/// A named analysis that notebooks call (```` ```campaignlab NAME ````) and the CLI runs: it
/// reads through the data layer, computes with the numeric core and returns report blocks.
///
/// Its options are a typed value (`Options`), decoded once — from a notebook block's
/// `key: value` lines by `Options.init(_:)`, or built by a CLI command from its typed flags —
/// and checked by one `validate()` either way, so each mistake has one message.
///
/// ```swift
/// let blocks = try CampaignUplift.run(context, CampaignUplift.Options(campaign: "growth_journey_2026"))
/// let same = try AnalysisRegistry.named("campaign.uplift")!.run(context, decoding: ["campaign": "growth_journey_2026"])
/// ```
public protocol Analysis: Sendable {
    associatedtype Options: AnalysisOptionSet
    /// The name used in notebooks, e.g. "overview.monthly-kpis".
    static var name: String { get }
    /// One line saying what the analysis shows.
    static var summary: String { get }
    /// Runs the analysis with options that passed `validate()`.
    static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock]
    /// What `run` will read of customer_months through the context, declared before a run so
    /// that a notebook's blocks share one pass over the table (default: nothing).
    static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest
}

extension Analysis {
    /// The options it accepts.
    public static var options: [AnalysisOption] { Options.declarations }

    /// Runs the analysis from a notebook block's options (`key: value`, already checked
    /// against `options`' names): decodes, validates, runs.
    /// - Throws: `AnalysisError` naming the option at fault (the campaign analyses turn the
    ///   data layer's `CampaignReadError` into one where they read); `DataError` for contract
    ///   problems.
    public static func run(_ context: AnalysisContext, decoding values: OptionValues) throws -> [ReportBlock] {
        let options = try Options(values)
        try options.validate()
        return try run(context, options)
    }

    /// `compute()`'s value, computed once per run for equal options: a block and another
    /// analysis that reads it (the checkup's pain points) share one computation.
    static func shared<T>(_ context: AnalysisContext, _ options: Options, _ compute: () throws -> T) throws -> T {
        try context.memo("\(name)|" + options.encoded().map { "\($0.name)=\($0.value)" }.joined(separator: "&"), compute)
    }

    /// Decodes and validates a notebook block's options without running anything: a mistake
    /// in the notebook, found before any block runs.
    /// - Throws: `AnalysisError` naming the option at fault.
    public static func check(decoding values: OptionValues) throws {
        try Options(values).validate()
    }

    /// What a run with these options will read of customer_months, decoded from a block's
    /// options: the runner declares the union of its blocks' needs, read in one pass.
    public static func monthsNeeds(_ context: AnalysisContext, decoding values: OptionValues) throws -> CustomerMonthsRequest {
        let options = try Options(values)
        try options.validate()
        return try monthsNeeds(context, options)
    }
}

extension Analysis {
    /// Nothing: analyses that read customer_months through the context (`customerActivity`,
    /// `customerSnapshots`) say what they will read.
    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        CustomerMonthsRequest()
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
        ExperimentHealth.self,
        ExperimentReadout.self,
        CohortRetention.self,
        Lifecycle.self,
        TierMigration.self,
        BaseFunnel.self,
        SegmentKPIs.self,
        PainPoints.self,
    ]

    public static func named(_ name: String) -> (any Analysis.Type)? {
        all.first { $0.name == name }
    }
}

/// What an analysis runs against: the read-only engine (a SQLite file in process, or a remote
/// engine that aggregates where the data live), its discovered schema and the report language
/// (an analysis's inputs are its typed `Options`, nothing else).
public final class AnalysisContext: @unchecked Sendable {
    /// Where the data are: `SQLiteDatabase` or a remote engine.
    public let engine: any QueryEngine
    public let schema: ContractSchema
    public let language: ReportLanguage
    /// Reports a step of long work (the CLI prints it on stderr).
    public let progress: @Sendable (String) -> Void
    /// Rows breaking the contract: refused (the default) or left out and counted for the report.
    public let badRows: BadRows

    private let memos: MemoStore

    /// The value computed for `key` earlier in this run, or `compute()`'s, remembered: lets
    /// two blocks of one notebook (a summary and its detail) share one computation. Blocks
    /// running at once wait for the one computing it (an error is shared the same way).
    public func memo<T>(_ key: String, _ compute: () throws -> T) throws -> T {
        try memos.value(key, compute)
    }

    public convenience init(
        database: any QueryEngine, schema: ContractSchema, language: ReportLanguage, badRows: BadRows = .refusing,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.init(
            engine: database, schema: schema, language: language, progress: progress, badRows: badRows,
            memos: MemoStore())
    }

    private init(
        engine: any QueryEngine, schema: ContractSchema, language: ReportLanguage,
        progress: @escaping @Sendable (String) -> Void, badRows: BadRows, memos: MemoStore
    ) {
        self.engine = engine
        self.schema = schema
        self.language = language
        self.progress = progress
        self.badRows = badRows
        self.memos = memos
    }

    /// The SQLite file, for the analyses that read it in process only (not yet on remote engines).
    /// - Parameter what: the analysis, for the message.
    /// - Throws: `DataError.notOnEngine` on a remote engine.
    public func sqlite(_ what: String) throws -> SQLiteDatabase {
        guard let database = engine as? SQLiteDatabase else {
            throw DataError.notOnEngine(name: engine.engineName, what: what)
        }
        return database
    }

    /// The same context on another connection to the same database (for a block run on its
    /// own thread: a SQLite connection is used by one thread at a time), sharing the
    /// remembered values. A remote engine's connection is shared (it queues the queries).
    public func onConnection(_ database: SQLiteDatabase?) -> AnalysisContext {
        AnalysisContext(
            engine: database ?? engine, schema: schema, language: language, progress: progress, badRows: badRows,
            memos: memos)
    }

    /// The text in the report's language.
    public func text(_ en: String, _ zh: String) -> String {
        language == .zh ? zh : en
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
