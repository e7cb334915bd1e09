/// The language of generated report text.
public enum ReportLanguage: String, Sendable, Equatable, CaseIterable, Codable {
    /// English.
    case en
    /// Simplified Chinese.
    case zh
}

/// How a number is shown to the reader. Renderers format with `ReportFormatter`; JSON keeps
/// the raw value and records the style's name.
public enum NumberStyle: Sendable, Equatable, Hashable {
    /// Integers as counts, other values with up to 4 significant decimals.
    case automatic
    /// A count of things: 1,234,567 (en) / 123.46万 (zh, from 10⁴; 亿 from 10⁸).
    case count
    /// A fixed number of decimals: 0.29 with `digits` 2.
    case decimal(digits: Int)
    /// An amount in CNY: ¥1,234,568 (en) / 123.46万元 (zh).
    case currency
    /// A fraction shown as a percentage: 0.1234 → 12.3% with `digits` 1.
    case percent(digits: Int)
    /// A difference of fractions in percentage points: 0.012 → +1.2 pp / +1.2个百分点.
    case percentagePoints(digits: Int)
    /// A p-value: "< 0.001" below 0.001, else 3 decimals.
    case pValue
    /// A multiple: 4.4×.
    case multiple
    /// A number with an explicit sign: +0.29 / −0.29 with `digits` decimals.
    case signed(digits: Int)

    /// A stable name used in JSON output.
    public var name: String {
        switch self {
        case .automatic: return "automatic"
        case .count: return "count"
        case .decimal(let d): return "decimal\(d)"
        case .currency: return "currency_cny"
        case .percent(let d): return "percent\(d)"
        case .percentagePoints(let d): return "percentage_points\(d)"
        case .pValue: return "p_value"
        case .multiple: return "multiple"
        case .signed(let d): return "signed\(d)"
        }
    }
}
