import CampaignLabData
import CampaignLabTestSupport
import Foundation
import Testing

/// `campaignlab readout` from the command line (issue 14): the decision first, the JSON lists,
/// the summary file, and bad input as one line with its exit status and nothing written.
struct ReadoutCommandTests {
    static let demoSmall = repositoryRoot + "/datasets/demo-small.sqlite"

    @Test func printsTheDecisionFirst() throws {
        let result = try runCampaignLab(["readout", "--db", Self.demoSmall, "--campaign", "page_ab_2026", "--quiet"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        // Title, header, then the decision (Tests/References/readout.py: variant_a +6.8 pp, p = 0.050).
        #expect(lines.count > 5 && lines[2] == "> [!WARNING]" && lines[3].hasPrefix("> **Decision: "), "\(lines.prefix(5))")
        #expect(result.stdout.contains("on Purchase conversion (any purchase) (the primary metric): +6.8 pp"))
    }

    @Test func writesTheEstimatesAndTheDecisionAsJSON() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try runCampaignLab([
            "readout", "--db", Self.demoSmall, "--campaign", "page_ab_2026", "--quiet", "--out", dir.path, "--format", "json,html",
            "--as-of", "2026-06-14", "--guardrails", "aum:2%",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir.file("readout-page_ab_2026.en.json")))) as! [String: Any]
        let estimates = json["estimates"] as! [[String: Any]]
        let keys = [
            "metric", "arm", "method", "dimension", "level", "estimate", "low", "high", "p_value", "p_adjusted", "relative",
            "relative_low", "relative_high", "default", "chance_to_win", "expected_loss",
        ]
        #expect(estimates.allSatisfy { Set($0.keys) == Set(keys) })
        // An interim look: the always-valid row is the default, one per metric × variant — the
        // five events metrics; the monthly ones (June is not over by the 14th) are left out.
        #expect(
            estimates.filter { $0["default"] as? Bool == true && $0["dimension"] is NSNull }.allSatisfy {
                $0["method"] as? String == "sequential"
            })
        // The primary metric by segment (demo-small's levels affluent, mass, wealth; wealth too small to compare).
        let segments = estimates.filter { $0["dimension"] as? String == "segment" }
        #expect(Set(segments.compactMap { $0["level"] as? String }) == ["affluent", "mass"])
        #expect(estimates.filter { $0["method"] as? String == "sequential" }.count == 10)
        #expect(!estimates.contains { $0["metric"] as? String == "aum" })
        #expect(estimates.filter { $0["method"] as? String == "bayesian" }.allSatisfy { $0["chance_to_win"] is Double })
        let decision = (json["decision"] as! [[String: Any]])[0]
        #expect(decision["interim"] as? Bool == true && decision["read_through"] as? String == "2026-06-14")
        // The aum guardrail cannot be read yet: nothing ships.
        #expect(decision["decision"] as? String != "ship")
        #expect(FileManager.default.fileExists(atPath: dir.file("readout-page_ab_2026.en.html")))
    }

    /// `events.value` is optional in the contract: without it the counts and conversions read
    /// the same (the estimates JSON byte for byte, on this machine), and a metric that sums it is
    /// refused by name — before, the readout required the column for any events metric.
    @Test func eventsWithoutValueServeCountsAndRefuseSums() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bare = dir.file("bare.sqlite")
        try FileManager.default.copyItem(atPath: Self.demoSmall, toPath: bare)
        try SQLiteDatabase(path: bare, mode: .readWrite(create: false)).execute("ALTER TABLE events DROP COLUMN value")
        let common = [
            "readout", "--campaign", "page_ab_2026", "--metrics", "page_views,clicks,purchase_conversion", "--quiet", "--format", "json",
        ]
        let full = try runCampaignLab(common + ["--db", Self.demoSmall, "--out", dir.file("full")])
        let without = try runCampaignLab(common + ["--db", bare, "--out", dir.file("bare")])
        #expect(full.exitCode == 0 && without.exitCode == 0, "\(without.stderr)")
        func estimates(_ side: String) throws -> String {
            let json = try String(contentsOfFile: dir.file(side) + "/readout-page_ab_2026.en.json", encoding: .utf8)
            return String(json[try #require(json.range(of: "\"estimates\""))!.lowerBound...])
        }
        #expect(try estimates("bare") == estimates("full"))
        let sum = try runCampaignLab(["readout", "--db", bare, "--campaign", "page_ab_2026", "--metrics", "purchase_amount", "--quiet"])
        #expect(sum.exitCode == 8)
        #expect(
            sum.stderr.contains("table events, column value: the column is missing; metric 'purchase_amount' sums it"), "\(sum.stderr)")
    }

    /// The README's summary file path, from the CLI: the same decision as from the rows.
    @Test func readsASummaryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file("sums.csv")
        try """
        metric,kind,arm,users,main_sum,main_sum_squares
        conversion,proportion,control,10000,1210,1210
        conversion,proportion,B,10020,1302,1302
        """.write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try runCampaignLab(["readout", "--summary", csv, "--control", "control", "--quiet", "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let row = (json["estimates"] as! [[String: Any]]).first { $0["method"] as? String == "unadjusted" }!
        // scipy 1.17 stats.ttest_ind(b, a, equal_var=False) on 1302 ones of 10,020 against 1210
        // of 10,000: difference 0.008940119760479037, p 0.056216119196950666.
        #expect(abs((row["estimate"] as! Double) - 0.008940119760479037) < 1e-12)
        #expect(abs((row["p_value"] as! Double) - 0.056216119196950666) < 1e-9)
        #expect(json["source"] as? String == "sums.csv")
    }

    /// A summary file with a segment column: added up for the readout, compared per segment.
    @Test func aSummaryFileWithSegments() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file("sums.csv")
        try """
        metric,kind,arm,segment,users,main_sum,main_sum_squares
        conversion,proportion,control,north,5000,600,600
        conversion,proportion,B,north,5010,700,700
        conversion,proportion,control,south,5000,610,610
        conversion,proportion,B,south,5010,602,602
        """.write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try runCampaignLab(["readout", "--summary", csv, "--control", "control", "--quiet", "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let estimates = json["estimates"] as! [[String: Any]]
        let overall = estimates.first { $0["method"] as? String == "unadjusted" && $0["dimension"] is NSNull }!
        // The segments added up: 1302 of 10,020 against 1210 of 10,000.
        #expect(abs((overall["estimate"] as! Double) - (1302.0 / 10020 - 1210.0 / 10000)) < 1e-12)
        let north = estimates.first { $0["level"] as? String == "north" }!
        #expect(abs((north["estimate"] as! Double) - (700.0 / 5010 - 600.0 / 5000)) < 1e-12)
        #expect(estimates.contains { $0["level"] as? String == "south" })
    }

    @Test(arguments: [
        (["--db", demoSmall, "--campaign", "growth_journey_2026"], "not a randomized test", 1),
        (["--db", demoSmall, "--campaign", "nope"], "no campaign 'nope' in table campaigns", 1),
        (["--db", demoSmall, "--campaign", "page_ab_2026", "--metrics", "nope"], "no metric 'nope'", 1),
        (["--db", demoSmall, "--campaign", "page_ab_2026", "--guardrails", "aum:-3"], "option '--guardrails'", 1),
        (["--db", demoSmall, "--campaign", "page_ab_2026", "--relative-interval", "bootstrap"], "option '--relative-interval'", 1),
        (["--db", demoSmall], "option '--campaign'", 1),
        (["--campaign", "page_ab_2026"], "give --db FILE (or --backend URL) --campaign ID, or --summary FILE --control ARM", 1),
        (["--db", "/nonexistent/bank.sqlite", "--campaign", "x"], "/nonexistent/bank.sqlite", 2),
    ])
    func badInputIsOneClearLine(arguments: [String], message: String, status: Int32) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("out")
        let result = try runCampaignLab(["readout", "--quiet", "--out", out] + arguments)
        #expect(result.exitCode == status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A summary file that breaks its rules: exit 8, the file, column and line named, nothing written.
    @Test(arguments: [
        ("metric,kind,arm,users,main_sum\nm,mean,control,10,5\n", "sums.csv, column main_sum_squares"),
        ("metric,kind,arm,users,main_sum,main_sum_squares\nm,mean,control,-3,5,9\nm,mean,B,10,5,9\n", "column users, row line 2"),
        (
            "metric,kind,arm,users,main_sum,main_sum_squares\nm,mean,control,10,50,200\nm,mean,B,10,5,9\n",
            "column main_sum_squares, row line 2"
        ),
        (
            "metric,kind,arm,users,main_sum,main_sum_squares\nm,mean,control,10,5,9\nm,mean,B,10,5,9\nk,mean,control,10,5,9\n",
            "has no row (or no users) for arm 'B'"
        ),
    ])
    func aBrokenSummaryFileIsNamed(text: String, message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file("sums.csv")
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let out = dir.file("out")
        let result = try runCampaignLab(["readout", "--summary", csv, "--control", "control", "--quiet", "--out", out])
        #expect(result.exitCode == 8, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
