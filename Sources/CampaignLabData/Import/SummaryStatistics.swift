import Foundation

/// A test read from a warehouse's sums instead of its rows: one row per metric × arm (×
/// optional segment) of sufficient statistics, the columns the open-source experiment engines
/// use. Banks that cannot export customer rows can still get a readout (`readout --summary`).
///
/// ```text
/// metric,kind,arm,users,main_sum,main_sum_squares
/// conversion,proportion,control,10000,1210,1210
/// conversion,proportion,B,10020,1302,1302
/// ```
///
/// Columns: `metric`, `kind` (`mean`, `proportion`, `ratio`), `arm`, `segment` (optional),
/// `users`, `main_sum`, `main_sum_squares`; for ratio metrics `denominator_sum`,
/// `denominator_sum_squares`, `main_denominator_sum_product`; for variance reduction (all three
/// or none) `covariate_sum`, `covariate_sum_squares`, `main_covariate_sum_product`; optionally
/// `higher_is_better` (1 or 0, default 1: the good direction guardrails and decisions use).
public struct SummaryStatisticsRow: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case mean, proportion, ratio }

    public var metric: String
    public var kind: Kind
    public var arm: String
    public var segment: String?
    public var users: Double
    public var mainSum: Double
    public var mainSumSquares: Double
    /// Ratio metrics: the denominator's sum, sum of squares, and Σ main·denominator.
    public var denominatorSum: Double?
    public var denominatorSumSquares: Double?
    public var mainDenominatorSumProduct: Double?
    /// Variance reduction: the pre-period covariate's sum, sum of squares, and Σ main·covariate.
    public var covariateSum: Double?
    public var covariateSumSquares: Double?
    public var mainCovariateSumProduct: Double?
    /// Whether an increase is good news (optional column `higher_is_better`, 1 or 0; default 1).
    public var higherIsBetter = true
    /// The file's line, for messages.
    public var line: Int
}

/// Reads and checks a summary-statistics file.
public enum SummaryStatisticsFile {
    static let required = ["metric", "kind", "arm", "users", "main_sum", "main_sum_squares"]
    static let ratioColumns = ["denominator_sum", "denominator_sum_squares", "main_denominator_sum_product"]
    static let covariateColumns = ["covariate_sum", "covariate_sum_squares", "main_covariate_sum_product"]

    /// The rows of `path`, checked: every required column present; a known `kind`; whole,
    /// non-negative `users`; finite sums; sums of squares no smaller than sum²/users (and,
    /// for proportions, 0 ≤ main_sum ≤ users with main_sum_squares = main_sum); cross products
    /// within what the two sums of squares allow (Cauchy–Schwarz); the ratio columns on every
    /// ratio row; the covariate columns all three or none; one row per metric, arm and segment.
    /// - Throws: `DataError.contract` naming the file (as the table), the column and the line;
    ///   `CSVError` for a file that cannot be read as CSV.
    public static func read(path: String) throws -> [SummaryStatisticsRow] {
        let reader = try CSVReader(path: path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let header = reader.header
        func column(_ key: String) -> Int? { header.firstIndex(of: key) }
        for key in required where column(key) == nil {
            throw DataError.contract(
                table: name, column: key, row: "line \(reader.headerLine) (the header)",
                message:
                    "the column is missing; a summary file has \(required.joined(separator: ", ")) (segment optional; \(ratioColumns.joined(separator: ", ")) for ratio metrics; \(covariateColumns.joined(separator: ", ")) for variance reduction)"
            )
        }
        let covariatePresent = covariateColumns.filter { column($0) != nil }
        if !covariatePresent.isEmpty && covariatePresent.count < covariateColumns.count {
            let missing = covariateColumns.first { column($0) == nil }!
            throw DataError.contract(
                table: name, column: missing, row: "line \(reader.headerLine) (the header)",
                message:
                    "variance reduction needs all of \(covariateColumns.joined(separator: ", ")); add the missing one or remove the others")
        }
        var rows: [SummaryStatisticsRow] = []
        var seen: [String: Int] = [:]
        while try reader.advance() {
            let line = reader.line
            func fail(_ key: String, _ message: String) -> DataError {
                DataError.contract(table: name, column: key, row: "line \(line)", message: message)
            }
            func text(_ key: String) -> String? {
                guard let i = column(key) else { return nil }
                let value = reader.string(at: i).trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            func number(_ key: String, required: Bool) throws -> Double? {
                guard let value = text(key) else {
                    if required { throw fail(key, "the value is empty; it must be a number") }
                    return nil
                }
                guard let number = Double(value), number.isFinite else {
                    throw fail(key, "'\(value)' is not a finite number")
                }
                return number
            }
            guard let metric = text("metric") else { throw fail("metric", "the value is empty; name the metric") }
            guard let arm = text("arm") else { throw fail("arm", "the value is empty; name the arm") }
            guard let kindText = text("kind"), let kind = SummaryStatisticsRow.Kind(rawValue: kindText.lowercased()) else {
                throw fail(
                    "kind",
                    "'\(text("kind") ?? "")' is not a kind; use \(SummaryStatisticsRow.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let users = try number("users", required: true)!
            guard users >= 0, users.rounded() == users else {
                throw fail("users", "\(formatPlain(users)) is not a count of users (a whole number, 0 or more)")
            }
            var row = SummaryStatisticsRow(
                metric: metric, kind: kind, arm: arm, segment: text("segment"), users: users,
                mainSum: try number("main_sum", required: true)!, mainSumSquares: try number("main_sum_squares", required: true)!,
                line: line)
            if kind == .proportion {
                guard row.mainSum >= 0, row.mainSum <= users else {
                    throw fail("main_sum", "\(formatPlain(row.mainSum)) converted out of \(formatPlain(users)) users is not a proportion")
                }
                guard abs(row.mainSumSquares - row.mainSum) <= 1e-9 * max(1, row.mainSum) else {
                    throw fail(
                        "main_sum_squares",
                        "for a proportion (values 0 or 1) main_sum_squares equals main_sum (\(formatPlain(row.mainSum))), not \(formatPlain(row.mainSumSquares))"
                    )
                }
            }
            try checkSquares(sum: row.mainSum, squares: row.mainSumSquares, users: users, "main_sum_squares", "main_sum", fail)
            if kind == .ratio {
                for key in ratioColumns where column(key) == nil {
                    throw fail(key, "a ratio metric needs \(ratioColumns.joined(separator: ", ")); the column is missing")
                }
                row.denominatorSum = try number("denominator_sum", required: true)
                row.denominatorSumSquares = try number("denominator_sum_squares", required: true)
                row.mainDenominatorSumProduct = try number("main_denominator_sum_product", required: true)
                try checkSquares(
                    sum: row.denominatorSum!, squares: row.denominatorSumSquares!, users: users, "denominator_sum_squares",
                    "denominator_sum", fail)
                try checkProduct(
                    row.mainDenominatorSumProduct!, "main_denominator_sum_product", x: (row.mainSum, row.mainSumSquares),
                    y: (row.denominatorSum!, row.denominatorSumSquares!), users: users, fail)
            }
            if !covariatePresent.isEmpty, let covariateSum = try number("covariate_sum", required: false) {
                row.covariateSum = covariateSum
                row.covariateSumSquares = try number("covariate_sum_squares", required: true)
                row.mainCovariateSumProduct = try number("main_covariate_sum_product", required: true)
                try checkSquares(
                    sum: covariateSum, squares: row.covariateSumSquares!, users: users, "covariate_sum_squares", "covariate_sum", fail)
                try checkProduct(
                    row.mainCovariateSumProduct!, "main_covariate_sum_product", x: (row.mainSum, row.mainSumSquares),
                    y: (covariateSum, row.covariateSumSquares!), users: users, fail)
            }
            if let better = text("higher_is_better") {
                guard better == "0" || better == "1" else {
                    throw fail("higher_is_better", "'\(better)' is not 1 (higher is better) or 0 (lower is better)")
                }
                row.higherIsBetter = better == "1"
            }
            let key = [metric, arm, row.segment ?? ""].joined(separator: "\u{1F}")
            if let first = seen[key] {
                throw fail(
                    "arm",
                    "metric '\(metric)', arm '\(arm)'\(row.segment.map { ", segment '\($0)'" } ?? "") is on line \(first) already; one row each"
                )
            }
            seen[key] = line
            rows.append(row)
        }
        guard !rows.isEmpty else {
            throw DataError.contract(table: name, column: nil, row: nil, message: "the file has a header but no rows")
        }
        return rows
    }

    /// Σx² ≥ (Σx)²/n: otherwise the variance would be negative (a mistyped or mismatched sum).
    static func checkSquares(
        sum: Double, squares: Double, users: Double, _ squaresKey: String, _ sumKey: String,
        _ fail: (String, String) -> DataError
    ) throws {
        guard users > 0 else {
            if sum != 0 || squares != 0 { throw fail(sumKey, "0 users cannot have a sum of \(formatPlain(sum))") }
            return
        }
        let least = sum * sum / users
        guard squares >= least - 1e-9 * max(1, abs(least)) else {
            throw fail(
                squaresKey,
                "\(formatPlain(squares)) is smaller than \(sumKey)²/users = \(formatPlain(least)), which no data can give (a negative variance); check that the sums are of the same users"
            )
        }
    }

    /// |Σxy − ΣxΣy/n| ≤ √(Sxx·Syy): a cross product the two sums of squares cannot produce.
    static func checkProduct(
        _ product: Double, _ key: String, x: (sum: Double, squares: Double), y: (sum: Double, squares: Double), users: Double,
        _ fail: (String, String) -> DataError
    ) throws {
        guard users > 0 else { return }
        let sxx = max(0, x.squares - x.sum * x.sum / users), syy = max(0, y.squares - y.sum * y.sum / users)
        let sxy = product - x.sum * y.sum / users
        let bound = (sxx * syy).squareRoot()
        guard abs(sxy) <= bound + 1e-9 * max(1, bound, abs(product)) else {
            throw fail(
                key,
                "\(formatPlain(product)) is not possible with these sums and sums of squares (the correlation would exceed 1); check that the sums are of the same users"
            )
        }
    }
}
