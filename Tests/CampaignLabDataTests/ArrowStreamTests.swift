import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// The Arrow IPC reader of the Spark backend (issue 16) on streams a Spark 4.1.1 Connect server
/// sent (Tests/References/spark/; their values as Tests/References/spark/arrow_min.py, checked
/// equal to pyarrow, reads them), and on every truncation and many corruptions of them: an
/// error, never a crash or a wrong table.
struct ArrowStreamTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/spark/" + name)))
    }

    @Test func readsSparksAggregateResult() throws {
        // arrow_min.py: g int32, n int64, s int64, m double, mx utf8, sn int64, nd double (all null).
        let table = try ArrowStream.decode(try Self.bytes("agg-0.arrows"))
        #expect(table.names == ["g", "n", "s", "m", "mx", "sn", "nd"])
        #expect(table.rowCount == 3)
        #expect(table.columns[0] == .integers([0, 1, 2]))
        #expect(table.columns[1] == .integers([33334, 33333, 33333]))
        #expect(table.columns[2] == .integers([1_666_683_333, 1_666_616_667, 1_666_650_000]))
        #expect(table.columns[3] == .doubles([49999.5, 49999.0, 50000.0]))
        #expect(table.columns[4] == .strings(["99999", "99997", "99998"]))
        #expect(table.columns[5] == .integers([1_428_628_572, 1_428_528_572, 1_428_528_571]))
        #expect(table.columns[6] == .doubles([nil, nil, nil]))
        let empty = try ArrowStream.decode(try Self.bytes("empty-0.arrows"))
        #expect(empty.names == ["x"] && empty.columns == [.integers([])])
        // No rows of text columns: Spark sends empty offsets buffers (an empty metric_definitions).
        let emptyText = try ArrowStream.decode(try Self.bytes("empty-text-0.arrows"))
        #expect(emptyText.names.first == "NULL" && emptyText.names.count == 11 && emptyText.rowCount == 0)
        #expect(emptyText.columns[1] == .strings([]) && emptyText.columns[9] == .integers([]))
    }

    /// A date column is named with what to do (the backend's SQL casts every aggregate; a
    /// decimal, before it, is read).
    @Test func namesATypeItDoesNotRead() throws {
        #expect {
            try ArrowStream.decode(try Self.bytes("types-0.arrows"))
        } throws: { "\($0)".contains("column 'dt' is date") && "\($0)".contains("cast it to BIGINT, DOUBLE or STRING") }
    }

    @Test func truncatedOrCorruptStreamsAreErrorsNotCrashes() throws {
        let whole = try Self.bytes("agg-0.arrows")
        let expected = try ArrowStream.decode(whole)
        #expect(expected.rowCount == 3)
        for length in 0..<whole.count {
            // Cut anywhere, between messages too: an error, never a shorter table.
            #expect(throws: ArrowStream.DecodeError.self, "cut at \(length)") { try ArrowStream.decode(Array(whole.prefix(length))) }
        }
        // Every byte flipped in turn: decoding ends (an error or some table), it never traps.
        for i in 0..<whole.count {
            var corrupt = whole
            corrupt[i] ^= 0xA5
            _ = try? ArrowStream.decode(corrupt)
        }
    }
}
