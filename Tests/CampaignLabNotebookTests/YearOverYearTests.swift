import CampaignLabAnalyses
import CampaignLabData
import Testing

/// Shorthands: `day("2026-02-01")`, `window("2026-02-01", "2026-02-28")`, `months("2026-01", "2026-03")`.
private func day(_ text: String) -> CivilDate { CivilDate(text)! }
private func window(_ first: String, _ last: String) -> DateWindow { DateWindow(first: day(first), last: day(last)) }
private func months(_ first: String, _ last: String) -> ClosedRange<YearMonth> { YearMonth(first)!...YearMonth(last)! }

struct YearOverYearTests {
    // MARK: - Spring Festival

    /// Published Spring Festival (Chinese New Year's Day) dates. Source: Hong Kong Observatory,
    /// "Gregorian-Lunar Calendar Conversion Table" (same as the Purple Mountain Observatory's
    /// 中国天文年历), years 2015–2030.
    static let publishedFestivals: [(year: Int, date: String)] = [
        (2015, "2015-02-19"), (2016, "2016-02-08"), (2017, "2017-01-28"), (2018, "2018-02-16"),
        (2019, "2019-02-05"), (2020, "2020-01-25"), (2021, "2021-02-12"), (2022, "2022-02-01"),
        (2023, "2023-01-22"), (2024, "2024-02-10"), (2025, "2025-01-29"), (2026, "2026-02-17"),
        (2027, "2027-02-06"), (2028, "2028-01-26"), (2029, "2029-02-13"), (2030, "2030-02-03"),
    ]

    @Test(arguments: publishedFestivals)
    func springFestivalMatchesPublishedDates(year: Int, date: String) {
        #expect(YearOverYear.springFestival(year: year) == day(date))
    }

    @Test func springFestivalIsPlausibleForEverySupportedYear() {
        // The festival is the second new moon after the winter solstice: always 21 Jan – 20 Feb,
        // and a lunar year has 12 or 13 months of 29–30 days, so consecutive festivals are
        // 353–355 (12 months) or 383–385 (13 months) days apart.
        var previous: CivilDate?
        for year in YearOverYear.festivalYears {
            let festival = YearOverYear.springFestival(year: year)
            #expect(festival >= CivilDate(year: year, month: 1, day: 21)!, "\(year): \(festival)")
            #expect(festival <= CivilDate(year: year, month: 2, day: 20)!, "\(year): \(festival)")
            if let previous {
                let gap = festival.daysSinceEpoch - previous.daysSinceEpoch
                #expect([353, 354, 355, 383, 384, 385].contains(gap), "\(year): \(gap) days after \(previous)")
            }
            previous = festival
        }
    }

    @Test func nearestFestival() {
        // Computed by hand (distances from the window's middle):
        // Dec 2025 – Jan 2026, middle 2025-12-31: 2026-02-17 is 48 days away, 2025-01-29 is 336.
        #expect(YearOverYear.springFestival(nearestTo: window("2025-12-01", "2026-01-31")) == day("2026-02-17"))
        // July 2026, middle 2026-07-16: 2026-02-17 is 149 days before, 2027-02-06 is 205 after.
        #expect(YearOverYear.springFestival(nearestTo: window("2026-07-01", "2026-07-31")) == day("2026-02-17"))
        // August 2026, middle 2026-08-16: 2026-02-17 is 180 days before, 2027-02-06 is 174 after.
        #expect(YearOverYear.springFestival(nearestTo: window("2026-08-01", "2026-08-31")) == day("2027-02-06"))
        // Tie: 2025-01-29 and 2026-02-17 are 384 days apart, so 2025-08-09 is 192 days from each.
        // 2025-08-08 – 2025-08-09 (middle 191.5 days after the first) is nearer the earlier one,
        // 2025-08-08 – 2025-08-10 (middle 2025-08-09) ties and takes the earlier one,
        // 2025-08-09 – 2025-08-11 (middle 193 days after, 191 before) is nearer the later one.
        #expect(YearOverYear.springFestival(nearestTo: window("2025-08-08", "2025-08-09")) == day("2025-01-29"))
        #expect(YearOverYear.springFestival(nearestTo: window("2025-08-08", "2025-08-10")) == day("2025-01-29"))
        #expect(YearOverYear.springFestival(nearestTo: window("2025-08-09", "2025-08-11")) == day("2026-02-17"))
    }

    // MARK: - DateWindow

    @Test func dateWindowBasics() {
        let february = window("2026-02-01", "2026-02-28")
        #expect(february.dayCount == 28)
        #expect(february.months == months("2026-02", "2026-02"))
        #expect(february.description == "2026-02-01 – 2026-02-28")
        #expect(DateWindow(months: months("2024-01", "2024-02")) == window("2024-01-01", "2024-02-29"))
        #expect(window("2024-02-01", "2024-02-28").months == nil)  // 2024 is a leap year
        #expect(window("2026-01-02", "2026-01-31").months == nil)
        #expect(window("2025-12-01", "2026-02-28").months == months("2025-12", "2026-02"))

        let oneDay = window("2024-02-29", "2024-02-29")
        #expect(oneDay.dayCount == 1)
        #expect(oneDay.months == nil)
        #expect(oneDay.description == "2024-02-29 – 2024-02-29")
    }

    @Test(arguments: [
        // (first, last, at most one year) — computed by hand: last must come before first + 1 year.
        ("2025-01-01", "2025-12-31", true),  // 365 days
        ("2024-01-01", "2024-12-31", true),  // 366 days, leap year
        ("2025-01-01", "2026-01-01", false),  // 366 days, a day more than a year
        ("2024-02-29", "2025-02-27", true),  // a year after Feb 29 is taken as Feb 28
        ("2024-02-29", "2025-02-28", false),
        ("2026-03-05", "2026-03-05", true),
    ])
    func atMostOneYear(first: String, last: String, expected: Bool) {
        #expect(window(first, last).isAtMostOneYear == expected)
    }

    @Test(arguments: [
        ("2026-01-15", "2026-01-20", true), ("2026-02-28", "2026-03-10", true),
        ("2025-12-30", "2025-12-31", false), ("2025-12-31", "2026-01-01", true),
        ("2025-03-01", "2025-12-31", false), ("2025-11-01", "2026-03-31", true),
        ("2026-04-01", "2026-04-01", false),
    ])
    func touchesJanuaryOrFebruary(first: String, last: String, expected: Bool) {
        #expect(window(first, last).touchesJanuaryOrFebruary == expected)
    }

    // MARK: - Day windows, one case table per alignment (every expected window computed by hand)

    @Test(arguments: [
        // The brief's example: one calendar year earlier.
        ("2026-02-01", "2026-02-28", "2025-02-01", "2025-02-28"),
        // Feb 29 as last day becomes Feb 28 (20 days against 19).
        ("2024-02-10", "2024-02-29", "2023-02-10", "2023-02-28"),
        // Feb 29 as first day becomes Feb 28.
        ("2024-02-29", "2024-03-31", "2023-02-28", "2023-03-31"),
        // A one-day window on Feb 29.
        ("2024-02-29", "2024-02-29", "2023-02-28", "2023-02-28"),
        // Month-aligned February after a leap year: all of February 2024 (29 days).
        ("2025-02-01", "2025-02-28", "2024-02-01", "2024-02-29"),
        // Not month-aligned: Feb 28 stays Feb 28, and one day stays one day.
        ("2025-02-28", "2025-02-28", "2024-02-28", "2024-02-28"),
        // Across New Year.
        ("2025-12-15", "2026-01-15", "2024-12-15", "2025-01-15"),
        // A whole year (365 days) against the whole leap year before (366 days).
        ("2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"),
        // Twelve whole months ending in a February: ends on Feb 29 a year earlier.
        ("2024-03-01", "2025-02-28", "2023-03-01", "2024-02-29"),
    ])
    func sameDates(first: String, last: String, previousFirst: String, previousLast: String) {
        let previous = YearOverYear.previousYear(of: window(first, last), alignment: .sameDates)
        #expect(previous == window(previousFirst, previousLast))
    }

    @Test(arguments: [
        // The brief's example: 2026-02-01 − 364 days = 2025-02-02 (2025 has no Feb 29).
        ("2026-02-01", "2026-02-28", "2025-02-02", "2025-03-01"),
        // Across Feb 29 2024: 2024-03-01 − 364 days = 2023-03-03 (Python: date(2024,3,1) - timedelta(364)).
        ("2024-03-01", "2024-03-07", "2023-03-03", "2023-03-09"),
        // One day: 2026-01-01 − 364 days = 2025-01-02 (both Thursdays).
        ("2026-01-01", "2026-01-01", "2025-01-02", "2025-01-02"),
        // Across New Year.
        ("2025-12-20", "2026-01-10", "2024-12-21", "2025-01-11"),
    ])
    func weekdayAligned(first: String, last: String, previousFirst: String, previousLast: String) {
        let current = window(first, last)
        let previous = YearOverYear.previousYear(of: current, alignment: .weekdayAligned)
        #expect(previous == window(previousFirst, previousLast))
        #expect(previous.first.isoWeekday == current.first.isoWeekday)
        #expect(previous.dayCount == current.dayCount)
        #expect(current.first.daysSinceEpoch - previous.first.daysSinceEpoch == 364)
    }

    @Test(arguments: [
        // The brief's example: festival 2026-02-17 vs 2025-01-29, 384 days apart (19 days earlier in
        // the calendar): 2026-02-01 − 384 = 2025-01-13, 2026-02-28 − 384 = 2025-02-09.
        ("2026-02-01", "2026-02-28", "2025-01-13", "2025-02-09"),
        // Across New Year, nearest festival 2026-02-17: ends 17 days before it, as 2025-01-12 ends
        // 17 days before 2025-01-29 (2025-12-01 − 384 = 2024-11-12).
        ("2025-12-01", "2026-01-31", "2024-11-12", "2025-01-12"),
        // Festival moved earlier: 2025-01-29 vs 2024-02-10, 354 days apart (the 366-day 2024 minus 12):
        // 9 days before to 12 days after, both years.
        ("2025-01-20", "2025-02-10", "2024-02-01", "2024-02-22"),
        // One day, the festival itself: 2024-02-10 → 2023-01-22.
        ("2024-02-10", "2024-02-10", "2023-01-22", "2023-01-22"),
        // Feb 29 2024 is 19 days after the festival 2024-02-10; 19 days after 2023-01-22 is 2023-02-10.
        ("2024-02-29", "2024-02-29", "2023-02-10", "2023-02-10"),
        // Far from the festival: August 2026 is nearest 2027-02-06 (354 days after 2026-02-17).
        ("2026-08-01", "2026-08-31", "2025-08-12", "2025-09-11"),
    ])
    func springFestival(first: String, last: String, previousFirst: String, previousLast: String) {
        let current = window(first, last)
        let previous = YearOverYear.previousYear(of: current, alignment: .springFestival)
        #expect(previous == window(previousFirst, previousLast))
        #expect(previous.dayCount == current.dayCount)
    }

    @Test(arguments: [
        // (window, compared window this year, window a year earlier) — computed by hand.
        // A February window is widened to January + February in both years.
        ("2026-02-01", "2026-02-28", "2026-01-01", "2026-02-28", "2025-01-01", "2025-02-28"),
        // Only the end in Jan/Feb moves: from 1 January.
        ("2026-02-10", "2026-03-15", "2026-01-01", "2026-03-15", "2025-01-01", "2025-03-15"),
        // Across New Year into a leap February: to the end of February in each year.
        ("2024-12-15", "2025-02-10", "2024-12-15", "2025-02-28", "2023-12-15", "2024-02-29"),
        ("2023-12-15", "2024-01-10", "2023-12-15", "2024-02-29", "2022-12-15", "2023-02-28"),
        // One day in January.
        ("2026-01-20", "2026-01-20", "2026-01-01", "2026-02-28", "2025-01-01", "2025-02-28"),
        // Not touching January or February: same dates a year earlier.
        ("2026-05-01", "2026-06-30", "2026-05-01", "2026-06-30", "2025-05-01", "2025-06-30"),
    ])
    func janFebCombined(
        first: String, last: String, currentFirst: String, currentLast: String,
        previousFirst: String, previousLast: String
    ) {
        let result = YearOverYear.windows(for: window(first, last), alignment: .janFebCombined)
        #expect(result.current == window(currentFirst, currentLast))
        #expect(result.previous == window(previousFirst, previousLast))
        #expect(YearOverYear.previousYear(of: window(first, last), alignment: .janFebCombined) == result.previous)
        #expect(!result.overlaps)
    }

    @Test func dayWindowNotes() {
        let february = window("2026-02-01", "2026-02-28")
        #expect(
            YearOverYear.windows(for: february, alignment: .sameDates).note
                == "Same dates a year earlier: 2026-02-01 – 2026-02-28 (28 days) vs 2025-02-01 – 2025-02-28 (28 days).")
        #expect(
            YearOverYear.windows(for: february, alignment: .weekdayAligned).note
                == "52 weeks (364 days) earlier, same weekdays: "
                + "2026-02-01 – 2026-02-28 vs 2025-02-02 – 2025-03-01 (28 days each).")
        #expect(
            YearOverYear.windows(for: february, alignment: .springFestival).note
                == "Aligned on the Spring Festival (2026-02-17; a lunar year earlier 2025-01-29, 384 days before): "
                + "2026-02-01 – 2026-02-28 vs 2025-01-13 – 2025-02-09, both from 16 days before to 11 days after the festival.")
        #expect(
            YearOverYear.windows(for: window("2026-02-10", "2026-03-15"), alignment: .janFebCombined).note
                == "January and February combined: 2026-02-10 – 2026-03-15 is widened to 2026-01-01 – 2026-03-15 "
                + "to cover whole January–February, compared with 2025-01-01 – 2025-03-15.")
        #expect(
            YearOverYear.windows(for: window("2026-05-01", "2026-06-30"), alignment: .janFebCombined).note
                == "January and February combined: 2026-05-01 – 2026-06-30 does not touch January or February, "
                + "so it is compared with the same dates a year earlier, 2025-05-01 – 2025-06-30.")
        // The leap day shows in the day counts.
        #expect(
            YearOverYear.windows(for: window("2024-02-10", "2024-02-29"), alignment: .sameDates).note
                == "Same dates a year earlier: 2024-02-10 – 2024-02-29 (20 days) vs 2023-02-10 – 2023-02-28 (19 days).")
        // One day on the festival, and one day before it.
        #expect(
            YearOverYear.windows(for: window("2024-02-10", "2024-02-10"), alignment: .springFestival).note
                .hasSuffix("both on the festival day."))
        #expect(
            YearOverYear.windows(for: window("2024-02-09", "2024-02-09"), alignment: .springFestival).note
                .hasSuffix("both 1 day before the festival."))
        #expect(
            YearOverYear.windows(for: window("2024-02-03", "2024-02-10"), alignment: .springFestival).note
                .hasSuffix("both from 7 days before to the festival day."))
    }

    @Test func nearlyYearLongWindowsWarnAboutOverlap() {
        // A 365-day window shifted back 364 days shares its first day with the comparison
        // (computed by hand: 2025-01-01 − 364 days = 2024-01-03, ending 2025-01-01).
        let year = window("2025-01-01", "2025-12-31")
        let weekly = YearOverYear.windows(for: year, alignment: .weekdayAligned)
        #expect(weekly.previous == window("2024-01-03", "2025-01-01"))
        #expect(weekly.overlaps)
        #expect(weekly.note.hasSuffix(" Warning: the two windows overlap (2025-01-01 – 2025-01-01), so they share data."))
        let same = YearOverYear.windows(for: year, alignment: .sameDates)
        #expect(!same.overlaps)
        #expect(!same.note.contains("Warning"))
    }

    // MARK: - Invariants over many windows

    /// Windows starting on every 7th day of 2016–2029, of 1, 10, 31, 90 and 200 days.
    static let sampleWindows: [DateWindow] = {
        var windows: [DateWindow] = []
        var start = CivilDate(year: 2016, month: 1, day: 1)!
        let end = CivilDate(year: 2029, month: 12, day: 31)!
        while start <= end {
            for length in [1, 10, 31, 90, 200] {
                windows.append(DateWindow(first: start, last: start.adding(days: length - 1)))
            }
            start = start.adding(days: 7)
        }
        return windows
    }()

    @Test(arguments: YearOverYearAlignment.allCases)
    func everyAlignmentGoesBackAboutAYearWithoutOverlap(alignment: YearOverYearAlignment) {
        for current in Self.sampleWindows {
            let result = YearOverYear.windows(for: current, alignment: alignment)
            let back = result.current.first.daysSinceEpoch - result.previous.first.daysSinceEpoch
            // Shortest shift: 353 days (a 12-month lunar year); longest: 385 days (13 months).
            #expect((353...385).contains(back), "\(alignment) \(current): \(back) days back")
            #expect(!result.overlaps, "\(alignment) \(current) vs \(result.previous)")
            #expect(!result.note.isEmpty)
            switch alignment {
            case .sameDates:
                #expect(abs(result.previous.dayCount - current.dayCount) <= 1)
                #expect(result.current == current)
            case .weekdayAligned:
                #expect(back == 364)
                #expect(result.previous.dayCount == current.dayCount)
            case .springFestival:
                let festival = YearOverYear.springFestival(nearestTo: current)
                let earlier = YearOverYear.springFestival(year: festival.year - 1)
                #expect(
                    current.first.daysSinceEpoch - festival.daysSinceEpoch
                        == result.previous.first.daysSinceEpoch - earlier.daysSinceEpoch)
                #expect(result.previous.dayCount == current.dayCount)
            case .janFebCombined:
                #expect(result.current.first <= current.first && result.current.last >= current.last)
                #expect(result.current.touchesJanuaryOrFebruary == result.previous.touchesJanuaryOrFebruary)
            }
        }
    }

    // MARK: - Month ranges (computed by hand from the festival table above)

    @Test(arguments: [
        // (months, alignment, previous months)
        ("2026-01", "2026-03", YearOverYearAlignment.sameDates, "2025-01", "2025-03"),
        ("2024-02", "2024-02", .sameDates, "2023-02", "2023-02"),
        ("2025-12", "2026-01", .weekdayAligned, "2024-12", "2025-01"),
        // Festival Feb 2026, Jan 2025: 13 months back.
        ("2026-02", "2026-02", .springFestival, "2025-01", "2025-01"),
        ("2026-01", "2026-01", .springFestival, "2024-12", "2024-12"),
        // Dec 2025 – Jan 2026 is nearest the festival of 2026-02-17: 13 months back.
        ("2025-12", "2026-01", .springFestival, "2024-11", "2024-12"),
        // Festival Jan 2025, Feb 2024: 11 months back.
        ("2025-01", "2025-02", .springFestival, "2024-02", "2024-03"),
        // Festival Feb 2024, Jan 2023: 13 months back.
        ("2024-02", "2024-03", .springFestival, "2023-01", "2023-02"),
        // Festival Feb 2027 and Feb 2026: 12 months back.
        ("2027-02", "2027-02", .springFestival, "2026-02", "2026-02"),
        // No January or February: 12 months back.
        ("2026-05", "2026-06", .springFestival, "2025-05", "2025-06"),
        // Jan+Feb: widened, then 12 months back.
        ("2026-02", "2026-03", .janFebCombined, "2025-01", "2025-03"),
        ("2025-12", "2026-01", .janFebCombined, "2024-12", "2025-02"),
        ("2026-01", "2026-02", .janFebCombined, "2025-01", "2025-02"),
        ("2026-01", "2026-01", .janFebCombined, "2025-01", "2025-02"),
        ("2026-04", "2026-06", .janFebCombined, "2025-04", "2025-06"),
    ])
    func previousYearMonths(
        first: String, last: String, alignment: YearOverYearAlignment,
        previousFirst: String, previousLast: String
    ) {
        let result = YearOverYear.previousYearMonths(of: months(first, last), alignment: alignment)
        #expect(result.months == months(previousFirst, previousLast))
        #expect(
            result.note.hasPrefix(
                alignment == .janFebCombined
                    ? "January and February combined: "
                    : alignment == .springFestival
                        ? "Aligned on the Spring Festival month: "
                        : "Same months a year earlier: "))
    }

    @Test func monthNotes() {
        let february = months("2026-02", "2026-02")
        #expect(
            YearOverYear.previousYearMonths(of: february, alignment: .springFestival).note
                == "Aligned on the Spring Festival month: the festival fell on 2026-02-17 and 2025-01-29, "
                + "in February and January, so 2026-02 is compared with 2025-01 (13 months earlier).")
        #expect(
            YearOverYear.previousYearMonths(of: months("2025-01", "2025-02"), alignment: .springFestival).note
                == "Aligned on the Spring Festival month: the festival fell on 2025-01-29 and 2024-02-10, "
                + "in January and February, so 2025-01 – 2025-02 is compared with 2024-02 – 2024-03 (11 months earlier).")
        #expect(
            YearOverYear.previousYearMonths(of: months("2027-02", "2027-02"), alignment: .springFestival).note
                == "Aligned on the Spring Festival month: the festival fell on 2027-02-06 and 2026-02-17, "
                + "in February both years, so 2027-02 is compared with the same months a year earlier, 2026-02.")
        #expect(
            YearOverYear.previousYearMonths(of: months("2026-05", "2026-06"), alignment: .springFestival).note
                == "Aligned on the Spring Festival month: 2026-05 – 2026-06 does not include January or February, "
                + "so it is compared with the same months a year earlier, 2025-05 – 2025-06.")
        #expect(
            YearOverYear.previousYearMonths(of: february, alignment: .weekdayAligned).note
                == "Same months a year earlier: 2026-02 vs 2025-02 (monthly data cannot be aligned on weekdays).")

        let widened = YearOverYear.months(for: months("2025-12", "2026-01"), alignment: .janFebCombined)
        #expect(widened.current == months("2025-12", "2026-02"))
        #expect(widened.previous == months("2024-12", "2025-02"))
        #expect(
            widened.note == "January and February combined: 2025-12 – 2026-01 is widened to 2025-12 – 2026-02 "
                + "to cover both January and February, compared with 2024-12 – 2025-02.")
        #expect(
            YearOverYear.months(for: months("2026-01", "2026-02"), alignment: .janFebCombined).note
                == "January and February combined: 2026-01 – 2026-02 covers both January and February, "
                + "compared with 2025-01 – 2025-02.")
    }

    @Test func twelveMonthsWidenedOverlapAndSaySo() {
        // Feb 2025 – Jan 2026 widens to Jan 2025 – Feb 2026 (14 months); a year earlier is
        // Jan 2024 – Feb 2025, which shares Jan–Feb 2025 (computed by hand).
        let result = YearOverYear.months(for: months("2025-02", "2026-01"), alignment: .janFebCombined)
        #expect(result.current == months("2025-01", "2026-02"))
        #expect(result.previous == months("2024-01", "2025-02"))
        #expect(result.overlaps)
        #expect(result.note.hasSuffix(" Warning: the two ranges overlap (2025-01 – 2025-02), so they share data."))
        #expect(!YearOverYear.months(for: months("2025-01", "2025-12"), alignment: .sameDates).overlaps)
    }

    // MARK: - Validation of user windows

    @Test func validateRejectsWindowsLongerThanAYear() {
        let tooLong = window("2024-01-01", "2025-06-30")
        #expect(
            throws: DataError.contract(
                table: "campaigns", column: "ends_on", row: "campaign_id = 'c1'",
                message: "the window 2024-01-01 – 2025-06-30 is 547 days long; a year-over-year comparison needs "
                    + "a window of at most one year (ending by 2024-12-31); shorten it")
        ) {
            try YearOverYear.validate(
                tooLong, alignment: .sameDates,
                table: "campaigns", column: "ends_on", row: "campaign_id = 'c1'")
        }
        // 366 + 181 = 547 days, computed by hand (2024 is a leap year; Jan–Jun 2025 has 181 days).
        #expect(tooLong.dayCount == 547)
    }

    @Test func validateAcceptsAYearAndRejectsUnknownFestivalYears() throws {
        for alignment in YearOverYearAlignment.allCases {
            try YearOverYear.validate(
                window("2025-01-01", "2025-12-31"), alignment: alignment,
                table: "campaigns", column: nil, row: nil)
        }
        // 1900 is the first festival year: a window in early 1900 needs the festival of 1899.
        let early = window("1900-01-10", "1900-02-10")
        try YearOverYear.validate(early, alignment: .sameDates, table: "campaigns", column: nil, row: nil)
        do {
            try YearOverYear.validate(
                early, alignment: .springFestival,
                table: "campaigns", column: "starts_on", row: "campaign_id = 'old'")
            Issue.record("accepted \(early)")
        } catch {
            #expect(
                error.description.hasPrefix(
                    "table campaigns, column starts_on, row campaign_id = 'old': the window 1900-01-10 – 1900-02-10"))
            #expect(error.description.contains("same-dates or 52-week alignment"))
        }
        #expect(throws: DataError.self) {
            try YearOverYear.validate(
                window("2100-12-01", "2100-12-31"), alignment: .springFestival,
                table: "campaigns", column: nil, row: nil)
        }
        try YearOverYear.validate(
            window("2099-01-01", "2099-03-31"), alignment: .springFestival,
            table: "campaigns", column: nil, row: nil)
    }
}
