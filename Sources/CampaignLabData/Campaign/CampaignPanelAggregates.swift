import Foundation

/// The panel's per-customer rollups computed by a remote engine: one GROUP BY customer query per
/// table, so that what crosses the wire is one row per campaign customer (the per-customer state
/// the uplift's propensity and balancing estimators need), never a `customer_months` or `events`
/// row. The SQLite engine reads the same values in process (`CampaignPanel.readMonthsMetrics`).
extension CampaignPanel {
    /// `customer_months` metrics of `ids` rolled up over each window: [window][metric][customer]
    /// (NaN for a customer without a value in the window), aggregated by the engine.
    /// - Throws: `DataError.contract` naming the customer for a month given twice or a value that
    ///   is not finite (refused on remote engines whatever the bad-rows policy: the engine sums them).
    static func aggregateMonthsMetrics<Engine: QueryEngine>(
        _ metrics: [String], rollups: [MetricRollup], ids: [SQLiteValue], windows: [ClosedRange<YearMonth>],
        campaign: String, schema: ContractSchema, database: Engine, skipping leftOut: Set<SQLiteValue>,
        monthsSeen: inout Set<YearMonth>, progress: (String) -> Void
    ) throws -> [[[Double]]] {
        let sql = database.dialect
        let k = metrics.count, w = windows.count, n = ids.count
        var wanted: [YearMonth] = []
        for window in windows {
            for index in window.lowerBound.index...window.upperBound.index where !wanted.contains(YearMonth(index: index)) {
                wanted.append(YearMonth(index: index))
            }
        }
        wanted.sort()
        progress("\(database.engineName): customer_months per customer for months \(wanted.first!)…\(wanted.last!)")
        // Rows, then a flag per wanted month: more rows than flagged months is a month given twice.
        // The rows' months as month numbers and their values as doubles, computed once in a
        // fenced derived table (`SQLDialect.fence`): integers compare faster than texts, and
        // PostgreSQL would otherwise evaluate each row's casts in every aggregate.
        var select = ["c", sql.asInteger("count(*)"), "NULL"]
        for month in wanted { select.append("max(CASE WHEN mi = \(month.index) THEN 1 ELSE 0 END)") }
        for window in windows {
            let inWindow = "mi BETWEEN \(window.lowerBound.index) AND \(window.upperBound.index)"
            for (j, _) in metrics.enumerated() {
                let x = "x\(j)"
                select.append(sql.asDouble("sum(CASE WHEN \(inWindow) THEN \(x) END)"))
                select.append(sql.asInteger("count(CASE WHEN \(inWindow) THEN \(x) END)"))
                switch rollups[j] {
                case .max: select.append(sql.asDouble("max(CASE WHEN \(inWindow) THEN \(x) END)"))
                case .last:
                    // The latest month's value: the month's text sorts by time, the value follows it.
                    select.append("max(CASE WHEN \(inWindow) AND \(x) IS NOT NULL THEN mt || '|' || \(sql.asText(x)) END)")
                default: select.append("NULL")
                }
            }
        }
        let month = sql.asText("m.month")
        // Cast before adding: PostgreSQL adds a `real` column in single precision.
        let values = metrics.enumerated().map { ", \(sql.asDouble("m." + quoteIdentifier($1))) AS x\($0)" }.joined()
        let query = """
            SELECT \(select.joined(separator: ", "))
            FROM (SELECT a.customer_id AS c, \(month) AS mt, \(EventTimes.monthNumber(month, dialect: sql).index) AS mi\(values)
                  FROM assignments a JOIN customer_months m ON m.customer_id = a.customer_id
                  WHERE a.campaign_id = ? AND m.month IN (\(wanted.map { "'\($0)'" }.joined(separator: ", ")))\(sql.fence)) r
            GROUP BY c
            """
        var result = [[[Double]]](
            repeating: [[Double]](repeating: [Double](repeating: .nan, count: n), count: k), count: w)
        var seen = [Bool](repeating: false, count: wanted.count)
        let position = CustomerIndex(ids)
        let first = 3 + wanted.count
        try database.forEachRow(query, [.text(campaign)]) { row in
            guard let i = position.position(row, 0), !leftOut.contains(row.value(0)) else { return }
            var months = 0
            for m in wanted.indices where row.int64(3 + m) == 1 {
                seen[m] = true
                months += 1
            }
            if row.int64(1) != Int64(months) {
                throw DataError.contract(
                    table: "customer_months", column: "month", row: "customer_id=\(row.value(0))",
                    message:
                        "the customer has more than one row for a month (a view, or a table without its primary key?); \(database.engineName) sums them, so the rows are refused"
                )
            }
            for window in 0..<w {
                for j in 0..<k {
                    let base = first + (window * k + j) * 3
                    let count = row.int64(base + 1)
                    guard count > 0 else { continue }
                    let sum = row.double(base)
                    guard sum.isFinite else {
                        throw DataError.contract(
                            table: "customer_months", column: metrics[j], row: "customer_id=\(row.value(0))",
                            message:
                                "a value is not finite (the sum over \(windows[window].lowerBound)…\(windows[window].upperBound) is \(sum))"
                        )
                    }
                    switch rollups[j] {
                    case .sum: result[window][j][i] = sum
                    case .max: result[window][j][i] = row.double(base + 2)
                    case .last:
                        let text = row.text(base + 2) ?? ""
                        guard let bar = text.firstIndex(of: "|"), let value = Double(text[text.index(after: bar)...]) else {
                            throw DataError.contract(
                                table: "customer_months", column: metrics[j], row: "customer_id=\(row.value(0))",
                                message: "\(database.engineName) gave the value as '\(text)', which is not a number")
                        }
                        result[window][j][i] = value
                    default: result[window][j][i] = sum / Double(count)
                    }
                }
            }
        }
        for (m, month) in wanted.enumerated() where seen[m] { monthsSeen.insert(month) }
        return result
    }

    /// Events metrics per window and customer (count, any or sum of `value`), aggregated by the
    /// engine: an event counts in a window when its reporting-zone time does, as in
    /// `readEventMetrics`. The offsets written in `occurred_at` are read first (one small GROUP BY
    /// that also finds text that is not a timestamp); each window is then a range of the written
    /// time per offset, compared as text.
    static func aggregateEventMetrics<Engine: QueryEngine>(
        _ definitions: [MetricDefinition], ids: [SQLiteValue], windows: [ClosedRange<YearMonth>], campaign: String,
        database: Engine, progress: (String) -> Void
    ) throws -> [String: [[Double]]] {
        let n = ids.count
        let events = Array(Set(definitions.compactMap(\.event))).sorted()
        let first = windows.map(\.lowerBound).min()!, last = windows.map(\.upperBound).max()!
        progress("\(database.engineName): events \(events.joined(separator: ", ")) per customer from \(first) to \(last)")
        let range = CampaignEvents.occurredAtRange(first.firstDay, last.lastDay)
        let eventList = events.map { _ in "?" }.joined(separator: ", ")
        let filter = "e.event IN (\(eventList)) AND e.occurred_at >= ? AND e.occurred_at < ?"
        let bindings = events.map { SQLiteValue.text($0) } + [.text(range.from), .text(range.until)]
        let join = "JOIN assignments a ON a.customer_id = e.customer_id AND a.campaign_id = ?"
        let offsets = try EventTimes.writtenOffsets(
            join: join, filter: filter, bindings: [.text(campaign)] + bindings, database: database)

        var values = [String: [[Double]]]()
        for d in definitions { values[d.metric] = Array(repeating: [Double](repeating: 0, count: n), count: windows.count) }
        // Each row's written offset, written time and value computed once, in a fenced derived
        // table (`SQLDialect.fence`), for the conditions of every window and metric.
        var select = ["c"], selectBindings: [SQLiteValue] = []
        for window in windows {
            let inWindow = EventTimes.condition(
                from: window.lowerBound.firstDay, until: window.upperBound.lastDay.adding(days: 1), offsets: offsets,
                offset: "off", written: "wt")
            for d in definitions {
                // The event's name is a value bound like any other (names come from the user's table).
                let matches = "k = ? AND \(inWindow)"
                selectBindings.append(.text(d.event ?? ""))
                switch d.rollup {
                case .sum: select.append(database.dialect.asDouble("sum(CASE WHEN \(matches) THEN coalesce(v, 0) END)"))
                default: select.append(database.dialect.asInteger("count(CASE WHEN \(matches) THEN 1 END)"))
                }
            }
        }
        // `value` is read only for a sum (the column is optional, and a count never casts it).
        let value = definitions.eventValue(database.dialect.asDouble("e.value"))
        let query = """
            SELECT \(select.joined(separator: ", "))
            FROM (SELECT e.customer_id AS c, e.event AS k, \(value) AS v,
                         \(EventTimes.offsetExpression()) AS off, \(EventTimes.writtenTime()) AS wt
                  FROM events e \(join)
                  WHERE \(filter)\(database.dialect.fence)) r
            GROUP BY c
            """
        let position = CustomerIndex(ids)
        try database.forEachRow(query, selectBindings + [.text(campaign)] + bindings) { row in
            guard let i = position.position(row, 0) else { return }
            var column = 1
            for w in windows.indices {
                for d in definitions {
                    defer { column += 1 }
                    guard row.storageClass(column) != .null else { continue }
                    switch d.rollup {
                    case .sum:
                        let sum = row.double(column)
                        guard sum.isFinite else {
                            throw DataError.contract(
                                table: "events", column: "value", row: "customer_id=\(row.value(0)), event='\(d.event ?? "")'",
                                message: "a value is not finite (the sum is \(sum))")
                        }
                        values[d.metric]![w][i] = sum
                    case .any: values[d.metric]![w][i] = row.int64(column) > 0 ? 1 : 0
                    default: values[d.metric]![w][i] = Double(row.int64(column))
                    }
                }
            }
        }
        return values
    }
}

/// `occurred_at` compared in SQL as the contract writes it: 'YYYY-MM-DD HH:MM:SS' or with 'T',
/// an optional fraction, and an optional 'Z' or '±HH:MM' offset.
public enum EventTimes {
    /// The written offset of the timestamp text `column`: 'Z', the last six characters when they
    /// are an offset, or '' (none: the reporting zone's time).
    static func offsetExpression(_ column: String = "e.occurred_at") -> String {
        """
        CASE WHEN substr(\(column), length(\(column)), 1) = 'Z' THEN 'Z' \
        WHEN length(\(column)) >= 25 AND substr(\(column), length(\(column)) - 5, 1) IN ('+', '-') \
        THEN substr(\(column), length(\(column)) - 5) ELSE '' END
        """
    }

    /// The written time without fraction or offset, with a space: 'YYYY-MM-DD HH:MM:SS'.
    static func writtenTime(_ column: String = "e.occurred_at") -> String {
        "substr(\(column), 1, 10) || ' ' || substr(\(column), 12, 8)"
    }

    /// The text with every digit written as 9: the shape of a timestamp, checked locally.
    static func shape(_ column: String) -> String { "translate(\(column), '0123456789', '9999999999')" }

    /// SQL true when the timestamp text `column` (of a shape `Timestamp.parse` reads) has a date
    /// that exists and a time of day in range: hours below 24, minutes and seconds below 60.
    static func inRange(_ column: String) -> String {
        """
        \(ContractChecker.validDate("substr(\(column), 1, 10)")) AND substr(\(column), 12, 2) <= '23' \
        AND substr(\(column), 15, 2) <= '59' AND substr(\(column), 18, 2) <= '59'
        """
    }

    /// The offsets as written ('', 'Z', '+05:30') in the `column` texts (`table`'s, aliased e) that
    /// `join` and `filter` select (the campaign's customers'), from one GROUP BY on the engine by the text's shape and
    /// offset: each shape must be one `Timestamp.parse` reads — 'YYYY-MM-DD HH:MM:SS' or with
    /// 'T', an optional fraction, an optional 'Z' or '±HH:MM' — with a date that exists,
    /// hours below 24 and minutes and seconds below 60.
    /// - Throws: `DataError.contract` naming a text that is not such a timestamp.
    static func writtenOffsets<Engine: QueryEngine>(
        table: String = "events", column: String = "occurred_at", join: String, filter: String, bindings: [SQLiteValue],
        database: Engine
    ) throws -> [String] {
        try writtenForms(table: table, column: column, join: join, filter: filter, bindings: bindings, database: database).offsets
    }

    /// The shapes ('9999-99-99 99:99:99.999Z') and offsets the texts are written in.
    struct WrittenForms {
        var shapes: [String] = []
        var offsets: [String] = []

        /// SQL true for a text of `column` written in one of these forms whose date exists and
        /// whose time of day is in range: one `reportingMicros` reads (the rows `Timestamp.parse`
        /// reads).
        func admits(_ column: String) -> String {
            guard !shapes.isEmpty else { return "1 = 0" }
            let list = { (values: [String]) in values.map { "'\($0)'" }.joined(separator: ", ") }
            return """
                (\(EventTimes.shape(column)) IN (\(list(shapes))) AND (\(EventTimes.offsetExpression(column))) IN (\(list(offsets))) \
                AND \(EventTimes.inRange(column)))
                """
        }
    }

    /// `writtenOffsets`, and the shapes. `refusing`: a text that is not a timestamp (a shape
    /// `Timestamp.parse` does not read, a day the month does not have, an hour past 23) is an
    /// error; otherwise such texts are only left out of the forms (`WrittenForms.admits`).
    static func writtenForms<Engine: QueryEngine>(
        table: String = "events", column: String = "occurred_at", join: String, filter: String, bindings: [SQLiteValue],
        database: Engine, refusing: Bool = true
    ) throws -> WrittenForms {
        let text = "e." + column
        let part = { (from: Int) in "substr(\(text), \(from), 2)" }
        let shape = shape(text), offset = offsetExpression(text)
        let impossible = "NOT (\(ContractChecker.validDate("substr(\(text), 1, 10)")))"
        let int = database.dialect.asInteger
        let rows = try database.allRows(
            """
            SELECT \(shape), \(offset), max(\(part(12))), max(\(part(15))), max(\(part(18))), min(\(text)), \(int("count(*)")),
                   \(int("count(CASE WHEN \(impossible) THEN 1 END)")), min(CASE WHEN \(impossible) THEN \(text) END)
            FROM \(table) e \(join) WHERE \(filter) AND \(text) IS NOT NULL
            GROUP BY \(shape), \(offset)
            """, bindings)
        var forms = WrittenForms()
        func refuse(_ example: SQLiteValue, _ what: String) -> DataError {
            DataError.contract(
                table: table, column: column, row: "\(column)=\(example.shortDescription)",
                message: "not an ISO 8601 timestamp 'YYYY-MM-DD HH:MM:SS' with an optional 'Z' or '±HH:MM' (\(what))")
        }
        for row in rows {
            let shape = row[0].textValue ?? "", written = row[1].textValue ?? ""
            let text = { (i: Int) in row[i].textValue ?? "" }
            guard isTimestampShape(shape), written.isEmpty || Timestamp.parseOffset(written) != nil else {
                if refusing { throw refuse(row[5], "\(row[6]) rows written like '\(shape)' with this offset") }
                continue
            }
            if refusing {
                if let days = row[7].intValue, days > 0 { throw refuse(row[8], "\(days) rows with a day their month does not have") }
                if text(2) > "23" || text(3) > "59" || text(4) > "59" {
                    throw refuse(row[5], "\(row[6]) rows written like '\(shape)' with this offset, some with a time of day out of range")
                }
            }
            if !forms.shapes.contains(shape) { forms.shapes.append(shape) }
            if !forms.offsets.contains(written) { forms.offsets.append(written) }
        }
        forms.shapes.sort()
        forms.offsets.sort()
        return forms
    }

    /// SQL for the reporting-zone time of the timestamp text `column`, in whole microseconds
    /// since 1970 (`Timestamp.secondsSinceEpoch` × 10⁶, digits beyond the microsecond dropped),
    /// for text written with one of `offsets` as `writtenOffsets` found them (NULL for another):
    /// integer arithmetic on the text's digits — the civil date's day number, the time of day, the
    /// offset's shift — so that every engine gives the same value and equal times stay equal.
    static func reportingMicros(_ column: String, offsets: [String], dialect: SQLDialect) -> String {
        let number = { (from: Int, length: Int) in dialect.asInteger("substr(\(column), \(from), \(length))") }
        let days = civilDays(year: number(1, 4), month: number(6, 2), day: number(9, 2), dialect: dialect)
        let seconds = "(\(days) * 86400 + \(number(12, 2)) * 3600 + \(number(15, 2)) * 60 + \(number(18, 2)))"
        let cases = offsets.map { written -> String in
            let shift = Timestamp.reportingOffsetSeconds - (Timestamp.parseOffset(written) ?? Timestamp.reportingOffsetSeconds)
            // A fraction is the digits after the '.' at position 20, before the offset.
            let digits = "length(\(column)) - \(20 + written.count)"
            let fraction =
                "CASE WHEN \(digits) > 0 THEN \(dialect.asInteger("substr(substr(\(column), 21, \(digits)) || '000000', 1, 6)")) ELSE 0 END"
            return "WHEN '\(written)' THEN (\(seconds) + \(shift)) * 1000000 + \(fraction)"
        }
        guard !cases.isEmpty else { return "NULL" }
        return "(CASE (\(offsetExpression(column))) \(cases.joined(separator: " ")) END)"
    }

    /// SQL for the days since 1970 of the civil date with these integer `year`, `month` (1–12) and
    /// `day` expressions, in integer arithmetic (H. Hinnant's `days_from_civil`, on the
    /// proleptic Gregorian calendar from 1 March of year 0).
    static func civilDays(year: String, month: String, day: String, dialect: SQLDialect) -> String {
        let div = dialect.integerDivision
        let shifted = "(\(year) - CASE WHEN \(month) <= 2 THEN 1 ELSE 0 END)"
        let dayOfYear = "\(div("153 * ((\(month) + 9) % 12) + 2", "5")) + \(day) - 1"
        return "(365 * \(shifted) + \(div(shifted, "4")) - \(div(shifted, "100")) + \(div(shifted, "400")) + \(dayOfYear) - 719468)"
    }

    /// SQL for the month text `month` (already a text) read as 'YYYY-MM': `valid`, true for such a
    /// text with a month 01–12 (`ContractChecker.validMonth`), and `index`, its `YearMonth.index` (year × 12 + month − 1, meant
    /// for valid texts; the first seven characters of a 'YYYY-MM-DD' date give its month's).
    static func monthNumber(_ month: String, dialect: SQLDialect) -> (valid: String, index: String) {
        (
            ContractChecker.validMonth(month),
            "\(dialect.asInteger("substr(\(month), 1, 4)")) * 12 + \(dialect.asInteger("substr(\(month), 6, 2)")) - 1"
        )
    }

    /// SQL for the microseconds since 1970 of the first instant of the month whose
    /// `YearMonth.index` is the (non-negative integer) expression `index`.
    static func monthStartMicros(_ index: String, dialect: SQLDialect) -> String {
        let days = civilDays(
            year: dialect.integerDivision(index, "12"), month: "((\(index)) % 12 + 1)", day: "1", dialect: dialect)
        return "(\(days) * 86400000000)"
    }

    /// The query `times` (columns `c`, a customer, and `t`, `reportingMicros`) with, instead of
    /// `t`, its reporting-zone day `d` (days since 1970) and month `mi` (`YearMonth.index`): the
    /// civil date from the day number in integer arithmetic (H. Hinnant's `civil_from_days`, on
    /// the day count from 1 March of year 0 so that every division is of non-negative numbers).
    /// The columns `carrying` (`t` among them, if wanted) come along after `c`.
    static func dayAndMonth(_ times: String, carrying: [String] = [], dialect: SQLDialect) -> String {
        let div = dialect.integerDivision
        let micros = "86400000000"
        let z = div("t + \(719_468 * 86_400_000_000)", micros)
        let yoe = div("doe - \(div("doe", "1460")) + \(div("doe", "36524")) - \(div("doe", "146096"))", "365")
        let mp = div("5 * (doe - (365 * yoe + \(div("yoe", "4")) - \(div("yoe", "100")))) + 2", "153")
        let c = (["c"] + carrying).joined(separator: ", ")
        let f = dialect.fence
        return """
            SELECT \(c), z - 719468 AS d, (y0 + CASE WHEN mp >= 10 THEN 1 ELSE 0 END) * 12 + CASE WHEN mp < 10 THEN mp + 3 ELSE mp - 9 END - 1 AS mi
            FROM (SELECT \(c), z, yoe + era * 400 AS y0, \(mp) AS mp
              FROM (SELECT \(c), z, era, doe, \(yoe) AS yoe
                FROM (SELECT \(c), z, \(div("z", "146097")) AS era, z - \(div("z", "146097")) * 146097 AS doe
                  FROM (SELECT \(c), \(z) AS z FROM (\(times)\(f)) t0\(f)) t1\(f)) t2\(f)) t3\(f)) t4
            """
    }

    /// `writtenForms` of the `occurred_at` texts that `filter` selects (events aliased e), each
    /// text that is not a timestamp added to `tally` — refused under its policy, else counted and
    /// left out — as one GROUP BY on the engine and one row named whole: the least customer by
    /// its bytes, then its least text.
    static func readableForms<Engine: QueryEngine>(
        filter: String, bindings: [SQLiteValue], database: Engine, tally: inout BadRows.Tally
    ) throws -> WrittenForms {
        let sql = database.dialect
        let forms = try writtenForms(join: "", filter: filter, bindings: bindings, database: database, refusing: tally.policy == .refuse)
        let isBad = "(CASE WHEN \(forms.admits("e.occurred_at")) THEN 0 ELSE 1 END) = 1"
        let badCount =
            try database.allRows("SELECT \(sql.asInteger("count(*)")) FROM events e WHERE \(filter) AND \(isBad)", bindings).first?[0]
            .intValue ?? 0
        guard badCount > 0 else { return forms }
        let order = [sql.asText("e.customer_id"), "e.occurred_at"].map { sql.byteOrder($0, isText: true) }.joined(separator: ", ")
        let example = try database.allRows(
            "SELECT e.customer_id, e.occurred_at FROM events e WHERE \(filter) AND \(isBad) ORDER BY \(order) LIMIT 1", bindings
        ).first
        try tally.add(
            DataError.contract(
                table: "events", column: "occurred_at", row: "customer_id=\(example?[0] ?? .null)",
                message: "\(example?[1] ?? .null) is not an ISO 8601 timestamp"),
            count: badCount, summary: "not an ISO 8601 timestamp", treatment: "left out")
        return forms
    }

    /// Seconds since 1970 from `reportingMicros`' microseconds: whole seconds exactly.
    static func seconds(micros: Int64) -> Double {
        Double(micros / 1_000_000) + Double(micros % 1_000_000) / 1_000_000
    }

    /// '9999-99-99 99:99:99' or with 'T', then an optional '.9…', then an optional 'Z' or '±99:99'.
    static func isTimestampShape(_ shape: String) -> Bool {
        var rest = Substring(shape)
        guard rest.hasPrefix("9999-99-99"), rest.count >= 19 else { return false }
        let separator = rest[rest.index(rest.startIndex, offsetBy: 10)]
        guard separator == " " || separator == "T", rest.dropFirst(11).hasPrefix("99:99:99") else { return false }
        rest = rest.dropFirst(19)
        if rest.first == "." {
            rest = rest.dropFirst()
            let digits = rest.prefix { $0 == "9" }
            guard !digits.isEmpty else { return false }
            rest = rest.dropFirst(digits.count)
        }
        return rest.isEmpty || rest == "Z" || ((rest.first == "+" || rest.first == "-") && rest.dropFirst() == "99:99")
    }

    /// SQL true when the event's reporting-zone time is in [`from` 00:00, `until` 00:00): per
    /// written offset, the same instant range in that offset's written time.
    /// `offset` and `written` are SQL for the event's written offset and written time
    /// (`offsetExpression()` and `writtenTime()` of `e.occurred_at` unless given: columns that a
    /// derived table computed once).
    static func condition(
        from: CivilDate, until: CivilDate, offsets: [String], offset: String = offsetExpression(), written: String = writtenTime()
    ) -> String {
        let start = Double(from.daysSinceEpoch) * 86_400, end = Double(until.daysSinceEpoch) * 86_400
        func range(_ seconds: Int?) -> String {
            // Written time = reporting time − (reporting offset − written offset).
            let shift = Double(Timestamp.reportingOffsetSeconds - (seconds ?? Timestamp.reportingOffsetSeconds))
            let low = Timestamp(secondsSinceEpoch: start - shift).description
            let high = Timestamp(secondsSinceEpoch: end - shift).description
            return "\(written) >= '\(low)' AND \(written) < '\(high)'"
        }
        guard !offsets.isEmpty else { return "1 = 0" }
        let cases = offsets.map { form in
            "WHEN '\(form)' THEN (CASE WHEN \(range(Timestamp.parseOffset(form))) THEN 1 ELSE 0 END)"
        }
        return "(CASE (\(offset)) \(cases.joined(separator: " ")) ELSE 0 END) = 1"
    }
}
