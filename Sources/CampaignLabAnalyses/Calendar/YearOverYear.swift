// Year-over-year windows: "the same period last year" for a campaign's pre- and post-period,
// under the alignments analysts of Chinese banks use (same dates, 52 weeks, Spring Festival,
// January+February combined).
//
// Spring Festival dates: Foundation's Chinese calendar (ICU's astronomical Chinese calendar,
// computed for UTC+8), checked against the published dates 2015–2030 (Hong Kong Observatory)
// in YearOverYearTests, and checked to fall between 21 January and 20 February for every
// year 1900–2100.

import CampaignLabData
import Foundation

/// A closed range of days, such as a campaign's post-period.
///
/// A window has at least one day (`first <= last`). When it starts on the first of a month
/// and ends on the last day of a month it is *month-aligned* and `months` gives those months.
///
/// ```swift
/// let february = DateWindow(first: CivilDate("2026-02-01")!, last: CivilDate("2026-02-28")!)
/// february.dayCount     // 28
/// february.months       // 2026-02...2026-02
/// february.description  // "2026-02-01 – 2026-02-28"
/// ```
public struct DateWindow: Hashable, Sendable, CustomStringConvertible {
    /// The first day, included.
    public var first: CivilDate
    /// The last day, included.
    public var last: CivilDate

    /// The window `first`…`last`, both days included.
    ///
    /// - Precondition: `first <= last` (a campaign that ends before it starts is reported
    ///   by `campaignlab check`; do not build a window from it).
    public init(first: CivilDate, last: CivilDate) {
        precondition(first <= last, "DateWindow: first day \(first) is after last day \(last)")
        self.first = first
        self.last = last
    }

    /// The window covering the whole months `months`, from the first day of the first month
    /// to the last day of the last month.
    ///
    /// ```swift
    /// DateWindow(months: YearMonth("2026-01")!...YearMonth("2026-02")!).description
    /// // "2026-01-01 – 2026-02-28"
    /// ```
    public init(months: ClosedRange<YearMonth>) {
        self.init(first: months.lowerBound.firstDay, last: months.upperBound.lastDay)
    }

    /// Number of days, both ends included (a one-day window has 1).
    public var dayCount: Int { last.daysSinceEpoch - first.daysSinceEpoch + 1 }

    /// The whole months the window covers exactly, or nil when it does not start on the first
    /// day of a month and end on the last day of a month.
    public var months: ClosedRange<YearMonth>? {
        let start = first.yearMonth, end = last.yearMonth
        guard first == start.firstDay, last == end.lastDay else { return nil }
        return start...end
    }

    /// Whether the window is at most one year long: its last day comes before the same
    /// calendar date a year after its first day (2025-01-01 – 2025-12-31 is; 2025-01-01 –
    /// 2026-01-01 is not). Year-over-year comparisons require this.
    public var isAtMostOneYear: Bool { last < first.adding(months: 12) }

    /// Whether the window has at least one day in a January or a February.
    public var touchesJanuaryOrFebruary: Bool {
        // Exactly when one of its ends is in Jan/Feb or it runs into a later year (so it
        // contains a 1 January); otherwise it lies within one year's March–December.
        let a = first.components, b = last.components
        return a.month <= 2 || b.month <= 2 || b.year > a.year
    }

    /// "2026-01-15 – 2026-02-28" (an en dash between the days; a one-day window names its day twice).
    public var description: String { "\(first) – \(last)" }
}

/// How "the same period a year earlier" is chosen. The report names the alignment it used.
///
/// Every mode maps a window of at most one year to a window about one year earlier:
///
/// | mode | day windows (`YearOverYear.previousYear`) | monthly data (`YearOverYear.previousYearMonths`) |
/// |---|---|---|
/// | `sameDates` | same calendar dates; Feb 29 → Feb 28 | same months |
/// | `weekdayAligned` | 364 days earlier | same months (months cannot be weekday-aligned) |
/// | `springFestival` | same offset from the Spring Festival | months shifted 11–13 so the festival months match |
/// | `janFebCombined` | Jan/Feb ends widened to 1 Jan / end of Feb | Jan/Feb ends widened to Jan+Feb |
public enum YearOverYearAlignment: String, Sendable, CaseIterable {
    /// Shift by one calendar year: each day becomes the same month and day a year earlier,
    /// and February 29 becomes February 28. A month-aligned window becomes the same whole
    /// months a year earlier (so February 2025 compares with all 29 days of February 2024).
    ///
    /// Example: 2026-02-01 – 2026-02-28 → 2025-02-01 – 2025-02-28;
    /// 2024-02-10 – 2024-02-29 → 2023-02-10 – 2023-02-28 (19 days against 20).
    case sameDates
    /// Shift by 364 days (52 weeks), so every day keeps its weekday and the window keeps its
    /// length. The calendar dates drift one day later per year (two across a February 29).
    ///
    /// Example: 2026-02-01 (Sunday) – 2026-02-28 → 2025-02-02 (Sunday) – 2025-03-01.
    case weekdayAligned
    /// Shift so the window keeps its offset, in days, from the Spring Festival: the reference
    /// festival is the one nearest to the window's middle (`YearOverYear.springFestival(nearestTo:)`),
    /// and the window moves back by the days between it and the festival a lunar year
    /// earlier (353–355 days after a 12-month lunar year, 383–385 after a 13-month one).
    /// The window keeps its length.
    ///
    /// Example: 2026-02-01 – 2026-02-28 is nearest the festival of 2026-02-17; the one before
    /// was 2025-01-29, 384 days earlier, so the comparison is 2025-01-13 – 2025-02-09
    /// (from 16 days before to 11 days after the festival, both years).
    ///
    /// Far from the festival (May–October) this still moves the window by 353–385 days, so
    /// prefer `sameDates` for windows that do not come near January or February.
    case springFestival
    /// For monthly data: a window with an end in January or February is widened to cover
    /// both months (from 1 January, to the end of February) in both years, so that the
    /// festival falls inside both windows whichever month it was in. Windows that do not
    /// touch January or February compare the same dates a year earlier.
    ///
    /// Example: 2026-02-01 – 2026-03-31 is widened to 2026-01-01 – 2026-03-31 and compared
    /// with 2025-01-01 – 2025-03-31.
    case janFebCombined
}

/// A window, possibly widened, and its comparison window a year earlier, with a one-line
/// explanation for the report.
public struct YearOverYearWindows: Hashable, Sendable {
    /// The alignment that chose `previous`.
    public var alignment: YearOverYearAlignment
    /// The window compared this year: the given window, widened under `.janFebCombined`.
    public var current: DateWindow
    /// The comparison window a year earlier.
    public var previous: DateWindow
    /// One line saying what was compared with what and why, e.g. "Aligned on the Spring
    /// Festival (2026-02-17; a lunar year earlier 2025-01-29, 384 days before): …".
    public var note: String

    /// Whether the two windows share days (possible only for windows close to a year long).
    public var overlaps: Bool { previous.last >= current.first && current.last >= previous.first }
}

/// A range of months, possibly widened, and its comparison months a year earlier, with a
/// one-line explanation for the report.
public struct YearOverYearMonths: Hashable, Sendable {
    /// The alignment that chose `previous`.
    public var alignment: YearOverYearAlignment
    /// The months compared this year: the given months, widened under `.janFebCombined`.
    public var current: ClosedRange<YearMonth>
    /// The comparison months a year earlier (11, 12 or 13 months earlier).
    public var previous: ClosedRange<YearMonth>
    /// One line saying what was compared with what and why.
    public var note: String

    /// Whether the two ranges share a month.
    public var overlaps: Bool { current.overlaps(previous) }
}

/// The calendar of year-over-year comparisons: Spring Festival dates and the comparison
/// window a year earlier under each `YearOverYearAlignment`.
///
/// ```swift
/// let post = DateWindow(first: CivilDate("2026-02-01")!, last: CivilDate("2026-02-28")!)
/// YearOverYear.previousYear(of: post, alignment: .springFestival).description
/// // "2025-01-13 – 2025-02-09"
/// YearOverYear.previousYearMonths(of: YearMonth("2026-02")!...YearMonth("2026-02")!,
///                                 alignment: .springFestival).note
/// // "Aligned on the Spring Festival month: the festival fell on 2026-02-17 and 2025-01-29,
/// //  in February and January, so 2026-02 is compared with 2025-01 (13 months earlier)."
/// ```
///
/// Windows come from user data (the `campaigns` table); call `validate(_:alignment:table:column:row:)`
/// first to turn an unusable window into a message. The other functions treat one as a
/// programmer mistake (precondition).
public enum YearOverYear {
    /// The Gregorian years whose Spring Festival `springFestival(year:)` gives.
    ///
    /// Foundation's Chinese calendar was checked on Linux over these years (every date falls
    /// between 21 January and 20 February; 2015–2030 equal the published dates).
    public static let festivalYears: ClosedRange<Int> = 1900...2100

    /// The first day of the Chinese lunar year (Spring Festival, 春节) in a Gregorian year.
    ///
    /// Computed with Foundation's Chinese calendar (`Calendar(identifier: .chinese)`: lunar
    /// month 1, day 1 of the lunar year that is current on 1 June of `year`), which on Linux is
    /// ICU's astronomical calendar for China (UTC+8). The result is converted through seconds
    /// since 1970, not through Foundation's Gregorian calendar (which is Julian before 1582).
    ///
    /// ```swift
    /// YearOverYear.springFestival(year: 2026)  // 2026-02-17
    /// YearOverYear.springFestival(year: 2025)  // 2025-01-29
    /// ```
    ///
    /// - Parameter year: A Gregorian year in `festivalYears`.
    /// - Returns: The festival day, always between 21 January and 20 February of `year`.
    /// - Complexity: One Foundation calendar conversion (microseconds); not cached.
    public static func springFestival(year: Int) -> CivilDate {
        precondition(
            festivalYears.contains(year),
            "YearOverYear.springFestival: year \(year) is outside \(festivalYears); call validate first")
        var chinese = Calendar(identifier: .chinese)
        chinese.timeZone = TimeZone(secondsFromGMT: 0)!
        // The festival falls 21 Jan – 20 Feb, so 1 June is always in the lunar year it starts.
        let june = CivilDate(year: year, month: 6, day: 1)!
        let juneNoon = Date(timeIntervalSince1970: Double(june.daysSinceEpoch) * 86_400 + 43_200)
        let lunar = chinese.dateComponents([.era, .year], from: juneNoon)
        var newYear = DateComponents()
        newYear.era = lunar.era
        newYear.year = lunar.year
        newYear.month = 1
        newYear.day = 1
        newYear.isLeapMonth = false
        guard let start = chinese.date(from: newYear) else {
            preconditionFailure("Foundation's Chinese calendar has no first day for the lunar year of \(year)")
        }
        let festival = CivilDate(daysSinceEpoch: Int((start.timeIntervalSince1970 / 86_400).rounded(.down)))
        let window = DateWindow(
            first: CivilDate(year: year, month: 1, day: 21)!,
            last: CivilDate(year: year, month: 2, day: 20)!)
        precondition(
            festival >= window.first && festival <= window.last,
            "Foundation's Chinese calendar put the Spring Festival of \(year) on \(festival)")
        return festival
    }

    /// The Spring Festival nearest to the middle of `window`: the reference festival of
    /// `.springFestival` alignment.
    ///
    /// The middle is (first + last) / 2, which may fall between two days; when two festivals
    /// are equally near, the earlier one is taken.
    ///
    /// ```swift
    /// // Middle 2025-12-31: 2026-02-17 is 48 days away, 2025-01-29 is 336.
    /// YearOverYear.springFestival(nearestTo: DateWindow(first: CivilDate("2025-12-01")!,
    ///                                                   last: CivilDate("2026-01-31")!))
    /// // 2026-02-17
    /// ```
    ///
    /// - Parameter window: A window whose middle lies in 1901–2099.
    /// - Returns: The nearest festival day.
    public static func springFestival(nearestTo window: DateWindow) -> CivilDate {
        guard let festival = nearestFestival(to: window) else {
            preconditionFailure(
                "YearOverYear: \(window) is outside the Spring Festival years \(festivalYears); "
                    + "call validate first")
        }
        return festival
    }

    /// The comparison window a year earlier for `window` under `alignment`.
    ///
    /// Under `.janFebCombined` the comparison belongs to the *widened* window; use
    /// `windows(for:alignment:)` to get both and the note.
    ///
    /// ```swift
    /// let february = DateWindow(first: CivilDate("2026-02-01")!, last: CivilDate("2026-02-28")!)
    /// YearOverYear.previousYear(of: february, alignment: .sameDates)       // 2025-02-01 – 2025-02-28
    /// YearOverYear.previousYear(of: february, alignment: .weekdayAligned)  // 2025-02-02 – 2025-03-01
    /// YearOverYear.previousYear(of: february, alignment: .springFestival)  // 2025-01-13 – 2025-02-09
    /// YearOverYear.previousYear(of: february, alignment: .janFebCombined)  // 2025-01-01 – 2025-02-28
    /// ```
    ///
    /// - Parameters:
    ///   - window: At most one year long (`isAtMostOneYear`); for `.springFestival` within
    ///     the years `validate` accepts.
    ///   - alignment: How the earlier window is chosen (see `YearOverYearAlignment`).
    /// - Returns: The window a year earlier.
    public static func previousYear(of window: DateWindow, alignment: YearOverYearAlignment) -> DateWindow {
        windows(for: window, alignment: alignment).previous
    }

    /// The window compared this year, its comparison window a year earlier, and a note.
    ///
    /// ```swift
    /// let w = YearOverYear.windows(for: DateWindow(first: CivilDate("2026-02-10")!,
    ///                                              last: CivilDate("2026-03-15")!),
    ///                              alignment: .janFebCombined)
    /// w.current   // 2026-01-01 – 2026-03-15
    /// w.previous  // 2025-01-01 – 2025-03-15
    /// ```
    ///
    /// - Parameters:
    ///   - window: At most one year long; for `.springFestival` within the supported years.
    ///   - alignment: How the earlier window is chosen.
    /// - Returns: Both windows and a one-line note; the note warns when they overlap.
    public static func windows(for window: DateWindow, alignment: YearOverYearAlignment) -> YearOverYearWindows {
        precondition(
            window.isAtMostOneYear,
            "YearOverYear: \(window) is longer than one year; call validate first")
        var current = window
        let previous: DateWindow
        var note: String
        switch alignment {
        case .sameDates:
            previous = sameDatesEarlier(window)
            note = "Same dates a year earlier: \(window) (\(days(window))) vs \(previous) (\(days(previous)))."
        case .weekdayAligned:
            previous = shifted(window, by: -364)
            note = "52 weeks (364 days) earlier, same weekdays: \(window) vs \(previous) (\(days(window)) each)."
        case .springFestival:
            guard let festival = nearestFestival(to: window),
                festivalYears.contains(festival.year - 1)
            else {
                preconditionFailure(
                    "YearOverYear: \(window) is outside the Spring Festival years \(festivalYears); "
                        + "call validate first")
            }
            let earlier = springFestival(year: festival.year - 1)
            let gap = festival.daysSinceEpoch - earlier.daysSinceEpoch
            previous = shifted(window, by: -gap)
            note =
                "Aligned on the Spring Festival (\(festival); a lunar year earlier \(earlier), \(gap) days before): "
                + "\(window) vs \(previous), both \(position(of: window, from: festival))."
        case .janFebCombined:
            if window.touchesJanuaryOrFebruary {
                current = widenedToJanFeb(window)
                previous = widenedToJanFeb(sameDatesEarlier(window))
                let widened = current == window ? "covers" : "is widened to \(current) to cover"
                note =
                    "January and February combined: \(window) \(widened) whole January–February, "
                    + "compared with \(previous)."
            } else {
                previous = sameDatesEarlier(window)
                note =
                    "January and February combined: \(window) does not touch January or February, "
                    + "so it is compared with the same dates a year earlier, \(previous)."
            }
        }
        if previous.last >= current.first && current.last >= previous.first {
            let shared = DateWindow(first: max(current.first, previous.first), last: min(current.last, previous.last))
            note += " Warning: the two windows overlap (\(shared)), so they share data."
        }
        return YearOverYearWindows(alignment: alignment, current: current, previous: previous, note: note)
    }

    /// For monthly data: the months compared a year earlier than `months`, and a one-line
    /// note saying what was done.
    ///
    /// - `.sameDates`: the same months a year earlier.
    /// - `.weekdayAligned`: the same months a year earlier (the note says months cannot be
    ///   weekday-aligned).
    /// - `.springFestival`: if the months include the January or February of the reference
    ///   festival's year (the festival nearest their middle), they are shifted so that this
    ///   year's festival month maps to last year's: 13 months when the festival moved from
    ///   January to February (Feb 2026 ↔ Jan 2025), 11 when it moved from February to January,
    ///   12 when it stayed. Otherwise the same months a year earlier.
    /// - `.janFebCombined`: a range that starts in February starts in January instead, a
    ///   range that ends in January ends in February instead, in both years.
    ///
    /// ```swift
    /// let feb2026 = YearMonth("2026-02")!
    /// YearOverYear.previousYearMonths(of: feb2026...feb2026, alignment: .springFestival).months
    /// // 2025-01...2025-01
    /// ```
    ///
    /// - Parameters:
    ///   - months: At most 12 months; for `.springFestival` within the supported years.
    ///   - alignment: How the earlier months are chosen.
    /// - Returns: The earlier months (for `.janFebCombined`, those of the widened range) and the note.
    public static func previousYearMonths(
        of months: ClosedRange<YearMonth>, alignment: YearOverYearAlignment
    )
        -> (months: ClosedRange<YearMonth>, note: String)
    {
        let result = self.months(for: months, alignment: alignment)
        return (result.previous, result.note)
    }

    /// For monthly data: the months compared this year (widened under `.janFebCombined`),
    /// the months a year earlier, and a note. See `previousYearMonths(of:alignment:)` for the rules.
    ///
    /// ```swift
    /// let m = YearOverYear.months(for: YearMonth("2025-12")!...YearMonth("2026-01")!,
    ///                             alignment: .janFebCombined)
    /// m.current   // 2025-12...2026-02
    /// m.previous  // 2024-12...2025-02
    /// ```
    ///
    /// - Parameters:
    ///   - months: At most 12 months; for `.springFestival` within the supported years
    ///     (check user data with `validate(DateWindow(months: months), …)`).
    ///   - alignment: How the earlier months are chosen.
    /// - Returns: Both ranges and a one-line note; the note warns when they overlap.
    public static func months(for months: ClosedRange<YearMonth>, alignment: YearOverYearAlignment) -> YearOverYearMonths {
        precondition(
            months.upperBound.index - months.lowerBound.index < 12,
            "YearOverYear: \(text(months)) is longer than 12 months; call validate first")
        var current = months
        var previous = shifted(months, by: -12)
        var note: String
        switch alignment {
        case .sameDates:
            note = "Same months a year earlier: \(text(months)) vs \(text(previous))."
        case .weekdayAligned:
            note =
                "Same months a year earlier: \(text(months)) vs \(text(previous)) "
                + "(monthly data cannot be aligned on weekdays)."
        case .springFestival:
            guard let festival = nearestFestival(to: DateWindow(months: months)),
                festivalYears.contains(festival.year - 1)
            else {
                preconditionFailure(
                    "YearOverYear: \(text(months)) is outside the Spring Festival years \(festivalYears); "
                        + "call validate first")
            }
            let year = festival.year
            let january = YearMonth(index: year * 12), february = YearMonth(index: year * 12 + 1)
            if months.contains(january) || months.contains(february) {
                let earlier = springFestival(year: year - 1)
                let shift = -12 + earlier.components.month - festival.components.month
                previous = shifted(months, by: shift)
                let thisMonth = monthName(festival), lastMonth = monthName(earlier)
                let how =
                    shift == -12
                    ? "\(thisMonth) both years, so \(text(months)) is compared with the same months a year earlier, "
                        + text(previous)
                    : "\(thisMonth) and \(lastMonth), so \(text(months)) is compared with \(text(previous)) "
                        + "(\(-shift) months earlier)"
                note =
                    "Aligned on the Spring Festival month: the festival fell on \(festival) and \(earlier), "
                    + "in \(how)."
            } else {
                note =
                    "Aligned on the Spring Festival month: \(text(months)) does not include January or February, "
                    + "so it is compared with the same months a year earlier, \(text(previous))."
            }
        case .janFebCombined:
            if DateWindow(months: months).touchesJanuaryOrFebruary {
                if current.lowerBound.month == 2 { current = current.lowerBound.adding(months: -1)...current.upperBound }
                if current.upperBound.month == 1 { current = current.lowerBound...current.upperBound.adding(months: 1) }
                previous = shifted(current, by: -12)
                let widened = current == months ? "covers" : "is widened to \(text(current)) to cover"
                note =
                    "January and February combined: \(text(months)) \(widened) both January and February, "
                    + "compared with \(text(previous))."
            } else {
                note =
                    "January and February combined: \(text(months)) does not touch January or February, "
                    + "so it is compared with the same months a year earlier, \(text(previous))."
            }
        }
        if current.overlaps(previous) {
            let shared = max(current.lowerBound, previous.lowerBound)...min(current.upperBound, previous.upperBound)
            note += " Warning: the two ranges overlap (\(text(shared))), so they share data."
        }
        return YearOverYearMonths(alignment: alignment, current: current, previous: previous, note: note)
    }

    /// Checks that a window from the user's data can be compared year over year under
    /// `alignment`, and says what to change when it cannot.
    ///
    /// A window longer than one year cannot be compared with "the same window a year
    /// earlier" (the two would share days); `.springFestival` needs festival dates, which
    /// are known for `festivalYears` (windows from 1901 to 2099).
    ///
    /// ```swift
    /// try YearOverYear.validate(post, alignment: .springFestival,
    ///                           table: "campaigns", column: "ends_on", row: "campaign_id = 'spring-2026'")
    /// ```
    ///
    /// - Parameters:
    ///   - window: The window to compare.
    ///   - alignment: The alignment that will be used.
    ///   - table: The table the window comes from (for the message).
    ///   - column: The column to correct, if one.
    ///   - row: The row it comes from, e.g. "campaign_id = 'spring-2026'".
    /// - Throws: `DataError.contract` naming the table, column and row.
    public static func validate(
        _ window: DateWindow, alignment: YearOverYearAlignment,
        table: String, column: String?, row: String?
    ) throws(DataError) {
        guard window.isAtMostOneYear else {
            throw .contract(
                table: table, column: column, row: row,
                message:
                    "the window \(window) is \(window.dayCount) days long; a year-over-year comparison needs a window "
                    + "of at most one year (ending by \(window.first.adding(months: 12).adding(days: -1))); shorten it")
        }
        if alignment == .springFestival {
            guard let festival = nearestFestival(to: window), festivalYears.contains(festival.year - 1) else {
                throw .contract(
                    table: table, column: column, row: row,
                    message:
                        "the window \(window) is too close to or outside the years with known Spring Festival dates "
                        + "(\(festivalYears.lowerBound)–\(festivalYears.upperBound)); "
                        + "choose the same-dates or 52-week alignment")
            }
        }
    }

    // MARK: - Rules

    /// Each day a calendar year earlier (Feb 29 → Feb 28); whole months stay whole months.
    static func sameDatesEarlier(_ window: DateWindow) -> DateWindow {
        if let months = window.months { return DateWindow(months: shifted(months, by: -12)) }
        return DateWindow(first: window.first.adding(months: -12), last: window.last.adding(months: -12))
    }

    /// A first day in January/February moves to 1 January, a last day in January/February
    /// to the end of February (of their own years).
    static func widenedToJanFeb(_ window: DateWindow) -> DateWindow {
        var first = window.first, last = window.last
        if first.components.month <= 2 { first = CivilDate(year: first.year, month: 1, day: 1)! }
        if last.components.month <= 2 { last = YearMonth(year: last.year, month: 2)!.lastDay }
        return DateWindow(first: first, last: last)
    }

    /// The festival nearest the middle of `window` (the earlier on a tie); nil outside `festivalYears`.
    static func nearestFestival(to window: DateWindow) -> CivilDate? {
        let twiceMiddle = window.first.daysSinceEpoch + window.last.daysSinceEpoch
        let year = CivilDate(daysSinceEpoch: twiceMiddle >> 1).year  // >> rounds down, also below 0
        var best: CivilDate?
        for candidate in (year - 1)...(year + 1) {
            guard festivalYears.contains(candidate) else { return nil }
            let festival = springFestival(year: candidate)
            if let current = best,
                abs(2 * current.daysSinceEpoch - twiceMiddle) <= abs(2 * festival.daysSinceEpoch - twiceMiddle)
            {
                continue
            }
            best = festival
        }
        return best
    }

    static func shifted(_ window: DateWindow, by days: Int) -> DateWindow {
        DateWindow(first: window.first.adding(days: days), last: window.last.adding(days: days))
    }

    static func shifted(_ months: ClosedRange<YearMonth>, by count: Int) -> ClosedRange<YearMonth> {
        months.lowerBound.adding(months: count)...months.upperBound.adding(months: count)
    }

    /// "from 16 days before to 11 days after the festival", "3 days before the festival".
    static func position(of window: DateWindow, from festival: CivilDate) -> String {
        func offset(_ day: CivilDate) -> (days: Int, text: String) {
            let d = day.daysSinceEpoch - festival.daysSinceEpoch
            if d == 0 { return (0, "the festival day") }
            return (d, "\(abs(d)) day\(abs(d) == 1 ? "" : "s") \(d < 0 ? "before" : "after")")
        }
        let start = offset(window.first), end = offset(window.last)
        if window.dayCount == 1 { return start.days == 0 ? "on the festival day" : start.text + " the festival" }
        return "from \(start.text) to \(end.text)" + (end.days == 0 ? "" : " the festival")
    }

    static func days(_ window: DateWindow) -> String {
        window.dayCount == 1 ? "1 day" : "\(window.dayCount) days"
    }

    static func monthName(_ day: CivilDate) -> String { day.components.month == 1 ? "January" : "February" }

    /// "2026-02" for one month, "2026-01 – 2026-03" for several.
    static func text(_ months: ClosedRange<YearMonth>) -> String {
        months.lowerBound == months.upperBound ? "\(months.lowerBound)" : "\(months.lowerBound) – \(months.upperBound)"
    }
}
