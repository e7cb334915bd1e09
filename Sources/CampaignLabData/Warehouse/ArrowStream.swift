import Foundation

/// A reader of Arrow IPC streams — how a Spark Connect server returns a query's rows
/// (`ExecutePlanResponse.arrow_batch.data`; docs/design/scale-out.md) — for the small result
/// tables of aggregate queries: integer, floating-point, text, boolean and all-null columns.
/// Every offset and length is checked against the bytes; anything else is an error naming the
/// column and its type (the query should cast to BIGINT, DOUBLE or STRING).
///
/// ```swift
/// let table = try ArrowStream.decode(bytes)
/// table.names            // ["g", "n", …]
/// table.columns[1]       // .integers([33334, 33333, 33333])
/// ```
public enum ArrowStream {
    /// One column's values, nil where null.
    public enum Column: Sendable, Equatable {
        case integers([Int64?])
        case doubles([Double?])
        case strings([String?])
        case booleans([Bool?])
        /// A column of the Null type: every value null.
        case nulls(Int)

        public var count: Int {
            switch self {
            case .integers(let v): return v.count
            case .doubles(let v): return v.count
            case .strings(let v): return v.count
            case .booleans(let v): return v.count
            case .nulls(let n): return n
            }
        }
    }

    public struct Table: Sendable, Equatable {
        public var names: [String]
        public var columns: [Column]
        public var rowCount: Int { columns.first?.count ?? 0 }
    }

    public struct DecodeError: Error, Equatable, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { "Arrow stream: \(message)" }
    }

    /// The field types the reader knows.
    enum FieldType: Equatable {
        case int(bits: Int, signed: Bool)
        case float(precision: Int)
        /// A 128-bit decimal: an integer × 10^−scale (read as the nearest double).
        case decimal(scale: Int)
        case utf8, bool, null
        case other(String)
    }

    /// Decodes a whole stream (schema, record batches, end marker); batches are concatenated. A
    /// stream cut short — even between messages — is an error, never a shorter table.
    public static func decode(_ bytes: [UInt8]) throws -> Table {
        var reader = Reader(bytes: bytes)
        var fields: [(name: String, type: FieldType)]?
        var columns: [Column] = []
        while let (type, header, body) = try reader.nextMessage() {
            switch type {
            case 1:  // Schema
                fields = try header.tables(1).map { try field($0) }
                columns = fields!.map { empty($0.type) }
            case 3:  // RecordBatch
                guard let fields else { throw DecodeError(message: "a record batch before the schema") }
                try appendBatch(header, body: body, fields: fields, to: &columns)
            default:
                throw DecodeError(message: "message type \(type) is not read (dictionaries are not used by aggregate results)")
            }
        }
        guard let fields else { throw DecodeError(message: "no schema") }
        return Table(names: fields.map(\.name), columns: columns)
    }

    static func field(_ f: FlatTable) throws -> (name: String, type: FieldType) {
        let name = try f.string(0) ?? ""
        let typeID = try f.scalar(2, as: UInt8.self, default: 0)
        let t = try f.table(3)
        let type: FieldType
        switch typeID {
        case 1: type = .null
        case 2:
            type = .int(
                bits: Int(try t?.scalar(0, as: Int32.self, default: 0) ?? 0), signed: try t?.scalar(1, as: UInt8.self, default: 0) != 0)
        case 3: type = .float(precision: Int(try t?.scalar(0, as: Int16.self, default: 0) ?? 0))
        case 5: type = .utf8
        case 6: type = .bool
        case 7:
            // Decimal: precision (0), scale (1), bitWidth (2, 128 unless said).
            let bits = try t?.scalar(2, as: Int32.self, default: 128) ?? 128
            type = bits == 128 ? .decimal(scale: Int(try t?.scalar(1, as: Int32.self, default: 0) ?? 0)) : .other("a \(bits)-bit decimal")
        case 8: type = .other("date")
        case 10: type = .other("timestamp")
        default: type = .other("type \(typeID)")
        }
        if case .other(let what) = type {
            throw DecodeError(message: "column '\(name)' is \(what): cast it to BIGINT, DOUBLE or STRING in the query")
        }
        if case .int(let bits, _) = type, ![8, 16, 32, 64].contains(bits) {
            throw DecodeError(message: "column '\(name)' is a \(bits)-bit integer")
        }
        if case .float(let precision) = type, precision != 1 && precision != 2 {
            throw DecodeError(message: "column '\(name)' is a half-precision float")
        }
        return (name, type)
    }

    static func empty(_ type: FieldType) -> Column {
        switch type {
        case .int: return .integers([])
        case .float, .decimal: return .doubles([])
        case .utf8: return .strings([])
        case .bool: return .booleans([])
        case .null, .other: return .nulls(0)
        }
    }

    static func appendBatch(
        _ batch: FlatTable, body: ArraySlice<UInt8>, fields: [(name: String, type: FieldType)], to columns: inout [Column]
    ) throws {
        guard try batch.table(3) == nil else { throw DecodeError(message: "compressed record batches are not read") }
        let rows = Int(try batch.scalar(0, as: Int64.self, default: 0))
        let nodes = try batch.structs(1, width: 16).map { (length: Int(load(Int64.self, $0, 0)), nulls: Int(load(Int64.self, $0, 8))) }
        let buffers = try batch.structs(2, width: 16).map { (offset: Int(load(Int64.self, $0, 0)), length: Int(load(Int64.self, $0, 8))) }
        guard nodes.count == fields.count else { throw DecodeError(message: "\(nodes.count) field nodes for \(fields.count) columns") }
        let base = body.startIndex
        func buffer(_ i: Int) throws -> ArraySlice<UInt8> {
            guard i < buffers.count, buffers[i].offset >= 0, buffers[i].length >= 0,
                buffers[i].offset + buffers[i].length <= body.count
            else { throw DecodeError(message: "buffer \(i) lies outside the message body") }
            return body[(base + buffers[i].offset)..<(base + buffers[i].offset + buffers[i].length)]
        }
        var b = 0
        for (c, field) in fields.enumerated() {
            let (length, nulls) = nodes[c]
            guard length == rows else { throw DecodeError(message: "column '\(field.name)' has \(length) values for \(rows) rows") }
            if case .null = field.type {
                if case .nulls(let n) = columns[c] { columns[c] = .nulls(n + length) }
                continue
            }
            let validity = try buffer(b)
            let values = try buffer(b + 1)
            b += 2
            func isValid(_ i: Int) throws -> Bool {
                guard nulls > 0, !validity.isEmpty else { return true }
                guard i / 8 < validity.count else { throw DecodeError(message: "column '\(field.name)': validity bitmap too short") }
                return validity[validity.startIndex + i / 8] >> (i % 8) & 1 == 1
            }
            /// `count` values of `width` bytes fit in the values buffer (no overflow on a corrupt count).
            func need(_ count: Int, width: Int) throws {
                let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
                guard count >= 0, !overflow, values.count >= bytes else {
                    throw DecodeError(message: "column '\(field.name)': values buffer too short for \(count) values")
                }
            }
            switch (field.type, columns[c]) {
            case (.int(let bits, let signed), .integers(var list)):
                let width = bits / 8
                try need(length, width: width)
                for i in 0..<length {
                    guard try isValid(i) else { list.append(nil); continue }
                    let at = values.startIndex + i * width
                    var raw: UInt64 = 0
                    for k in 0..<width { raw |= UInt64(values[at + k]) << (8 * UInt64(k)) }
                    if signed && width < 8 && raw & (1 << (UInt64(bits) - 1)) != 0 { raw |= ~0 << UInt64(bits) }  // sign-extend
                    guard signed || raw <= UInt64(Int64.max) else {
                        throw DecodeError(message: "column '\(field.name)': a value above Int64.max")
                    }
                    list.append(Int64(bitPattern: raw))
                }
                columns[c] = .integers(list)
            case (.float(let precision), .doubles(var list)):
                let width = precision == 2 ? 8 : 4
                try need(length, width: width)
                for i in 0..<length {
                    guard try isValid(i) else { list.append(nil); continue }
                    let at = values.startIndex + i * width
                    list.append(
                        width == 8
                            ? Double(bitPattern: load(UInt64.self, values, at - values.startIndex))
                            : Double(Float(bitPattern: load(UInt32.self, values, at - values.startIndex))))
                }
                columns[c] = .doubles(list)
            case (.decimal(let scale), .doubles(var list)):
                try need(length, width: 16)
                for i in 0..<length {
                    guard try isValid(i) else { list.append(nil); continue }
                    let low = load(UInt64.self, values, 16 * i), high = load(Int64.self, values, 16 * i + 8)
                    let integer = Int128(high) << 64 | Int128(low)
                    // Through the decimal text: the double nearest the exact value.
                    list.append(Double("\(integer)e\(-scale)") ?? .nan)
                }
                columns[c] = .doubles(list)
            case (.bool, .booleans(var list)):
                try need(length / 8 + (length % 8 == 0 ? 0 : 1), width: 1)
                for i in 0..<length {
                    guard try isValid(i) else { list.append(nil); continue }
                    list.append(values[values.startIndex + i / 8] >> (i % 8) & 1 == 1)
                }
                columns[c] = .booleans(list)
            case (.utf8, .strings(var list)):
                let data = try buffer(b)
                b += 1
                try need(length, width: 4)
                // length + 1 offsets; an empty column may have none at all (Spark writes it so).
                guard values.count - 4 * length >= 4 || (length == 0 && values.isEmpty) else {
                    throw DecodeError(message: "column '\(field.name)': offsets buffer too short")
                }
                for i in 0..<length {
                    guard try isValid(i) else { list.append(nil); continue }
                    let from = Int(load(Int32.self, values, 4 * i)), to = Int(load(Int32.self, values, 4 * i + 4))
                    guard from >= 0, from <= to, to <= data.count else {
                        throw DecodeError(message: "column '\(field.name)': a text offset outside its data")
                    }
                    list.append(String(decoding: data[(data.startIndex + from)..<(data.startIndex + to)], as: UTF8.self))
                }
                columns[c] = .strings(list)
            default:
                throw DecodeError(message: "column '\(field.name)' changed type between batches")
            }
        }
    }

    /// A little-endian value at `offset` within `bytes` (bounds checked by the caller).
    static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>, _ offset: Int) -> T {
        var value: T = 0
        for k in 0..<MemoryLayout<T>.size { value |= T(truncatingIfNeeded: bytes[bytes.startIndex + offset + k]) << (8 * k) }
        return value
    }

    /// The stream's messages: 0xFFFFFFFF, the metadata length, a flatbuffer `Message`, its body.
    struct Reader {
        var bytes: [UInt8]
        var position = 0

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, position + n <= bytes.count else { throw DecodeError(message: "the stream ends inside a message") }
            defer { position += n }
            return bytes[position..<(position + n)]
        }

        mutating func nextMessage() throws -> (type: UInt8, header: FlatTable, body: ArraySlice<UInt8>)? {
            // A stream ends with its end marker (length 0): bytes ending before it are a cut stream.
            guard position + 4 <= bytes.count else { throw DecodeError(message: "the stream ends without its end marker") }
            var length = Int(Int32(bitPattern: ArrowStream.load(UInt32.self, try take(4), 0)))
            if length == -1 {  // the continuation marker; a legacy stream has the length alone
                length = Int(Int32(bitPattern: ArrowStream.load(UInt32.self, try take(4), 0)))
            }
            guard length > 0 else { return nil }  // the end-of-stream marker
            let metadata = Array(try take(length))
            let message = try FlatTable.root(metadata)
            let type = try message.scalar(1, as: UInt8.self, default: 0)
            let bodyLength = Int(try message.scalar(3, as: Int64.self, default: 0))
            guard let header = try message.table(2) else { throw DecodeError(message: "a message without a header") }
            return (type, header, try take(bodyLength))
        }
    }

    /// A flatbuffer table: a vtable of field offsets, scalars inline, references by uint32 offsets.
    struct FlatTable {
        let bytes: [UInt8]
        let position: Int
        let vtable: Int
        let vtableLength: Int

        static func root(_ bytes: [UInt8]) throws -> FlatTable {
            guard bytes.count >= 4 else { throw DecodeError(message: "metadata too short") }
            return try FlatTable(bytes, Int(load(UInt32.self, bytes[...], 0)))
        }

        init(_ bytes: [UInt8], _ position: Int) throws {
            guard position >= 0, position + 4 <= bytes.count else { throw DecodeError(message: "a table outside its metadata") }
            let vtable = position - Int(Int32(bitPattern: load(UInt32.self, bytes[...], position)))
            guard vtable >= 0, vtable + 4 <= bytes.count else { throw DecodeError(message: "a vtable outside its metadata") }
            self.bytes = bytes
            self.position = position
            self.vtable = vtable
            vtableLength = Int(load(UInt16.self, bytes[...], vtable))
        }

        /// The position of field `i`, nil when absent.
        func field(_ i: Int) throws -> Int? {
            let slot = 4 + 2 * i
            guard slot + 2 <= vtableLength, vtable + slot + 2 <= bytes.count else { return nil }
            let offset = Int(load(UInt16.self, bytes[...], vtable + slot))
            guard offset != 0 else { return nil }
            guard position + offset < bytes.count else { throw DecodeError(message: "a field outside its metadata") }
            return position + offset
        }

        func scalar<T: FixedWidthInteger>(_ i: Int, as: T.Type, default value: T) throws -> T {
            guard let at = try field(i) else { return value }
            guard at + MemoryLayout<T>.size <= bytes.count else { throw DecodeError(message: "a scalar outside its metadata") }
            return load(T.self, bytes[...], at)
        }

        /// The target of the reference in field `i`.
        func reference(_ i: Int) throws -> Int? {
            guard let at = try field(i) else { return nil }
            guard at + 4 <= bytes.count else { throw DecodeError(message: "a reference outside its metadata") }
            let target = at + Int(load(UInt32.self, bytes[...], at))
            guard target + 4 <= bytes.count else { throw DecodeError(message: "a reference outside its metadata") }
            return target
        }

        func table(_ i: Int) throws -> FlatTable? { try reference(i).map { try FlatTable(bytes, $0) } }

        func string(_ i: Int) throws -> String? {
            guard let at = try reference(i) else { return nil }
            let count = Int(load(UInt32.self, bytes[...], at))
            guard at + 4 + count <= bytes.count else { throw DecodeError(message: "a string outside its metadata") }
            return String(decoding: bytes[(at + 4)..<(at + 4 + count)], as: UTF8.self)
        }

        func tables(_ i: Int) throws -> [FlatTable] {
            guard let at = try reference(i) else { return [] }
            let count = Int(load(UInt32.self, bytes[...], at))
            guard at + 4 + 4 * count <= bytes.count else { throw DecodeError(message: "a vector outside its metadata") }
            return try (0..<count).map { k in
                let slot = at + 4 + 4 * k
                return try FlatTable(bytes, slot + Int(load(UInt32.self, bytes[...], slot)))
            }
        }

        /// A vector of inline structs of `width` bytes each.
        func structs(_ i: Int, width: Int) throws -> [ArraySlice<UInt8>] {
            guard let at = try reference(i) else { return [] }
            let count = Int(load(UInt32.self, bytes[...], at))
            guard at + 4 + width * count <= bytes.count else { throw DecodeError(message: "a vector outside its metadata") }
            return (0..<count).map { k in bytes[(at + 4 + width * k)..<(at + 4 + width * (k + 1))] }
        }
    }
}
