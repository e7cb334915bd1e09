import Testing

@testable import CampaignLabData

/// The time remote engines compute from a timestamp's text (integer SQL on its digits, for the
/// funnel's step times) against `Timestamp.parse`, the project's one definition of a time: the
/// SQL is run by SQLite here, and by PostgreSQL and Spark in the warehouse tests.
struct EngineTimeTests {
    /// Texts of every written form — 'T' or space, fractions of 1 to 9 digits, 'Z', ±HH:MM,
    /// none — on leap days, month and year ends, 1970 and 2099, from a seeded generator.
    static func texts() -> [String] {
        var state: UInt64 = 0x5EED_2026_1203
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let pad = { (value: Int, width: Int) in String(repeating: "0", count: max(0, width - String(value).count)) + String(value) }
        var texts = [
            "1970-01-01 00:00:00", "2024-02-29T23:59:59Z", "2024-03-01 00:00:00+14:00", "2023-12-31T16:00:00-12:00",
            "2099-12-31 23:59:59.999999", "2000-02-29T12:00:00.5+05:30", "2100-03-01 00:00:00", "2024-04-30T18:00:00.5Z",
            "2024-03-31 23:59:59.999", "2024-01-15T12:00:00.25+05:30", "2024-04-01 07:59:59-00:00",
        ]
        for _ in 0..<2_000 {
            let year = 1970 + next(130), month = 1 + next(12)
            let days = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            var text = "\(year)-\(pad(month, 2))-\(pad(1 + next(days[month - 1]), 2))"
            text += (next(2) == 0 ? "T" : " ") + "\(pad(next(24), 2)):\(pad(next(60), 2)):\(pad(next(60), 2))"
            if next(3) == 0 { text += "." + (0...next(9)).map { _ in String(next(10)) }.joined() }
            switch next(4) {
            case 0: text += "Z"
            case 1: text += (next(2) == 0 ? "+" : "-") + "\(pad(next(15), 2)):\(pad(next(4) * 15, 2))"
            default: break
            }
            texts.append(text)
        }
        return texts
    }

    /// The offsets as written, as `EventTimes.writtenOffsets` lists them.
    static func offsets(_ texts: [String]) -> [String] {
        Array(
            Set(
                texts.map { text -> String in
                    var text = text
                    return text.withUTF8 { Timestamp.writtenOffset($0) } == nil ? "" : String(text.hasSuffix("Z") ? "Z" : text.suffix(6))
                })
        ).sorted()
    }

    /// An in-memory table t(x) of `texts`.
    static func table(_ texts: [String]) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: ":memory:", mode: .readWrite(create: true))
        try database.execute("CREATE TABLE t (x TEXT)")
        for text in texts { try database.execute("INSERT INTO t VALUES ('\(text)')") }
        return database
    }

    @Test func reportingMicrosIsTimestampParse() throws {
        let texts = Self.texts()
        let database = try Self.table(texts)
        let offsets = Self.offsets(texts)
        #expect(offsets.count > 20)
        let micros = EventTimes.reportingMicros("x", offsets: offsets, dialect: .sqlite)
        var compared = 0
        for row in try database.rows("SELECT x, \(micros) FROM t") {
            let text = try #require(row[0].textValue)
            let expected = try #require(Timestamp(text)?.secondsSinceEpoch, "\(text)")
            guard case .integer(let value) = row[1] else {
                Issue.record("\(text): \(row[1])")
                continue
            }
            let seconds = EventTimes.seconds(micros: value)
            // Whole seconds agree exactly; a fraction to the microsecond (digits beyond it are dropped).
            if text.contains(".") {
                #expect(abs(seconds - expected) < 2e-6, "\(text): \(seconds) against \(expected)")
            } else {
                #expect(seconds == expected, "\(text): \(seconds) against \(expected)")
            }
            compared += 1
        }
        #expect(compared == texts.count)
    }

    /// The reporting-zone day and month of a time computed in SQL from its microseconds (the
    /// checkup's activity from events on engines), against `Timestamp.date` for every text.
    @Test func dayAndMonthAreTimestampDate() throws {
        let texts = Self.texts() + ["1969-12-31 23:59:59Z", "1900-03-01 00:00:00", "2024-02-29 23:30:00-05:00"]
        let database = try Self.table(texts)
        let offsets = Self.offsets(texts)
        let times = "SELECT x AS c, \(EventTimes.reportingMicros("x", offsets: offsets, dialect: .sqlite)) AS t FROM t"
        var compared = 0
        for row in try database.rows(EventTimes.dayAndMonth(times, dialect: .sqlite)) {
            let text = try #require(row[0].textValue)
            let date = try #require(Timestamp(text)?.date, "\(text)")
            #expect(row[1] == .integer(Int64(date.daysSinceEpoch)), "\(text): day \(row[1]) against \(date)")
            #expect(row[2] == .integer(Int64(date.yearMonth.index)), "\(text): month \(row[2]) against \(date.yearMonth)")
            compared += 1
        }
        #expect(compared == texts.count)
    }
}
