// Turning one CSV field into the value stored in a contract column. The validation pass
// and the insert pass of the importer both call `convertField`, so what was checked is
// exactly what is stored.

/// What a CSV column of an import holds, as far as checking its values goes.
enum FieldRule: Equatable {
    /// A customer id: a canonical whole number becomes INTEGER, anything else TEXT.
    case identifier
    case date, month, timestamp
    case text
    /// A finite decimal number (contract REAL columns and `customer_months` metrics).
    case number
    case integer
    case oneOf([String])

    init(_ kind: ColumnKind) {
        switch kind {
        case .identifier: self = .identifier
        case .date: self = .date
        case .month: self = .month
        case .timestamp: self = .timestamp
        case .text: self = .text
        case .real: self = .number
        case .integer: self = .integer
        case .oneOf(let values): self = .oneOf(values)
        }
    }

    /// What the column expects, for messages.
    var expectation: String {
        switch self {
        case .identifier: return ColumnKind.identifier.expectation
        case .date: return ColumnKind.date.expectation
        case .month: return ColumnKind.month.expectation
        case .timestamp: return ColumnKind.timestamp.expectation
        case .text: return ColumnKind.text.expectation
        case .number: return "a number (a finite decimal such as 1234.56 or -0.5)"
        case .integer: return ColumnKind.integer.expectation
        case .oneOf(let values): return ColumnKind.oneOf(values).expectation
        }
    }
}

/// One converted field.
enum ConvertedField: Equatable {
    /// The field was empty: NULL.
    case null
    case integer(Int64)
    case real(Double)
    /// Store the field's bytes as TEXT.
    case text
    /// The field does not fit the rule.
    case invalid
}

/// Converts the bytes of one field according to `rule`.
///
/// - Complexity: O(length of the field).
@inline(__always)
func convertField(_ bytes: UnsafeBufferPointer<UInt8>, _ rule: FieldRule) -> ConvertedField {
    if bytes.isEmpty { return .null }
    switch rule {
    case .identifier:
        if let value = parseCanonicalInteger(bytes) { return .integer(value) }
        return .text
    case .date:
        return CivilDate.parse(bytes) == nil ? .invalid : .text
    case .month:
        return YearMonth.parse(bytes) == nil ? .invalid : .text
    case .timestamp:
        return Timestamp.parse(bytes) == nil ? .invalid : .text
    case .text:
        return .text
    case .number:
        if let value = parseDecimal(bytes) { return .real(value) }
        return .invalid
    case .integer:
        if let value = parseInteger(bytes) { return .integer(value) }
        return .invalid
    case .oneOf(let values):
        for value in values where value.utf8.elementsEqual(bytes) { return .text }
        return .invalid
    }
}

/// A whole number written the canonical way: `-?(0|[1-9][0-9]*)` within Int64. Ids such
/// as `007` or `+5` are not canonical: they stay text so that nothing is lost.
func parseCanonicalInteger(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
    var i = 0
    let negative = b.first == UInt8(ascii: "-")
    if negative { i = 1 }
    guard i < b.count, b.count - i <= 19 else { return nil }
    if b[i] == UInt8(ascii: "0") && b.count - i > 1 { return nil }
    if negative && b.count == 2 && b[1] == UInt8(ascii: "0") { return nil }  // "-0"
    return accumulate(b, from: i, negative: negative)
}

/// A whole number `[+-]?[0-9]+` within Int64 (leading zeros allowed).
func parseInteger(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
    var i = 0
    var negative = false
    if let first = b.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        i = 1
    }
    guard i < b.count else { return nil }
    return accumulate(b, from: i, negative: negative)
}

private func accumulate(_ b: UnsafeBufferPointer<UInt8>, from start: Int, negative: Bool) -> Int64? {
    // Accumulate negatively so that Int64.min fits.
    var value: Int64 = 0
    for i in start..<b.count {
        let d = b[i] &- 48
        guard d < 10 else { return nil }
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (next, o2) = times10.subtractingReportingOverflow(Int64(d))
        if o1 || o2 { return nil }
        value = next
    }
    if negative { return value }
    return value == .min ? nil : -value
}

/// A finite decimal number: `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`.
/// No NaN, no infinity, no hexadecimal, no spaces, no thousands separators; a value that
/// overflows a Double (`1e999`) is rejected.
func parseDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    var i = 0
    let n = b.count
    @inline(__always) func isDigit(_ k: Int) -> Bool { k < n && b[k] &- 48 < 10 }
    if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
    var mantissaDigits = 0
    while isDigit(i) { i += 1; mantissaDigits += 1 }
    if i < n && b[i] == UInt8(ascii: ".") {
        i += 1
        while isDigit(i) { i += 1; mantissaDigits += 1 }
    }
    guard mantissaDigits > 0 else { return nil }
    if i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
        i += 1
        if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
        guard isDigit(i) else { return nil }
        while isDigit(i) { i += 1 }
    }
    guard i == n else { return nil }
    // Fast path: a short plain integer is exact in a Double.
    if n <= 15, let whole = parseInteger(b) { return Double(whole) }
    guard let value = Double(String(decoding: b, as: UTF8.self)), value.isFinite else { return nil }
    return value
}
