import Foundation

/// What makes a customer active in a month: a `customer_months` column above zero (logins), or
/// any of a list of events (customer-initiated ones: a whitelist, so that a statement the bank
/// sends is not activity).
public enum ActivityRule: Sendable, Hashable, CustomStringConvertible {
    case months(column: String)
    case events([String])

    /// Parses "months:COLUMN>0" (or "months:COLUMN") and "events:NAME,NAME".
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("months:") {
            var column = String(trimmed.dropFirst("months:".count)).trimmingCharacters(in: .whitespaces)
            if column.hasSuffix(">0") { column = String(column.dropLast(2)).trimmingCharacters(in: .whitespaces) }
            guard !column.isEmpty, !column.contains(">") else { return nil }
            self = .months(column: column)
        } else if trimmed.hasPrefix("events:") {
            let names = String(trimmed.dropFirst("events:".count)).split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { return nil }
            self = .events(names)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .months(let column): return "months:\(column)>0"
        case .events(let names): return "events:\(names.joined(separator: ","))"
        }
    }
}

/// Every customer's months of activity and the month they opened, from one pass over the
/// activity rows: a bitset of months per customer (memory O(customers × months / 64)), never
/// the rows themselves.
///
/// ```swift
/// let a = try CustomerActivity.read(.months(column: "app_logins"), schema: schema, database: db)
/// a.isActive(customer: 0, month: a.first)
/// ```
public struct CustomerActivity: Sendable {
    public var rule: ActivityRule
    /// Customer ids in `customers` order (rowid).
    public var ids: [SQLiteValue]
    /// Per customer: the month of `opened_on` (nil: NULL or not a date — a bad row).
    public var opened: [YearMonth?]
    /// The months the activity data cover, first to last.
    public var first: YearMonth
    public var last: YearMonth
    /// The last month whose data are complete: `last`, unless the events stop before its last day.
    public var lastComplete: YearMonth
    /// 64-bit words per customer.
    public var words: Int
    /// Per customer, `words` words: bit k set when active in `first + k`.
    public var bits: [UInt64]
    /// Activity rows whose customer is not in `customers` (ignored).
    public var unknownCustomers = 0

    public var count: Int { ids.count }
    public var monthCount: Int { last.index - first.index + 1 }

    /// The position here of each of `others` (ids read elsewhere, matched across storage
    /// types), nil for an id this list lacks: two readers of customers need not list them in
    /// one order.
    public func positions(of others: [SQLiteValue]) -> [Int?] {
        let index = CustomerIndex(ids)
        return others.map { index.position(of: $0) }
    }

    /// Whether customer `i` is active in `month`.
    public func isActive(customer i: Int, month: YearMonth) -> Bool {
        let k = month.index - first.index
        guard k >= 0 && k < monthCount else { return false }
        return bits[i * words + k / 64] & (1 << UInt64(k % 64)) != 0
    }

    /// The first month customer `i` is active, if any.
    public func firstActive(customer i: Int) -> YearMonth? {
        for w in 0..<words where bits[i * words + w] != 0 {
            return YearMonth(index: first.index + w * 64 + bits[i * words + w].trailingZeroBitCount)
        }
        return nil
    }

    /// Reads the activity of every customer.
    /// - Throws: `DataError` for a missing table or column, a month or timestamp that cannot be
    ///   read (unless bad rows are excluded), or no activity at all.
    public static func read<Engine: QueryEngine>(
        _ rule: ActivityRule, schema: ContractSchema, database engine: Engine, badRows: BadRows = .refusing,
        progress: (String) -> Void = { _ in }
    ) throws -> CustomerActivity {
        let names: [String]
        switch rule {
        case .months(let column):
            return try CustomerMonthsPass.read(
                .init(activity: [column]), schema: schema, database: engine, badRows: badRows, progress: progress
            )
            .activity[column]!
        case .events(let list): names = list
        }
        progress("reading customers and the month each opened")
        var tally = BadRows.Tally(badRows.policy)
        let (ids, opened) = try customersAndOpeningMonths(schema: schema, database: engine, tally: &tally)
        let index = CustomerIndex(ids)
        // Activity streamed straight into per-customer bits, the table read in two halves at once.
        try schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
        progress("reading events \(names.joined(separator: ", "))")
        let table = Contract.events.name
        let job = ActivityJob(names: names, path: engine.location, index: index, customers: ids.count, policy: badRows.policy)
        let parts: [ActivityJob.Part]
        if let database = engine as? SQLiteDatabase {
            parts = try schema.scanInRowidHalves(table, database: database, threshold: 1_000_000) { try job.read(range: $0, database: $1) }
        } else {
            parts = [try job.aggregate(engine)]
        }
        var minMonth = Int.max, maxMonth = Int.min, unknown = 0
        var lastDay: CivilDate?
        for part in parts {
            tally.merge(part.bad)
            minMonth = min(minMonth, part.minMonth)
            maxMonth = max(maxMonth, part.maxMonth)
            unknown += part.unknown
            if let day = part.lastDay, lastDay.map({ day > $0 }) ?? true { lastDay = day }
        }
        try tally.report(to: badRows)
        guard minMonth <= maxMonth else {
            throw DataError.contract(
                table: "events", column: "event", row: nil,
                message: "table events has no '\(names.joined(separator: "', '"))' events: there is no activity to follow")
        }
        let first = YearMonth(index: minMonth), last = YearMonth(index: maxMonth)
        var seen = parts[0].bits
        seen.rebase(to: minMonth, months: maxMonth - minMonth + 1)
        for part in parts.dropFirst() {
            var other = part.bits
            other.rebase(to: minMonth, months: maxMonth - minMonth + 1)
            seen.formUnion(other)
        }
        let words = seen.words, bits = seen.bits
        // A month whose events stop before its last day is not complete.
        var lastComplete = last
        if let lastDay, lastDay < last.lastDay { lastComplete = last.adding(months: -1) }
        return CustomerActivity(
            rule: rule, ids: ids, opened: opened, first: first, last: last, lastComplete: lastComplete, words: words, bits: bits,
            unknownCustomers: unknown)
    }
}

extension CustomerActivity {
    /// Counts into `tally` (or refuses) `count` customers whose `opened_on` is not a date, this one named.
    public static func countNotADate(customer: SQLiteValue, opened: SQLiteValue, count: Int = 1, into tally: inout BadRows.Tally) throws {
        try tally.add(
            DataError.contract(
                table: "customers", column: "opened_on", row: "customer_id=\(customer)", message: "\(opened) is not a date 'YYYY-MM-DD'"),
            count: count, summary: "not a date", treatment: "left out of the cohorts and the funnel")
    }

    /// Every customer's id and the month of `opened_on` (nil, and a bad row, when not a date);
    /// without `opening`, the ids alone (opened_on is then not needed).
    /// On a remote engine, in the order of the ids' bytes (the same every run).
    static func customersAndOpeningMonths<Engine: QueryEngine>(
        schema: ContractSchema, database: Engine, opening: Bool = true, tally: inout BadRows.Tally
    ) throws -> (ids: [SQLiteValue], opened: [YearMonth?]) {
        try schema.require(Contract.customers, columns: opening ? ["customer_id", "opened_on"] : ["customer_id"])
        var ids: [SQLiteValue] = []
        var opened: [YearMonth?] = []
        let sql = database.dialect
        let order =
            sql == .sqlite
            ? ""
            : " ORDER BY "
                + sql.byteOrder("customer_id", isText: schema.table("customers")?.column(named: "customer_id")?.affinity == "TEXT")
        try database.forEachRow("SELECT customer_id\(opening ? ", " + sql.asText("opened_on") : "") FROM customers\(order)", []) {
            customers in
            let id = customers.value(0)
            ids.append(id)
            guard opening else {
                opened.append(nil)
                return
            }
            let month = customers.withUTF8(1) { CivilDate.parse($0) }?.yearMonth
            if month == nil {
                try countNotADate(customer: id, opened: customers.value(1), into: &tally)
            }
            opened.append(month)
        }
        return (ids, opened)
    }
}

extension ActivityRule {
    /// The table and column the rule reads, for messages.
    var table: String {
        switch self {
        case .months: return "customer_months"
        case .events: return "events"
        }
    }
    var column: String {
        switch self {
        case .months(let column): return column
        case .events: return "event"
        }
    }
}

/// Reads one rowid range of the activity rows on its own connection (or the given one).
private struct ActivityJob: Sendable {
    /// The events that are activity.
    var names: [String]
    var path: String
    var index: CustomerIndex
    var customers: Int
    var policy: BadRows.Policy

    struct Part: Sendable {
        var bits: MonthBits
        var minMonth = Int.max
        var maxMonth = Int.min
        var unknown = 0
        var lastDay: CivilDate?
        var bad: BadRows.Tally
    }

    /// The events' reads done by a remote engine, one GROUP BY customer: each customer's events,
    /// the months of their reporting-zone times as `EngineMonthWords`, the last day. Texts that
    /// are not timestamps are refused, or counted and left out when bad rows are excluded.
    func aggregate<Engine: QueryEngine>(_ database: Engine) throws -> Part {
        var part = Part(bits: MonthBits(customers: customers), bad: BadRows.Tally(policy))
        let sql = database.dialect
        let filter = "e.event IN (\(names.map { _ in "?" }.joined(separator: ", ")))"
        let bindings: [SQLiteValue] = names.map { .text($0) }
        let forms = try EventTimes.readableForms(filter: filter, bindings: bindings, database: database, tally: &part.bad)
        let admitted = forms.admits("e.occurred_at")
        // No time to read (no such event, or none written as a time): no activity, as on SQLite.
        guard !forms.offsets.isEmpty else { return part }
        let times = """
            SELECT e.customer_id AS c, \(EventTimes.reportingMicros("e.occurred_at", offsets: forms.offsets, dialect: sql)) AS t
            FROM events e WHERE \(filter) AND \(admitted)
            """
        let days = EventTimes.dayAndMonth(times, dialect: sql)
        let range = try database.allRows("SELECT min(mi), max(mi) FROM (\(days)) r", bindings).first
        guard case .integer(let low)? = range?[0], case .integer(let high)? = range?[1] else { return part }
        let words = try EngineMonthWords(low: Int(low), high: Int(high), table: "events")
        let select =
            [sql.asInteger("count(*)"), sql.asInteger("min(mi)"), sql.asInteger("max(mi)"), sql.asInteger("max(d)")]
            + words.columns(month: "mi", where: "1 = 1", dialect: sql)
        try database.forEachRow("SELECT c, \(select.joined(separator: ", ")) FROM (\(days)) r GROUP BY c", bindings) { row in
            guard let i = index.position(row, 0) else {
                part.unknown += Int(row.int64(1))
                return
            }
            part.minMonth = min(part.minMonth, Int(row.int64(2)))
            part.maxMonth = max(part.maxMonth, Int(row.int64(3)))
            let day = CivilDate(daysSinceEpoch: Int(row.int64(4)))
            if part.lastDay.map({ day > $0 }) ?? true { part.lastDay = day }
            words.set(row, from: 5, customer: i, into: &part.bits)
        }
        return part
    }

    func read(range: ScanRange?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        var part = Part(bits: MonthBits(customers: customers), bad: BadRows.Tally(policy))
        var sql = "SELECT customer_id, occurred_at FROM events WHERE event IN (\(names.map { _ in "?" }.joined(separator: ", ")))"
        var bindings: [SQLiteValue] = names.map { .text($0) }
        if let range {
            sql += range.condition
            bindings += range.bindings
        }
        let statement = try database.prepare(sql)
        try statement.bind(bindings)
        while try statement.step() {
            guard let time = statement.withUTF8(1, { Timestamp.parse($0) }) else {
                try part.bad.add(
                    DataError.contract(
                        table: "events", column: "occurred_at", row: "customer_id=\(statement.value(0))",
                        message: "\(statement.value(1)) is not an ISO 8601 timestamp"),
                    summary: "not an ISO 8601 timestamp", treatment: "left out")
                continue
            }
            guard let i = index.position(statement, 0) else {
                part.unknown += 1
                continue
            }
            let day = time.date
            part.minMonth = min(part.minMonth, day.yearMonth.index)
            part.maxMonth = max(part.maxMonth, day.yearMonth.index)
            if part.lastDay.map({ day > $0 }) ?? true { part.lastDay = day }
            part.bits.set(customer: i, month: day.yearMonth.index)
        }
        return part
    }
}

/// Per-customer bitsets of months, growing as months outside the current range arrive.
struct MonthBits: Sendable {
    let customers: Int
    /// The month of bit 0, and words per customer.
    private(set) var base = Int.max
    private(set) var words = 0
    private(set) var bits: [UInt64] = []

    init(customers: Int) { self.customers = customers }

    mutating func set(customer i: Int, month: Int) {
        if month < base || month >= base + 64 * words {
            // Room for a year each side of what is seen, so that a run of months re-bases rarely.
            let low = words == 0 ? month - 12 : min(base, month - 12)
            let high = words == 0 ? month + 12 : max(base + 64 * words - 1, month + 12)
            rebase(to: low, months: high - low + 1)
        }
        let k = month - base
        bits[i * words + k / 64] |= 1 << UInt64(k % 64)
    }

    /// Moves the bits so that bit 0 is `month` and `months` months fit (months set outside are dropped).
    mutating func rebase(to month: Int, months: Int) {
        let newWords = max(1, (months + 63) / 64)
        var moved = [UInt64](repeating: 0, count: customers * newWords)
        if words > 0 {
            for i in 0..<customers {
                for w in 0..<words where bits[i * words + w] != 0 {
                    var word = bits[i * words + w]
                    while word != 0 {
                        let b = word.trailingZeroBitCount
                        word &= word - 1
                        let k = base + w * 64 + b - month
                        if k >= 0 && k < newWords * 64 { moved[i * newWords + k / 64] |= 1 << UInt64(k % 64) }
                    }
                }
            }
        }
        base = month
        words = newWords
        bits = moved
    }

    /// Adds the months of `other`, which has the same base and words.
    mutating func formUnion(_ other: MonthBits) {
        precondition(other.base == base && other.words == words, "MonthBits.formUnion: rebase both to one range first")
        for j in bits.indices { bits[j] |= other.bits[j] }
    }
}
