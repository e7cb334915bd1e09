import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// The Spark Connect request CampaignLab sends and the response walk (issue 16).
struct SparkConnectMessagesTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// pyspark 4.1.1's generated code encodes ExecutePlanRequest for "SELECT 1" (user "cl", no
    /// client type) as 0a24 <36-byte session> 12040a02636c 1a0e0a0c520a0a0853454c4543542031 —
    /// captured on this project's machine (docs/design/scale-out.md, section Spark).
    @Test func theRequestIsWhatPySparkSends() {
        let session = "00112233-4455-6677-8899-aabbccddeeff"
        let bytes = SparkConnectMessages.executeSQL("SELECT 1", session: session, user: "cl")
        #expect(Self.hex(bytes) == "0a24" + Self.hex(Array(session.utf8)) + "12040a02636c1a0e0a0c520a0a0853454c4543542031")
        // A longer query needs two-byte lengths (varints), and the client type is field 4.
        let long = String(repeating: "x", count: 300)
        let request = SparkConnectMessages.executeSQL(long, session: session, user: "cl", clientType: "campaignlab")
        let fields = try? SparkConnectMessages.fields(request[...])
        #expect(fields?.map(\.field) == [1, 2, 3, 4])
    }

    /// A response's Arrow batches are found among fields it skips (session id, metrics, a
    /// fixed64 and a fixed32); a real Spark Arrow stream inside decodes; a cut response is an error.
    @Test func findsTheArrowBatchesAndSkipsTheRest() throws {
        let arrow = Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Tests/References/spark/agg-0.arrows")))
        let batch =
            SparkConnectMessages.varint(1 << 3 | 0) + SparkConnectMessages.varint(3) + SparkConnectMessages.lengthDelimited(2, arrow)
        var response = SparkConnectMessages.lengthDelimited(1, Array("session".utf8))
        response += SparkConnectMessages.varint(9 << 3 | 1) + [UInt8](repeating: 7, count: 8)
        response += SparkConnectMessages.lengthDelimited(2, batch)
        response += SparkConnectMessages.varint(11 << 3 | 5) + [1, 2, 3, 4]
        response += SparkConnectMessages.lengthDelimited(4, [0x08, 0x01])
        let batches = try SparkConnectMessages.arrowBatches(in: response)
        #expect(batches == [arrow])
        #expect(try ArrowStream.decode(batches[0]).rowCount == 3)
        #expect(try SparkConnectMessages.arrowBatches(in: SparkConnectMessages.lengthDelimited(1, [0x41])).isEmpty)
        #expect(throws: SparkConnectMessages.DecodeError.self) { try SparkConnectMessages.arrowBatches(in: Array(response.dropLast(3))) }
    }
}
