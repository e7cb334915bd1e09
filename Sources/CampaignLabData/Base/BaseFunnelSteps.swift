import Foundation

/// The AARRR funnel of the base on a remote engine: the walk's first occurrences computed where
/// the data are — one GROUP BY customer per step, each step's first occurrence not before the
/// previous step, as the campaign funnel's `CampaignEvents.aggregateStepTimes` — so that what
/// crosses the wire is one row per customer acquired in the quarters followed (the entry and
/// step times the funnel's Kaplan–Meier needs), never an events or customer_months row. The
/// SQLite engine reads the events in process and walks in Swift (`FunnelWalk`), with the same
/// rules:
/// - entry at 00:00 of `opened_on`;
/// - an events step at the first of its events (reporting-zone time) not before the previous
///   step, a months step in the first month with the column above zero not before the previous
///   step's month, dated at the month's first day or at the previous step when that is later;
/// - a step that must come in a later month looks from the first day of the month after the
///   previous step's;
/// - only events before the cut-off count (a months step past it is cut by the caller, which
///   knows each cohort's end).
public enum BaseFunnelSteps {
    public struct Step: Sendable {
        public var rule: ActivityRule
        /// Whether the step must come in a calendar month after the previous step's.
        public var laterMonth: Bool

        public init(rule: ActivityRule, laterMonth: Bool) {
            self.rule = rule
            self.laterMonth = laterMonth
        }
    }

    public struct Walked: Sendable {
        /// The customers opened in the days asked for (a valid `opened_on`), in no particular order.
        public var ids: [SQLiteValue] = []
        /// Per customer, per step after acquisition: the time of the step's first occurrence
        /// (events: the event's time; months: the month's first day), seconds since 1970 in the
        /// reporting zone; nil once a step is not reached.
        public var times: [[Double?]] = []
        /// Per step after acquisition: for an events step, the time of the earliest of its events
        /// before the cut-off of a customer in `customers` (where its data begin; nil without one).
        public var earliest: [Double?] = []
    }

    /// The customers opened from `from` through `through` (`opened_on`, a valid date), with the
    /// value of `dimension` (NULL without one), in the order of the ids' bytes (the same every
    /// run). The `opened_on` values that are not dates are counted on the engine into `tally`,
    /// with one row named: the first in the order `CustomerActivity.customersAndOpeningMonths` reads
    /// them (the same example, so that the two reads of the table are one entry of bad rows).
    public static func entrants<Engine: QueryEngine>(
        openedFrom from: CivilDate, through: CivilDate, dimension: String?, schema: ContractSchema, database: Engine,
        tally: inout BadRows.Tally
    ) throws -> [(id: SQLiteValue, opened: CivilDate, level: SQLiteValue)] {
        let sql = database.dialect
        let opened = sql.asText("opened_on"), valid = ContractChecker.validDate(opened)
        let isText = schema.table("customers")?.column(named: "customer_id")?.affinity == "TEXT"
        var found: [(id: SQLiteValue, opened: CivilDate, level: SQLiteValue)] = []
        try database.forEachRow(
            """
            SELECT customer_id, \(opened), \(dimension.map { sql.asText(quoteIdentifier($0)) } ?? "NULL") FROM customers
            WHERE \(opened) >= ? AND \(opened) <= ? AND \(valid) ORDER BY \(sql.byteOrder("customer_id", isText: isText))
            """, [.text(from.description), .text(through.description)]
        ) { row in
            guard let day = row.withUTF8(1, { CivilDate.parse($0) }) else { return }
            found.append((row.value(0), day, row.value(2)))
        }
        let bad = "opened_on IS NULL OR NOT (\(valid))"
        if let count = try database.allRows("SELECT \(sql.asInteger("count(*)")) FROM customers WHERE \(bad)").first?[0].intValue,
            count > 0,
            let example = try database.allRows(
                "SELECT customer_id, \(opened) FROM customers WHERE \(bad) ORDER BY \(sql.byteOrder("customer_id", isText: isText)) LIMIT 1"
            ).first
        {
            try CustomerActivity.countNotADate(customer: example[0], opened: example[1], count: count, into: &tally)
        }
        return found
    }

    /// Walks the customers opened from `from` through `through` (`opened_on`) through `steps`
    /// (those after acquisition) on `database`.
    /// - Parameters:
    ///   - cutoff: the first day whose events do not count.
    ///   - tally: where `occurred_at` texts that are not timestamps are counted (or refused).
    /// - Throws: `DataError` for such a text when refusing, or ids of different types in the
    ///   tables joined.
    public static func walk<Engine: QueryEngine>(
        _ steps: [Step], openedFrom from: CivilDate, through: CivilDate, cutoff: CivilDate, schema: ContractSchema,
        database: Engine, tally: inout BadRows.Tally, progress: (String) -> Void
    ) throws -> Walked {
        let sql = database.dialect
        var names: [String] = []
        var namesOf = [[Int]](repeating: [], count: steps.count)
        var columns: [String] = []
        for (k, step) in steps.enumerated() {
            switch step.rule {
            case .events(let list):
                for name in list {
                    if names.firstIndex(of: name) == nil { names.append(name) }
                    namesOf[k].append(names.firstIndex(of: name)!)
                }
            case .months(let column):
                if !columns.contains(column) { columns.append(column) }
            }
        }
        try schema.requireOneIDType(
            (names.isEmpty ? [] : [Contract.events]) + (columns.isEmpty ? [] : [Contract.customerMonths]), reference: Contract.customers)
        progress("\(database.engineName): the funnel of the base from \(from) (\(steps.map(\.rule.description).joined(separator: " → ")))")
        var walked = Walked(earliest: [Double?](repeating: nil, count: steps.count))
        var ctes: [String] = [], bindings: [SQLiteValue] = []

        // The entrants: entry at 00:00 of opened_on (a, microseconds) and its month (m).
        let opened = sql.asText("o.opened_on")
        let valid = ContractChecker.validDate(opened)
        let number = { (from: Int, length: Int) in sql.asInteger("substr(\(opened), \(from), \(length))") }
        let day = EventTimes.civilDays(year: number(1, 4), month: number(6, 2), day: number(9, 2), dialect: sql)
        ctes.append(
            """
            s0 AS (SELECT o.customer_id AS c, CASE WHEN \(valid) THEN \(day) * 86400000000 END AS a,
                          CASE WHEN \(valid) THEN \(EventTimes.monthNumber(opened, dialect: sql).index) END AS m
                   FROM customers o WHERE \(opened) >= ? AND \(opened) <= ? AND \(valid)\(sql.fence))
            """)
        bindings += [.text(from.description), .text(through.description)]

        // The steps' events before the cut-off: customer, name (k), time (t) and its month (mi).
        if !names.isEmpty {
            let filter = "e.event IN (\(names.map { _ in "?" }.joined(separator: ", "))) AND e.occurred_at < ?"
            // (The texts SQLite's read looks at: up to a day past the last day, whose offset may move it back.)
            let lastDay = cutoff.adding(days: -1)
            let filterBindings = names.map { SQLiteValue.text($0) } + [.text(CampaignEvents.occurredAtRange(lastDay, lastDay).until)]
            let forms = try EventTimes.readableForms(filter: filter, bindings: filterBindings, database: database, tally: &tally)
            // No event written as a time: no step data (the caller names the step).
            guard !forms.offsets.isEmpty else { return walked }
            let nameOf = names.indices.map { "WHEN ? THEN \($0)" }.joined(separator: " ")
            let micros = EventTimes.reportingMicros("e.occurred_at", offsets: forms.offsets, dialect: sql)
            let times = """
                SELECT c, k, t FROM (
                  SELECT e.customer_id AS c, CASE e.event \(nameOf) END AS k, \(micros) AS t
                  FROM events e WHERE \(filter) AND \(forms.admits("e.occurred_at"))\(sql.fence)) ev
                WHERE t < \(Int64(cutoff.daysSinceEpoch) * 86_400_000_000)
                """
            ctes.append("st AS (\(EventTimes.dayAndMonth(times, carrying: ["k", "t"], dialect: sql)))")
            bindings += names.map { SQLiteValue.text($0) } + filterBindings
        }
        // Per months column, the customers' months with a value above zero.
        let month = sql.asText("cm.month")
        let (validMonth, monthIndex) = EventTimes.monthNumber(month, dialect: sql)
        for (j, column) in columns.enumerated() {
            ctes.append(
                """
                cm\(j) AS (SELECT cm.customer_id AS c,
                                  CASE WHEN \(validMonth) THEN \(monthIndex) END AS mi
                           FROM customer_months cm WHERE \(validMonth) AND \(sql.asDouble("cm." + quoteIdentifier(column))) > 0\(sql.fence))
                """)
        }

        // Step k: its first occurrence not before step k − 1 — r (the raw time: microseconds,
        // or a month's index), a (the step's time) and m (its month).
        for (k, step) in steps.enumerated() {
            let carried = (1..<(k + 1)).map { "p.r\($0)" }
            let keys = (["p.c"] + carried + ["p.a", "p.m"]).joined(separator: ", ")
            let select = (["p.c"] + carried).joined(separator: ", ")
            let s = k + 1
            switch step.rule {
            case .events:
                let notBefore = step.laterMonth ? EventTimes.monthStartMicros("p.m + 1", dialect: sql) : "p.a"
                ctes.append(
                    """
                    s\(s) AS (SELECT \(select), min(q.t) AS r\(s), min(q.t) AS a, min(q.mi) AS m
                              FROM s\(k) p LEFT JOIN st q ON q.c = p.c AND q.k IN (\(namesOf[k].map(String.init).joined(separator: ", "))) AND q.t >= \(notBefore)
                              GROUP BY \(keys))
                    """)
            case .months(let column):
                let first = "min(q.mi)"
                ctes.append(
                    """
                    s\(s) AS (SELECT \(select), \(first) AS r\(s),
                                     CASE WHEN \(first) = p.m THEN p.a ELSE \(EventTimes.monthStartMicros(first, dialect: sql)) END AS a, \(first) AS m
                              FROM s\(k) p LEFT JOIN cm\(columns.firstIndex(of: column)!) q ON q.c = p.c AND q.mi >= p.m\(step.laterMonth ? " + 1" : "")
                              GROUP BY \(keys))
                    """)
            }
        }
        let raw = (1...steps.count).map { "r\($0)" }.joined(separator: ", ")
        try database.forEachRow("WITH \(ctes.joined(separator: ", ")) SELECT c, \(raw) FROM s\(steps.count)", bindings) { row in
            walked.ids.append(row.value(0))
            walked.times.append(
                steps.indices.map { k in
                    guard row.storageClass(k + 1) != .null else { return nil }
                    let value = row.int64(k + 1)
                    if case .months = steps[k].rule { return Double(YearMonth(index: Int(value)).firstDay.daysSinceEpoch) * 86_400 }
                    return EventTimes.seconds(micros: value)
                })
        }

        // Where each events step's data begin: its earliest event of a customer the bank lists.
        if !names.isEmpty {
            let rows = try database.allRows(
                """
                WITH \(ctes[1]) SELECT k, min(t) FROM st WHERE c IN (SELECT customer_id FROM customers) GROUP BY k
                """, Array(bindings.dropFirst(2)))
            var first = [Double?](repeating: nil, count: names.count)
            for row in rows {
                guard let k = row[0].intValue, case .integer(let t) = row[1] else { continue }
                first[k] = EventTimes.seconds(micros: t)
            }
            for k in steps.indices where !namesOf[k].isEmpty {
                walked.earliest[k] = namesOf[k].compactMap { first[$0] }.min()
            }
        }
        return walked
    }
}
