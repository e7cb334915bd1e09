import CampaignLabTestSupport
import Foundation
import Testing

/// The JSON golden check compares documents node by node: it must fail on every real
/// difference and pass on a last-bit difference of a number (another BLAS kernel's sum).
struct JSONGoldenComparisonTests {
    let golden = """
        {"format": "campaignlab-report", "blocks": [{"kind": "table", "rows": [["aum", 6105.133141379611, null, true]]}],
         "title": "\\u6d4b\\u8bd5 \\"q\\""}
        """

    func replacing(_ old: String, _ new: String) -> String { golden.replacingOccurrences(of: old, with: new) }

    @Test func aLastBitDifferenceMatches() {
        // The two values of issue 11: the same review under OpenBLAS's SkylakeX and Haswell kernels.
        #expect(jsonGoldenMismatch(expected: golden, actual: replacing("6105.133141379611", "6105.133141379555"), named: "x.json") == nil)
        // Layout (spaces, line breaks) is not content.
        #expect(
            jsonGoldenMismatch(
                expected: golden, actual: replacing(", ", ",").replacingOccurrences(of: "\n", with: ""),
                named: "x.json") == nil)
    }

    @Test func aNumberBeyondToleranceFailsNamingPathAndValues() throws {
        let message = try #require(
            jsonGoldenMismatch(expected: golden, actual: replacing("6105.133141379611", "6105.13316"), named: "x.json"))
        #expect(message.contains("$.blocks[0].rows[0][1]: golden 6105.133141379611, actual 6105.13316"))
        // Zero only equals zero; a sign flip is a difference.
        #expect(jsonGoldenMismatch(expected: golden, actual: replacing("6105.133141379611", "0"), named: "x.json") != nil)
        #expect(jsonGoldenMismatch(expected: golden, actual: replacing("6105.133141379611", "-6105.133141379611"), named: "x.json") != nil)
    }

    @Test func changedStringsKeysAndKindsFail() throws {
        let string = try #require(jsonGoldenMismatch(expected: golden, actual: replacing("\"aum\"", "\"AUM\""), named: "x.json"))
        #expect(string.contains("$.blocks[0].rows[0][0]: golden \"aum\", actual \"AUM\""))
        let missing = try #require(jsonGoldenMismatch(expected: golden, actual: replacing("\"kind\": \"table\", ", ""), named: "x.json"))
        #expect(missing.contains("$.blocks[0]: missing key(s) kind"))
        let renamed = try #require(jsonGoldenMismatch(expected: golden, actual: replacing("\"kind\"", "\"type\""), named: "x.json"))
        #expect(renamed.contains("missing key(s) kind; extra key(s) type"))
        let kind = try #require(jsonGoldenMismatch(expected: golden, actual: replacing("null", "0"), named: "x.json"))
        #expect(kind.contains("$.blocks[0].rows[0][2]: golden null, actual 0 (null vs a number)"))
        let escaped = try #require(jsonGoldenMismatch(expected: golden, actual: replacing("\\u6d4b", "\\u6d4c"), named: "x.json"))
        #expect(escaped.contains("$.title: golden \"测试 \"q\"\""))
        let shorter = try #require(jsonGoldenMismatch(expected: golden, actual: replacing(", null, true]", ", null]"), named: "x.json"))
        #expect(shorter.contains("$.blocks[0].rows[0]: golden has 4 items, actual 3"))
    }

    @Test func keysInAnotherOrderFail() throws {
        let reordered = """
            {"blocks": [{"kind": "table", "rows": [["aum", 6105.133141379611, null, true]]}], "format": "campaignlab-report",
             "title": "\\u6d4b\\u8bd5 \\"q\\""}
            """
        let message = try #require(jsonGoldenMismatch(expected: golden, actual: reordered, named: "x.json"))
        #expect(message.contains("$: keys in another order"))
    }

    @Test func brokenJSONIsNamed() throws {
        let message = try #require(jsonGoldenMismatch(expected: golden, actual: "{\"format\": ", named: "x.json"))
        #expect(message.contains("the output is not JSON"))
    }

    /// On a real golden file: every non-zero number moved by one unit in the last place
    /// still matches; one number moved by 1e-6 relative is found and named.
    @Test func aRealReportGoldenFile() throws {
        let path = repositoryRoot + "/Tests/CampaignLabNotebookTests/Golden/post-campaign-review.en.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var document = try JSONNode.parse(text)
        var numbers = 0
        func nudge(_ node: inout JSONNode, by factor: Double?) {
            switch node {
            case .number(let value, _) where value != 0:
                numbers += 1
                let moved = factor.map { value * $0 } ?? value.nextUp
                node = .number(moved, "\(moved)")
            case .array(var items):
                for i in items.indices { nudge(&items[i], by: factor) }
                node = .array(items)
            case .object(var members):
                for i in members.indices { nudge(&members[i].value, by: factor) }
                node = .object(members)
            default: break
            }
        }
        nudge(&document, by: nil)
        #expect(numbers > 500)
        #expect(jsonDifferences(expected: try JSONNode.parse(text), actual: document).isEmpty)
        // The first interval estimate of the report (entropy balancing on AUM, ¥5,504, when this was written),
        // moved by 1e-6 relative.
        let key = try #require(text.range(of: "\"estimate\": "))
        let digits = text[key.upperBound...].prefix { "0123456789.-e+".contains($0) }
        let value = try #require(Double(String(digits)))
        let replacement = "\(value * (1 + 1e-6))"
        let moved = text.replacingCharacters(in: key.upperBound..<digits.endIndex, with: replacement)
        #expect(moved != text)
        let message = try #require(jsonGoldenMismatch(expected: text, actual: moved, named: "review.json"))
        #expect(message.contains("golden \(digits), actual \(replacement)"))
        #expect(message.contains("$.blocks[") && message.contains(".estimate: golden"))
    }
}
