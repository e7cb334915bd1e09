import Foundation

/// The few Spark Connect messages CampaignLab sends and reads, written by the project from the
/// public protocol (apache/spark `sql/connect/common/src/main/protobuf/spark/connect/base.proto`
/// and `relations.proto`, Spark 4.1.1; docs/design/scale-out.md) in protobuf's wire format:
/// one request — run this SQL text — and, in each streamed response, the Arrow batches.
/// Nothing else of the protocol is needed: every query (aggregates, CREATE TABLE) goes as SQL
/// text, and reading a table as a plan (which would pull raw rows) is never sent.
///
/// ```swift
/// let request = SparkConnectMessages.executeSQL("SELECT 1", session: UUID().uuidString.lowercased(), user: "campaignlab")
/// for batch in try SparkConnectMessages.arrowBatches(in: response) { try ArrowStream.decode(batch) }
/// ```
public enum SparkConnectMessages {
    public struct DecodeError: Error, Equatable, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { "Spark Connect response: \(message)" }
    }

    /// `ExecutePlanRequest { session_id = 1; user_context = 2 { user_id = 1 }; plan = 3 { root = 1
    /// { sql = 10 { query = 1 } } }; client_type = 4 }`. The session id must be a UUID (the
    /// server refuses others).
    public static func executeSQL(_ query: String, session: String, user: String, clientType: String? = nil) -> [UInt8] {
        let sql = lengthDelimited(1, Array(query.utf8))
        let relation = lengthDelimited(10, sql)
        let plan = lengthDelimited(1, relation)
        var request = lengthDelimited(1, Array(session.utf8))
        request += lengthDelimited(2, lengthDelimited(1, Array(user.utf8)))
        request += lengthDelimited(3, plan)
        if let clientType { request += lengthDelimited(4, Array(clientType.utf8)) }
        return request
    }

    /// The Arrow IPC streams of one `ExecutePlanResponse` (`arrow_batch = 2 { row_count = 1;
    /// data = 2 }`); a response carrying a schema, metrics or progress has none.
    public static func arrowBatches(in response: [UInt8]) throws -> [[UInt8]] {
        var batches: [[UInt8]] = []
        for (field, value) in try fields(response[...]) where field == 2 {
            guard case .bytes(let batch) = value else { throw DecodeError(message: "arrow_batch is not a message") }
            for (inner, data) in try fields(batch) where inner == 2 {
                guard case .bytes(let bytes) = data else { throw DecodeError(message: "arrow_batch.data is not bytes") }
                batches.append(Array(bytes))
            }
        }
        return batches
    }

    // MARK: - Wire format

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            let low = UInt8(v & 0x7F)
            v >>= 7
            out.append(v == 0 ? low : low | 0x80)
        } while v != 0
        return out
    }

    static func lengthDelimited(_ field: Int, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(field << 3 | 2)) + varint(UInt64(payload.count)) + payload
    }

    enum Value {
        case number(UInt64)
        case bytes(ArraySlice<UInt8>)
    }

    /// The top-level fields of a message, in order; unknown wire types are errors.
    static func fields(_ bytes: ArraySlice<UInt8>) throws -> [(field: Int, value: Value)] {
        var position = bytes.startIndex
        func readVarint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard position < bytes.endIndex, shift < 64 else { throw DecodeError(message: "a varint runs past the message") }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        func skip(_ n: UInt64) throws -> ArraySlice<UInt8> {
            guard n <= UInt64(bytes.endIndex - position) else { throw DecodeError(message: "a field runs past the message") }
            defer { position += Int(n) }
            return bytes[position..<(position + Int(n))]
        }
        var out: [(field: Int, value: Value)] = []
        while position < bytes.endIndex {
            let key = try readVarint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: out.append((field, .number(try readVarint())))
            case 1: out.append((field, .bytes(try skip(8))))
            case 2: out.append((field, .bytes(try skip(try readVarint()))))
            case 5: out.append((field, .bytes(try skip(4))))
            default: throw DecodeError(message: "wire type \(key & 7) of field \(field) is not read")
            }
        }
        return out
    }
}
