import Foundation

/// Huffman codes decoded bit by bit. Small and slow per symbol, but screenshots are mostly
/// long back-references, so the byte copies dominate.
enum Inflate {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The decompressed bytes of a zlib stream.
    static func zlib(_ input: [UInt8], expectedSize: Int = 0) throws -> [UInt8] {
        guard input.count >= 6 else { throw Failure(description: "zlib stream too short") }
        let cmf = Int(input[0]), flg = Int(input[1])
        guard cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0, flg & 0x20 == 0 else { throw Failure(description: "bad zlib header") }
        var state = Bits(input: input, position: 2)
        var output = Output(capacity: max(expectedSize, 4 * input.count, 1024))
        try inflate(&state, into: &output)
        let at = state.position
        guard at + 4 <= input.count else { throw Failure(description: "zlib checksum missing") }
        let stored = UInt32(input[at]) << 24 | UInt32(input[at + 1]) << 16 | UInt32(input[at + 2]) << 8 | UInt32(input[at + 3])
        let bytes = Array(output.bytes[..<output.count])
        guard stored == adler32(bytes) else { throw Failure(description: "zlib checksum mismatch") }
        return bytes
    }

    /// The inflated bytes so far: a buffer that grows by doubling and a count. (Appending a
    /// slice of an array to itself would copy the whole array on every back-reference.)
    struct Output {
        var bytes: [UInt8]
        var count = 0

        init(capacity: Int) { bytes = [UInt8](repeating: 0, count: capacity) }

        mutating func reserve(_ extra: Int) {
            if count + extra > bytes.count { bytes += repeatElement(0, count: max(bytes.count, extra)) }
        }

        mutating func append(_ byte: UInt8) {
            reserve(1)
            bytes[count] = byte
            count += 1
        }

        mutating func append<C: Collection>(contentsOf source: C) where C.Element == UInt8 {
            reserve(source.count)
            var index = count
            for byte in source { bytes[index] = byte; index += 1 }
            count = index
        }

        /// Copies `length` bytes from `distance` back (overlapping copies repeat the pattern).
        mutating func copy(distance: Int, length: Int) {
            reserve(length)
            let end = count + length
            bytes.withUnsafeMutableBufferPointer { buffer in
                var to = count
                while to < end { buffer[to] = buffer[to - distance]; to += 1 }
            }
            count = end
        }
    }

    /// RFC 1950 §8.2.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let end = min(index + 5552, bytes.count)
            for k in index..<end { a += UInt32(bytes[k]); b += a }
            a %= 65521; b %= 65521
            index = end
        }
        return b << 16 | a
    }

    /// Reads bits least-significant first (RFC 1951 §3.1.1).
    struct Bits {
        let input: [UInt8]
        var position: Int
        var buffer = 0
        var count = 0

        init(input: [UInt8], position: Int) { self.input = input; self.position = position }

        mutating func take(_ n: Int) throws -> Int {
            while count < n {
                guard position < input.count else { throw Failure(description: "deflate stream is truncated") }
                buffer |= Int(input[position]) << count
                position += 1
                count += 8
            }
            let value = buffer & ((1 << n) - 1)
            buffer >>= n
            count -= n
            return value
        }

        mutating func alignToByte() { buffer = 0; count = 0 }
    }

    /// A canonical Huffman code: how many codes have each length, and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: ArraySlice<Int>) throws {
            symbols = [Int](repeating: 0, count: lengths.count)
            for length in lengths { counts[length] += 1 }
            var left = 1
            for length in 1...15 {
                left = (left << 1) - counts[length]
                if left < 0 { throw Failure(description: "over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }

        func decode(_ bits: inout Bits) throws -> Int {
            var code = 0, first = 0, index = 0
            for length in 1...15 {
                code |= try bits.take(1)
                let count = counts[length]
                if code - first < count { return symbols[index + code - first] }
                index += count
                first = (first + count) << 1
                code <<= 1
            }
            throw Failure(description: "invalid Huffman code")
        }
    }

    static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static let fixed: (literals: Huffman, distances: Huffman) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // The fixed codes are complete by construction (RFC 1951 §3.2.6).
        return (try! Huffman(lengths: lengths[...]), try! Huffman(lengths: [Int](repeating: 5, count: 30)[...]))
    }()

    static func inflate(_ bits: inout Bits, into output: inout Output) throws {
        var last = false
        while !last {
            last = try bits.take(1) == 1
            switch try bits.take(2) {
            case 0:
                bits.alignToByte()
                guard bits.position + 4 <= bits.input.count else { throw Failure(description: "truncated stored block") }
                let p = bits.position
                let length = Int(bits.input[p]) | Int(bits.input[p + 1]) << 8
                let complement = Int(bits.input[p + 2]) | Int(bits.input[p + 3]) << 8
                guard length == ~complement & 0xFFFF else { throw Failure(description: "stored block length check failed") }
                guard p + 4 + length <= bits.input.count else { throw Failure(description: "truncated stored block") }
                output.append(contentsOf: bits.input[(p + 4)..<(p + 4 + length)])
                bits.position = p + 4 + length
            case 1:
                try codes(&bits, fixed.literals, fixed.distances, into: &output)
            case 2:
                let literalCount = try bits.take(5) + 257, distanceCount = try bits.take(5) + 1, codeCount = try bits.take(4) + 4
                guard literalCount <= 286, distanceCount <= 30 else { throw Failure(description: "bad dynamic block counts") }
                var codeLengths = [Int](repeating: 0, count: 19)
                for i in 0..<codeCount { codeLengths[codeLengthOrder[i]] = try bits.take(3) }
                let lengthCode = try Huffman(lengths: codeLengths[...])
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try lengthCode.decode(&bits)
                    switch symbol {
                    case 0...15: lengths.append(symbol)
                    case 16:
                        guard let previous = lengths.last else { throw Failure(description: "repeat with no previous length") }
                        lengths += repeatElement(previous, count: 3 + (try bits.take(2)))
                    case 17: lengths += repeatElement(0, count: 3 + (try bits.take(3)))
                    default: lengths += repeatElement(0, count: 11 + (try bits.take(7)))
                    }
                }
                guard lengths.count == literalCount + distanceCount else { throw Failure(description: "too many code lengths") }
                guard lengths[256] != 0 else { throw Failure(description: "no end-of-block code") }
                let literals = try Huffman(lengths: lengths[0..<literalCount])
                let distances = try Huffman(lengths: lengths[literalCount...])
                try codes(&bits, literals, distances, into: &output)
            default:
                throw Failure(description: "invalid deflate block type")
            }
        }
    }

    static func codes(_ bits: inout Bits, _ literals: Huffman, _ distances: Huffman, into output: inout Output) throws {
        while true {
            let symbol = try literals.decode(&bits)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < 29 else { throw Failure(description: "invalid length code") }
                let length = lengthBase[index] + (try bits.take(lengthExtra[index]))
                let code = try distances.decode(&bits)
                guard code < 30 else { throw Failure(description: "invalid distance code") }
                let distance = distanceBase[code] + (try bits.take(distanceExtra[code]))
                guard distance <= output.count else { throw Failure(description: "distance too far back") }
                output.copy(distance: distance, length: length)
            }
        }
    }
}
