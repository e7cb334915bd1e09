import Foundation

/// What analyses will read of `customer_months`: months of activity by columns (active when
/// above zero) and metrics summed over groups of months. Declared before a run, the needs of a
/// notebook's blocks are one request, read in one pass over the table.
public struct CustomerMonthsRequest: Sendable, Hashable {
    /// Columns whose months above zero make a customer active.
    public var activity: Set<String> = []
    /// (metric, group of months) pairs to sum per customer.
    public var sums: Set<SumKey> = []

    public struct SumKey: Sendable, Hashable {
        public var metric: String
        public var months: [YearMonth]
        public init(_ metric: String, _ months: [YearMonth]) {
            self.metric = metric
            self.months = months
        }
    }

    public init(activity: Set<String> = [], sums: Set<SumKey> = []) {
        self.activity = activity
        self.sums = sums
    }

    /// Every metric of `metrics` over every group of `groups`.
    public init(metrics: [String], groups: [[YearMonth]]) {
        for metric in metrics { for group in groups { sums.insert(SumKey(metric, group)) } }
    }

    public var isEmpty: Bool { activity.isEmpty && sums.isEmpty }

    public func covers(_ other: CustomerMonthsRequest) -> Bool { other.activity.isSubset(of: activity) && other.sums.isSubset(of: sums) }

    public mutating func formUnion(_ other: CustomerMonthsRequest) {
        activity.formUnion(other.activity)
        sums.formUnion(other.sums)
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
    public static func read(
        _ request: CustomerMonthsRequest, schema: ContractSchema, database: SQLiteDatabase, badRows: BadRows = .refusing,
        progress: (String) -> Void = { _ in }
    ) throws -> CustomerMonthsPass {
        let activityColumns = request.activity.sorted()
        func order(_ months: [YearMonth]) -> String { months.map(\.description).joined(separator: ",") }
        let keys = request.sums.sorted { $0.metric < $1.metric || ($0.metric == $1.metric && order($0.months) < order($1.months)) }
        let columns = Array(Set(activityColumns + keys.map(\.metric))).sorted()
        try schema.require(Contract.customerMonths, columns: ["customer_id", "month"] + columns)
        progress("reading customers")
        // (An opening day that is not a date matters to the activity's cohorts only.)
        var tally = BadRows.Tally(badRows.policy), dates = BadRows.Tally(activityColumns.isEmpty ? .exclude : badRows.policy)
        let (ids, opened) = try CustomerActivity.customersAndOpeningMonths(schema: schema, database: database, tally: &dates)
        if !activityColumns.isEmpty { tally.merge(dates) }
        progress("reading customer_months \(columns.joined(separator: ", "))")
        let groups = Array(Set(keys.map(\.months))).sorted { order($0) < order($1) }
        let job = MonthsPassJob(
            path: database.path, columns: columns, activity: activityColumns.map { columns.firstIndex(of: $0)! },
            keys: keys.map { (columns.firstIndex(of: $0.metric)!, groups.firstIndex(of: $0.months)!) }, groups: groups,
            index: CustomerIndex(ids), customers: ids.count, policy: badRows.policy)
        let parts = try schema.scanInRowidHalves(Contract.customerMonths.name, database: database, threshold: 1_000_000) {
            try job.read(range: $0, database: $1)
        }
        var all = parts[0]
        for part in parts.dropFirst() { all.merge(part) }
        tally.merge(all.bad)
        try tally.report(to: badRows)
        var pass = CustomerMonthsPass(request: request, ids: ids, activity: [:], sums: [:], present: [:])
        for (k, key) in keys.enumerated() { pass.sums[key] = (all.sums[k], all.counts[k]) }
        for (g, group) in groups.enumerated() { pass.present[group] = all.present[g] }
        guard !activityColumns.isEmpty else { return pass }
        guard all.minMonth <= all.maxMonth else {
            throw DataError.contract(
                table: "customer_months", column: activityColumns[0], row: nil,
                message: "customer_months has no rows (column \(activityColumns[0])): there is no activity to follow")
        }
        let first = YearMonth(index: all.minMonth), last = YearMonth(index: all.maxMonth)
        for (a, column) in activityColumns.enumerated() {
            var bits = all.bits[a]
            bits.rebase(to: all.minMonth, months: all.maxMonth - all.minMonth + 1)
            pass.activity[column] = CustomerActivity(
                rule: .months(column: column), ids: ids, opened: opened, first: first, last: last, lastComplete: last, words: bits.words,
                bits: bits.bits, unknownCustomers: all.unknown)
        }
        return pass
    }
}

/// Reads one rowid range of customer_months for a pass, on its own connection.
private struct MonthsPassJob: Sendable {
    var path: String
    var columns: [String]
    /// Positions in `columns` of the activity columns.
    var activity: [Int]
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

    func read(range: ScanRange?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        // Without activity only the groups' months are read.
        let months = Array(Set(groups.flatMap { $0 })).sorted()
        var sql = "SELECT customer_id, month\(columns.map { ", " + quoteIdentifier($0) }.joined()) FROM customer_months WHERE 1"
        var bindings: [SQLiteValue] = []
        if activity.isEmpty {
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
        var part = Part(
            bits: activity.map { _ in MonthBits(customers: customers) },
            sums: keys.map { _ in [Double](repeating: 0, count: customers) },
            counts: keys.map { _ in [UInt8](repeating: 0, count: customers) },
            present: groups.map { _ in [Bool](repeating: false, count: customers) }, bad: BadRows.Tally(policy))
        // Per row: the columns' numbers (nil: NULL or a word, which is reported), read only
        // where used — activity columns in every month, sums in their groups' months.
        var numbers = [Double?](repeating: nil, count: columns.count)
        let isActivity = columns.indices.map { activity.contains($0) },
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
            guard !activity.isEmpty || feeds else { continue }
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
            for (a, c) in activity.enumerated() where (numbers[c] ?? 0) > 0 { part.bits[a].set(customer: i, month: month.index) }
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
