import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

struct SQLiteDatabaseTests {
    @Test func readOnlyConnectionRefusesWrites() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try makeDatabase(at: path, sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        let before = try fileBytes(path)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        #expect(throws: DataError.self) { try db.execute("INSERT INTO t VALUES (2)") }
        #expect(throws: DataError.self) { try db.execute("DROP TABLE t") }
        #expect(throws: DataError.self) { try db.execute("PRAGMA user_version = 7") }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 1)
        #expect(try fileBytes(path) == before)
    }

    @Test func unreadableFilesGetOneLineMessages() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: DataError.fileNotFound(path: dir.file("missing.sqlite"))) {
            try SQLiteDatabase.open(readOnlyAt: dir.file("missing.sqlite"))
        }
        #expect(throws: DataError.isDirectory(path: dir.path)) { try SQLiteDatabase.open(readOnlyAt: dir.path) }
        try writeFile(dir.file("empty.sqlite"), "")
        #expect(throws: DataError.emptyFile(path: dir.file("empty.sqlite"))) {
            try SQLiteDatabase.open(readOnlyAt: dir.file("empty.sqlite"))
        }
        try writeFile(dir.file("notes.txt"), "hello, this is text")
        #expect(throws: DataError.notSQLite(path: dir.file("notes.txt"))) {
            try SQLiteDatabase.open(readOnlyAt: dir.file("notes.txt"))
        }
    }

    @Test func corruptFileIsReportedAsCorrupt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bank.sqlite")
        try makeDatabase(at: path, sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        // Keep the 16-byte header, overwrite the rest of page 1 (the schema page).
        var bytes = try fileBytes(path)
        for i in 16..<min(bytes.count, 4096) { bytes[i] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteDatabase.open(readOnlyAt: path)
            Issue.record("a corrupt file opened without error")
        } catch let error as DataError {
            guard case .corrupt(let p, _) = error else { Issue.record("expected .corrupt, got \(error)"); return }
            #expect(p == path)
        }
    }
}

struct SchemaIntrospectionTests {
    @Test func columnsAndAffinity() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("s.sqlite")
        try makeDatabase(
            at: path,
            sql: """
                CREATE TABLE customer_months(customer_id INTEGER NOT NULL, month TEXT NOT NULL, aum REAL,
                                             note VARCHAR(20), raw, PRIMARY KEY (customer_id, month));
                CREATE VIEW v AS SELECT customer_id, aum * 2 AS doubled FROM customer_months;
                """)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        #expect(try db.objectKind(of: "customer_months") == "table")
        #expect(try db.objectKind(of: "v") == "view")
        #expect(try db.objectKind(of: "missing") == nil)
        let columns = try db.columns(of: "customer_months")
        #expect(columns.map(\.name) == ["customer_id", "month", "aum", "note", "raw"])
        // Affinity rules: SQLite documentation, "Datatypes In SQLite", section 3.1.
        #expect(columns.map(\.affinity) == ["INTEGER", "TEXT", "REAL", "TEXT", "BLOB"])
        #expect(columns.map(\.primaryKeyPosition) == [1, 2, 0, 0, 0])
        #expect(try db.columns(of: "v").map(\.name) == ["customer_id", "doubled"])
        #expect(try db.columns(of: "missing").isEmpty)
    }
}
