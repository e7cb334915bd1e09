import CampaignLabData
import Testing

/// SQL blocks on a warehouse: named parameters become the engine's `?`, and only one query
/// that reads gets through (PostgreSQL's session is read-only as well; Spark's is not).
struct UserQueryTests {
    @Test func namedParametersBecomePositional() throws {
        let query = try UserQuery("SELECT * FROM t WHERE a = :campaign AND b = @x AND c = $y AND d = :campaign;\n")
        #expect(query.sql == "SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ?")
        #expect(query.parameters == ["campaign", "x", "y", "campaign"])
    }

    @Test func quotesCastsAndCommentsAreNotParameters() throws {
        let query = try UserQuery(
            """
            --| title: :not_a_parameter
            SELECT a::text, ':x', "col:y", `z:w`, 'it''s :q' /* :c */ FROM t WHERE b = :p -- :d
            """)
        #expect(query.parameters == ["p"])
        #expect(query.sql.contains("a::text, ':x', \"col:y\", `z:w`, 'it''s :q'"))
        #expect(query.sql.hasSuffix("WHERE b = ?"))
    }

    @Test(arguments: [
        ("DELETE FROM assignments", "must be one query"),
        ("UPDATE t SET a = 1", "must be one query"),
        ("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", "would delete"),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "would insert"),
        ("SELECT 1; DROP TABLE t", "more than one statement"),
        ("SELECT * FROM t WHERE a = ?", "named parameters"),
        ("SELECT 'open", "a string is not closed"),
        ("SELECT 1 /* open", "comment */ is not closed"),
        ("-- nothing", "must be one query"),
    ])
    func whatIsNotOneReadingQueryIsRefused(sql: String, reason: String) {
        #expect {
            try UserQuery(sql)
        } throws: { "\($0)".contains(reason) }
    }

    @Test func functionsNamedLikeStatementsAreAllowed() throws {
        let query = try UserQuery("SELECT replace(a, 'x', 'y'), \"update\" FROM t -- drop\n;  -- done")
        #expect(query.sql == "SELECT replace(a, 'x', 'y'), \"update\" FROM t")
    }
}
