import Foundation

/// The campaign funnel's reads on a remote engine: each customer's time at each step computed
/// where the events are — one GROUP BY customer per step, the first occurrence of the step not
/// before the previous one — so that what crosses the wire is one row per campaign customer
/// (the per-customer entry and step times the Kaplan–Meier of the funnel needs), never an
/// events row. The SQLite engine reads the events in process (`CampaignEvents.stepEvents`).
extension CampaignEvents {
    /// Per campaign customer, the time (seconds since 1970, reporting zone) of each step.
    public struct StepTimes: Sendable {
        /// The campaign's customers, in no particular order.
        public var ids: [SQLiteValue] = []
        /// Per customer, per step: the entry (step 0: assignment or the first event of step 0)
        /// and then each step's first event not before the previous step's time; nil once a step
        /// is not reached.
        public var times: [[Double?]] = []
        /// The latest step event of any customer in the campaign's days (nil without one).
        public var latest: Double?
        /// Step events in the campaign's days, and those of the campaign's customers.
        public var events = 0, matched = 0
        /// A customer id of a step event, for the message when none matches an assignment.
        public var example: SQLiteValue?
    }

    /// The step times of `campaign`'s customers for `steps` ("assigned" first, or event names),
    /// aggregated by the engine. Events count when they belong to the campaign or to no campaign
    /// and fall in its days (reporting zone), as in `stepEvents`.
    /// - Throws: `DataError.contract` naming an `occurred_at` or `assigned_at` that is not a
    ///   timestamp (refused on remote engines whatever the bad-rows policy).
    public static func aggregateStepTimes<Engine: QueryEngine>(
        of campaign: CampaignInfo, steps: [String], database: Engine, progress: (String) -> Void
    ) throws -> StepTimes {
        let dialect = database.dialect
        let eventSteps = steps.enumerated().filter { $0.element != "assigned" }
        progress("\(database.engineName): funnel step times of \(campaign.id) (\(steps.joined(separator: " → ")))")
        let range = occurredAtRange(campaign.startsOn, campaign.endsOn)
        let names = eventSteps.map { _ in "?" }.joined(separator: ", ")
        let filter = "e.event IN (\(names)) AND (e.campaign_id = ? OR e.campaign_id IS NULL) AND e.occurred_at >= ? AND e.occurred_at < ?"
        let filterBindings = eventSteps.map { SQLiteValue.text($0.element) } + [.text(campaign.id), .text(range.from), .text(range.until)]
        let offsets = try EventTimes.writtenOffsets(join: "", filter: filter, bindings: filterBindings, database: database)
        var found = StepTimes()
        guard !offsets.isEmpty else { return found }

        let from = Int64(campaign.startsOn.daysSinceEpoch) * 86_400_000_000
        let until = Int64(campaign.endsOn.adding(days: 1).daysSinceEpoch) * 86_400_000_000
        let stepOf = eventSteps.map { "WHEN ? THEN \($0.offset)" }.joined(separator: " ")
        let stepBindings = eventSteps.map { SQLiteValue.text($0.element) }
        // The step events in the campaign's days, as (customer, step, microseconds).
        let events = """
            ev AS (
              SELECT e.customer_id AS c, CASE e.event \(stepOf) END AS k,
                     \(EventTimes.reportingMicros("e.occurred_at", offsets: offsets, dialect: dialect)) AS t
              FROM events e WHERE \(filter)\(dialect.fence)
            ), st AS (SELECT c, k, t FROM ev WHERE t >= \(from) AND t < \(until))
            """
        let eventsBindings = stepBindings + filterBindings

        let summary = try database.allRows(
            """
            WITH \(events)
            SELECT \(dialect.asInteger("max(st.t)")), \(dialect.asInteger("count(*)")), \(dialect.asInteger("count(a.customer_id)")), min(st.c)
            FROM st LEFT JOIN (SELECT DISTINCT customer_id FROM assignments WHERE campaign_id = ?) a ON a.customer_id = st.c
            """, eventsBindings + [.text(campaign.id)])
        if let row = summary.first {
            if case .integer(let t) = row[0] { found.latest = EventTimes.seconds(micros: t) }
            found.events = row[1].intValue ?? 0
            found.matched = row[2].intValue ?? 0
            found.example = row[3] == .null ? nil : row[3]
        }

        // Step 0: the assignment's time, or the customer's first event of step 0.
        var chain: [String] = [], chainBindings: [SQLiteValue] = [.text(campaign.id)]
        if steps[0] == "assigned" {
            let assigned = try EventTimes.writtenOffsets(
                table: "assignments", column: "assigned_at", join: "", filter: "e.campaign_id = ?", bindings: [.text(campaign.id)],
                database: database)
            chain.append(
                """
                s0 AS (SELECT a.customer_id AS c, \(EventTimes.reportingMicros("a.assigned_at", offsets: assigned, dialect: dialect)) AS t0
                       FROM assignments a WHERE a.campaign_id = ?)
                """)
        } else {
            chain.append(
                """
                s0 AS (SELECT a.customer_id AS c, min(st.t) AS t0
                       FROM assignments a LEFT JOIN st ON st.c = a.customer_id AND st.k = 0
                       WHERE a.campaign_id = ? GROUP BY a.customer_id)
                """)
        }
        // Step k: the first event of step k not before step k − 1 (none once a step is missed).
        for k in 1..<steps.count {
            let carried = (0..<k).map { "p.t\($0)" }.joined(separator: ", ")
            chain.append(
                """
                s\(k) AS (SELECT p.c, \(carried), min(st.t) AS t\(k)
                          FROM s\(k - 1) p LEFT JOIN st ON st.c = p.c AND st.k = \(k) AND st.t >= p.t\(k - 1)
                          GROUP BY p.c, \(carried))
                """)
        }
        let last = steps.count - 1
        let columns = (0...last).map { "t\($0)" }.joined(separator: ", ")
        try database.forEachRow(
            "WITH \(events), \(chain.joined(separator: ", ")) SELECT c, \(columns) FROM s\(last)",
            eventsBindings + chainBindings
        ) { row in
            found.ids.append(row.value(0))
            found.times.append(
                (0...last).map { row.storageClass($0 + 1) == .null ? nil : EventTimes.seconds(micros: row.int64($0 + 1)) })
        }
        return found
    }

    /// `dataEnd` on any engine: the latest event's time (its text among the last days of the
    /// table's latest text, parsed by the engine), or the end of `last` when that is on or after
    /// `last`'s first instant.
    public static func dataEnd<Engine: QueryEngine>(
        from first: CivilDate, through last: CivilDate, schema: ContractSchema, engine database: Engine
    ) throws -> Double? {
        if let sqlite = database as? SQLiteDatabase {
            return try dataEnd(from: first, through: last, schema: schema, database: sqlite)
        }
        let end = Double(last.adding(days: 1).daysSinceEpoch) * 86_400
        let upper = SQLiteValue.text("9999")  // below any word
        guard let latest = try database.allRows("SELECT max(occurred_at) FROM events WHERE occurred_at < ?", [upper]).first?[0].textValue,
            let latestDay = CivilDate(latest.prefix(10))
        else { return nil }
        // An offset moves a time by less than a day: the latest instant is among these texts.
        // (Texts that are not times are passed over, as on SQLite: they may be any event's.)
        let filter = "e.occurred_at >= ? AND e.occurred_at < ?"
        let bindings: [SQLiteValue] = [.text(latestDay.adding(days: -2).description), upper]
        let forms = try EventTimes.writtenForms(join: "", filter: filter, bindings: bindings, database: database, refusing: false)
        let micros = EventTimes.reportingMicros("e.occurred_at", offsets: forms.offsets, dialect: database.dialect)
        guard
            case .integer(let t) = try database.allRows(
                "SELECT \(database.dialect.asInteger("max(\(micros))")) FROM events e WHERE \(filter) AND \(forms.admits("e.occurred_at"))",
                bindings
            ).first?[0]
        else { return nil }
        let maximum = EventTimes.seconds(micros: t)
        return maximum >= end - 86_400 ? end : maximum
    }
}
