import Foundation

/// What a reader does with a row that breaks the data contract in a way `check` calls an
/// error (a word in a numeric column, an unparsable timestamp, a customer assigned twice or
/// unknown to customers): refuse it — the default, the error names table, column and row — or,
/// when the user asks (`--exclude-bad-rows`), leave it out and count it for the report.
///
/// One instance serves a whole run (readers on several threads record into it); what was left
/// out is listed by `excluded`, merged by table, column, problem and example row.
public final class BadRows: @unchecked Sendable {
    public enum Policy: Sendable, Equatable { case refuse, exclude }

    /// Rows of one table left out for one problem.
    public struct Excluded: Sendable, Equatable, CustomStringConvertible {
        public var table: String
        public var column: String?
        /// What is wrong, without the value ("not a number").
        public var problem: String
        public var count: Int
        /// The first such row, as `check` names rows.
        public var exampleRow: String
        /// What happened to the rows ("treated as missing", "left out of the campaign").
        public var treatment: String

        public init(table: String, column: String?, problem: String, count: Int, exampleRow: String, treatment: String) {
            (self.table, self.column, self.problem, self.count, self.exampleRow, self.treatment) =
                (table, column, problem, count, exampleRow, treatment)
        }

        /// "table.column" (or the table alone).
        public var place: String { column.map { "\(table).\($0)" } ?? table }

        public var description: String {
            "\(place): \(formatCount(count)) row\(count == 1 ? "" : "s") \(problem) (e.g. \(exampleRow)), \(treatment)"
        }
    }

    public let policy: Policy
    private let lock = NSLock()
    private var entries: [String: Excluded] = [:]
    private var order: [String] = []

    public init(_ policy: Policy) { self.policy = policy }

    /// A fresh refusing policy (readers called outside a run).
    public static var refusing: BadRows { BadRows(.refuse) }

    /// Refuses `problem` (throws it) or, excluding, records `count` rows like it.
    /// - Parameters: `problem`: the contract error naming the first such row; `summary`: what
    ///   is wrong in a few words; `treatment`: what is done with the rows.
    /// A second record of the same table, column, summary and example row (the same read made
    /// twice in a run) keeps the larger count instead of adding.
    public func handle(_ problem: DataError, count: Int = 1, summary: String, treatment: String) throws {
        guard policy == .exclude, case .contract(let table, let column, let row, _) = problem else { throw problem.offeringExclusion }
        let entry = Excluded(table: table, column: column, problem: summary, count: count, exampleRow: row ?? "", treatment: treatment)
        let key = [table, column ?? "", summary, row ?? ""].joined(separator: "\u{1F}")
        lock.lock()
        defer { lock.unlock() }
        if let known = entries[key] {
            entries[key]!.count = max(known.count, count)
        } else {
            entries[key] = entry
            order.append(key)
        }
    }

    /// Bad rows counted by one reader (one thread), handed to `BadRows` once the read is done:
    /// the slices of one read are added up (`merge`), the same read made twice is not.
    public struct Tally: Sendable {
        public let policy: Policy
        private var items: [(error: DataError, summary: String, treatment: String, count: Int)] = []

        public init(_ policy: Policy) { self.policy = policy }

        /// Throws `problem` when refusing; else counts it, `count` rows like it (the first of a kind is the example).
        public mutating func add(_ problem: DataError, count: Int = 1, summary: String, treatment: String) throws {
            guard count > 0 else { return }
            guard policy == .exclude else { throw problem.offeringExclusion }
            if let i = items.firstIndex(where: { $0.summary == summary && $0.error.place == problem.place }) {
                items[i].count += count
            } else {
                items.append((problem, summary, treatment, count))
            }
        }

        public mutating func merge(_ other: Tally) {
            for item in other.items {
                if let i = items.firstIndex(where: { $0.summary == item.summary && $0.error.place == item.error.place }) {
                    items[i].count += item.count
                } else {
                    items.append(item)
                }
            }
        }

        /// Records the counts in `badRows`.
        public func report(to badRows: BadRows) throws {
            for item in items {
                try badRows.handle(item.error, count: item.count, summary: item.summary, treatment: item.treatment)
            }
        }
    }

    /// What was left out, by table, column, problem and example row (not in the order met:
    /// blocks running at once meet them in any order, and a report is the same every run).
    public var excluded: [Excluded] {
        lock.lock()
        defer { lock.unlock() }
        return order.sorted().map { entries[$0]! }
    }
}

extension DataError {
    /// A contract error refused by `BadRows`, saying how to go on without the row.
    var offeringExclusion: DataError {
        guard case .contract(let table, let column, let row, let message) = self else { return self }
        return .contract(table: table, column: column, row: row, message: message + " (--exclude-bad-rows leaves such rows out)")
    }

    /// "table.column" of a contract error (nil for other errors).
    var place: String? {
        guard case .contract(let table, let column, _, _) = self else { return nil }
        return "\(table).\(column ?? "")"
    }
}
