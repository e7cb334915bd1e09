import Foundation

/// What analyses will read of `customer_months`: months of activity by columns (active when
/// above zero) and metrics summed over groups of months. Declared before a run, the needs of a
/// notebook's blocks are one request, read in one pass over the table.
public struct CustomerMonthsRequest: Sendable, Hashable {
    /// Columns whose months above zero make a customer active.
    public var activity: Set<String> = []
    /// (metric, group of months) pairs to sum per customer.
    public var sums: Set<SumKey> = []
    /// (column, threshold): the months whose value is at least the threshold (a balance that
    /// keeps a customer out of dormancy).
    public var atLeast: Set<Threshold> = []

    public struct Threshold: Sendable, Hashable {
        public var column: String
        public var value: Double
        public init(_ column: String, _ value: Double) {
            self.column = column
            self.value = value
        }
    }

    public struct SumKey: Sendable, Hashable {
        public var metric: String
        public var months: [YearMonth]
        public init(_ metric: String, _ months: [YearMonth]) {
            self.metric = metric
            self.months = months
        }
    }

    public init(activity: Set<String> = [], sums: Set<SumKey> = [], atLeast: Set<Threshold> = []) {
        self.activity = activity
        self.sums = sums
        self.atLeast = atLeast
    }

    /// Every metric of `metrics` over every group of `groups`.
    public init(metrics: [String], groups: [[YearMonth]]) {
        for metric in metrics { for group in groups { sums.insert(SumKey(metric, group)) } }
    }

    public var isEmpty: Bool { activity.isEmpty && sums.isEmpty && atLeast.isEmpty }

    public func covers(_ other: CustomerMonthsRequest) -> Bool {
        other.activity.isSubset(of: activity) && other.sums.isSubset(of: sums) && other.atLeast.isSubset(of: atLeast)
    }

    public mutating func formUnion(_ other: CustomerMonthsRequest) {
        activity.formUnion(other.activity)
        sums.formUnion(other.sums)
        atLeast.formUnion(other.atLeast)
    }
}

/// One pass over `customer_months` (in two rowid halves at once) that answers a request:
/// per activity column every customer's months as bits, per (metric, group) every customer's
/// sum and count of numbers. Memory is O(customers × (columns × months / 64 + pairs)), never
/// the rows. Rows are matched to customers by id across storage types (17, 17.0 and '17').
public struct CustomerMonthsPass: Sendable {
    public var request: CustomerMonthsRequest
    public var ids: [SQLiteValue]
    /// Per activity column, the customers' months (`CustomerActivity`).
    public var activity: [String: CustomerActivity]
    /// Per threshold, the customers' months at or above it (as a `CustomerActivity`: "active"
    /// there means the value is at least the threshold).
    public var atLeast: [CustomerMonthsRequest.Threshold: CustomerActivity] = [:]
    /// Per (metric, group): per customer the sum of the numbers and how many.
    public var sums: [CustomerMonthsRequest.SumKey: (sums: [Double], counts: [UInt8])]
    /// Per group of months: per customer, a row in one of them.
    public var present: [[YearMonth]: [Bool]]

    /// `metrics` summed over `groups` (each pair must have been requested).
    public func snapshots(metrics: [String], groups: [[YearMonth]]) -> CustomerSnapshots {
        CustomerSnapshots(
            ids: ids, groups: groups, metrics: metrics,
            sums: metrics.map { m in groups.map { sums[.init(m, $0)]!.sums } },
            counts: metrics.map { m in groups.map { sums[.init(m, $0)]!.counts } }, present: groups.map { present[$0]! })
    }

    /// Reads what `request` asks for.
    /// - Throws: `DataError` for a missing table or column, a month that is not 'YYYY-MM' or a
    ///   word in a column (unless bad rows are excluded), or no rows at all when activity is asked for.
    ///
    /// On a remote engine the same is one GROUP BY customer (`MonthsPassJob.aggregate`): each
    /// customer's months as bit words, sums, counts and presence computed where the rows are.
    public static func read<Engine: QueryEngine>(
        _ request: CustomerMonthsRequest, schema: ContractSchema, database: Engine, badRows: BadRows = .refusing,
        progress: (String) -> Void = { _ in }
    ) throws -> CustomerMonthsPass {
        let activityColumns = request.activity.sorted()
        let thresholds = request.atLeast.sorted { $0.column < $1.column || ($0.column == $1.column && $0.value < $1.value) }
        // Month flags: a column above zero (activity), then a column at least a threshold.
        let flags = activityColumns.map { ($0, 0.0, false) } + thresholds.map { ($0.column, $0.value, true) }
        func order(_ months: [YearMonth]) -> String { months.map(\.description).joined(separator: ",") }
        let keys = request.sums.sorted { $0.metric < $1.metric || ($0.metric == $1.metric && order($0.months) < order($1.months)) }
        let columns = Array(Set(flags.map(\.0) + keys.map(\.metric))).sorted()
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"] + columns)
        progress("reading customers")
        // (An opening day that is not a date matters to the activity's cohorts only.)
        var tally = BadRows.Tally(badRows.policy)
        let (ids, opened) = try CustomerActivity.customersAndOpeningMonths(
            schema: schema, database: database, opening: !flags.isEmpty, tally: &tally)
        progress("reading customer_months \(columns.joined(separator: ", "))")
        let groups = Array(Set(keys.map(\.months))).sorted { order($0) < order($1) }
        let job = MonthsPassJob(
            path: database.location, columns: columns,
            flags: flags.map { (column: columns.firstIndex(of: $0.0)!, threshold: $0.1, inclusive: $0.2) },
            keys: keys.map { (columns.firstIndex(of: $0.metric)!, groups.firstIndex(of: $0.months)!) }, groups: groups,
            index: CustomerIndex(ids), customers: ids.count, policy: badRows.policy)
        var all: MonthsPassJob.Part
        if let sqlite = database as? SQLiteDatabase {
            let parts = try schema.scanInRowidHalves(Contract.customerMonths.name, database: sqlite, threshold: 1_000_000) {
                try job.read(range: $0, database: $1)
            }
            all = parts[0]
            for part in parts.dropFirst() { all.merge(part) }
        } else {
            all = try job.aggregate(database)
        }
        tally.merge(all.bad)
        try tally.report(to: badRows)
        var pass = CustomerMonthsPass(request: request, ids: ids, activity: [:], sums: [:], present: [:])
        for (k, key) in keys.enumerated() { pass.sums[key] = (all.sums[k], all.counts[k]) }
        for (g, group) in groups.enumerated() { pass.present[group] = all.present[g] }
        guard !flags.isEmpty else { return pass }
        guard all.minMonth <= all.maxMonth else {
            throw DataError.contract(
                table: "customer_months", column: flags[0].0, row: nil,
                message: "customer_months has no rows (column \(flags[0].0)): there is no activity to follow")
        }
        let first = YearMonth(index: all.minMonth), last = YearMonth(index: all.maxMonth)
        for (f, flag) in flags.enumerated() {
            var bits = all.bits[f]
            bits.rebase(to: all.minMonth, months: all.maxMonth - all.minMonth + 1)
            let months = CustomerActivity(
                rule: .months(column: flag.0), ids: ids, opened: opened, first: first, last: last, lastComplete: last, words: bits.words,
                bits: bits.bits, unknownCustomers: all.unknown)
            if f < activityColumns.count {
                pass.activity[flag.0] = months
            } else {
                pass.atLeast[thresholds[f - activityColumns.count]] = months
            }
        }
        return pass
    }
}

/// Reads one rowid range of customer_months for a pass, on its own connection (or the whole
/// table aggregated by a remote engine).
private struct MonthsPassJob: Sendable {
    var path: String
    var columns: [String]
    /// Month flags: a column's position, and the threshold its value is above (or at least).
    var flags: [(column: Int, threshold: Double, inclusive: Bool)]
    /// Per sum: its column's position and its group's.
    var keys: [(column: Int, group: Int)]
    var groups: [[YearMonth]]
    var index: CustomerIndex
    var customers: Int
    var policy: BadRows.Policy

    struct Part: Sendable {
        var bits: [MonthBits]
        var sums: [[Double]]
        var counts: [[UInt8]]
        var present: [[Bool]]
        var minMonth = Int.max
        var maxMonth = Int.min
        var unknown = 0
        var bad: BadRows.Tally

        mutating func merge(_ other: Part) {
            bad.merge(other.bad)
            unknown += other.unknown
            if other.minMonth <= other.maxMonth {
                let low = min(minMonth, other.minMonth), high = max(maxMonth, other.maxMonth)
                for a in bits.indices {
                    var mine = bits[a], theirs = other.bits[a]
                    mine.rebase(to: low, months: high - low + 1)
                    theirs.rebase(to: low, months: high - low + 1)
                    mine.formUnion(theirs)
                    bits[a] = mine
                }
                minMonth = low
                maxMonth = high
            }
            for k in sums.indices {
                for i in sums[k].indices where other.counts[k][i] > 0 {
                    sums[k][i] += other.sums[k][i]
                    counts[k][i] &+= other.counts[k][i]
                }
            }
            for g in present.indices { for i in present[g].indices where other.present[g][i] { present[g][i] = true } }
        }
    }

    /// An empty part: no month, no bit, no sum.
    func emptyPart() -> Part {
        Part(
            bits: flags.map { _ in MonthBits(customers: customers) },
            sums: keys.map { _ in [Double](repeating: 0, count: customers) },
            counts: keys.map { _ in [UInt8](repeating: 0, count: customers) },
            present: groups.map { _ in [Bool](repeating: false, count: customers) }, bad: BadRows.Tally(policy))
    }

    /// The rows' reads done by a remote engine, one GROUP BY customer: per customer its rows,
    /// the rows whose month is not 'YYYY-MM' (and the least such text), its first and last
    /// month, per flag its months as `EngineMonthWords`, per sum the sum and count of numbers in the group's months, per
    /// group whether it has a row there. What comes back is one row per customer.
    func aggregate<Engine: QueryEngine>(_ database: Engine) throws -> Part {
        let sql = database.dialect
        let months = Array(Set(groups.flatMap { $0 })).sorted()
        let month = sql.asText("month")
        let (valid, monthIndex) = EventTimes.monthNumber(month, dialect: sql)
        // Without flags only the groups' months are read (none without groups).
        let only =
            flags.isEmpty ? " WHERE \(months.isEmpty ? "1 = 0" : "\(month) IN (\(months.map { "'\($0)'" }.joined(separator: ", ")))")" : ""
        let rows = """
            SELECT customer_id AS c, \(month) AS mt, CASE WHEN \(valid) THEN 1 ELSE 0 END AS ok, \
            CASE WHEN \(valid) THEN \(monthIndex) END AS mi\(columns.enumerated().map { ", \(sql.asDouble(quoteIdentifier($1))) AS x\($0)" }.joined())
            FROM customer_months\(only)\(sql.fence)
            """
        var part = emptyPart()
        let range = try database.allRows("SELECT min(mi), max(mi) FROM (\(rows)) r WHERE ok = 1").first
        guard case .integer(let low)? = range?[0], case .integer(let high)? = range?[1] else {
            return try badMonthsOnly(database, rows: rows, into: part)
        }
        let words = try EngineMonthWords(low: Int(low), high: Int(high), table: "customer_months")
        var select = [sql.asInteger("count(*)"), sql.asInteger("count(CASE WHEN ok = 0 THEN 1 END)"), "min(CASE WHEN ok = 0 THEN mt END)"]
        select += [sql.asInteger("min(mi)"), sql.asInteger("max(mi)")]
        for flag in flags {
            select += words.columns(month: "mi", where: "x\(flag.column) \(flag.inclusive ? ">=" : ">") \(flag.threshold)", dialect: sql)
        }
        // A group's months as month numbers (integers compare faster than texts).
        let inGroup = { (g: Int) -> String in
            let indices = groups[g].map(\.index).sorted()
            guard let low = indices.first, let high = indices.last else { return "1 = 0" }
            let months =
                indices == Array(low...high) ? "BETWEEN \(low) AND \(high)" : "IN (\(indices.map(String.init).joined(separator: ", ")))"
            return "ok = 1 AND mi \(months)"
        }
        for key in keys {
            select += [
                sql.asDouble("sum(CASE WHEN \(inGroup(key.group)) THEN x\(key.column) END)"),
                sql.asInteger("count(CASE WHEN \(inGroup(key.group)) THEN x\(key.column) END)"),
            ]
        }
        for g in groups.indices { select.append("max(CASE WHEN \(inGroup(g)) THEN 1 ELSE 0 END)") }
        var bad = BadMonths()
        try database.forEachRow("SELECT c, \(select.joined(separator: ", ")) FROM (\(rows)) r GROUP BY c", []) { row in
            bad.add(row, count: Int(row.int64(2)), example: row.value(3))
            guard let i = self.index.position(row, 0) else {
                part.unknown += Int(row.int64(1) - row.int64(2))
                return
            }
            guard row.storageClass(4) != .null else { return }
            part.minMonth = min(part.minMonth, Int(row.int64(4)))
            part.maxMonth = max(part.maxMonth, Int(row.int64(5)))
            var column = 6
            for f in flags.indices {
                words.set(row, from: column, customer: i, into: &part.bits[f])
                column += words.count
            }
            for k in keys.indices {
                let count = row.int64(column + 1)
                if count > 0 {
                    part.sums[k][i] = row.double(column)
                    part.counts[k][i] = UInt8(clamping: count)
                }
                column += 2
            }
            for g in groups.indices {
                if row.int64(column) == 1 { part.present[g][i] = true }
                column += 1
            }
        }
        try bad.report(to: &part)
        return part
    }

    /// A table without a single 'YYYY-MM' month: only its bad months to report.
    private func badMonthsOnly<Engine: QueryEngine>(_ database: Engine, rows: String, into part: Part) throws -> Part {
        var part = part, bad = BadMonths()
        try database.forEachRow(
            "SELECT c, \(database.dialect.asInteger("count(*)")), min(mt) FROM (\(rows)) r WHERE ok = 0 GROUP BY c", []
        ) { row in
            bad.add(row, count: Int(row.int64(1)), example: row.value(2))
        }
        try bad.report(to: &part)
        return part
    }

    /// Rows whose month is not 'YYYY-MM', counted over the engine's customer groups; the example
    /// is the least customer by its text (the same every run, whatever order the groups came in).
    private struct BadMonths {
        var count = 0
        var example: (customer: SQLiteValue, month: SQLiteValue)?

        mutating func add<Row: ResultRow>(_ row: Row, count more: Int, example month: SQLiteValue) {
            guard more > 0 else { return }
            count += more
            let customer = row.value(0)
            if example.map({ "\(customer)" < "\($0.customer)" }) ?? true { example = (customer, month) }
        }

        func report(to part: inout Part) throws {
            guard let example else { return }
            try part.bad.add(
                DataError.contract(
                    table: "customer_months", column: "month", row: "customer_id=\(example.customer)",
                    message: "\(example.month) is not a month 'YYYY-MM'"),
                count: count, summary: "not a month", treatment: "left out")
        }
    }

    func read(range: ScanRange?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        // Without flags only the groups' months are read.
        let months = Array(Set(groups.flatMap { $0 })).sorted()
        var sql = "SELECT customer_id, month\(columns.map { ", " + quoteIdentifier($0) }.joined()) FROM customer_months WHERE 1"
        var bindings: [SQLiteValue] = []
        if flags.isEmpty {
            sql += " AND month IN (\(months.map { _ in "?" }.joined(separator: ", ")))"
            bindings = months.map { .text($0.description) }
        }
        if let range {
            sql += range.condition
            bindings += range.bindings
        }
        let statement = try database.prepare(sql)
        try statement.bind(bindings)
        // Month → the sums and groups it feeds, by offset from the first month asked for.
        let base = months.first?.index ?? 0
        var sumsOf = [[Int]](repeating: [], count: (months.last?.index ?? base) - base + 1)
        var groupsOf = sumsOf
        for (k, key) in keys.enumerated() { for month in groups[key.group] { sumsOf[month.index - base].append(k) } }
        for (g, group) in groups.enumerated() { for month in group { groupsOf[month.index - base].append(g) } }
        var part = emptyPart()
        // Per row: the columns' numbers (nil: NULL or a word, which is reported), read only
        // where used — activity columns in every month, sums in their groups' months.
        var numbers = [Double?](repeating: nil, count: columns.count)
        let isActivity = columns.indices.map { c in flags.contains { $0.column == c } },
            isSum = columns.indices.map { c in keys.contains { $0.column == c } }
        // Rows come grouped by customer: the last id's position is reused without a lookup.
        var lastID: Int64?
        var lastPosition: Int?
        while try statement.step() {
            guard let month = statement.withUTF8(1, { YearMonth.parse($0) }) else {
                try part.bad.add(
                    DataError.contract(
                        table: "customer_months", column: "month", row: "customer_id=\(statement.value(0))",
                        message: "\(statement.value(1)) is not a month 'YYYY-MM'"),
                    summary: "not a month", treatment: "left out")
                continue
            }
            let position: Int?
            if statement.storageClass(0) == .integer {
                let id = statement.int64(0)
                if id != lastID {
                    lastID = id
                    lastPosition = index.position(statement, 0)
                }
                position = lastPosition
            } else {
                position = index.position(statement, 0)
            }
            guard let i = position else {
                part.unknown += 1
                continue
            }
            let offset = month.index - base
            let feeds = offset >= 0 && offset < sumsOf.count
            guard !flags.isEmpty || feeds else { continue }
            part.minMonth = min(part.minMonth, month.index)
            part.maxMonth = max(part.maxMonth, month.index)
            for c in columns.indices where isActivity[c] || (feeds && isSum[c]) {
                switch statement.storageClass(2 + c) {
                case .integer, .real: numbers[c] = statement.double(2 + c)
                case .null: numbers[c] = nil
                default:
                    numbers[c] = nil
                    try part.bad.add(
                        DataError.contract(
                            table: "customer_months", column: columns[c], row: "customer_id=\(statement.value(0)), month='\(month)'",
                            message: "\(statement.value(2 + c)) is not a number"),
                        summary: "not a number", treatment: "treated as missing")
                }
            }
            for (f, flag) in flags.enumerated() {
                guard let value = numbers[flag.column], flag.inclusive ? value >= flag.threshold : value > flag.threshold else { continue }
                part.bits[f].set(customer: i, month: month.index)
            }
            guard feeds else { continue }
            for g in groupsOf[offset] { part.present[g][i] = true }
            for k in sumsOf[offset] {
                if let value = numbers[keys[k].column] {
                    part.sums[k][i] += value
                    part.counts[k][i] &+= 1
                }
            }
        }
        return part
    }
}

/// Each customer's months computed by a remote engine as words of 31 bits: word w holds months
/// `low + 31w …` as the bit OR (`bit_or`, PostgreSQL's and Spark's) of the powers of two of the
/// months present, within a 32-bit integer whatever the engine.
struct EngineMonthWords {
    static let bits = 31
    /// The first month's index, and the words per customer.
    let low: Int
    let count: Int

    /// - Throws: `DataError.contract` when the months span more than a century (a column per
    ///   31 months: a month written wrong, such as 0001-01, would ask the engine for hundreds).
    init(low: Int, high: Int, table: String) throws {
        guard high - low < 1_200 else {
            throw DataError.contract(
                table: table, column: table == "events" ? "occurred_at" : "month", row: nil,
                message:
                    "the months run from \(YearMonth(index: low)) to \(YearMonth(index: high)), more than a century: a \(table == "events" ? "time" : "month") is written wrong (look for the earliest and the latest)"
            )
        }
        self.low = low
        count = (high - low) / Self.bits + 1
    }

    /// The SQL of each word's column: the months `month` (an index, `YearMonth.index`) of the
    /// group's rows where `condition` holds.
    func columns(month: String, where condition: String, dialect: SQLDialect) -> [String] {
        (0..<count).map { w in
            let from = low + w * Self.bits
            let power = dialect.asInteger("power(2, \(month) - \(from))")
            return dialect.asInteger(
                "coalesce(bit_or(CASE WHEN \(condition) AND \(month) BETWEEN \(from) AND \(from + Self.bits - 1) THEN \(power) END), 0)")
        }
    }

    /// Sets customer `i`'s months from the words at `column…` of `row`.
    func set<Row: ResultRow>(_ row: Row, from column: Int, customer i: Int, into bits: inout MonthBits) {
        for w in 0..<count {
            var word = row.int64(column + w)
            while word != 0 {
                let b = word.trailingZeroBitCount
                word &= word - 1
                bits.set(customer: i, month: low + w * Self.bits + b)
            }
        }
    }
}
