import CampaignLabData
import CampaignLabDataTestSupport
import CampaignLabTestSupport
import Foundation
import Testing

struct ReadOnlyQueryTests {
    static let refused = [
        "INSERT INTO t VALUES (3)",
        "UPDATE t SET x = 0",
        "DELETE FROM t",
        "DROP TABLE t",
        "CREATE TABLE u(x)",
        "CREATE TEMP TABLE u(x)",
        "ATTACH DATABASE 'other.sqlite' AS other",
        "PRAGMA query_only = 0",
        "PRAGMA journal_mode = DELETE",
        "BEGIN",
        "VACUUM",
        "SELECT 1; DELETE FROM t",
        "WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a",
    ]

    @Test(arguments: refused)
    func writesAreRefusedAndTheFileIsUnchanged(sql: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = dir.file("db.sqlite")
        try makeDatabase(at: path, sql: "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2);")
        let before = try fileBytes(path)
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        #expect {
            let statement = try db.prepareReadOnlyQuery(sql)
            while try statement.step() {}
        } throws: { error in
            guard case DataError.refusedQuery = error else { return false }
            return "\(error)".hasPrefix("refused: ")
        }
        #expect(try fileBytes(path) == before)
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 2)
    }

    @Test func readsAreAllowed() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = dir.file("db.sqlite")
        try makeDatabase(at: path, sql: "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2);")
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        let statement = try db.prepareReadOnlyQuery(
            """
            -- a comment
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3)
            SELECT sum(x) * (SELECT count(*) FROM n), upper('a') FROM t; -- trailing comment
            """)
        #expect(try statement.step())
        #expect(statement.int64(0) == 9)
        #expect(statement.text(1) == "A")
    }

    @Test func aMissingTableIsAnSQLiteErrorNamingIt() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = dir.file("db.sqlite")
        try makeDatabase(at: path, sql: "CREATE TABLE t(x INTEGER);")
        let db = try SQLiteDatabase.open(readOnlyAt: path)
        #expect {
            _ = try db.prepareReadOnlyQuery("SELECT * FROM missing_table")
        } throws: { "\($0)".contains("no such table: missing_table") }
    }
}
