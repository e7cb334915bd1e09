import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// All or nothing: a failed import leaves an existing file byte-identical and leaves no
/// new file behind; a successful one touches only the tables it loads.
struct ImportAtomicityTests {
    /// A database with all six sample tables plus 3,000 more customers, so that a second
    /// import has pages to change.
    private func makeBank(in dir: TemporaryDirectory) throws -> String {
        let database = dir.file("bank.sqlite")
        let paths = try SampleCSV.writeAll(in: dir)
        _ = try ContractImporter(databasePath: database).run(try paths.map { try ImportSource(argument: $0) })
        var more = "customer_id,opened_on,segment,branch\n"
        for id in 1000..<4000 { more += "\(id),2022-05-0\(id % 9 + 1),mass,branch \(id % 17)\n" }
        try writeFile(dir.file("more.csv"), more)
        _ = try ContractImporter(databasePath: database).run([ImportSource(table: Contract.customers, path: dir.file("more.csv"))])
        return database
    }

    /// A customer_months file of `rows` good rows for customers 1000…, then `lastLine`.
    private func monthsFile(_ path: String, rows: Int, lastLine: String) throws {
        var text = "customer_id,month,aum,products_held,app_logins\n"
        for i in 0..<rows { text += "\(1000 + i / 12),2023-\(String(format: "%02d", i % 12 + 1)),\(Double(i) * 10.5),1,\(i % 30)\n" }
        text += lastLine + "\n"
        try writeFile(path, text)
    }

    /// A good customers file of new customers 5000…, the first file of the failing imports.
    private func newCustomersFile(_ path: String, rows: Int) throws {
        var text = "customer_id,opened_on,segment,branch\n"
        for i in 0..<rows { text += "\(5000 + i),2023-01-15,新客户,\"Branch, \(i % 5)\"\n" }
        try writeFile(path, text)
    }

    @Test(arguments: [
        // A bad value on the last line of the second file: found by the checking pass.
        ("type error", "4999,2024-01,not-a-number,1,1"),
        // A key already in the table: found only when SQLite inserts the last line.
        ("duplicate key against existing rows", "1,2024-01,5.0,1,1"),
    ])
    func failureOnTheLastRowLeavesTheFileByteIdentical(_ name: String, lastLine: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = try makeBank(in: dir)
        try newCustomersFile(dir.file("new_customers.csv"), rows: 5000)
        try monthsFile(dir.file("months.csv"), rows: 24_000, lastLine: lastLine)
        let before = try fileBytes(database)
        let modifiedBefore = try FileManager.default.attributesOfItem(atPath: database)[.modificationDate] as? Date

        var importer = ContractImporter(databasePath: database)
        importer.pageCacheKiB = 64  // small cache: the transaction spills pages into the file before the rollback
        do {
            _ = try importer.run([
                ImportSource(table: Contract.customers, path: dir.file("new_customers.csv")),
                ImportSource(table: Contract.customerMonths, path: dir.file("months.csv")),
            ])
            Issue.record("\(name): the import succeeded")
        } catch let error as ImportError {
            let problem = try #require(error.problems.first)
            #expect(error.problems.count == 1, "\(error)")
            #expect(problem.file == dir.file("months.csv"))
            #expect(problem.line == 24_002)  // computed by hand: header + 24,000 good rows, then the bad one
            #expect(problem.table == "customer_months")
            if name.hasPrefix("duplicate") {
                #expect(problem.message.contains("duplicate key (customer_id, month) = ('1', '2024-01')"), "\(problem)")
            }
        }
        #expect(try fileBytes(database) == before, "\(name): the database file changed")
        if name.hasPrefix("duplicate") {
            // The rows of the first file did reach the file (a spilled cache) and were rolled back.
            let modifiedAfter = try FileManager.default.attributesOfItem(atPath: database)[.modificationDate] as? Date
            #expect(modifiedAfter != modifiedBefore)
        }
        #expect(!FileManager.default.fileExists(atPath: database + "-journal"))
    }

    @Test func replaceThatFailsKeepsTheOldRows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = try makeBank(in: dir)
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on,segment,branch\n7,2024-01-01,mass,x\n7,2024-01-02,mass,y\n")
        let before = try fileBytes(database)
        var importer = ContractImporter(databasePath: database, replace: true)
        importer.pageCacheKiB = 64
        #expect(throws: ImportError.self) { try importer.run([try ImportSource(argument: dir.file("customers.csv"))]) }
        #expect(try fileBytes(database) == before)
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(try db.scalarInt("SELECT count(*) FROM customers") == 3003)  // 3 sample + 3,000 more
    }

    @Test func failedImportIntoANewPathLeavesNoFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let paths = try SampleCSV.writeAll(in: dir)
        // The checking pass fails: the file is never created.
        try writeFile(dir.file("events.csv"), "customer_id,event,occurred_at\n1,login,soon\n")
        let database = dir.file("new.sqlite")
        #expect(throws: ImportError.self) {
            try ContractImporter(databasePath: database).run(try paths.map { try ImportSource(argument: $0) })
        }
        #expect(!FileManager.default.fileExists(atPath: database))

        // The insert pass fails (a key twice in one file): the file was created, and is removed.
        try writeFile(dir.file("events.csv"), SampleCSV.events)
        try writeFile(dir.file("campaigns.csv"), SampleCSV.campaigns + "SPRING24,again,randomized,2024-01-01,2024-01-02,control\n")
        do {
            _ = try ContractImporter(databasePath: database).run(try paths.map { try ImportSource(argument: $0) })
            Issue.record("a duplicate campaign id was imported")
        } catch let error as ImportError {
            #expect(
                error.problems.first?.description.hasPrefix(
                    "\(dir.file("campaigns.csv")) line 4 (table campaigns): "
                        + "duplicate key campaign_id = 'SPRING24'") == true, "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("new.sqlite") } == [])
    }

    @Test func emptyExistingFileStaysEmptyWhenTheImportFails() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("empty.sqlite")
        try writeFile(database, "")
        // Checked clean, refused by SQLite while inserting: the table was created, then rolled back.
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on\n1,2024-01-01\n1,2024-01-02\n")
        #expect(throws: ImportError.self) {
            try ContractImporter(databasePath: database).run([try ImportSource(argument: dir.file("customers.csv"))])
        }
        #expect(try fileBytes(database).isEmpty)

        // A 0-byte file is an empty database to SQLite: a clean import fills it.
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on\n1,2024-01-01\n")
        let summary = try ContractImporter(databasePath: database).run([try ImportSource(argument: dir.file("customers.csv"))])
        #expect(summary.databaseWasCreated == false)
        #expect(try SQLiteDatabase.open(readOnlyAt: database).scalarInt("SELECT count(*) FROM customers") == 1)
    }

    @Test func importingCustomersLeavesTheOtherTablesUnchanged() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = try makeBank(in: dir)
        let others = ["customer_months", "events", "campaigns", "assignments", "metric_definitions"]
        func contents() throws -> [[[SQLiteValue]]] {
            let db = try SQLiteDatabase.open(readOnlyAt: database)
            return try others.map { try tableContent(db, $0) }
        }
        let before = try contents()
        let schemaBefore = try SQLiteDatabase.open(readOnlyAt: database).rows("SELECT sql FROM sqlite_schema ORDER BY name")
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on,segment,branch\n9,2024-03-01,mass,\n10,2024-03-02,affluent,北京\n")

        let summary = try ContractImporter(databasePath: database, replace: true).run([
            try ImportSource(argument: dir.file("customers.csv"))
        ])

        #expect(summary.tables.map(\.table) == ["customers"])
        #expect(summary.tables.first?.rowsRemoved == 3003)
        #expect(summary.tables.first?.rowsImported == 2)
        #expect(try contents() == before)
        let db = try SQLiteDatabase.open(readOnlyAt: database)
        #expect(try db.rows("SELECT sql FROM sqlite_schema ORDER BY name") == schemaBefore)
        #expect(
            try tableContent(db, "customers") == [
                [.integer(9), .text("2024-03-01"), .text("mass"), .null],
                [.integer(10), .text("2024-03-02"), .text("affluent"), .text("北京")],
            ])
    }
}
