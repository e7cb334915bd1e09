// Calendar values of the data contract, parsed from their text forms without Foundation
// (fast enough to run on every row of a scan).
//
// Day arithmetic: Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms"
// (days_from_civil / civil_from_days), proleptic Gregorian calendar.

/// A calendar date, stored as days since 1970-01-01.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// The date `year`-`month`-`day`, or nil when it does not exist (2025-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(year: year, month: month) else {
            return nil
        }
        self.daysSinceEpoch = CivilDate.days(year: year, month: month, day: day)
    }

    /// Parses exactly 'YYYY-MM-DD'.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let parsed = text.withUTF8({ CivilDate.parse($0) }) else { return nil }
        self = parsed
    }

    /// Parses exactly 'YYYY-MM-DD' from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = digits(bytes, 0, 4), let m = digits(bytes, 5, 2), let d = digits(bytes, 8, 2)
        else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var year: Int { components.year }
    public var yearMonth: YearMonth { let c = components; return YearMonth(year: c.year, month: c.month)! }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        let w = (daysSinceEpoch % 7 + 7 + 3) % 7  // 1970-01-01 was a Thursday
        return w + 1
    }

    /// 'YYYY-MM-DD'.
    public var description: String {
        let c = components
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// The same day `months` months later, clamped to the end of the month (Jan 31 + 1 month = Feb 28/29).
    public func adding(months: Int) -> CivilDate {
        let c = components
        let ym = YearMonth(year: c.year, month: c.month)!.adding(months: months)
        let day = min(c.day, CivilDate.daysIn(year: ym.year, month: ym.month))
        return CivilDate(year: ym.year, month: ym.month, day: day)!
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days in `month` of `year` (leap years included).
    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A calendar month, 'YYYY-MM'.
public struct YearMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// year × 12 + (month − 1).
    public var index: Int

    public init(index: Int) { self.index = index }

    public init?(year: Int, month: Int) {
        guard (1...12).contains(month), (0...9999).contains(year) else { return nil }
        index = year * 12 + month - 1
    }

    /// Parses exactly 'YYYY-MM'.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let parsed = text.withUTF8({ YearMonth.parse($0) }) else { return nil }
        self = parsed
    }

    /// Parses exactly 'YYYY-MM' from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> YearMonth? {
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            let y = digits(bytes, 0, 4), let m = digits(bytes, 5, 2)
        else { return nil }
        return YearMonth(year: y, month: m)
    }

    public var year: Int { index / 12 }
    public var month: Int { index % 12 + 1 }
    public var firstDay: CivilDate { CivilDate(year: year, month: month, day: 1)! }
    public var lastDay: CivilDate { CivilDate(year: year, month: month, day: CivilDate.daysIn(year: year, month: month))! }
    public var dayCount: Int { CivilDate.daysIn(year: year, month: month) }

    public func adding(months: Int) -> YearMonth { YearMonth(index: index + months) }

    public var description: String { pad(year, 4) + "-" + pad(month, 2) }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { a.index < b.index }
}

/// A time of day in the reporting time zone, as seconds since 1970-01-01 00:00 of that zone's
/// wall clock, parsed from the contract's ISO 8601 forms: 'YYYY-MM-DD HH:MM:SS' or
/// 'YYYY-MM-DDTHH:MM:SS', an optional fraction '.fff', and an optional 'Z' or '±HH:MM'
/// offset. Without an offset the time is taken as given (already the reporting zone's, the
/// bank's local time); with one it is converted to the reporting zone
/// (`reportingOffsetSeconds`), so that '2026-09-03T10:00:00+08:00', '2026-09-03 02:00:00Z'
/// and '2026-09-03 10:00:00' are the same time for a bank reporting in UTC+08:00.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var secondsSinceEpoch: Double

    /// The reporting time zone's offset from UTC in seconds: UTC+08:00 (China Standard Time)
    /// unless the command line says otherwise (`--time-zone`). Set once at start-up.
    nonisolated(unsafe) public static var reportingOffsetSeconds = 8 * 3600

    public init(secondsSinceEpoch: Double) { self.secondsSinceEpoch = secondsSinceEpoch }

    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let parsed = text.withUTF8({ Timestamp.parse($0) }) else { return nil }
        self = parsed
    }

    /// '+08:00', '-05:30', 'UTC' or 'Z' as seconds east of UTC; nil otherwise.
    public static func parseOffset(_ text: String) -> Int? {
        if text == "UTC" { return 0 }
        var text = text
        return text.withUTF8 { offsetSeconds($0) }
    }

    /// 'Z' (0) or '±HH:MM' (hours ≤ 14) filling `b` exactly, as seconds east of UTC; nil otherwise.
    private static func offsetSeconds(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        if b.count == 1 && b[0] == UInt8(ascii: "Z") { return 0 }
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
            let hours = digits(b, 1, 2), let minutes = digits(b, 4, 2), hours <= 14, minutes < 60
        else { return nil }
        return (b[0] == UInt8(ascii: "+") ? 1 : -1) * (hours * 3600 + minutes * 60)
    }

    /// Parses one of the accepted forms from UTF-8 bytes; nil when it is not one of them.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count >= 19 else { return nil }
        guard let date = CivilDate.parse(UnsafeBufferPointer(rebasing: b[0..<10])) else { return nil }
        guard b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let hh = digits(b, 11, 2), let mm = digits(b, 14, 2), let ss = digits(b, 17, 2),
            hh < 24, mm < 60, ss < 60
        else { return nil }
        var seconds = Double(date.daysSinceEpoch * 86_400 + hh * 3600 + mm * 60 + ss)
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, let d = digit(b[i]) {
                seconds += Double(d) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        if i < b.count {
            // 'Z' or '±HH:MM' to the end: converted to the reporting zone.
            guard let offset = offsetSeconds(UnsafeBufferPointer(rebasing: b[i...])) else { return nil }
            seconds += Double(reportingOffsetSeconds - offset)
        }
        return Timestamp(secondsSinceEpoch: seconds)
    }

    /// The offset a parsable timestamp is written with, in seconds east of UTC ('Z' is 0);
    /// nil when it has none (taken as reporting-zone time). Only for text `parse` accepts.
    public static func writtenOffset(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, digit(b[i]) != nil { i += 1 }
        }
        return i < b.count ? offsetSeconds(UnsafeBufferPointer(rebasing: b[i...])) : nil
    }

    /// "UTC+08:00", "UTC−05:30", "UTC" for an offset in seconds.
    public static func offsetName(_ seconds: Int) -> String {
        guard seconds != 0 else { return "UTC" }
        let minutes = abs(seconds) / 60
        return "UTC" + (seconds > 0 ? "+" : "−") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    /// The calendar date in the reporting time zone.
    public var date: CivilDate {
        CivilDate(daysSinceEpoch: Int((secondsSinceEpoch / 86_400).rounded(.down)))
    }

    /// 'YYYY-MM-DD HH:MM:SS' (whole seconds, no offset).
    public var description: String {
        let whole = Int(secondsSinceEpoch.rounded(.down))
        let day = CivilDate(daysSinceEpoch: Int((Double(whole) / 86_400).rounded(.down)))
        var rest = whole - day.daysSinceEpoch * 86_400
        let h = rest / 3600; rest %= 3600
        return day.description + " " + pad(h, 2) + ":" + pad(rest / 60, 2) + ":" + pad(rest % 60, 2)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }
}

@inline(__always)
private func digit(_ byte: UInt8) -> Int? {
    byte >= 48 && byte <= 57 ? Int(byte - 48) : nil
}

@inline(__always)
private func digits(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
    var value = 0
    for i in start..<(start + count) {
        guard let d = digit(b[i]) else { return nil }
        value = value * 10 + d
    }
    return value
}

private func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
