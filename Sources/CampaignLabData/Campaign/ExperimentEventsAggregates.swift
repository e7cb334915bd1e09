import Foundation

/// A randomized test's reads on a remote engine: each assigned customer's events metrics from
/// its own assignment, computed where the events are — one GROUP BY customer — so that what
/// crosses the wire is one row per test customer with events, never an events row. The SQLite
/// engine reads the same values in process (`ExperimentEvents.values`).
extension ExperimentEvents {
    /// `values` aggregated by the engine: an event counts for the test when its reporting-zone
    /// time is not before the customer's `assigned_at` and before `span.end`, for the pre-period
    /// when it is in [`span.preStart`, `span.preEnd`) — both compared as the engine's integer
    /// microseconds (`EventTimes.reportingMicros`), so every engine counts the same events.
    /// - Throws: `DataError.contract` naming an `occurred_at` that is not a timestamp or a sum
    ///   that is not finite (refused on remote engines whatever the bad-rows policy: the engine
    ///   sums the values), or ids that never match the assignments'.
    static func aggregateValues<Engine: QueryEngine>(
        _ definitions: [MetricDefinition], campaign: String, ids: [SQLiteValue], span: Span, schema: ContractSchema,
        database: Engine
    ) throws -> (post: [[Double]], pre: [[Double]], unassigned: (count: Int, example: SQLiteValue?)?) {
        let dialect = database.dialect, n = ids.count
        let byCampaign = schema.has(Contract.events, column: "campaign_id")
        let events = Array(Set(definitions.compactMap(\.event))).sorted()
        guard !events.isEmpty else {
            // No events metric: only the exposure without assignment to count.
            return ([], [], byCampaign ? try unassignedExposure(campaign: campaign, schema: schema, database: database) : nil)
        }
        try schema.requireOneIDType([Contract.events])
        let texts = CampaignEvents.occurredAtRange(
            Timestamp(secondsSinceEpoch: span.preStart).date, Timestamp(secondsSinceEpoch: span.end - 1).date)
        var filter = "e.event IN (\(events.map { _ in "?" }.joined(separator: ", "))) AND e.occurred_at >= ? AND e.occurred_at < ?"
        var filterBindings = events.map { SQLiteValue.text($0) } + [.text(texts.from), .text(texts.until)]
        if byCampaign {
            filter += " AND (e.campaign_id = ? OR e.campaign_id IS NULL)"
            filterBindings.append(.text(campaign))
        }
        let join = "JOIN assignments a ON a.customer_id = e.customer_id AND a.campaign_id = ?"
        let offsets = try EventTimes.writtenOffsets(
            join: join, filter: filter, bindings: [.text(campaign)] + filterBindings, database: database)
        // A customer whose assigned_at is not a time has none here (the caller has refused it or
        // left the customer out, as the bad-rows policy says).
        let assigned = try EventTimes.writtenForms(
            table: "assignments", column: "assigned_at", join: "", filter: "e.campaign_id = ?", bindings: [.text(campaign)],
            database: database, refusing: false)

        var post = [[Double]](repeating: [Double](repeating: 0, count: n), count: definitions.count)
        var pre = post
        var matched = 0
        if !offsets.isEmpty {
            let micros = { (seconds: Double) in Int64((seconds * 1_000_000).rounded()) }
            let start =
                "CASE WHEN \(assigned.admits("a.assigned_at")) THEN \(EventTimes.reportingMicros("a.assigned_at", offsets: assigned.offsets, dialect: dialect)) END"
            var select = [dialect.asInteger("count(*)")], selectBindings: [SQLiteValue] = []
            for d in definitions {
                for inWindow in ["t >= t0 AND t < \(micros(span.end))", "t >= \(micros(span.preStart)) AND t < \(micros(span.preEnd))"] {
                    // The event's name is a value bound like any other (names come from the user's table).
                    let matches = "k = ? AND \(inWindow)"
                    selectBindings.append(.text(d.event ?? ""))
                    switch d.rollup {
                    case .sum: select.append(dialect.asDouble("sum(CASE WHEN \(matches) THEN coalesce(v, 0) END)"))
                    default: select.append(dialect.asInteger("count(CASE WHEN \(matches) THEN 1 END)"))
                    }
                }
            }
            let query = """
                WITH ev AS (
                  SELECT e.customer_id AS c, e.event AS k, \(EventTimes.reportingMicros("e.occurred_at", offsets: offsets, dialect: dialect)) AS t,
                         \(definitions.eventValue(dialect.asDouble("e.value"))) AS v, \(start) AS t0
                  FROM events e \(join) WHERE \(filter)\(dialect.fence)
                )
                SELECT c, \(select.joined(separator: ", ")) FROM ev GROUP BY c
                """
            let position = CustomerIndex(ids)
            try database.forEachRow(query, [.text(campaign)] + filterBindings + selectBindings) { row in
                guard let i = position.position(row, 0) else { return }
                matched += Int(row.int64(1))
                for (j, d) in definitions.enumerated() {
                    for (w, column) in [2 + 2 * j, 3 + 2 * j].enumerated() where row.storageClass(column) != .null {
                        let value: Double
                        switch d.rollup {
                        case .sum:
                            value = row.double(column)
                            guard value.isFinite else {
                                throw DataError.contract(
                                    table: "events", column: "value", row: "customer_id=\(row.value(0)), event='\(d.event ?? "")'",
                                    message: "a value is not finite (the sum is \(value))")
                            }
                        case .any: value = row.int64(column) > 0 ? 1 : 0
                        default: value = Double(row.int64(column))
                        }
                        if w == 0 { post[j][i] = value } else { pre[j][i] = value }
                    }
                }
            }
        }
        if matched == 0 {
            // No event of an assigned customer: either there are none, or the ids never match.
            let summary = try database.allRows(
                "SELECT \(dialect.asInteger("count(*)")), min(e.customer_id) FROM events e WHERE \(filter)", filterBindings)
            let rows = summary.first?[0].intValue ?? 0
            try CampaignEvents.requireMatches(
                0, of: rows, example: summary.first?[1] ?? .null, assigned: ids.first,
                what: "events \(events.joined(separator: ", ")) read")
        }
        let unassigned = byCampaign ? try unassignedExposure(campaign: campaign, schema: schema, database: database) : nil
        return (post, pre, unassigned)
    }

    /// The customers with events of `campaign` who are not assigned to it (exposure without
    /// assignment), counted by the engine (a NULL id is one, as on SQLite), and the least of
    /// them by its text (as the SQLite readers name it): one aggregate query, no customer row back.
    /// - Throws: `DataError.contract` when events' ids are of another type than assignments'.
    public static func unassignedExposure<Engine: QueryEngine>(
        campaign: String, schema: ContractSchema, database: Engine
    ) throws -> (count: Int, example: SQLiteValue?) {
        try schema.requireOneIDType([Contract.events])
        let dialect = database.dialect
        let isText = schema.table(Contract.events.name)?.column(named: "customer_id")?.affinity == "TEXT"
        let row = try database.allRows(
            """
            SELECT \(dialect.asInteger("count(DISTINCT e.customer_id) + max(CASE WHEN e.customer_id IS NULL THEN 1 ELSE 0 END)")),
                   min(\(dialect.byteOrder(dialect.asText("e.customer_id"), isText: true)))
            FROM events e LEFT JOIN (SELECT DISTINCT customer_id FROM assignments WHERE campaign_id = ?) a ON a.customer_id = e.customer_id
            WHERE e.campaign_id = ? AND a.customer_id IS NULL
            """, [.text(campaign), .text(campaign)]
        ).first
        let count = row?[0].intValue ?? 0
        guard count > 0, let example = row?[1], example != .null else { return (count, nil) }
        if case .text(let text) = example, !isText, let id = Int64(text) { return (count, .integer(id)) }
        return (count, example)
    }
}
