/// Formats numbers the way report readers expect, in English or Chinese.
///
/// Deterministic and locale-independent (no Foundation formatters): the same value gives
/// the same text on every machine. Negative numbers use the minus sign "−" (U+2212).
///
/// ```swift
/// let en = ReportFormatter(language: .en), zh = ReportFormatter(language: .zh)
/// en.format(1_234_567, .count)      // "1,234,567"
/// zh.format(1_234_567, .count)      // "123.46万"
/// zh.format(2.5e8, .currency)       // "2.50亿元"
/// en.format(0.0004, .pValue)        // "< 0.001"
/// ```
public struct ReportFormatter: Sendable {
    public var language: ReportLanguage

    public init(language: ReportLanguage) {
        self.language = language
    }

    /// One number in a style. NaN → "—"; ±infinity → "∞" / "−∞".
    public func format(_ value: Double, _ style: NumberStyle) -> String {
        if value.isNaN { return "—" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        switch style {
        case .automatic:
            if value == value.rounded(), abs(value) < 1e15 { return Self.grouped(value, digits: 0) }
            return Self.significant(value, digits: 4)
        case .count:
            if language == .zh { return Self.chineseUnits(value.rounded(), smallDigits: 0) }
            return Self.grouped(value, digits: 0)
        case .decimal(let digits):
            return Self.grouped(value, digits: digits)
        case .signed(let digits):
            let text = Self.grouped(value, digits: digits)
            return text.hasPrefix("−") || Self.isZero(value, digits: digits) ? text : "+" + text
        case .currency:
            // Two decimals below ¥100 — judged after rounding, so 99.999 is "¥100", not "¥100.00".
            let digits = Self.roundsBelow(abs(value), 100, digits: 2) ? 2 : 0
            if language == .zh { return Self.chineseUnits(value, smallDigits: digits) + "元" }
            let text = Self.grouped(abs(value), digits: digits)
            return (value < 0 && !Self.isZero(value, digits: digits) ? "−" : "") + "¥" + text
        case .percent(let digits):
            return Self.grouped(value * 100, digits: digits) + "%"
        case .percentagePoints(let digits):
            var text = Self.grouped(value * 100, digits: digits)
            if !text.hasPrefix("−") && !Self.isZero(value * 100, digits: digits) { text = "+" + text }
            return text + (language == .zh ? "个百分点" : " pp")
        case .pValue:
            if value < 0.001 { return "< 0.001" }
            return Self.grouped(value, digits: 3)
        case .multiple:
            // One decimal below 10× (after rounding: 9.96 is "10×"), whole multiples from 10×.
            return Self.grouped(value, digits: Self.roundsBelow(abs(value), 10, digits: 1) ? 1 : 0) + (language == .zh ? "倍" : "×")
        }
    }

    /// An interval "low to high" (en) / "low 至 high" (zh), both ends in the style.
    public func interval(_ low: Double, _ high: Double, _ style: NumberStyle) -> String {
        format(low, style) + (language == .zh ? " 至 " : " to ") + format(high, style)
    }

    /// An estimate with its interval: "0.29 (95% CI 0.045 to 0.535)" / "0.29（95% 置信区间 0.045 至 0.535）".
    public func estimate(_ value: Double, low: Double, high: Double, _ style: NumberStyle, level: Double = 0.95) -> String {
        let levelText = Self.grouped(level * 100, digits: level * 100 == (level * 100).rounded() ? 0 : 1) + "%"
        if language == .zh {
            return format(value, style) + "（" + levelText + " 置信区间 " + interval(low, high, style) + "）"
        }
        return format(value, style) + " (" + levelText + " CI " + interval(low, high, style) + ")"
    }

    /// The labels of one axis's ticks, in one unit for the whole axis: "0, 0.5万, 1万, 1.5万",
    /// never "5,000" next to "1万" (the unit is the one of the largest tick).
    public func ticks(_ values: [Double], _ style: NumberStyle) -> [String] {
        switch style {
        case .automatic, .count, .currency:
            let largest = values.filter(\.isFinite).map(abs).max() ?? 0
            let units: [(Double, String)] =
                language == .zh ? [(1e8, "亿"), (1e4, "万")] : [(1e9, "B"), (1e6, "M"), (1e3, "k")]
            guard let (size, name) = units.first(where: { largest >= $0.0 }) else { return values.map { tick($0, style) } }
            let prefix = style == .currency && language == .en ? "¥" : ""
            return values.map { value in
                guard value.isFinite else { return tick(value, style) }
                if value == 0 { return prefix + "0" }
                return (value < 0 ? "−" : "") + prefix + Self.trimmed(abs(value) / size, digits: 2) + name
            }
        default:
            return values.map { tick($0, style) }
        }
    }

    /// A short tick label for chart axes: compact counts and amounts (en 12k, 3.4M, 1.2B;
    /// zh 1.2万, 3.4亿), percentages for percent styles.
    public func tick(_ value: Double, _ style: NumberStyle) -> String {
        if value.isNaN { return "—" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        switch style {
        case .percent, .percentagePoints:
            let percent = value * 100
            return Self.trimmed(percent, digits: 2) + "%"
        case .pValue, .decimal, .signed, .multiple:
            return Self.trimmed(value, digits: 3) + (style == .multiple ? (language == .zh ? "倍" : "×") : "")
        case .automatic, .count, .currency:
            let prefix = style == .currency && language == .en ? "¥" : ""
            let magnitude = abs(value)
            let sign = value < 0 ? "−" : ""
            if language == .zh {
                if magnitude >= 1e8 { return sign + Self.trimmed(magnitude / 1e8, digits: 2) + "亿" }
                if magnitude >= 1e4 { return sign + Self.trimmed(magnitude / 1e4, digits: 2) + "万" }
                return sign + Self.trimmed(magnitude, digits: 2)
            }
            if magnitude >= 1e9 { return sign + prefix + Self.trimmed(magnitude / 1e9, digits: 2) + "B" }
            if magnitude >= 1e6 { return sign + prefix + Self.trimmed(magnitude / 1e6, digits: 2) + "M" }
            if magnitude >= 1e3 { return sign + prefix + Self.trimmed(magnitude / 1e3, digits: 2) + "k" }
            return sign + prefix + Self.trimmed(magnitude, digits: 2)
        }
    }

    // MARK: Digits

    /// 万 from 10⁴ and 亿 from 10⁸ with two decimals (so a column lines up); below
    /// 10⁴ grouped with `smallDigits` decimals. A value that rounds up to the next unit
    /// moves to it (9,999.5元 → 1.00万元, 99,999,999 → 1.00亿).
    static func chineseUnits(_ value: Double, smallDigits: Int) -> String {
        let sign = value < 0 ? "−" : ""
        let magnitude = abs(value)
        if !roundsBelow(magnitude, 1e4, digits: smallDigits) {
            let wan = grouped(magnitude / 1e4, digits: 2)
            if magnitude >= 1e8 || wan == "10,000.00" { return sign + grouped(magnitude / 1e8, digits: 2) + "亿" }
            return sign + wan + "万"
        }
        let text = grouped(magnitude, digits: smallDigits)
        return (isZero(magnitude, digits: smallDigits) ? "" : sign) + text
    }

    /// Fixed decimals, trailing zeros (and a trailing point) removed, thousands grouped.
    static func trimmed(_ value: Double, digits: Int) -> String {
        var text = grouped(value, digits: digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "−0" ? "0" : text
    }

    /// Whether `magnitude` shown with `digits` decimals (half away from zero) stays below
    /// `limit`: `roundsBelow(99.995, 100, digits: 2)` is false ("100.00").
    static func roundsBelow(_ magnitude: Double, _ limit: Double, digits: Int) -> Bool {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (magnitude * scale).rounded(.toNearestOrAwayFromZero) < limit * scale
    }

    static func isZero(_ value: Double, digits: Int) -> Bool {
        decimalDigits(abs(value), digits: digits).allSatisfy { $0 == "0" }
    }

    /// `value` with `digits` decimals, half away from zero, "," every three digits, "−" for
    /// negatives (and "0" rather than "−0").
    static func grouped(_ value: Double, digits: Int) -> String {
        precondition(digits >= 0 && digits <= 12, "ReportFormatter: 0 to 12 decimals")
        // A finite value can still overflow on the way here (1e308 as a percentage: × 100).
        if !value.isFinite { return value.isNaN ? "—" : value > 0 ? "∞" : "−∞" }
        let raw = decimalDigits(abs(value), digits: digits)  // digits only, no point
        let integerCount = raw.count - digits
        let integerPart = Array(raw.prefix(integerCount))
        var grouped = ""
        for (i, c) in integerPart.enumerated() {
            if i > 0 && (integerCount - i) % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        var text = grouped
        if digits > 0 { text += "." + String(raw.suffix(digits)) }
        let negative = value < 0 && !raw.allSatisfy { $0 == "0" }
        return (negative ? "−" : "") + text
    }

    /// The decimal digits of round(|value| × 10^digits), at least `digits + 1` of them.
    /// Exact for values below 2⁵³ / 10^digits; larger values are printed from their
    /// shortest representation's integer part.
    static func decimalDigits(_ magnitude: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (magnitude * scale).rounded(.toNearestOrAwayFromZero)
        var text: String
        if scaled < 9.0e15 {
            text = String(UInt64(scaled))
        } else {
            // Beyond exact integers: write the integer part of the value and pad the decimals.
            text = String(describing: magnitude.rounded()).split(separator: ".").first.map(String.init) ?? "0"
            if text.contains("e") { text = expandExponent(magnitude.rounded()) }
            text += String(repeating: "0", count: digits)
        }
        while text.count < digits + 1 { text = "0" + text }
        return text
    }

    /// A whole number above 2⁵³ written out in digits (from its exponent form).
    static func expandExponent(_ value: Double) -> String {
        let parts = String(describing: value).split(separator: "e")
        guard parts.count == 2, let exponent = Int(parts[1]) else { return String(describing: value) }
        let mantissa = parts[0].replacingOccurrencesOfPoint()
        let decimals = parts[0].split(separator: ".").dropFirst().first?.count ?? 0
        return mantissa + String(repeating: "0", count: max(0, exponent - decimals))
    }

    /// Up to `digits` significant digits, without exponent for 1e-4…1e15.
    static func significant(_ value: Double, digits: Int) -> String {
        let magnitude = abs(value)
        guard magnitude > 0 else { return "0" }
        var exponent = 0
        var m = magnitude
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        let decimals = max(0, min(12, digits - 1 - exponent))
        return trimmed(value, digits: decimals)
    }
}

private extension Substring {
    func replacingOccurrencesOfPoint() -> String { String(filter { $0 != "." }) }
}
