import Foundation

/// Reads of `events` for one campaign's funnel.
public enum CampaignEvents {
    /// Events tables with more rowids than this are scanned in two rowid ranges at once.
    nonisolated(unsafe) public static var parallelReadThreshold = 200_000

    /// Checks that each of `events` occurs in table events (a lookup that stops at the first
    /// row; the list of events for the message is read only when one is missing).
    /// - Throws: `CampaignReadError(.steps)` naming the missing event and the events there are.
    public static func requireEvents<Engine: QueryEngine>(_ events: [String], database: Engine) throws {
        let present = try presentEvents(events, database: database)
        if let event = events.first(where: { !present.contains($0) }) {
            throw CampaignReadError(
                .steps, "no event '\(event)' in table events (events: \(try knownEvents(database).joined(separator: ", ")))")
        }
    }

    /// Those of `events` that table events has at least one row of.
    public static func presentEvents<Engine: QueryEngine>(_ events: [String], database: Engine) throws -> Set<String> {
        Set(try events.filter { try !database.allRows("SELECT 1 FROM events WHERE event = ? LIMIT 1", [.text($0)]).isEmpty })
    }

    /// The `occurred_at` text range ['from', 'until') a query takes for events dated `first`…`last`
    /// in the reporting zone: a day more on each side, because the text of a timestamp with an
    /// offset may be a day off its reporting-zone date (the parsed time decides).
    static func occurredAtRange(_ first: CivilDate, _ last: CivilDate) -> (from: String, until: String) {
        (first.adding(days: -1).description, last.adding(days: 2).description)
    }

    /// Where the data end, no later than the end of `last` (reporting zone), so that customers
    /// who have not converted are censored there and not at the last event of the funnel's own
    /// steps: the end of `last` when the events reach that day (an event on it or later — found
    /// from the table's end, where exports append, or else among the latest events), else the
    /// time of the latest event. Times are compared parsed, not as text (offsets differ; a word
    /// sorts after every date). Nil when no event before the end of `last` can be read.
    /// `first` is kept for callers' clarity: the data's end is wherever the events end.
    public static func dataEnd(
        from first: CivilDate, through last: CivilDate, schema: ContractSchema, database: SQLiteDatabase
    ) throws -> Double? {
        let end = Double(last.adding(days: 1).daysSinceEpoch) * 86_400
        let fromEnd = schema.table("events")?.hasRowID == true ? " ORDER BY rowid DESC" : ""
        let upper = SQLiteValue.text("9999")  // below any word
        if let text = try database.scalarText(
            "SELECT occurred_at FROM events WHERE occurred_at >= ? AND occurred_at < ?\(fromEnd) LIMIT 1", [.text(last.description), upper]),
            let time = Timestamp(text), time.secondsSinceEpoch >= end - 86_400
        {
            return end
        }
        // The latest text, then every event within a day of it parsed (an offset moves a time by less than a day).
        guard let latest = try database.scalarText("SELECT max(occurred_at) FROM events WHERE occurred_at < ?", [upper]),
            let latestDay = CivilDate(latest.prefix(10))
        else { return nil }
        let statement = try database.prepare("SELECT occurred_at FROM events WHERE occurred_at >= ? AND occurred_at < ?")
        try statement.bind([.text(latestDay.adding(days: -2).description), upper])
        var maximum = -Double.infinity
        while try statement.step() {
            if let time = statement.withUTF8(0, { Timestamp.parse($0) }) { maximum = max(maximum, time.secondsSinceEpoch) }
        }
        guard maximum > -.infinity else { return nil }
        return maximum >= end - 86_400 ? end : maximum
    }

    /// Every event name in table events, sorted.
    public static func knownEvents<Engine: QueryEngine>(_ database: Engine) throws -> [String] {
        // Sorted here: engines order text by their collation.
        try database.allRows("SELECT DISTINCT event FROM events").compactMap { $0[0].textValue }.sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
    }

    /// The error for the row `statement` is on (customer_id, event, occurred_at…): its
    /// `occurred_at` is not a timestamp.
    static func unparsableTime(_ statement: SQLiteStatement, event: String) -> DataError {
        DataError.contract(
            table: "events", column: "occurred_at", row: "customer_id=\(statement.value(0)), event='\(event)'",
            message: "\(statement.value(2)) is not an ISO 8601 timestamp")
    }

    /// Checks that some of `count` events read belong to an assigned customer when their ids
    /// are stored in another form than the assignments' ('0017' against 17, which
    /// `SQLiteValue.customerKey` does not match): otherwise every count would be zero without a
    /// word. Zero matches between ids of one form are a fact (a small campaign, a rare event).
    /// - Parameters: `example`: an event's customer id; `assigned`: an assigned customer's id.
    /// - Throws: `DataError.contract` naming both forms.
    public static func requireMatches(
        _ matched: Int, of count: Int, example: SQLiteValue, assigned: SQLiteValue?, what: String
    ) throws {
        guard matched == 0, count > 0, let assigned,
            example.customerKey.storageClass != assigned.customerKey.storageClass
        else { return }
        throw DataError.contract(
            table: "events", column: "customer_id", row: "customer_id=\(example)",
            message:
                "none of the \(formatCount(count)) \(what) belongs to an assigned customer: customer_id is stored as \(example.storageClass.name) here but as \(assigned.storageClass.name) in assignments (e.g. \(assigned)); store customer ids in one form in every table (e.g. CAST in a view)"
        )
    }

    /// The events whose name is a key of `steps` that belong to `campaign` or to no campaign,
    /// from its first day to the end of its last day: customer (`SQLiteValue.customerKey`), the step (the value in
    /// `steps`) and the time in seconds since 1970 (reporting zone). Large tables are scanned
    /// in two rowid ranges on two connections at once.
    /// - Throws: `DataError.contract` for an `occurred_at` that is not a timestamp, naming the row.
    public static func stepEvents(
        of campaign: CampaignInfo, steps: [String: Int], schema: ContractSchema,
        database: SQLiteDatabase, badRows: BadRows = .refusing
    ) throws -> [(customer: SQLiteValue, step: Int, time: Double)] {
        let job = StepEventsJob(
            path: database.path, campaign: campaign.id, stepOf: steps, first: campaign.startsOn, last: campaign.endsOn,
            keep: nil, known: nil, policy: badRows.policy)
        return try job.scan(schema: schema, database: database, badRows: badRows).found
    }

    /// The events whose name is a key of `steps`, of any campaign, before `until` (the first
    /// instant of that day, reporting zone), of the customers in `customers`: the customer's
    /// position there, the step and the time. Also the time of the earliest event of each step
    /// of a customer in `known` (nil for a step without such events before `until`): where its
    /// data begin (a stray row of a customer the bank does not list does not move it).
    /// - Throws: `DataError.contract` for an `occurred_at` that is not a timestamp, naming the row.
    public static func stepEvents(
        _ steps: [String: Int], of customers: CustomerIndex, known: CustomerIndex, until: CivilDate, schema: ContractSchema,
        database: SQLiteDatabase, badRows: BadRows = .refusing
    ) throws -> (events: [(customer: Int, step: Int, time: Double)], earliest: [Int: Double]) {
        let job = StepEventsJob(
            path: database.path, campaign: nil, stepOf: steps, first: nil, last: until.adding(days: -1), keep: customers,
            known: known, policy: badRows.policy)
        let parts = try job.scan(schema: schema, database: database, badRows: badRows)
        return (parts.kept.map { (Int($0.customer), Int($0.step), $0.time) }, parts.earliest)
    }

    /// Runs `read` over table events in two rowid halves at once (see `ContractSchema.scanInRowidHalves`).
    static func scanInRowidRanges<Part: Sendable>(
        schema: ContractSchema, database: SQLiteDatabase,
        _ read: @escaping @Sendable (ScanRange?, SQLiteDatabase?) throws -> Part
    ) throws -> [Part] {
        try schema.scanInRowidHalves(Contract.events.name, database: database, threshold: parallelReadThreshold, read)
    }
}

/// Reads the funnel's events, optionally one rowid range, on its own connection.
private struct StepEventsJob: Sendable {
    var path: String
    /// The campaign whose events (and those of no campaign) count; nil: every event.
    var campaign: String?
    /// Event name → its position in the funnel's steps.
    var stepOf: [String: Int]
    /// The first and last day of the events read (reporting zone); no first day: from the start.
    var first: CivilDate?
    var last: CivilDate
    /// The customers whose events are kept, by position; nil: every customer's, by id.
    var keep: CustomerIndex?
    /// The customers whose events set where a step's data begin (with `keep`).
    var known: CustomerIndex?
    var policy: BadRows.Policy

    struct Part: Sendable {
        var found: [(customer: SQLiteValue, step: Int, time: Double)] = []
        var kept: [(customer: Int32, step: Int32, time: Double)] = []
        /// Step → the time of its earliest event read.
        var earliest: [Int: Double] = [:]
        var bad: BadRows.Tally

        mutating func merge(_ other: Part) {
            found += other.found
            kept += other.kept
            earliest.merge(other.earliest) { min($0, $1) }
            bad.merge(other.bad)
        }
    }

    /// Reads the table (in two rowid halves at once when large) and reports bad rows.
    func scan(schema: ContractSchema, database: SQLiteDatabase, badRows: BadRows) throws -> Part {
        let parts = try CampaignEvents.scanInRowidRanges(schema: schema, database: database) { try read(range: $0, database: $1) }
        var all = Part(bad: BadRows.Tally(policy))
        for part in parts { all.merge(part) }
        try all.bad.report(to: badRows)
        return all
    }

    func read(range: ScanRange?, database shared: SQLiteDatabase?) throws -> Part {
        let database = try shared ?? SQLiteDatabase.open(readOnlyAt: path)
        let events = stepOf.keys.sorted()
        var sql = """
            SELECT customer_id, event, occurred_at FROM events
            WHERE event IN (\(events.map { _ in "?" }.joined(separator: ", ")))
            """
        var bindings: [SQLiteValue] = events.map { .text($0) }
        if let campaign {
            sql += " AND (campaign_id = ? OR campaign_id IS NULL)"
            bindings.append(.text(campaign))
        }
        let texts = CampaignEvents.occurredAtRange(first ?? last, last)
        if first != nil {
            sql += " AND occurred_at >= ?"
            bindings.append(.text(texts.from))
        }
        sql += " AND occurred_at < ?"
        bindings.append(.text(texts.until))
        let from = first.map { Double($0.daysSinceEpoch) * 86_400 } ?? -.infinity
        let until = Double(last.adding(days: 1).daysSinceEpoch) * 86_400
        if let range {
            sql += range.condition
            bindings += range.bindings
        }
        let statement = try database.prepare(sql)
        try statement.bind(bindings)
        var part = Part(bad: BadRows.Tally(policy))
        while try statement.step() {
            guard let event = statement.text(1), let position = stepOf[event] else { continue }
            guard let time = statement.withUTF8(2, { Timestamp.parse($0) }) else {
                try part.bad.add(
                    CampaignEvents.unparsableTime(statement, event: event), summary: "not an ISO 8601 timestamp", treatment: "left out")
                continue
            }
            let t = time.secondsSinceEpoch
            guard t >= from && t < until else { continue }
            if let keep {
                if known?.position(statement, 0) != nil { part.earliest[position] = min(part.earliest[position] ?? .infinity, t) }
                guard let i = keep.position(statement, 0) else { continue }
                part.kept.append((Int32(i), Int32(position), t))
            } else {
                let customer = statement.storageClass(0) == .integer ? .integer(statement.int64(0)) : statement.value(0).customerKey
                part.found.append((customer, position, t))
            }
        }
        return part
    }
}
