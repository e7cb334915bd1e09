#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming reader of comma-separated values (RFC 4180) with a header row.
///
/// The reader reads the file in blocks (1 MiB by default) and hands out one record at a
/// time, so a file of several gigabytes is read in bounded memory: the buffer only grows
/// when a single record is larger than it.
///
/// Accepted input (RFC 4180, section 2, plus the habits of spreadsheet exports):
/// - the first record is the header; its names must be non-empty and distinct;
/// - fields are separated by commas and may be quoted with `"`; inside quotes `""` is one
///   quote, and commas, CR and LF are data;
/// - records end with LF, CRLF or a lone CR; the last one may have no line end;
/// - a UTF-8 byte order mark at the start is skipped; the whole file must be UTF-8;
/// - lines with no characters at all are skipped (a file often ends with one).
///
/// A quote inside an unquoted field (`5" screen`) is kept as data, as most readers do.
///
/// ```swift
/// let reader = try CSVReader(path: "customers.csv")
/// print(reader.header)                        // ["customer_id", "opened_on", "segment"]
/// while try reader.advance() {
///     let id = reader.string(at: 0)           // or reader.withField(0) { bytes in … }
///     print(reader.line, id)
/// }
/// ```
///
/// Errors are ``CSVError``s naming the file and the physical line where the record
/// starts. After a recoverable error (wrong number of fields, invalid UTF-8) the record
/// is skipped and ``advance()`` can be called again; after any other error the reader is
/// finished and ``advance()`` returns false.
///
/// - Complexity: O(n) in the size of the file; memory O(block size + longest record).
public final class CSVReader {
    /// The path the reader was opened with (used in messages).
    public let path: String
    /// The names of the header row, in order.
    public private(set) var header: [String] = []
    /// The physical line (1-based) of the header row (after any blank lines).
    public private(set) var headerLine: Int = 1
    /// The physical line (1-based) on which the current record starts.
    public private(set) var line: Int = 0
    /// The size of the file in bytes when it was opened (for progress).
    public let fileSize: Int
    /// Records returned so far (not counting the header).
    public private(set) var recordsRead: Int = 0

    private var descriptor: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0  // first unconsumed byte
    private var end = 0  // one past the last byte read
    private var atEndOfFile = false
    private var finished = false
    private var nextLine = 1  // line of the first unconsumed byte
    private var bytesRead = 0

    // The current record: unescaped field bytes back to back, and where each field ends.
    private var fields: UnsafeMutablePointer<UInt8>
    private var fieldEnds: [Int] = []

    /// Opens `path` and reads its header row.
    ///
    /// - Parameters:
    ///   - path: the CSV file.
    ///   - blockSize: bytes read per system call (the initial buffer size).
    /// - Throws: ``CSVError`` when the file cannot be read, is empty or has a bad header.
    public init(path: String, blockSize: Int = 1 << 20) throws {
        precondition(blockSize >= 4, "CSVReader: blockSize must be at least 4 bytes")
        self.path = path
        capacity = blockSize
        buffer = .allocate(capacity: blockSize)
        fields = .allocate(capacity: blockSize)
        fieldEnds.reserveCapacity(64)
        var info = stat()
        if stat(path, &info) != 0 {
            descriptor = -1
            fileSize = 0
            throw CSVError(path: path, line: nil, kind: .cannotRead("no such file"))
        }
        fileSize = Int(info.st_size)
        if (info.st_mode & S_IFMT) == S_IFDIR {
            descriptor = -1
            throw CSVError(path: path, line: nil, kind: .cannotRead("is a directory, not a CSV file"))
        }
        descriptor = open(path, O_RDONLY)
        if descriptor < 0 {
            throw CSVError(path: path, line: nil, kind: .cannotRead(String(cString: strerror(errno))))
        }
        try readHeader()
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        buffer.deallocate()
        fields.deallocate()
    }

    /// The number of fields of the current record (equal to the header's after a
    /// successful ``advance()``).
    public var fieldCount: Int { fieldEnds.count }

    /// Moves to the next record.
    ///
    /// - Returns: false at the end of the file.
    /// - Throws: ``CSVError`` for a malformed record (see the type's documentation for
    ///   which errors leave the reader usable).
    public func advance() throws -> Bool {
        guard try readRecord() else { return false }
        if fieldEnds.count != header.count {
            throw CSVError(path: path, line: line, kind: .fieldCount(expected: header.count, found: fieldEnds.count))
        }
        recordsRead += 1
        return true
    }

    /// Calls `body` with the UTF-8 bytes of field `index` of the current record (quotes
    /// removed, `""` turned into `"`). The buffer is valid only during the call.
    @inline(__always)
    public func withField<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        precondition(index >= 0 && index < fieldEnds.count, "CSVReader: field \(index) out of range")
        let from = index == 0 ? 0 : fieldEnds[index - 1]
        return try body(UnsafeBufferPointer(start: fields + from, count: fieldEnds[index] - from))
    }

    /// Field `index` of the current record as a String.
    public func string(at index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The next record as strings, or nil at the end of the file. Convenient for small
    /// files and tests; ``advance()`` with ``withField(_:_:)`` avoids the allocations.
    public func nextRecord() throws -> [String]? {
        guard try advance() else { return nil }
        return (0..<fieldCount).map { string(at: $0) }
    }

    /// Bytes of the file consumed so far (for progress).
    public var bytesConsumed: Int { bytesRead - (end - start) }

    /// The share of the file consumed so far, 0…1 (for progress).
    public var fractionConsumed: Double { fileSize > 0 ? min(1, Double(bytesConsumed) / Double(fileSize)) : 1 }

    // MARK: Header

    private func readHeader() throws {
        try fill()
        if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
            start += 3
        }
        guard try readRecord() else {
            throw CSVError(path: path, line: nil, kind: .empty)
        }
        headerLine = line
        var names: [String] = []
        var seen: [String: Int] = [:]
        for i in 0..<fieldEnds.count {
            let name = string(at: i)
            if name.isEmpty {
                finished = true
                throw CSVError(path: path, line: line, kind: .emptyHeaderName(position: i + 1))
            }
            if seen[name] != nil {
                finished = true
                throw CSVError(path: path, line: line, kind: .duplicateHeaderName(name))
            }
            seen[name] = i
            names.append(name)
        }
        header = names
    }

    // MARK: Reading

    /// Reads more bytes after `end`, keeping everything from `start`; grows the buffer
    /// when it is full (a record longer than the buffer).
    private func fill() throws {
        if start > 0 {
            let kept = end - start
            if kept > 0 { (buffer).update(from: buffer + start, count: kept) }
            end = kept
            start = 0
        }
        if end == capacity {
            let newCapacity = capacity * 2
            let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBuffer.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = newBuffer
            fields.deallocate()
            fields = .allocate(capacity: newCapacity)
            capacity = newCapacity
        }
        while true {
            let n = read(descriptor, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                finished = true
                throw CSVError(path: path, line: nextLine, kind: .cannotRead(String(cString: strerror(errno))))
            }
            if n == 0 { atEndOfFile = true }
            end += n
            bytesRead += n
            return
        }
    }

    private enum ParseResult {
        case record(end: Int, lines: Int)
        case needMore
        case unterminatedQuote
        case textAfterQuote(lines: Int)
    }

    /// Reads one raw record into `fields`/`fieldEnds`; false at the end of the file.
    private func readRecord() throws -> Bool {
        guard !finished else { return false }
        while true {
            // Skip empty lines.
            while true {
                if start == end {
                    if atEndOfFile { finished = true; return false }
                    try fill()
                    continue
                }
                let byte = buffer[start]
                if byte == 0x0A {
                    start += 1; nextLine += 1
                } else if byte == 0x0D {
                    if start + 1 == end && !atEndOfFile { try fill(); continue }
                    start += (start + 1 < end && buffer[start + 1] == 0x0A) ? 2 : 1
                    nextLine += 1
                } else {
                    break
                }
            }
            switch parse(from: start) {
            case .needMore:
                try fill()
            case .unterminatedQuote:
                finished = true
                throw CSVError(path: path, line: nextLine, kind: .unterminatedQuote)
            case .textAfterQuote(let lines):
                finished = true
                throw CSVError(path: path, line: nextLine + lines, kind: .textAfterClosingQuote)
            case .record(let recordEnd, let lines):
                line = nextLine
                let rawStart = start
                start = recordEnd
                nextLine += lines
                if !isValidUTF8(buffer + rawStart, count: recordEnd - rawStart) {
                    throw CSVError(path: path, line: line, kind: .invalidUTF8)
                }
                return true
            }
        }
    }

    /// Parses one record starting at `position` (not at a line end).
    private func parse(from position: Int) -> ParseResult {
        fieldEnds.removeAll(keepingCapacity: true)
        let buffer = self.buffer, end = self.end, fields = self.fields
        var p = position
        var out = 0
        var lines = 0
        while true {
            // One field.
            if p < end && buffer[p] == 0x22 {
                p += 1
                while true {
                    // Copy up to the next quote.
                    let chunkStart = p
                    while p < end && buffer[p] != 0x22 {
                        let b = buffer[p]
                        if b == 0x0A || (b == 0x0D && (p + 1 >= end || buffer[p + 1] != 0x0A)) { lines += 1 }
                        p += 1
                    }
                    if p == end {
                        return atEndOfFile ? .unterminatedQuote : .needMore
                    }
                    (fields + out).update(from: buffer + chunkStart, count: p - chunkStart)
                    out += p - chunkStart
                    // buffer[p] is a quote: escaped quote or the closing one?
                    if p + 1 == end && !atEndOfFile { return .needMore }
                    if p + 1 < end && buffer[p + 1] == 0x22 {
                        fields[out] = 0x22
                        out += 1
                        p += 2
                        continue
                    }
                    p += 1
                    break
                }
                if p < end {
                    let b = buffer[p]
                    if b != 0x2C && b != 0x0A && b != 0x0D { return .textAfterQuote(lines: lines) }
                }
            } else {
                let chunkStart = p
                while p < end {
                    let b = buffer[p]
                    if b == 0x2C || b == 0x0A || b == 0x0D { break }
                    p += 1
                }
                if p == end && !atEndOfFile { return .needMore }
                (fields + out).update(from: buffer + chunkStart, count: p - chunkStart)
                out += p - chunkStart
            }
            fieldEnds.append(out)
            // After a field: comma, line end or end of file.
            if p == end {
                return atEndOfFile ? .record(end: p, lines: lines + 1) : .needMore
            }
            let b = buffer[p]
            if b == 0x2C {
                p += 1
                if p == end && !atEndOfFile { return .needMore }
                continue
            }
            if b == 0x0A { return .record(end: p + 1, lines: lines + 1) }
            // CR: take a following LF with it.
            if p + 1 == end && !atEndOfFile { return .needMore }
            if p + 1 < end && buffer[p + 1] == 0x0A { return .record(end: p + 2, lines: lines + 1) }
            return .record(end: p + 1, lines: lines + 1)
        }
    }
}

/// Whether `count` bytes at `bytes` are well-formed UTF-8 (Unicode 15, table 3-7: no
/// overlong forms, no surrogates, nothing above U+10FFFF).
func isValidUTF8(_ bytes: UnsafePointer<UInt8>, count: Int) -> Bool {
    var i = 0
    while i < count {
        // ASCII fast path, eight bytes at a time.
        while i + 8 <= count {
            let word = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        guard i < count else { return true }
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        @inline(__always) func continuation(_ k: Int) -> Bool { i + k < count && bytes[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            guard continuation(1) else { return false }
            i += 2
        case 0xE0...0xEF:
            guard continuation(1), continuation(2) else { return false }
            let b1 = bytes[i + 1]
            if b0 == 0xE0 && b1 < 0xA0 { return false }  // overlong
            if b0 == 0xED && b1 > 0x9F { return false }  // surrogate
            i += 3
        case 0xF0...0xF4:
            guard continuation(1), continuation(2), continuation(3) else { return false }
            let b1 = bytes[i + 1]
            if b0 == 0xF0 && b1 < 0x90 { return false }  // overlong
            if b0 == 0xF4 && b1 > 0x8F { return false }  // above U+10FFFF
            i += 4
        default:
            return false
        }
    }
    return true
}

/// A problem reading a CSV file, naming the file and the line.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// The file cannot be opened or read (the reason).
        case cannotRead(String)
        /// The file has no header row.
        case empty
        /// A header name is empty (1-based position).
        case emptyHeaderName(position: Int)
        /// A header name appears twice.
        case duplicateHeaderName(String)
        /// A quoted field is not closed before the end of the file.
        case unterminatedQuote
        /// Something other than a comma or a line end follows a closing quote.
        case textAfterClosingQuote
        /// A record has a different number of fields than the header.
        case fieldCount(expected: Int, found: Int)
        /// A record is not valid UTF-8.
        case invalidUTF8
    }

    /// The CSV file.
    public var path: String
    /// The physical line (1-based) where the problem is, when there is one.
    public var line: Int?
    public var kind: Kind

    public init(path: String, line: Int?, kind: Kind) {
        self.path = path
        self.line = line
        self.kind = kind
    }

    /// Whether the reader can go on with the next record after this error.
    public var isRecoverable: Bool {
        switch kind {
        case .fieldCount, .invalidUTF8: return true
        default: return false
        }
    }

    /// The message without the file and line.
    public var message: String {
        switch kind {
        case .cannotRead(let reason):
            return "cannot read the file: \(reason)"
        case .empty:
            return "the file is empty; it needs a header row with the column names"
        case .emptyHeaderName(let position):
            return "column \(position) of the header row has no name"
        case .duplicateHeaderName(let name):
            return "the header row names column '\(name)' twice"
        case .unterminatedQuote:
            return "a quoted value (starting with \") is never closed; the file ends inside it"
        case .textAfterClosingQuote:
            return "text follows a closing quote; inside a quoted value write a quote as \"\""
        case .fieldCount(let expected, let found):
            return "the row has \(found) value\(found == 1 ? "" : "s") but the header has \(expected)"
                + (found > expected ? " (a value that contains a comma must be in double quotes)" : "")
        case .invalidUTF8:
            return "the row is not valid UTF-8 text (save the file as UTF-8)"
        }
    }

    public var description: String {
        if let line { return "\(path) line \(line): \(message)" }
        return "\(path): \(message)"
    }
}
