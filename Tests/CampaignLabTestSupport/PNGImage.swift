import Foundation

// MARK: - PNG

/// A decoded PNG image (8-bit channels, not interlaced: what Chromium's screenshots are).
///
/// Decodes the zlib stream with its own inflate (RFC 1950/1951: stored, fixed and dynamic
/// Huffman blocks; Adler-32 checked) and undoes the five PNG row filters (PNG spec §9).
///
/// ```swift
/// let image = try PNGImage(png: page.screenshot)
/// print(image.width, image.height, image.mostCommonColourFraction)
/// ```
public struct PNGImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width × height × 4` bytes: red, green, blue, alpha, row by row.
    public var rgba: [UInt8]

    /// An image from its RGBA bytes (`width × height × 4` of them).
    public init(width: Int, height: Int, rgba: [UInt8]) {
        precondition(width >= 0 && height >= 0 && rgba.count == width * height * 4, "rgba must hold width × height × 4 bytes")
        self.width = width
        self.height = height
        self.rgba = rgba
    }

    /// Why PNG bytes could not be decoded.
    public struct DecodingError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Decodes PNG bytes.
    /// - Throws: ``DecodingError`` for anything but a valid 8-bit, non-interlaced greyscale,
    ///   RGB, palette, grey+alpha or RGBA PNG.
    /// - Complexity: O(pixels).
    public init(png bytes: [UInt8]) throws {
        func fail(_ why: String) -> DecodingError { DecodingError(description: why) }
        guard bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw fail("not a PNG file")
        }
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var position = 8
        var header: (width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8)?
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        var ended = false
        while position + 8 <= bytes.count, !ended {
            let length = u32(position)
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let start = position + 8
            guard length >= 0, start + length + 4 <= bytes.count else { throw fail("truncated \(type) chunk") }
            let data = bytes[start..<(start + length)]
            switch type {
            case "IHDR":
                guard length == 13 else { throw fail("bad IHDR") }
                header = (u32(start), u32(start + 4), bytes[start + 8], bytes[start + 9], bytes[start + 12])
            case "PLTE": palette = Array(data)
            case "IDAT": compressed.append(contentsOf: data)
            case "IEND": ended = true
            default: break
            }
            position = start + length + 4
        }
        guard let header else { throw fail("no IHDR chunk") }
        guard header.depth == 8 else { throw fail("unsupported bit depth \(header.depth)") }
        guard header.interlace == 0 else { throw fail("interlaced PNGs are not supported") }
        let channels: Int
        switch header.colour {
        case 0: channels = 1
        case 2: channels = 3
        case 3: channels = 1
        case 4: channels = 2
        case 6: channels = 4
        default: throw fail("unknown colour type \(header.colour)")
        }
        guard header.width > 0, header.height > 0, header.width <= 1 << 15, header.height <= 1 << 16 else {
            throw fail("unsupported size \(header.width)×\(header.height)")
        }
        let stride = header.width * channels
        let expected = header.height * (stride + 1)
        let raw = try Inflate.zlib(compressed, expectedSize: expected)
        guard raw.count == expected else { throw fail("image data has \(raw.count) bytes, expected \(expected)") }
        width = header.width
        height = header.height
        var pixels = [UInt8](repeating: 0, count: stride * header.height)
        try raw.withUnsafeBufferPointer { src in
            try pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<header.height {
                    let filter = src[y * (stride + 1)]
                    let input = y * (stride + 1) + 1, row = y * stride, above = row - stride
                    for x in 0..<stride {
                        let a = x >= channels ? Int(dst[row + x - channels]) : 0
                        let b = y > 0 ? Int(dst[above + x]) : 0
                        let c = x >= channels && y > 0 ? Int(dst[above + x - channels]) : 0
                        let predictor: Int
                        switch filter {
                        case 0: predictor = 0
                        case 1: predictor = a
                        case 2: predictor = b
                        case 3: predictor = (a + b) / 2
                        case 4:
                            let p = a + b - c
                            let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                            predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                        default: throw fail("unknown row filter \(filter) in row \(y)")
                        }
                        dst[row + x] = UInt8(truncatingIfNeeded: Int(src[input + x]) + predictor)
                    }
                }
            }
        }
        var rgba = [UInt8](repeating: 255, count: header.width * header.height * 4)
        let count = header.width * header.height
        switch header.colour {
        case 6: rgba = pixels
        case 2: for p in 0..<count { rgba[4 * p] = pixels[3 * p]; rgba[4 * p + 1] = pixels[3 * p + 1]; rgba[4 * p + 2] = pixels[3 * p + 2] }
        case 0: for p in 0..<count { rgba[4 * p] = pixels[p]; rgba[4 * p + 1] = pixels[p]; rgba[4 * p + 2] = pixels[p] }
        case 4:
            for p in 0..<count {
                rgba[4 * p] = pixels[2 * p]; rgba[4 * p + 1] = pixels[2 * p]; rgba[4 * p + 2] = pixels[2 * p];
                rgba[4 * p + 3] = pixels[2 * p + 1]
            }
        default:  // palette
            for p in 0..<count {
                let index = Int(pixels[p]) * 3
                guard index + 2 < palette.count else { throw fail("palette index \(pixels[p]) out of range") }
                rgba[4 * p] = palette[index]; rgba[4 * p + 1] = palette[index + 1]; rgba[4 * p + 2] = palette[index + 2]
            }
        }
        self.rgba = rgba
    }

    /// The share of pixels that have the most common colour (RGBA): 1.0 for a one-colour image.
    /// - Complexity: O(pixels); colours are counted per run of equal pixels.
    public var mostCommonColourFraction: Double {
        let count = width * height
        guard count > 0 else { return 1 }
        var runs: [UInt32: Int] = [:]
        rgba.withUnsafeBytes { raw in
            let pixels = raw.bindMemory(to: UInt32.self)
            var current = pixels[0], length = 0
            for p in 0..<count {
                let pixel = pixels[p]
                if pixel == current {
                    length += 1
                } else {
                    runs[current, default: 0] += length
                    current = pixel
                    length = 1
                }
            }
            runs[current, default: 0] += length
        }
        return Double(runs.values.max() ?? 0) / Double(count)
    }
}

/// zlib inflate (RFC 1950 wrapper, RFC 1951 deflate), after Mark Adler's `puff.c`: canonical
