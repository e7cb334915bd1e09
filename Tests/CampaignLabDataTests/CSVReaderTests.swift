import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// Block sizes that put block boundaries inside quotes, inside CRLF pairs and inside
/// multi-byte UTF-8 characters, plus the default.
private let blockSizes = [4, 5, 7, 13, 1 << 20]

/// Every record of `reader` with the line it starts on.
private func readAll(_ reader: CSVReader) throws -> [(line: Int, fields: [String])] {
    var records: [(line: Int, fields: [String])] = []
    while let record = try reader.nextRecord() { records.append((reader.line, record)) }
    return records
}

/// Reads `bytes` as a CSV file with `blockSize`.
private func read(_ bytes: [UInt8], blockSize: Int) throws -> (header: [String], records: [(line: Int, fields: [String])]) {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try writeFile(dir.file("t.csv"), bytes: bytes)
    let reader = try CSVReader(path: dir.file("t.csv"), blockSize: blockSize)
    return (reader.header, try readAll(reader))
}

private func read(_ text: String, blockSize: Int) throws -> (header: [String], records: [(line: Int, fields: [String])]) {
    try read(Array(text.utf8), blockSize: blockSize)
}

/// The CSVError thrown while opening and reading `bytes` to the end.
private func firstError(_ bytes: [UInt8], blockSize: Int = 1 << 20) throws -> CSVError? {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try writeFile(dir.file("t.csv"), bytes: bytes)
    do {
        let reader = try CSVReader(path: dir.file("t.csv"), blockSize: blockSize)
        while try reader.advance() {}
        return nil
    } catch let error as CSVError {
        #expect(error.path == dir.file("t.csv"))
        return error
    }
}

struct CSVReaderTests {
    @Test(arguments: blockSizes)
    func byteOrderMarkIsSkipped(blockSize: Int) throws {
        let plain = try read("id,name\n1,a\n", blockSize: blockSize)
        let withBOM = try read([0xEF, 0xBB, 0xBF] + Array("id,name\n1,a\n".utf8), blockSize: blockSize)
        #expect(plain.header == ["id", "name"])
        #expect(withBOM.header == ["id", "name"])
        #expect(withBOM.records.map(\.fields) == [["1", "a"]])
        #expect(plain.records.map(\.fields) == withBOM.records.map(\.fields))
    }

    @Test(arguments: blockSizes)
    func quotedFieldsHoldCommasQuotesAndNewlines(blockSize: Int) throws {
        let text = "id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"line one\nline two\"\n4,\"\"\n5,plain\n"
        let result = try read(text, blockSize: blockSize)
        #expect(
            result.records.map(\.fields) == [
                ["1", "a, b"], ["2", "say \"hi\""], ["3", "line one\nline two"], ["4", ""], ["5", "plain"],
            ])
        // Computed by hand: record 3 spans lines 4-5, so record 4 starts on line 6.
        #expect(result.records.map(\.line) == [2, 3, 4, 6, 7])
    }

    @Test(arguments: blockSizes)
    func crlfLineEndsAndNoFinalNewline(blockSize: Int) throws {
        let result = try read("a,b\r\n1,2\r\n\"x\r\ny\",4", blockSize: blockSize)
        #expect(result.header == ["a", "b"])
        #expect(result.records.map(\.fields) == [["1", "2"], ["x\r\ny", "4"]])
        #expect(result.records.map(\.line) == [2, 3])
    }

    @Test(arguments: blockSizes)
    func emptyFieldsAndBlankLines(blockSize: Int) throws {
        let result = try read("a,b,c\n1,,\n\n,,\n\r\n", blockSize: blockSize)
        #expect(result.records.map(\.fields) == [["1", "", ""], ["", "", ""]])
        #expect(result.records.map(\.line) == [2, 4])
    }

    @Test(arguments: blockSizes)
    func blankLinesBeforeTheHeaderCountInLineNumbers(blockSize: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("t.csv"), "\n\r\nid,name\n1,a\n")
        let reader = try CSVReader(path: dir.file("t.csv"), blockSize: blockSize)
        #expect(reader.header == ["id", "name"])
        #expect(reader.headerLine == 3)
        #expect(try reader.nextRecord() == ["1", "a"])
        #expect(reader.line == 4)
    }

    @Test(arguments: blockSizes)
    func chineseTextRoundTrips(blockSize: Int) throws {
        let text = "客户编号,姓名,分行\nC001,张三,\"北京, 朝阳\"\nC002,李四,上海浦东\n"
        let result = try read(text, blockSize: blockSize)
        #expect(result.header == ["客户编号", "姓名", "分行"])
        #expect(result.records.map(\.fields) == [["C001", "张三", "北京, 朝阳"], ["C002", "李四", "上海浦东"]])
    }

    @Test func recordLongerThanTheBlockGrowsTheBuffer() throws {
        let long = String(repeating: "长", count: 5000) + "," + String(repeating: "x", count: 5000)
        let result = try read("id,text\n1,\"\(long)\"\n2,b\n", blockSize: 16)
        #expect(result.records.map(\.fields) == [["1", long], ["2", "b"]])
    }

    @Test func wrongFieldCountNamesTheLineAndReadingGoesOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("t.csv"), "a,b\n1,2\n3\n4,5,6\n7,8\n")
        let reader = try CSVReader(path: dir.file("t.csv"))
        #expect(try reader.nextRecord() == ["1", "2"])
        #expect(throws: CSVError(path: dir.file("t.csv"), line: 3, kind: .fieldCount(expected: 2, found: 1))) {
            try reader.advance()
        }
        do {
            _ = try reader.advance()
            Issue.record("line 4 has three fields and was accepted")
        } catch let error as CSVError {
            #expect(error.line == 4)
            #expect(error.isRecoverable)
            #expect(error.description.contains("t.csv line 4: the row has 3 values but the header has 2"))
        }
        #expect(try reader.nextRecord() == ["7", "8"])
        #expect(reader.line == 5)
        #expect(try reader.nextRecord() == nil)
    }

    @Test(arguments: blockSizes)
    func unterminatedQuoteIsAnErrorAtTheRecordsLine(blockSize: Int) throws {
        let error = try firstError(Array("a,b\n1,2\n3,\"open\n4,5\n".utf8), blockSize: blockSize)
        #expect(error?.kind == .unterminatedQuote)
        #expect(error?.line == 3)
        #expect(error?.isRecoverable == false)
    }

    @Test func readerIsFinishedAfterAnUnterminatedQuote() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("t.csv"), "a,b\n3,\"open\n")
        let reader = try CSVReader(path: dir.file("t.csv"))
        #expect(throws: CSVError.self) { try reader.advance() }
        #expect(try reader.advance() == false)
    }

    @Test(arguments: blockSizes)
    func textAfterClosingQuoteIsAnError(blockSize: Int) throws {
        let error = try firstError(Array("a,b\n1,2\n3,\"x\"y\n".utf8), blockSize: blockSize)
        #expect(error?.kind == .textAfterClosingQuote)
        #expect(error?.line == 3)
    }

    /// Ill-formed sequences from the Unicode standard, table 3-7 and section 3.9.
    @Test(arguments: [
        [0xFF] as [UInt8],  // never valid
        [0xC0, 0xAF],  // overlong '/'
        [0xE0, 0x80, 0xAF],  // overlong
        [0xED, 0xA0, 0x80],  // surrogate U+D800
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xE4, 0xB8],  // truncated 中
        [0x80],  // lone continuation byte
    ])
    func invalidUTF8IsAnErrorNamingTheLine(sequence: [UInt8]) throws {
        let bytes = Array("a,b\n1,ok\n2,x".utf8) + sequence + Array("y\n3,ok\n".utf8)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("t.csv"), bytes: bytes)
        let reader = try CSVReader(path: dir.file("t.csv"), blockSize: 5)
        #expect(try reader.nextRecord() == ["1", "ok"])
        #expect(throws: CSVError(path: dir.file("t.csv"), line: 3, kind: .invalidUTF8)) { try reader.advance() }
        #expect(try reader.nextRecord() == ["3", "ok"])
    }

    @Test func validUTF8IsAccepted() {
        // 1-, 2-, 3- and 4-byte characters, including the highest code point U+10FFFF.
        for text in ["plain ascii text, longer than eight bytes", "é", "中文字符", "😀", "\u{10FFFF}", "a\u{7F}b"] {
            var copy = text
            let valid = copy.withUTF8 { isValidUTF8($0.baseAddress!, count: $0.count) }
            #expect(valid, "\(text) was rejected")
        }
    }

    @Test(arguments: [[] as [UInt8], [0xEF, 0xBB, 0xBF], Array("\n\r\n\n".utf8)])
    func emptyFileIsAnError(bytes: [UInt8]) throws {
        let error = try firstError(bytes)
        #expect(error?.kind == .empty)
        #expect(error?.description.contains("the file is empty") == true)
    }

    @Test func headerNamesMustBeDistinctAndNonEmpty() throws {
        let duplicate = try firstError(Array("id,name,id\n1,a,1\n".utf8))
        #expect(duplicate?.kind == .duplicateHeaderName("id"))
        #expect(duplicate?.line == 1)
        let empty = try firstError(Array("id,,name\n1,2,3\n".utf8))
        #expect(empty?.kind == .emptyHeaderName(position: 2))
        #expect(empty?.description.contains("line 1: column 2 of the header row has no name") == true)
    }

    @Test func missingFileAndDirectoryAreErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: CSVError(path: dir.file("nope.csv"), line: nil, kind: .cannotRead("no such file"))) {
            try CSVReader(path: dir.file("nope.csv"))
        }
        #expect(throws: CSVError.self) { try CSVReader(path: dir.path) }
    }

    @Test func manyRowsStreamWithTheLineCountRight() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var text = "customer_id,month,aum\n"
        for i in 0..<50_000 { text += "\(i),2024-0\(i % 9 + 1),\(Double(i) * 1.5)\n" }
        try writeFile(dir.file("t.csv"), text)
        let reader = try CSVReader(path: dir.file("t.csv"), blockSize: 4096)
        var count = 0
        var sum = 0
        while try reader.advance() {
            count += 1
            sum += Int(reader.string(at: 0))!
            #expect(reader.line == count + 1)
        }
        #expect(count == 50_000)
        #expect(sum == 49_999 * 50_000 / 2)  // computed by hand: 0 + 1 + … + 49,999
        #expect(reader.recordsRead == 50_000)
    }
}
