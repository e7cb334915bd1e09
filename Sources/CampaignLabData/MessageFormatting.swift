/// Formatting shared by the messages the data layer writes for people (check, import).

/// A count with thousands separators for messages: 1234567 → "1,234,567".
public func formatCount(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, character) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// A number as the user would type it, for messages: 120 → "120", 0.5 → "0.5".
public func formatPlain(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
