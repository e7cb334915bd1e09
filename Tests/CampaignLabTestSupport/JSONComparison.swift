import Foundation

/// A JSON document as written, with object keys in their order (Foundation's parser forgets
/// the order, and the order of a report's keys is part of its contract).
public indirect enum JSONNode: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number and its text as written.
    case number(Double, String)
    case string(String)
    case array([JSONNode])
    case object([Member])

    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONNode
    }

    /// Parses a complete JSON text (RFC 8259).
    /// - Throws: `JSONParseError` with the byte offset of the first thing that is not JSON.
    public static func parse(_ text: String) throws -> JSONNode {
        var parser = JSONParser(bytes: Array(text.utf8))
        let node = try parser.value()
        parser.skipSpace()
        guard parser.offset == parser.bytes.count else { throw parser.error("text after the document") }
        return node
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    var shortText: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .number(_, let text): text
        case .string(let value): "\"" + value.prefix(120) + (value.count > 120 ? "…" : "") + "\""
        case .array(let items): "[\(items.count) items]"
        case .object(let members): "{\(members.map(\.key).prefix(6).joined(separator: ", "))\(members.count > 6 ? ", …" : "")}"
        }
    }
}

public struct JSONParseError: Error, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "not JSON at byte \(offset): \(message)" }
}

/// The relative tolerance of cross-machine JSON comparisons: OpenBLAS picks its kernels by
/// processor and another kernel adds the same products in another order, which moves the
/// last bits of sums (seen: 2.5e-12 relative at most on the post-campaign review under the
/// Sandybridge, Haswell and SkylakeX kernels — in a p-value of 1e-96, where the tail
/// amplifies the error). 1e-9 is the project's agreement bar with the reference
/// implementations: a difference beyond it is a change of result, not of summation order.
public let crossMachineRelativeTolerance = 1e-9

/// The differences between two JSON documents, node by node: each names the JSON path
/// (`$.blocks[5].rows[2][3]`) and both values. Keys must be the same and in the same order,
/// strings, booleans and nulls equal, and numbers equal within `relativeTolerance` of the
/// larger magnitude (zero only equals zero).
public func jsonDifferences(
    expected: JSONNode, actual: JSONNode, relativeTolerance: Double = crossMachineRelativeTolerance,
    limit: Int = 20
) -> [String] {
    var differences: [String] = []
    func compare(_ a: JSONNode, _ b: JSONNode, _ path: String) {
        guard differences.count < limit else { return }
        switch (a, b) {
        case (.number(let x, let xText), .number(let y, let yText)):
            if x == y { return }
            let difference = abs(x - y), scale = max(abs(x), abs(y))
            if !(difference <= relativeTolerance * scale) {
                differences.append(
                    "\(path): golden \(xText), actual \(yText) (relative difference \(difference / scale), tolerance \(relativeTolerance))")
            }
        case (.array(let xs), .array(let ys)):
            for i in 0..<min(xs.count, ys.count) { compare(xs[i], ys[i], "\(path)[\(i)]") }
            if xs.count != ys.count {
                differences.append("\(path): golden has \(xs.count) items, actual \(ys.count)")
            }
        case (.object(let xs), .object(let ys)):
            let xKeys = xs.map(\.key), yKeys = ys.map(\.key)
            guard xKeys == yKeys else {
                let missing = xKeys.filter { !yKeys.contains($0) }, extra = yKeys.filter { !xKeys.contains($0) }
                var parts: [String] = []
                if !missing.isEmpty { parts.append("missing key(s) \(missing.joined(separator: ", "))") }
                if !extra.isEmpty { parts.append("extra key(s) \(extra.joined(separator: ", "))") }
                if parts.isEmpty { parts.append("keys in another order: golden \(xKeys), actual \(yKeys)") }
                differences.append("\(path): \(parts.joined(separator: "; "))")
                return
            }
            for (x, y) in zip(xs, ys) { compare(x.value, y.value, path + "." + x.key) }
        default:
            if a != b {
                let what = a.kind == b.kind ? "" : " (\(a.kind) vs \(b.kind))"
                differences.append("\(path): golden \(a.shortText), actual \(b.shortText)\(what)")
            }
        }
    }
    compare(expected, actual, "$")
    return differences
}

private struct JSONParser {
    let bytes: [UInt8]
    var offset = 0

    func error(_ message: String) -> JSONParseError { JSONParseError(offset: offset, message: message) }

    mutating func skipSpace() {
        while offset < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[offset]) { offset += 1 }
    }

    mutating func value() throws -> JSONNode {
        skipSpace()
        guard offset < bytes.count else { throw error("unexpected end") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard offset + expected.count <= bytes.count, Array(bytes[offset..<offset + expected.count]) == expected else {
            throw error("expected \(word)")
        }
        offset += expected.count
    }

    mutating func number() throws -> JSONNode {
        let start = offset
        while offset < bytes.count, "+-0123456789.eE".utf8.contains(bytes[offset]) { offset += 1 }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard !text.isEmpty, let value = Double(text) else { offset = start; throw error("expected a value") }
        return .number(value, text)
    }

    mutating func string() throws -> String {
        offset += 1
        var result: [UInt8] = []
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard offset < bytes.count else { throw error("unterminated escape") }
                let escaped = bytes[offset]
                offset += 1
                switch escaped {
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "b"): result.append(0x08)
                case UInt8(ascii: "f"): result.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                        bytes[offset + 1] == UInt8(ascii: "u")
                    {
                        offset += 2
                        let low = try hex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    result += Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default: result.append(escaped)
                }
            default: result.append(byte)
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16) else {
            throw error("bad \\u escape")
        }
        offset += 4
        return value
    }

    mutating func array() throws -> JSONNode {
        offset += 1
        var items: [JSONNode] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") { offset += 1; return .array(items) }
        while true {
            items.append(try value())
            skipSpace()
            guard offset < bytes.count else { throw error("unterminated array") }
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "]") { return .array(items) }
            guard byte == UInt8(ascii: ",") else { offset -= 1; throw error("expected , or ]") }
        }
    }

    mutating func object() throws -> JSONNode {
        offset += 1
        var members: [JSONNode.Member] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") { offset += 1; return .object(members) }
        while true {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw error("expected a key") }
            let key = try string()
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw error("expected :") }
            offset += 1
            members.append(JSONNode.Member(key: key, value: try value()))
            skipSpace()
            guard offset < bytes.count else { throw error("unterminated object") }
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "}") { return .object(members) }
            guard byte == UInt8(ascii: ",") else { offset -= 1; throw error("expected , or }") }
        }
    }
}
