import CampaignLabData
import CampaignLabTestSupport
import Foundation
import Testing

/// `campaignlab import`, end to end through the built executable.
struct ImportCommandTests {
    /// SampleCSV's files imported into a new bank.sqlite in `dir`; its path.
    static func importedSample(in dir: TemporaryDirectory) throws -> String {
        let database = dir.file("bank.sqlite")
        let result = try runCampaignLab(["import", "--db", database] + (try SampleCSV.writeAll(in: dir)))
        #expect(result.exitCode == 0, "\(result.stderr)")
        return database
    }

    @Test func importsAllTablesAndSuggestsCheck() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let paths = try SampleCSV.writeAll(in: dir)
        let database = dir.file("bank.sqlite")
        let result = try runCampaignLab(["import", "--db", database] + paths)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Imported 20 rows into \(database) (new file) in "))
        // Row counts per table, counted by hand from SampleCSV.
        let rows = result.stdout.split(separator: "\n").map(String.init)
        for (table, count) in [
            ("customers", 3), ("customer_months", 5), ("events", 3), ("campaigns", 2),
            ("assignments", 5), ("metric_definitions", 2),
        ] {
            #expect(
                rows.contains { $0.hasPrefix("  \(table) ") && $0.contains(" \(count) rows  (new table; from ") },
                "no line for \(table) in:\n\(result.stdout)")
        }
        #expect(result.stdout.contains("Customer ids are INTEGER."))
        #expect(result.stdout.hasSuffix("Next: campaignlab check --db \(database)\n"))
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(try db.scalarText("SELECT branch FROM customers WHERE customer_id = 2") == "上海, 浦东")
    }

    @Test func badValueExitsWithOneAndNamesThePlace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file("customers.csv")
        try writeFile(csv, "customer_id,opened_on\n1,2024-01-05\n2,2024-02-01\n3,2024-13-01\n")
        let database = dir.file("bank.sqlite")
        let result = try runCampaignLab(["import", "--db", database, csv])
        #expect(result.exitCode == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == """
                \(csv) line 4, column opened_on (table customers): '2024-13-01' is not a date 'YYYY-MM-DD'
                Nothing was imported; \(database) was not created.

                """)
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test func failureIntoAnExistingDatabaseLeavesItUnchanged() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = try Self.importedSample(in: dir)
        let before = try fileBytes(database)
        // The same rows again: every key is already there.
        let again = try runCampaignLab(["import", "--db", database, dir.file("campaigns.csv")])
        #expect(again.exitCode == 1)
        #expect(again.stderr.contains("\(dir.file("campaigns.csv")) line 2 (table campaigns): duplicate key campaign_id = 'SPRING24'"))
        #expect(again.stderr.hasSuffix("Nothing was imported; \(database) is unchanged.\n"))
        #expect(try fileBytes(database) == before)
    }

    @Test func replaceEmptiesTheLoadedTableFirst() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = try Self.importedSample(in: dir)
        try writeFile(
            dir.file("new_campaigns.csv"),
            """
            campaign_id,name,design,starts_on,ends_on,control_arm
            SUMMER24,夏季活动,observational,2024-06-01,2024-06-30,non_participant

            """)
        let result = try runCampaignLab(["import", "--db", database, "--replace", "campaigns=" + dir.file("new_campaigns.csv")])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  campaigns  1 row   (replaced 2 rows; from \(dir.file("new_campaigns.csv")))"), "\(result.stdout)")
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(try db.rows("SELECT campaign_id, name FROM campaigns") == [[.text("SUMMER24"), .text("夏季活动")]])
        #expect(try db.scalarInt("SELECT count(*) FROM assignments") == 5)  // not loaded: untouched
    }

    /// A header-only export with --replace would wipe the table: refused (exit 1, the database
    /// unchanged) unless --allow-empty says it is meant.
    @Test func replaceWithAHeaderOnlyFileIsRefusedUnlessAllowed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = try Self.importedSample(in: dir)
        let before = try fileBytes(database)
        let empty = dir.file("empty_campaigns.csv")
        try writeFile(empty, "campaign_id,name,design,starts_on,ends_on,control_arm\n")
        let refused = try runCampaignLab(["import", "--db", database, "--replace", "campaigns=" + empty])
        #expect(refused.exitCode == 1)
        #expect(
            refused.stderr.contains(
                "\(empty) (table campaigns): has no data rows: --replace would empty table campaigns (2 rows); add --allow-empty to empty it on purpose"
            ), "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("Nothing was imported; \(database) is unchanged.\n"))
        #expect(try fileBytes(database) == before)
        let allowed = try runCampaignLab(["import", "--db", database, "--replace", "--allow-empty", "campaigns=" + empty])
        #expect(allowed.exitCode == 0, "\(allowed.stderr)")
        #expect(try SQLiteDatabase.open(readOnlyAt: database).scalarInt("SELECT count(*) FROM campaigns") == 0)
    }

    @Test func sourceThatNamesNoTableExitsWithOne() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("clients.csv"), "customer_id,opened_on\n1,2024-01-05\n")
        let result = try runCampaignLab(["import", "--db", dir.file("bank.sqlite"), dir.file("clients.csv")])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("\(dir.file("clients.csv")): the file name does not say which table to load"))
        #expect(result.stderr.contains("or write table=\(dir.file("clients.csv"))"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("bank.sqlite")))
    }

    @Test func helpShowsExamples() throws {
        let help = try runCampaignLab(["import", "--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("USAGE: campaignlab import --db <file> [--replace] [--allow-empty] <source> ..."))
        #expect(help.stdout.contains("campaignlab import --db bank.sqlite customers.csv customer_months.csv"))
    }
}
