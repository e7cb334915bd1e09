import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// A successful import stores the values of the CSV files, with the contract's types.
struct ImportRoundTripTests {
    @Test func allSixTablesRoundTripWithTheirTypes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        let paths = try SampleCSV.writeAll(in: dir)
        let summary = try ContractImporter(databasePath: database).run(try paths.map { try ImportSource(argument: $0) })

        // Counted by hand from SampleCSV.
        #expect(summary.tables.map(\.table) == Contract.tables.map(\.name))
        #expect(summary.tables.map(\.rowsImported) == [3, 5, 3, 2, 5, 2])
        #expect(summary.tables.filter { !$0.wasCreated }.isEmpty)
        #expect(summary.databaseWasCreated)
        #expect(summary.customerIDType == "INTEGER")
        #expect(summary.rowsImported == 20)

        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(
            try db.rows("SELECT customer_id, typeof(customer_id), opened_on, segment, branch FROM customers ORDER BY 1") == [
                [.integer(1), .text("integer"), .text("2019-03-15"), .text("mass"), .text("北京朝阳")],
                [.integer(2), .text("integer"), .text("2020-07-01"), .text("affluent"), .text("上海, 浦东")],
                [.integer(3), .text("integer"), .text("2021-11-30"), .text("mass"), .null],
            ])
        #expect(
            try db.rows(
                """
                SELECT customer_id, month, aum, typeof(aum), products_held, typeof(products_held), app_logins
                FROM customer_months ORDER BY 1, 2
                """) == [
                    [.integer(1), .text("2024-01"), .real(12000.5), .text("real"), .real(2), .text("real"), .real(5)],
                    [.integer(1), .text("2024-02"), .real(13000), .text("real"), .real(2), .text("real"), .null],
                    [.integer(2), .text("2024-01"), .real(250000), .text("real"), .real(4), .text("real"), .real(12)],
                    [.integer(2), .text("2024-02"), .real(260000.25), .text("real"), .real(5), .text("real"), .real(9)],
                    [.integer(3), .text("2024-01"), .real(0), .text("real"), .real(0), .text("real"), .real(0)],
                ])
        #expect(
            try db.rows("SELECT customer_id, event, occurred_at, value, typeof(value), campaign_id, channel FROM events ORDER BY 1") == [
                [.integer(1), .text("app_login"), .text("2024-01-03 08:15:00"), .null, .text("null"), .null, .text("app")],
                [
                    .integer(2), .text("purchase"), .text("2024-01-10T14:00:00+08:00"), .real(5000), .text("real"), .text("SPRING24"),
                    .text("app"),
                ],
                [.integer(3), .text("enroll"), .text("2024-01-05 09:00:00.250Z"), .null, .text("null"), .text("SPRING24"), .null],
            ])
        #expect(
            try db.rows("SELECT campaign_id, typeof(campaign_id), name, design, starts_on, ends_on, control_arm FROM campaigns ORDER BY 1")
                == [
                    [
                        .text("PAGE-AB"), .text("text"), .text("Activity page test"), .text("randomized"), .text("2024-02-01"),
                        .text("2024-02-14"), .text("control"),
                    ],
                    [
                        .text("SPRING24"), .text("text"), .text("春季理财节"), .text("observational"), .text("2024-01-01"), .text("2024-02-29"),
                        .text("non_participant"),
                    ],
                ])
        #expect(
            try db.rows("SELECT campaign_id, customer_id, typeof(customer_id), arm FROM assignments ORDER BY 1, 2") == [
                [.text("PAGE-AB"), .integer(1), .text("integer"), .text("control")],
                [.text("PAGE-AB"), .integer(2), .text("integer"), .text("variant_b")],
                [.text("SPRING24"), .integer(1), .text("integer"), .text("non_participant")],
                [.text("SPRING24"), .integer(2), .text("integer"), .text("participant")],
                [.text("SPRING24"), .integer(3), .text("integer"), .text("participant")],
            ])
        #expect(
            try db.rows(
                "SELECT metric, label, unit, source, rollup, event, higher_is_better, typeof(higher_is_better) FROM metric_definitions ORDER BY 1"
            ) == [
                [.text("aum"), .text("月日均资产"), .text("CNY"), .text("months"), .text("mean"), .null, .integer(1), .text("integer")],
                [
                    .text("purchases"), .text("Purchases"), .null, .text("events"), .text("count"), .text("purchase"), .integer(1),
                    .text("integer"),
                ],
            ])

        // The schema the contract describes: declared types, NOT NULL and primary keys.
        let customers = try db.columns(of: "customers")
        #expect(customers.map(\.name) == ["customer_id", "opened_on", "segment", "branch"])
        #expect(customers.map(\.declaredType) == ["INTEGER", "TEXT", "TEXT", "TEXT"])
        #expect(customers.map(\.primaryKeyPosition) == [1, 0, 0, 0])
        let months = try db.columns(of: "customer_months")
        #expect(months.map(\.declaredType) == ["INTEGER", "TEXT", "REAL", "REAL", "REAL"])
        #expect(months.map(\.primaryKeyPosition) == [1, 2, 0, 0, 0])
        #expect(months.map(\.isNotNull) == [true, true, false, false, false])
        #expect(try db.columns(of: "events").map(\.name) == ["customer_id", "event", "occurred_at", "value", "campaign_id", "channel"])

        // What `check` will look at: every id of the other tables is a customer, one id type.
        #expect(
            try db.scalarInt(
                """
                SELECT count(*) FROM (SELECT customer_id FROM customer_months UNION ALL SELECT customer_id FROM events
                                      UNION ALL SELECT customer_id FROM assignments)
                WHERE customer_id NOT IN (SELECT customer_id FROM customers)
                """) == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM assignments WHERE campaign_id NOT IN (SELECT campaign_id FROM campaigns)") == 0)
    }

    @Test func textIDsKeepLeadingZerosAndMakeTheColumnText() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on\n007,2024-01-01\n12,2024-01-02\n")
        try writeFile(dir.file("customer_months.csv"), "customer_id,month,aum\n12,2024-01,5\n")
        let summary = try ContractImporter(databasePath: database).run([
            try ImportSource(argument: dir.file("customers.csv")), try ImportSource(argument: dir.file("customer_months.csv")),
        ])
        #expect(summary.customerIDType == "TEXT")
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(try db.columns(of: "customers").first?.declaredType == "TEXT")
        #expect(try db.columns(of: "customer_months").first?.declaredType == "TEXT")
        #expect(
            try db.rows("SELECT customer_id, typeof(customer_id) FROM customers ORDER BY 1") == [
                [.text("007"), .text("text")], [.text("12"), .text("text")],
            ])
        // customer_months.csv alone has whole-number ids, but the database uses TEXT ones.
        #expect(try db.rows("SELECT customer_id, typeof(customer_id) FROM customer_months") == [[.text("12"), .text("text")]])
    }

    @Test func wholeNumberIDsIntoATextIDDatabaseAreStoredAsText() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on\nC001,2024-01-01\n")
        _ = try ContractImporter(databasePath: database).run([try ImportSource(argument: dir.file("customers.csv"))])
        try writeFile(dir.file("events.csv"), "customer_id,event,occurred_at\n42,app_login,2024-01-01 10:00:00\n")
        let summary = try ContractImporter(databasePath: database).run([try ImportSource(argument: dir.file("events.csv"))])
        #expect(summary.customerIDType == "TEXT")
        #expect(summary.databaseWasCreated == false)
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(try db.rows("SELECT customer_id, typeof(customer_id) FROM events") == [[.text("42"), .text("text")]])
    }

    @Test func severalFilesIntoOneTableAndProgress() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        try writeFile(dir.file("a.csv"), "customer_id,month,aum\n1,2024-01,1\n1,2024-02,2\n1,2024-03,3\n")
        try writeFile(dir.file("b.csv"), "customer_id,month,app_logins\n2,2024-01,7\n")
        var lines: [String] = []
        var importer = ContractImporter(databasePath: database) { lines.append($0) }
        importer.progressInterval = 2
        let summary = try importer.run([
            try ImportSource(argument: "customer_months=" + dir.file("a.csv")),
            try ImportSource(argument: "customer_months=" + dir.file("b.csv")),
        ])
        #expect(summary.tables.count == 1)
        #expect(summary.tables.first?.files == [dir.file("a.csv"), dir.file("b.csv")])
        #expect(summary.tables.first?.rowsImported == 4)
        // Computed by hand: a.csv has 22 + 3 × 12 = 58 bytes; after 2 rows 22 + 2 × 12 = 46 are read, 79%.
        #expect(lines == ["\(dir.file("a.csv")): 2 rows checked (79%)", "\(dir.file("a.csv")): 2 rows inserted (79%)"])
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        // Both files' extra columns exist; each file fills its own.
        #expect(
            try db.rows("SELECT customer_id, month, aum, app_logins FROM customer_months ORDER BY 1, 2") == [
                [.integer(1), .text("2024-01"), .real(1), .null], [.integer(1), .text("2024-02"), .real(2), .null],
                [.integer(1), .text("2024-03"), .real(3), .null], [.integer(2), .text("2024-01"), .null, .real(7)],
            ])
    }

    @Test func sourceArgumentsNameTheirTable() throws {
        #expect(try ImportSource(argument: "data/customer_months.csv").table == Contract.customerMonths)
        #expect(try ImportSource(argument: "campaigns.CSV").table == Contract.campaigns)
        let explicit = try ImportSource(argument: "events=exports/app events 2024.csv")
        #expect(explicit.table == Contract.events)
        #expect(explicit.path == "exports/app events 2024.csv")
        #expect(try ImportSource(argument: "./a=b/customers.csv").path == "./a=b/customers.csv")
        #expect(throws: ImportError.self) { try ImportSource(argument: "clients.csv") }
        #expect(throws: ImportError.self) { try ImportSource(argument: "client=clients.csv") }
        #expect(throws: ImportError.self) { try ImportSource(argument: "customers=") }
    }
}
