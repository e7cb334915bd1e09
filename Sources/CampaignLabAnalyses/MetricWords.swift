import CampaignLabData
import CampaignLabReport

/// How a metric reads in a report, from `metric_definitions`: its label (`label_zh` in Chinese
/// reports) and its numbers' style from its unit — money for a currency, per cent for a share
/// (and percentage points, 个百分点, for a difference of shares), decimals otherwise.
/// Machine-readable records keep the metric's id.
public enum MetricWords {
    static let moneyUnits: Set<String> = ["cny", "rmb", "yuan", "元", "人民币", "¥"]
    /// Units of values from 0 to 1 (not "%" or "rate": a bank's column of 45.0 per cent would
    /// read 4,500%).
    static let shareUnits: Set<String> = ["share", "ratio", "proportion", "比例", "占比"]

    /// The balance the overview's tiers and concentration are about: `aum`, else the first
    /// customer_months metric whose unit is money, else the first whose name says balance.
    /// - Throws: `AnalysisError` (option `metric`) when there is none.
    public static func balanceMetric(_ schema: ContractSchema) throws -> String {
        let metrics = schema.metrics
        if metrics.contains("aum") { return "aum" }
        if let money = metrics.first(where: { m in
            (try? schema.definition(of: m)).map { moneyUnits.contains($0.unit?.lowercased() ?? "") } ?? false
        }) {
            return money
        }
        if let named = metrics.first(where: { ["balance", "aum", "余额", "资产"].contains(where: $0.lowercased().contains) }) { return named }
        throw AnalysisError(
            option: "metric",
            "no balance metric: customer_months has no 'aum', no metric with a money unit in metric_definitions and none named like a balance (metrics: \(metrics.joined(separator: ", "))); name one"
        )
    }

    /// The name readers see.
    public static func label(_ metric: String, _ context: AnalysisContext) -> String {
        guard let definition = try? context.schema.definition(of: metric) else { return metric }
        return context.language == .zh ? (definition.labelZh ?? definition.label) : definition.label
    }

    /// The style of the metric's values (means per customer).
    public static func valueStyle(_ metric: String, _ context: AnalysisContext) -> NumberStyle {
        switch kind(metric, context) {
        case .money: return .currency
        case .share: return .percent(digits: 1)
        case .other: return .decimal(digits: 3)
        }
    }

    /// The style of differences of the metric's values (effects, changes).
    public static func effectStyle(_ metric: String, _ context: AnalysisContext) -> NumberStyle {
        switch kind(metric, context) {
        case .money: return .currency
        case .share: return .percentagePoints(digits: 1)
        case .other: return .decimal(digits: 3)
        }
    }

    enum Kind { case money, share, other }

    /// Money for a currency unit (or `aum` without a definition), a share for a share unit or
    /// an any-event metric (0/1 per customer).
    static func kind(_ metric: String, _ context: AnalysisContext) -> Kind {
        guard let definition = try? context.schema.definition(of: metric), !definition.isDefault else {
            return metric == "aum" ? .money : .other
        }
        let unit = definition.unit?.lowercased() ?? ""
        if moneyUnits.contains(unit) { return .money }
        if shareUnits.contains(unit) || definition.rollup == .any { return .share }
        return .other
    }
}

/// How an arm reads in prose: the usual arm names in words ("participating", 参与), any
/// other arm by its name in quotes, as the data have it. Tables and records keep the names.
public enum ArmWords {
    static let known: [String: (en: String, zh: String)] = [
        "participant": ("participating", "参与"), "participants": ("participating", "参与"),
        "non_participant": ("non-participating", "未参与"), "non_participants": ("non-participating", "未参与"),
        "control": ("control", "对照组"), "treatment": ("treatment", "实验组"),
    ]

    public static func name(_ arm: String, _ context: AnalysisContext) -> String {
        guard let words = known[arm.lowercased()] else { return "'\(arm)'" }
        return context.language == .zh ? words.zh : words.en
    }
}
