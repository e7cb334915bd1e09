import CampaignLabData
import Foundation

/// What the checkup analyses read alike: the activity of every customer (once per run), the
/// activity rule when none is given, and the quarter when none is given.
extension AnalysisContext {
    /// Every customer's months of activity by `rule`, read once per run and shared (from the
    /// run's one pass over customer_months when it was declared).
    func customerActivity(_ rule: ActivityRule) throws -> CustomerActivity {
        try memo("activity|\(rule)") {
            if case .months(let column) = rule, let pass = try monthsPass(covering: .init(activity: [column])) {
                return pass.activity[column]!
            }
            return try CustomerActivity.read(
                rule, schema: schema, database: engine, badRows: badRows, progress: progress)
        }
    }

    /// Every customer's months whose `column` is at least `value` (a balance that keeps a
    /// customer out of dormancy), read once per run (from the run's pass when declared).
    func monthsAtLeast(_ column: String, _ value: Double) throws -> CustomerActivity {
        let threshold = CustomerMonthsRequest.Threshold(column, value)
        return try memo("at-least|\(column)|\(value)") {
            let request = CustomerMonthsRequest(atLeast: [threshold])
            let pass =
                try monthsPass(covering: request)
                ?? CustomerMonthsPass.read(
                    request, schema: schema, database: engine, badRows: badRows, progress: progress)
            return pass.atLeast[threshold]!
        }
    }

    /// `metrics` of every customer summed over each group of months (from the run's one pass
    /// when it was declared).
    func customerSnapshots(metrics: [String], groups: [[YearMonth]]) throws -> CustomerSnapshots {
        if let pass = try monthsPass(covering: .init(metrics: metrics, groups: groups)) {
            return pass.snapshots(metrics: metrics, groups: groups)
        }
        return try CustomerSnapshots.read(
            metrics: metrics, groups: groups, schema: schema, database: engine, badRows: badRows)
    }

    /// Declares what the run's blocks will read of customer_months (before they run): the
    /// first of them to need it reads it all in one pass.
    public func expectMonths(_ request: CustomerMonthsRequest) {
        _ = try? memo("months-request") { request }
    }

    /// The run's pass over customer_months, when the declared request covers `request`; nil
    /// otherwise, or when the pass meets a row it refuses (each block then reads what it needs
    /// and reports its own trouble: a word in one column does not stop the blocks that do
    /// not read it).
    private func monthsPass(covering request: CustomerMonthsRequest) throws -> CustomerMonthsPass? {
        let declared = try memo("months-request") { CustomerMonthsRequest() }
        guard !declared.isEmpty, declared.covers(request) else { return nil }
        do {
            return try memo("months-pass") {
                try CustomerMonthsPass.read(
                    declared, schema: schema, database: engine, badRows: badRows, progress: progress)
            }
        } catch let error as DataError where error.trouble == nil && error != .interrupted {
            return nil
        } catch is AnalysisError {
            return nil
        }
    }

    /// `given`, else the default rule; nil when the data have no default (for the analyses that
    /// can do without activity). Trouble with the file still throws.
    func activityRuleIfAny(_ given: ActivityRule?) throws -> ActivityRule? {
        if let given { return given }
        do { return try CohortRetention.defaultRule(self) } catch is AnalysisError { return nil }
    }
}

extension CustomerMonthsRequest {
    /// What reading activity by `rule` needs of customer_months (nothing for events or no rule).
    static func activity(_ rule: ActivityRule?) -> CustomerMonthsRequest {
        guard case .months(let column)? = rule else { return CustomerMonthsRequest() }
        return CustomerMonthsRequest(activity: [column])
    }
}

extension TierMigration.Quarter {
    /// `given`, else the latest quarter whose last month has customer_months rows.
    static func given(_ given: Self?, orLatestIn context: AnalysisContext) throws -> Self {
        if let given { return given }
        guard let latest = YearMonth(try latestMonth(context)) else {
            throw DataError.contract(table: "customer_months", column: "month", row: nil, message: "the latest month is not 'YYYY-MM'")
        }
        let q = Self(containing: latest)
        return q.lastMonth == latest ? q : q.adding(-1)
    }
}
