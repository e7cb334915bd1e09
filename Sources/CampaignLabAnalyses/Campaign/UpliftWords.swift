import CampaignLabReport
import CampaignLabStats

/// The words a report uses for the uplift's methods and notes (never an internal name).
extension UpliftMethod {
    func title(_ context: AnalysisContext) -> String {
        let t = context.text
        switch self {
        case .naive: return t("Naive: difference of campaign-month means", "简单对比：活动期均值差")
        case .did: return t("Difference-in-differences", "双重差分（DiD）")
        case .regression: return t("Regression-adjusted (pre-period values and dimensions)", "回归调整（基期值与维度）")
        case .ipw: return t("Propensity-weighted", "倾向得分加权")
        case .ipwChange: return t("Propensity-weighted change", "倾向得分加权（变化量）")
        case .entropy: return t("Entropy balancing", "熵平衡加权")
        case .drdid: return t("Doubly robust DiD", "双重稳健双重差分")
        case .aipw: return t("Doubly robust (AIPW)", "双重稳健（AIPW）")
        }
    }

    /// A short label for charts.
    func shortTitle(_ context: AnalysisContext) -> String {
        let t = context.text
        switch self {
        case .naive: return t("Naive", "简单对比")
        case .did: return "DiD"
        case .regression: return t("Regression", "回归调整")
        case .ipw: return "IPW"
        case .ipwChange: return t("IPW on change", "IPW（变化量）")
        case .entropy: return t("Entropy balancing", "熵平衡")
        case .drdid: return "DR-DiD"
        case .aipw: return "AIPW"
        }
    }
}

extension UpliftNote {
    func text(_ context: AnalysisContext) -> String {
        let t = context.text
        switch self {
        case .noVariation:
            return t("the metric has the same value for every customer: there is nothing to estimate", "该指标所有客户取值相同，无可估计")
        case .notEstimable:
            return t("could not be estimated on these data", "在这些数据上无法估计")
        case .noBalance(let covariate):
            return t(
                "no weighting of the comparison group matches the participants on every covariate at once (among them \(covariate)); the groups barely overlap",
                "对照组无论如何加权都无法在所有协变量上同时与参与者一致（其中包括 \(covariate)）；两组几乎没有重叠")
        case .propensityUnreliable:
            return t(
                "the propensity model could not separate the groups cleanly: treat this estimate as unreliable",
                "倾向得分模型未能正常拟合：此估计不可靠")
        case .noRelativeBase:
            return t(
                "no percentage: what the participants would have had without the campaign is not clearly above zero",
                "无百分比：参与者在无活动时的水平不明显大于 0")
        case .noGrowthBase:
            return t(
                "no \"N× as much growth\": the growth it would divide by is not clearly above zero",
                "不给出“增长是 N 倍”：作为分母的增长不明显大于 0")
        case .metricsOnlyBalance:
            return t(
                "balanced on the pre-period values only: this level is too small to match the other dimensions as well",
                "仅按基期指标平衡：该取值客户太少，无法同时匹配其他维度")
        case .tooFewCustomers:
            return t(
                "fewer than \(UpliftInputs.segmentMinimum) customers in an arm",
                "某组客户少于 \(UpliftInputs.segmentMinimum) 位")
        }
    }
}
