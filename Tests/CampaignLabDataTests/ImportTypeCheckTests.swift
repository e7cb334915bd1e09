import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// One file with one bad value, and where the importer must say it is.
struct BadValueCase: Sendable, CustomTestStringConvertible {
    var name: String
    var table: String
    var csv: String
    var line: Int
    var column: String?
    /// Text the message must contain (the value found and what was expected).
    var message: String

    var testDescription: String { name }
}

private let badValueCases: [BadValueCase] = [
    BadValueCase(
        name: "bad date", table: "customers",
        csv: "customer_id,opened_on\n1,2024-01-05\n2,2024-02-01\n3,2024-13-01\n",
        line: 4, column: "opened_on", message: "'2024-13-01' is not a date 'YYYY-MM-DD'"),
    BadValueCase(
        name: "date that does not exist", table: "campaigns",
        csv: "campaign_id,name,design,starts_on,ends_on,control_arm\nX,x,randomized,2025-02-01,2025-02-29,control\n",
        line: 2, column: "ends_on", message: "'2025-02-29' is not a date"),
    BadValueCase(
        name: "bad month", table: "customer_months",
        csv: "customer_id,month,aum\n1,2024-01,5\n1,2024-2,6\n",
        line: 3, column: "month", message: "'2024-2' is not a month 'YYYY-MM'"),
    BadValueCase(
        name: "bad timestamp", table: "events",
        csv: "customer_id,event,occurred_at\n1,app_login,2024-01-03 08:15:00\n1,app_login,2024-01-03 25:00:00\n",
        line: 3, column: "occurred_at", message: "'2024-01-03 25:00:00' is not an ISO 8601 timestamp"),
    BadValueCase(
        name: "non-number in a metric", table: "customer_months",
        csv: "customer_id,month,aum,app_logins\n1,2024-01,1000,3\n1,2024-02,\"1,000\",4\n",
        line: 3, column: "aum", message: "'1,000' is not a number"),
    BadValueCase(
        name: "NaN in a metric", table: "customer_months",
        csv: "customer_id,month,aum\n1,2024-01,NaN\n",
        line: 2, column: "aum", message: "'NaN' is not a number"),
    BadValueCase(
        name: "inf in events.value", table: "events",
        csv: "customer_id,event,occurred_at,value\n1,purchase,2024-01-03 08:15:00,inf\n",
        line: 2, column: "value", message: "'inf' is not a number"),
    BadValueCase(
        name: "1e999 overflows", table: "events",
        csv: "customer_id,event,occurred_at,value\n1,purchase,2024-01-03 08:15:00,1e999\n",
        line: 2, column: "value", message: "'1e999' is not a number"),
    BadValueCase(
        name: "NULL in a NOT NULL column", table: "customers",
        csv: "customer_id,opened_on,segment\n1,2024-01-05,mass\n2,,mass\n",
        line: 3, column: "opened_on", message: "the value is empty, but every row needs one (a date 'YYYY-MM-DD')"),
    BadValueCase(
        name: "NULL customer id", table: "assignments",
        csv: "campaign_id,customer_id,arm,assigned_at\nC,,control,2024-01-01 00:00:00\n",
        line: 2, column: "customer_id", message: "the value is empty"),
    BadValueCase(
        name: "unknown design", table: "campaigns",
        csv: "campaign_id,name,design,starts_on,ends_on,control_arm\nS,Spring,randomised,2024-01-01,2024-01-31,control\n",
        line: 2, column: "design", message: "'randomised' is not one of 'randomized', 'observational'"),
    BadValueCase(
        name: "not a whole number", table: "metric_definitions",
        csv: "metric,higher_is_better\naum,yes\n",
        line: 2, column: "higher_is_better", message: "'yes' is not a whole number"),
    BadValueCase(
        name: "unknown rollup", table: "metric_definitions",
        csv: "metric,source,rollup\naum,months,average\n",
        line: 2, column: "rollup", message: "'average' is not one of 'mean', 'sum', 'last', 'max', 'any', 'count'"),
    BadValueCase(
        name: "missing required column", table: "customers",
        csv: "customer_id,segment\n1,mass\n",
        line: 1, column: nil, message: "the header has no column 'opened_on' (a date 'YYYY-MM-DD'), which table customers requires"),
    BadValueCase(
        name: "wrong field count", table: "customers",
        csv: "customer_id,opened_on\n1,2024-01-05\n2,2024-01-06,extra\n",
        line: 3, column: nil, message: "the row has 3 values but the header has 2"),
]

struct ImportTypeCheckTests {
    @Test(arguments: badValueCases)
    func badValueIsReportedWithFileLineColumnAndTable(_ bad: BadValueCase) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file(bad.table + ".csv")
        try writeFile(csv, bad.csv)
        let database = dir.file("bank.sqlite")
        let table = try #require(Contract.table(named: bad.table))
        do {
            _ = try ContractImporter(databasePath: database).run([ImportSource(table: table, path: csv)])
            Issue.record("\(bad.name) was imported")
        } catch let error as ImportError {
            #expect(error.problems.count == 1, "\(error)")
            let problem = try #require(error.problems.first)
            #expect(problem.file == csv)
            #expect(problem.line == bad.line)
            #expect(problem.column == bad.column)
            #expect(problem.table == bad.table)
            var place = "\(csv) line \(bad.line)"
            if let column = bad.column { place += ", column \(column)" }
            place += " (table \(bad.table)): "
            #expect(problem.description.hasPrefix(place), "\(problem)")
            #expect(problem.description.contains(bad.message), "\(problem)")
        }
        #expect(!FileManager.default.fileExists(atPath: database), "a failed import left \(database)")
    }

    @Test func textIDIntoIntegerIDsIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        try writeFile(dir.file("customers.csv"), SampleCSV.customers)
        _ = try ContractImporter(databasePath: database).run([try ImportSource(argument: dir.file("customers.csv"))])
        let months = dir.file("customer_months.csv")
        try writeFile(months, "customer_id,month,aum\n1,2024-01,5\nC001,2024-01,6\n007,2024-02,7\n")
        let before = try fileBytes(database)
        do {
            _ = try ContractImporter(databasePath: database).run([try ImportSource(argument: months)])
            Issue.record("a text id went into a database with INTEGER ids")
        } catch let error as ImportError {
            #expect(error.problems.map(\.line) == [3, 4])  // '007' would lose its zeros as an INTEGER
            let description = error.problems.first?.description ?? ""
            #expect(
                description.hasPrefix(
                    "\(months) line 3, column customer_id (table customer_months): 'C001' is not an integer id (a whole number without leading zeros)"
                ))
            #expect(description.contains("customer ids are INTEGER in this database (table customers)"))
        }
        #expect(try fileBytes(database) == before)
    }

    @Test func columnMissingFromAnExistingTableIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        try makeDatabase(at: database, sql: Contract.customers.createSQL(identifierType: "INTEGER"))
        let csv = dir.file("customers.csv")
        try writeFile(csv, "customer_id,opened_on,segment\n1,2024-01-05,mass\n")
        #expect {
            _ = try ContractImporter(databasePath: database).run([try ImportSource(argument: csv)])
        } throws: { error in
            let problem = (error as? ImportError)?.problems.first
            return problem?.line == 1 && problem?.column == "segment" && problem?.table == "customers"
                && problem?.message.contains("table customers in \(database) has no column 'segment'") == true
        }
    }

    @Test func viewWithAContractNameIsNotLoaded() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("bank.sqlite")
        try makeDatabase(
            at: database,
            sql: """
                CREATE TABLE crm(id INTEGER, since TEXT);
                CREATE VIEW customers AS SELECT id AS customer_id, since AS opened_on FROM crm;
                """)
        let before = try fileBytes(database)
        let csv = dir.file("customers.csv")
        try writeFile(csv, "customer_id,opened_on\n1,2024-01-05\n")
        #expect {
            _ = try ContractImporter(databasePath: database).run([try ImportSource(argument: csv)])
        } throws: { error in
            (error as? ImportError)?.problems.first?.message.contains("customers is a view") == true
        }
        #expect(try fileBytes(database) == before)
    }

    @Test func headerNameInOtherCaseGetsAHint() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file("customers.csv")
        try writeFile(csv, "Customer_ID,opened_on\n1,2024-01-05\n")
        #expect {
            _ = try ContractImporter(databasePath: dir.file("bank.sqlite")).run([try ImportSource(argument: csv)])
        } throws: { error in
            let message = (error as? ImportError)?.problems.first?.message ?? ""
            return message.contains("no column 'customer_id'") && message.contains("the header has 'Customer_ID'")
        }
    }

    @Test func onlyTheFirstTwentyProblemsAreListed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let csv = dir.file("customers.csv")
        var text = "customer_id,opened_on\n"
        for i in 1...25 { text += "\(i),2024-02-3\(i % 2)\n" }  // 2024-02-30 and 2024-02-31: 25 bad dates
        try writeFile(csv, text)
        do {
            _ = try ContractImporter(databasePath: dir.file("bank.sqlite")).run([try ImportSource(argument: csv)])
            Issue.record("25 bad dates were imported")
        } catch let error as ImportError {
            #expect(error.problems.count == 20)
            #expect(error.unlistedCount == 5)
            #expect(error.problems.map(\.line) == Array(2...21))
            #expect(error.lines.last == "… and 5 more problems")
        }
    }

    @Test func problemsInSeveralFilesAreAllReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("customers.csv"), "customer_id,opened_on\n1,yesterday\n")
        try writeFile(dir.file("customer_months.csv"), "customer_id,month,aum\n1,2024-01,lots\n")
        do {
            _ = try ContractImporter(databasePath: dir.file("bank.sqlite")).run([
                try ImportSource(argument: dir.file("customers.csv")),
                try ImportSource(argument: dir.file("customer_months.csv")),
            ])
            Issue.record("bad files were imported")
        } catch let error as ImportError {
            #expect(error.problems.map(\.column) == ["opened_on", "aum"])
            #expect(error.problems.map(\.table) == ["customers", "customer_months"])
        }
    }

    @Test(arguments: ["1.5", "-0.25", "+3", "1e6", "2.5E-3", ".5", "5.", "0"])
    func decimalNumbersAreAccepted(_ text: String) {
        var copy = text
        let value = copy.withUTF8 { parseDecimal($0) }
        #expect(value == Double(text))  // Swift's own parser is the reference for the accepted forms
    }

    @Test(arguments: ["nan", "NaN", "inf", "-Infinity", "1e999", "0x1p3", "1,5", " 1", "1 ", "e5", ".", "-", "1e", "1.2.3"])
    func nonNumbersAreRejected(_ text: String) {
        var copy = text
        #expect(copy.withUTF8 { parseDecimal($0) } == nil)
    }

    @Test func canonicalIntegersOnlyBecomeIntegerIDs() {
        func id(_ text: String) -> Int64? {
            var copy = text
            return copy.withUTF8 { parseCanonicalInteger($0) }
        }
        #expect(id("0") == 0)
        #expect(id("42") == 42)
        #expect(id("-7") == -7)
        #expect(id("9223372036854775807") == Int64.max)
        #expect(id("-9223372036854775808") == Int64.min)
        for text in ["007", "+5", "-0", "9223372036854775808", "1.0", "C001", "1 ", ""] {
            #expect(id(text) == nil, "\(text) became an integer id")
        }
    }
}
