import CampaignLabData
import Foundation

/// What the checkup analyses read alike: the activity of every customer (once per run), the
/// activity rule when none is given, and the quarter when none is given.
extension AnalysisContext {
    /// Every customer's months of activity by `rule`, read once per run and shared.
    func customerActivity(_ rule: ActivityRule) throws -> CustomerActivity {
        try memo("activity|\(rule)") {
            try CustomerActivity.read(rule, schema: schema, database: database, badRows: badRows, progress: progress)
        }
    }

    /// `given`, else the default rule; nil when the data have no default (for the analyses that
    /// can do without activity). Trouble with the file still throws.
    func activityRuleIfAny(_ given: ActivityRule?) throws -> ActivityRule? {
        if let given { return given }
        do { return try CohortRetention.defaultRule(self) } catch is AnalysisError { return nil }
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
