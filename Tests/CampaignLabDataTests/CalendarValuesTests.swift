import CampaignLabData
import Testing

struct CalendarValuesTests {
    @Test func civilDateRoundTrip() throws {
        // Reference: Python `datetime.date(2024, 2, 29).toordinal() - date(1970,1,1).toordinal()` = 19782
        let d = try #require(CivilDate("2024-02-29"))
        #expect(d.daysSinceEpoch == 19782)
        #expect(d.description == "2024-02-29")
        #expect(d.isoWeekday == 4)  // Python: date(2024,2,29).isoweekday() == 4 (Thursday)
        #expect(CivilDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(CivilDate(daysSinceEpoch: -1).description == "1969-12-31")
    }

    @Test(arguments: ["2025-02-29", "2024-13-01", "2024-1-01", "2024-01-1", "2024/01/01", "", "2024-01-01 ", "abcd-ef-gh"])
    func invalidDates(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test func monthArithmetic() throws {
        let m = try #require(YearMonth("2025-11"))
        #expect(m.adding(months: 3).description == "2026-02")
        #expect(m.adding(months: -11).description == "2024-12")
        #expect(YearMonth("2025-13") == nil)
        #expect(YearMonth("2025-1") == nil)
        #expect(CivilDate("2025-01-31")!.adding(months: 1).description == "2025-02-28")
    }

    @Test func timestamps() throws {
        // Reference: Python datetime.fromisoformat('2024-03-01T00:30:00').replace(tzinfo=timezone.utc)
        // .timestamp() = 1709253000.0: a time without offset is taken as given.
        #expect(Timestamp("2024-03-01 00:30:00")?.secondsSinceEpoch == 1_709_253_000)
        #expect(Timestamp("2024-03-01T00:30:00.250")?.secondsSinceEpoch == 1_709_253_000.25)
        // With an offset, converted to the reporting zone (UTC+08:00 by default): 08:30+08:00 and
        // 00:30Z are 08:30 there, 1709253000 + 8 × 3600; 02:30+02:00 too.
        #expect(Timestamp.reportingOffsetSeconds == 28_800)
        for text in ["2024-03-01T08:30:00+08:00", "2024-03-01 00:30:00Z", "2024-03-01T02:30:00+02:00", "2024-02-29T19:30:00-05:00"] {
            #expect(Timestamp(text)?.secondsSinceEpoch == 1_709_281_800, "\(text)")
        }
        #expect(Timestamp.parseOffset("+08:00") == 28_800 && Timestamp.parseOffset("-05:30") == -19_800)
        #expect(Timestamp.parseOffset("UTC") == 0 && Timestamp.parseOffset("8") == nil && Timestamp.parseOffset("+15:00") == nil)
        for bad in [
            "2024-03-01", "2024-03-01 24:00:00", "2024-03-01 10:00", "2024-03-01X10:00:00",
            "2024-03-01 10:00:00+8", "2024-03-01 10:00:00 ", "2024-02-30 10:00:00",
        ] {
            #expect(Timestamp(bad) == nil, "accepted \(bad)")
        }
        #expect(Timestamp(secondsSinceEpoch: 1_709_253_000).description == "2024-03-01 00:30:00")
    }
}
