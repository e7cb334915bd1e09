import CampaignLabTestSupport
import Foundation
import Testing

@testable import CampaignLabData

/// The summary-statistics file a warehouse can produce instead of customer rows (issue 14,
/// point 5): read, and every impossible number refused naming file, column and line.
struct SummaryStatisticsTests {
    static let header = "metric,kind,arm,segment,users,main_sum,main_sum_squares"
    // Hand-made sums: conversion 0/1 values (Σx² = Σx); revenue of 4 users 1, 2, 3, 4
    // (Σx = 10, Σx² = 30) and 2 users 5, 5 (Σx = 10, Σx² = 50).
    static let valid = """
        \(header)
        conversion,proportion,control,,1000,120,120
        conversion,proportion,B,,1010,141,141
        revenue,mean,control,wealth,4,10,30
        revenue,mean,B,wealth,2,10,50
        """

    func read(_ text: String) throws -> [SummaryStatisticsRow] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.file("sums.csv"), text)
        return try SummaryStatisticsFile.read(path: dir.file("sums.csv"))
    }

    @Test func aValidFileIsRead() throws {
        let rows = try read(Self.valid)
        #expect(rows.count == 4)
        #expect(rows[0].metric == "conversion" && rows[0].kind == .proportion && rows[0].segment == nil && rows[0].users == 1000)
        #expect(rows[3].arm == "B" && rows[3].segment == "wealth" && rows[3].mainSum == 10 && rows[3].mainSumSquares == 50)
        #expect(rows[3].line == 5)
    }

    @Test func ratioAndCovariateColumnsAreRead() throws {
        // Numerators 1, 2, 3 over denominators 2, 2, 4: Σy = 8, Σy² = 24, Σxy = 2 + 4 + 12 = 18.
        // Covariate 1, 1, 2: Σc = 4, Σc² = 6, Σxc = 1 + 2 + 6 = 9.
        let rows = try read(
            """
            metric,kind,arm,users,main_sum,main_sum_squares,denominator_sum,denominator_sum_squares,main_denominator_sum_product,covariate_sum,covariate_sum_squares,main_covariate_sum_product
            ctr,ratio,control,3,6,14,8,24,18,4,6,9
            views,mean,control,3,6,14,,,,,,
            """)
        #expect(rows[0].denominatorSum == 8 && rows[0].mainDenominatorSumProduct == 18 && rows[0].covariateSumSquares == 6)
        #expect(rows[1].denominatorSum == nil && rows[1].covariateSum == nil)
    }

    /// Each impossible input: the column and line named, and what is wrong.
    @Test(arguments: [
        ("metric,kind,arm,users,main_sum\nx,mean,a,2,1", "main_sum_squares", "line 1 (the header)", "the column is missing"),
        ("\(header)\nx,mean,a,,-3,1,1", "users", "line 2", "is not a count of users"),
        ("\(header)\nx,mean,a,,2.5,1,1", "users", "line 2", "is not a count of users"),
        ("\(header)\nx,mean,a,,4,10,20", "main_sum_squares", "line 2", "is smaller than main_sum²/users = 25"),
        ("\(header)\nx,proportion,a,,10,12,12", "main_sum", "line 2", "is not a proportion"),
        ("\(header)\nx,proportion,a,,10,3,5", "main_sum_squares", "line 2", "equals main_sum"),
        ("\(header)\nx,ratio,a,,3,6,14", "denominator_sum", "line 2", "a ratio metric needs"),
        ("\(header)\nx,median,a,,3,6,14", "kind", "line 2", "'median' is not a kind"),
        ("\(header)\nx,mean,a,,3,six,14", "main_sum", "line 2", "'six' is not a finite number"),
        ("\(header)\nx,mean,a,,3,6,14\nx,mean,a,,3,6,14", "arm", "line 3", "is on line 2 already"),
        (
            "metric,kind,arm,users,main_sum,main_sum_squares,covariate_sum\nx,mean,a,3,6,14,4", "covariate_sum_squares",
            "line 1 (the header)", "variance reduction needs all of"
        ),
        // Sxx = 14 − 12 = 2, Scc = 6 − 16/3 = 2/3: |Sxc| ≤ 1.155, but Σxc = 20 gives Sxc = 12.
        (
            "metric,kind,arm,users,main_sum,main_sum_squares,covariate_sum,covariate_sum_squares,main_covariate_sum_product\nx,mean,a,3,6,14,4,6,20",
            "main_covariate_sum_product", "line 2", "the correlation would exceed 1"
        ),
    ])
    func impossibleInputIsRefused(text: String, column: String, row: String, words: String) {
        do {
            _ = try read(text)
            Issue.record("expected \(column) to be refused")
        } catch let DataError.contract(table, refusedColumn, refusedRow, message) {
            #expect(table == "sums.csv")
            #expect(refusedColumn == column, "\(message)")
            #expect(refusedRow == row)
            #expect(message.contains(words), "\(message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// The optional direction column: 1 or 0, anything else named.
    @Test func theDirectionColumnIsRead() throws {
        let rows = try read(
            """
            metric,kind,arm,users,main_sum,main_sum_squares,higher_is_better
            complaints,mean,control,4,1,1,0
            complaints,mean,B,4,2,2,0
            revenue,mean,control,4,10,30,
            """)
        #expect(rows.map(\.higherIsBetter) == [false, false, true])
        #expect(throws: DataError.self) {
            try read("metric,kind,arm,users,main_sum,main_sum_squares,higher_is_better\nm,mean,a,4,1,1,yes\n")
        }
    }

    @Test func aHeaderWithoutRowsIsRefused() {
        #expect(throws: DataError.contract(table: "sums.csv", column: nil, row: nil, message: "the file has a header but no rows")) {
            _ = try read(Self.header + "\n")
        }
    }
}
