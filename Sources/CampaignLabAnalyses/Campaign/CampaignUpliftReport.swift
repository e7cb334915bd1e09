import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// The uplift's report text: what was compared, the growth multiple as usually reported and
/// honestly, the estimates by method, balance after weighting, and the segments.
extension CampaignUplift {
    public static func render(_ a: UpliftAnalysis, _ context: AnalysisContext, showSegments: Bool = true) -> [ReportBlock] {
        intro(a, context) + headline(a, context) + methods(a, context) + balance(a, context)
            + (showSegments ? segments(a, context) : [])
    }

    /// What was compared, over which months, and who was left out.
    static func intro(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        blocks.append(
            .paragraph([
                .text(t("Campaign ", "活动 ")), .strong(a.panel.campaign.name),
                .text(" (\(a.panel.campaign.id), \(a.panel.campaign.design)); "),
                .text(
                    t(
                        "campaign months \(a.panel.windows.post.lowerBound)…\(a.panel.windows.post.upperBound), pre-period \(a.panel.windows.pre.lowerBound)…\(a.panel.windows.pre.upperBound). ",
                        "活动月份 \(a.panel.windows.post.lowerBound)…\(a.panel.windows.post.upperBound)，活动前基期 \(a.panel.windows.pre.lowerBound)…\(a.panel.windows.pre.upperBound)。"
                    )),
                .text(t("Compared: '\(a.treatedName)' against '\(a.controlName)'. ", "比较：'\(a.treatedName)' 对比 '\(a.controlName)'。")),
                .number(Double(a.included.count), .count),
                .text(t(" customers have every metric in both periods", " 位客户在两个时期都有全部指标")),
                .text(
                    a.excluded > 0
                        ? t("; \(formatCount(a.excluded)) without are left out.", "；另有 \(formatCount(a.excluded)) 位缺数据，未计入。") : t(".", "。")),
            ]))
        if !a.panel.metricsLeftOut.isEmpty {
            blocks.append(
                .callout(
                    .note,
                    [
                        .text(
                            t(
                                "Events metrics left out: \(a.panel.metricsLeftOut.joined(separator: ", ")) — no customer of this campaign has their event in the pre-period, so there is no baseline.",
                                "未纳入的事件指标：\(a.panel.metricsLeftOut.joined(separator: "、"))——本活动客户在基期内没有相应事件，无基线可比。"))
                    ]))
        }
        if a.outsideSupport > 0 {
            blocks.append(
                .callout(
                    .note,
                    [
                        .text(
                            t(
                                "\(formatCount(a.outsideSupport)) customers are left out because nobody in the other arm shares their \(a.unsupportedLevels.joined(separator: ", ")): there is no one to compare them with.",
                                "\(formatCount(a.outsideSupport)) 位客户未计入：另一组中没有相同 \(a.unsupportedLevels.joined(separator: "、")) 的客户，无从比较。"))
                    ]))
        }
        return blocks
    }

    /// The multiple the business asks for, and the honest one.
    static func headline(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        blocks.append(.heading(level: 3, [.text(t("The growth multiple — as usually reported, and honestly", "增长倍数：常见口径与真实口径"))]))
        var headline: [[Cell]] = []
        for m in a.metrics {
            headline.append([
                .text(m.metric),
                .interval(
                    estimate: m.arms[1].change.estimate, low: m.arms[1].change.interval.lower, high: m.arms[1].change.interval.upper,
                    style: style(m.metric)),
                .interval(
                    estimate: m.arms[0].change.estimate, low: m.arms[0].change.interval.lower, high: m.arms[0].change.interval.upper,
                    style: style(m.metric)),
                m.multipleIsMeaningless
                    ? .text(t("meaningless (control change ≈ 0)", "无意义（对照组变化≈0）"))
                    : .interval(
                        estimate: m.growthMultiple.estimate, low: m.growthMultiple.interval.lower, high: m.growthMultiple.interval.upper,
                        style: .multiple),
                .interval(
                    estimate: m.doublyRobust.estimate, low: m.doublyRobust.interval.lower, high: m.doublyRobust.interval.upper,
                    style: style(m.metric)),
                .number(m.honestMultiple, style: .multiple),
            ])
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Mean change per customer from the pre-period to the campaign months (95% intervals)", "每位客户从基期到活动月份的平均变化（95% 区间）"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")),
                        ReportTable.Column(t("\(a.treatedName) change", "\(a.treatedName) 变化")),
                        ReportTable.Column(t("\(a.controlName) change", "\(a.controlName) 变化")),
                        ReportTable.Column(t("Naive multiple", "简单倍数")),
                        ReportTable.Column(t("Effect of the campaign (AIPW)", "活动效应（AIPW）")),
                        ReportTable.Column(t("Honest multiple", "真实倍数")),
                    ],
                    rows: headline)))
        if a.panel.campaign.design == "randomized" {
            blocks.append(
                .paragraph([
                    .text(
                        t(
                            "The arms were assigned at random, so their comparison is fair; the multiple still means nothing when the control's change is near zero. The adjusted estimates use the pre-period to narrow the intervals.",
                            "各组为随机分配，比较是公平的；但当对照组变化接近 0 时，倍数依然没有意义。调整后的估计利用基期数据缩小区间。"))
                ]))
        } else {
            blocks.append(
                .paragraph([
                    .text(
                        t(
                            "The naive multiple divides the participants' growth by the non-participants'. Participants choose to join, and those who join were already growing faster, so it measures who joined as much as what the campaign did. The honest multiple is the participants' growth over the growth they would have had anyway (their growth minus the doubly robust effect).",
                            "简单倍数 = 参与者增长 ÷ 未参与者增长。参与是自选择的，参与者本来就增长更快，所以它既反映活动效果，也反映谁参加了活动。真实倍数 = 参与者增长 ÷ 参与者在没有活动时本应有的增长（其增长减去双重稳健估计的效应）。")
                    )
                ]))
        }
        for m in a.metrics where m.multipleIsMeaningless {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "\(m.metric): the 95% interval of the control's change includes zero, so \"participants grew N× as much\" divides by a number that may be zero. Do not quote the multiple; quote the effect.",
                                "\(m.metric)：对照组变化的 95% 区间包含 0，\"参与者增长是未参与者的 N 倍\" 的分母可能为 0。请勿引用该倍数，请引用效应值。"))
                    ]))
        }
        return blocks
    }

    /// Every method's estimate with its interval, p and Holm p; a forest plot per metric.
    static func methods(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        blocks.append(.heading(level: 3, [.text(t("Effect estimates by method", "各方法的效应估计"))]))
        var rows: [[Cell]] = []
        for m in a.metrics {
            let methods: [(String, String, EffectEstimate, String)] = [
                ("Naive: post-period difference", "简单：活动期均值差", m.naiveDifference, "naive"),
                ("Difference-in-differences", "双重差分（DiD）", m.differenceInDifferences, "did"),
                ("Regression-adjusted (pre-period + dimensions, HC1)", "回归调整（基期值 + 维度，HC1）", m.regressionAdjusted, "regression"),
                ("Propensity-weighted ATT (M-estimation SE)", "倾向得分加权 ATT（M 估计标准误）", m.weighted.effect, "ipw"),
                ("Doubly robust AIPW (ATT)", "双重稳健 AIPW（ATT）", m.doublyRobust, "aipw"),
            ]
            for (en, zh, e, key) in methods {
                rows.append([
                    .text(m.metric), .text(t(en, zh)),
                    .interval(estimate: e.estimate, low: e.interval.lower, high: e.interval.upper, style: style(m.metric)),
                    .number(e.pValue, style: .pValue), .number(m.adjustedPValues[key] ?? .nan, style: .pValue),
                ])
            }
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Effect on '\(a.treatedName)' customers (ATT), 95% intervals; Holm correction across metrics per method",
                        "对 '\(a.treatedName)' 客户的效应（ATT），95% 区间；按方法在指标间做 Holm 校正"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Method", "方法")),
                        ReportTable.Column(t("Estimate (95% CI)", "估计值（95% 区间）")),
                        ReportTable.Column("p"), ReportTable.Column(t("Holm p", "Holm 校正 p")),
                    ],
                    rows: rows)))
        for m in a.metrics {
            let list: [(String, EffectEstimate)] = [
                (t("Naive", "简单差"), m.naiveDifference), ("DiD", m.differenceInDifferences),
                (t("Regression", "回归调整"), m.regressionAdjusted), ("IPW", m.weighted.effect), ("AIPW", m.doublyRobust),
            ]
            blocks.append(
                effectForest(
                    id: "uplift-methods", metric: m.metric, context,
                    title: t("\(m.metric): effect by method", "\(m.metric)：各方法的效应"),
                    subtitle: t("naive comparisons include who chose to join", "简单比较包含了自选择的影响"),
                    rows: list.map {
                        ForestData.Row(label: $0.0, estimate: $0.1.estimate, low: $0.1.interval.lower, high: $0.1.interval.upper)
                    }))
        }
        return blocks
    }

    /// Balance and overlap after propensity weighting.
    static func balance(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        if let w = a.metrics.first?.weighted {
            blocks.append(.heading(level: 3, [.text(t("Balance after propensity weighting", "倾向得分加权后的平衡性"))]))
            if a.propensityStatus != .converged {
                blocks.append(
                    .callout(
                        .warning,
                        [
                            .text(
                                t(
                                    "The propensity model did not converge cleanly (\(a.propensityStatus)); weighted estimates are unreliable.",
                                    "倾向得分模型未正常收敛（\(a.propensityStatus)）；加权估计不可靠。"))
                        ]))
            }
            let imbalanced = w.balance.filter(\.isImbalanced).map { a.propensityCovariates[$0.index] }
            if !imbalanced.isEmpty {
                blocks.append(
                    .callout(
                        .warning,
                        [
                            .text(
                                t(
                                    "Still imbalanced after weighting (|SMD| > 0.1): \(imbalanced.joined(separator: ", ")).",
                                    "加权后仍不平衡（|SMD| > 0.1）：\(imbalanced.joined(separator: ", "))。"))
                        ]))
            }
            blocks.append(
                .keyFigures([
                    KeyFigure(
                        label: t("Effective sample size, \(a.controlName)", "\(a.controlName) 有效样本量"),
                        value: w.effectiveSampleSize.comparison, style: .count,
                        detail: t(
                            "of \(formatCount(a.metrics[0].arms[0].customers)) customers",
                            "共 \(formatCount(a.metrics[0].arms[0].customers)) 位")),
                    KeyFigure(label: t("Largest weight", "最大权重"), value: w.largestWeight.comparison, style: .decimal(digits: 1)),
                ]))
            blocks.append(
                .table(
                    ReportTable(
                        caption: t("Overlap: estimated propensity to take part, by arm", "重叠性：各组的参与倾向得分"),
                        columns: [
                            ReportTable.Column(t("Arm", "组别")), ReportTable.Column(t("Lowest", "最低"), style: .decimal(digits: 4)),
                            ReportTable.Column(t("Highest", "最高"), style: .decimal(digits: 4)),
                        ],
                        rows: [
                            [
                                .text(a.treatedName), .number(w.propensityRange.treated.lowerBound),
                                .number(w.propensityRange.treated.upperBound),
                            ],
                            [
                                .text(a.controlName), .number(w.propensityRange.comparison.lowerBound),
                                .number(w.propensityRange.comparison.upperBound),
                            ],
                        ])))
            blocks.append(
                .table(
                    ReportTable(
                        caption: t(
                            "Standardized mean differences of the propensity-model covariates (Austin 2009)",
                            "倾向得分模型协变量的标准化均值差（Austin 2009）"),
                        columns: [
                            ReportTable.Column(t("Covariate", "协变量")),
                            ReportTable.Column(t("SMD before", "加权前 SMD"), style: .decimal(digits: 3)),
                            ReportTable.Column(t("SMD after", "加权后 SMD"), style: .decimal(digits: 3)),
                            ReportTable.Column(t("Variance ratio after", "加权后方差比"), style: .decimal(digits: 2)),
                        ],
                        rows: w.balance.map {
                            [
                                .text(a.propensityCovariates[$0.index]), .number($0.before), .number($0.after),
                                .number($0.varianceRatioAfter),
                            ]
                        })))
        }
        return blocks
    }

    /// The regression-adjusted effect within each level of each dimension, as forest plots.
    static func segments(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        blocks.append(.heading(level: 3, [.text(t("By segment", "分群结果"))]))
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "Regression-adjusted effect (pre-period values as covariates, HC1) within each level of each customer dimension; levels with too few customers in an arm are left blank.",
                        "在每个客户维度的每个取值内做回归调整（基期值为协变量，HC1）；某组客户过少的取值留空。"))
            ]))
        for m in a.metrics {
            let list = a.segments[m.metric] ?? []
            var forest: [ForestData.Row] = [
                ForestData.Row(
                    label: t("All (AIPW)", "全部（AIPW）"), estimate: m.doublyRobust.estimate,
                    low: m.doublyRobust.interval.lower, high: m.doublyRobust.interval.upper, isSummary: true)
            ]
            for s in list {
                guard let e = s.effect else { continue }
                forest.append(
                    ForestData.Row(
                        label: "\(s.dimension): \(s.level)", estimate: e.estimate, low: e.interval.lower,
                        high: e.interval.upper, detail: "n = \(formatCount(s.treated)) / \(formatCount(s.control))"))
            }
            blocks.append(
                effectForest(
                    id: "uplift-segments", metric: m.metric, context,
                    title: t("\(m.metric): effect by segment", "\(m.metric)：分群效应"),
                    subtitle: "n = \(a.treatedName) / \(a.controlName)", rows: forest))
        }
        return blocks
    }
}

extension UpliftAnalysis {
    /// The name of the arm compared with the control.
    var treatedName: String { panel.arms[treatedArm] }
    /// The name of the control arm.
    var controlName: String { panel.arms[0] }
}
