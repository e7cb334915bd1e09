import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The uplift's report text: what was compared, the effect of the campaign (in money and in
/// per cent), every method in order (naive → DiD → adjusted), balance after weighting, the
/// segments, and the flat `estimates` records for BI tools.
extension CampaignUplift {
    public static func render(_ analyses: [UpliftAnalysis], _ context: AnalysisContext, showSegments: Bool = true) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        for a in analyses {
            if analyses.count > 1 { blocks.append(a.comparisonHeading(context)) }
            blocks += intro(a, context)
            blocks += a.randomized ? armTable(a, context) : headline(a, context)
            blocks += methods(a, context) + balance(a, context) + (showSegments ? segments(a, context) : [])
        }
        blocks.append(.records(name: "estimates", analyses.flatMap { estimateRecords($0, context) }))
        return blocks
    }

    /// What was compared, over which months, and who was left out.
    static func intro(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let design = a.randomized ? t("randomized", "随机分组") : t("observational: customers chose to take part", "观察性：客户自行选择参加")
        var blocks: [ReportBlock] = [
            .paragraph([
                .text(t("Campaign ", "活动 ")), .strong(a.panel.campaign.name),
                .text(" (\(a.panel.campaign.id), \(design)); "),
                .text(
                    t(
                        "campaign months \(a.panel.windows.post.lowerBound)…\(a.panel.windows.post.upperBound), pre-period \(a.panel.windows.pre.lowerBound)…\(a.panel.windows.pre.upperBound). ",
                        "活动月份 \(a.panel.windows.post.lowerBound)…\(a.panel.windows.post.upperBound)，活动前基期 \(a.panel.windows.pre.lowerBound)…\(a.panel.windows.pre.upperBound)。"
                    )),
                .text(
                    t(
                        "Compared: \(ArmWords.name(a.treatedName, context)) customers against \(ArmWords.name(a.controlName, context)) customers. ",
                        "比较：\(ArmWords.name(a.treatedName, context))客户对比\(ArmWords.name(a.controlName, context))客户。")),
                .number(Double(a.included.count), .count),
                .text(t(" customers have every metric in both periods", " 位客户在两个时期都有全部指标")),
                .text(
                    a.excluded > 0
                        ? t("; \(formatCount(a.excluded)) without are left out.", "；另有 \(formatCount(a.excluded)) 位缺数据，未计入。") : t(".", "。")),
            ])
        ]
        var notes: [String] = []
        let missing = a.panel.preMonthsWithoutData
        if !missing.isEmpty {
            let preCount = a.panel.windows.pre.upperBound.index - a.panel.windows.pre.lowerBound.index + 1
            let months = missing.map(\.description).joined(separator: ", ")
            notes.append(
                t(
                    "The pre-period reaches back before the data: no customer of this campaign has a monthly snapshot in \(months); the pre-period values are over its other \(preCount - missing.count) months (a shorter pre-period avoids this).",
                    "活动前基期早于数据起点：本活动客户在 \(missing.map(\.description).joined(separator: "、")) 没有月度快照；基期数值按其余 \(preCount - missing.count) 个月计算（缩短基期可避免）。"
                ))
        }
        if !a.panel.metricsLeftOut.isEmpty {
            notes.append(
                t(
                    "Events metrics left out: \(a.panel.metricsLeftOut.map { MetricWords.label($0, context) }.joined(separator: ", ")) — no customer of this campaign has their event in the pre-period, so there is no baseline.",
                    "未纳入的事件指标：\(a.panel.metricsLeftOut.map { MetricWords.label($0, context) }.joined(separator: "、"))——本活动客户在基期内没有相应事件，无基线可比。"
                ))
        }
        if a.outsideSupport > 0 {
            notes.append(
                t(
                    "\(formatCount(a.outsideSupport)) customers are left out because nobody in the other arm shares their \(a.unsupportedLevels.joined(separator: ", ")): there is no one to compare them with.",
                    "\(formatCount(a.outsideSupport)) 位客户未计入：另一组中没有相同 \(a.unsupportedLevels.joined(separator: "、")) 的客户，无从比较。"))
        }
        if let trimmed = a.trimmed {
            let bound = String(format: "%.3f", trimmed.bound), upper = String(format: "%.3f", 1 - trimmed.bound)
            notes.append(
                t(
                    "Trimmed for overlap (Crump et al. 2009): \(formatCount(trimmed.count)) customers whose propensity to take part lies outside \(bound)…\(upper) are left out; the effect is that on the participants who have comparable non-participants.",
                    "按重叠性修剪（Crump 等，2009）：参与倾向得分不在 \(bound)…\(upper) 内的 \(formatCount(trimmed.count)) 位客户未计入；效应针对有可比未参与者的参与者。"))
        }
        let constant = a.droppedCovariates.filter { $0.reason == .constant }.map(\.name)
        let collinear = a.droppedCovariates.filter { $0.reason == .collinear }.map(\.name)
        if !constant.isEmpty {
            notes.append(
                t(
                    "Left out of the models because every customer has the same value: \(constant.joined(separator: ", ")).",
                    "以下协变量所有客户取值相同，未纳入模型：\(constant.joined(separator: "、"))。"))
        }
        if !collinear.isEmpty {
            notes.append(
                t(
                    "Left out of the models because they repeat what other covariates already say (collinear): \(collinear.joined(separator: ", ")).",
                    "以下协变量与其他协变量共线（信息重复），未纳入模型：\(collinear.joined(separator: "、"))。"))
        }
        blocks += notes.map { .callout(.note, [.text($0)]) }
        return blocks
    }

    static func intervalCell(_ e: EffectEstimate?, _ style: NumberStyle) -> Cell {
        e.map { .interval(estimate: $0.estimate, low: $0.interval.lower, high: $0.interval.upper, style: style) } ?? .null
    }

    static func relativeCell(_ r: RelativeEffect?) -> Cell {
        r.map { .interval(estimate: $0.estimate, low: $0.interval.lower, high: $0.interval.upper, style: .percent(digits: 1)) } ?? .null
    }

    /// Observational: the effect of the campaign by the default method, and the growth multiple
    /// as usually reported against the honest one.
    static func headline(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = [.heading(level: 3, [.text(t("The effect of the campaign", "活动效应"))])]
        // Named in the caption when every metric has the same default (a metric whose default
        // could not be computed falls back to another method: then the estimates table names it).
        let defaults = Set(a.metrics.compactMap(\.defaultMethod))
        let method = defaults.count == 1 ? defaults.first : nil
        var rows: [[Cell]] = []
        for m in a.metrics {
            let h = m.headline
            rows.append([
                .text(MetricWords.label(m.metric, context)), intervalCell(h?.effect, MetricWords.effectStyle(m.metric, context)),
                relativeCell(h?.relative),
                h?.effect.map { .number($0.pValue, style: .pValue) } ?? .null,
                intervalCell(m.arms[1].change, MetricWords.effectStyle(m.metric, context)),
                intervalCell(m.arms[0].change, MetricWords.effectStyle(m.metric, context)),
                intervalCell(m.growthMultiple, .multiple),
                m.honestMultiple.map { .number($0, style: .multiple) } ?? .null,
            ])
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Effect per \(ArmWords.name(a.treatedName, context)) customer\(method.map { " (\($0.title(context)))" } ?? ""), in money and in per cent of what they would have had without the campaign; mean change from the pre-period to the campaign months; 95% intervals",
                        "每位\(ArmWords.name(a.treatedName, context))客户的效应\(method.map { "（\($0.title(context))）" } ?? "")，以金额及相对无活动时水平的百分比表示；基期到活动月份的平均变化；95% 区间"
                    ),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Effect", "效应")),
                        ReportTable.Column(t("Effect in %", "提升率")), ReportTable.Column("p"),
                        ReportTable.Column(
                            t("Change, \(ArmWords.name(a.treatedName, context)) customers", "\(ArmWords.name(a.treatedName, context))客户变化")),
                        ReportTable.Column(
                            t("Change, \(ArmWords.name(a.controlName, context)) customers", "\(ArmWords.name(a.controlName, context))客户变化")),
                        ReportTable.Column(t("Growth multiple as usually quoted", "常见口径增长倍数")),
                        ReportTable.Column(t("Honest multiple", "真实倍数")),
                    ],
                    rows: rows)))
        blocks.append(
            .paragraph([
                .text(
                    t(
                        "The usual multiple divides the participants' growth by the non-participants'. Participants choose to join, and those who join were already growing faster, so it measures who joined as much as what the campaign did. The honest multiple divides the participants' growth by the growth they would have had anyway (their growth minus the effect).",
                        "常见口径倍数 = 参与者增长 ÷ 未参与者增长。参与是自选择的，参与者本来就增长更快，所以它既反映活动效果，也反映谁参加了活动。真实倍数 = 参与者增长 ÷ 参与者在没有活动时本应有的增长（其增长减去效应）。")
                )
            ]))
        for m in a.metrics {
            var why: [String] = []
            if let note = m.multipleNote { why.append(t("usual multiple — ", "常见口径倍数：") + note.text(context)) }
            if let note = m.honestMultipleNote { why.append(t("honest multiple — ", "真实倍数：") + note.text(context)) }
            if m.noVariation { why = [UpliftNote.noVariation.text(context)] }
            if !why.isEmpty {
                blocks.append(.callout(.note, [.strong(MetricWords.label(m.metric, context)), .text(": " + why.joined(separator: "; "))]))
            }
        }
        return blocks
    }

    /// Randomized: per-arm means and the difference with its standard error, t and p, beside the
    /// regression-adjusted (CUPED-like) estimate.
    static func armTable(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var rows: [[Cell]] = []
        for m in a.metrics {
            let naive = m.estimate(.naive)?.effect, adjusted = m.estimate(.regression)
            rows.append([
                .text(MetricWords.label(m.metric, context)), .integer(Int64(m.arms[1].customers)),
                .number(m.arms[1].postMean, style: MetricWords.valueStyle(m.metric, context)),
                .integer(Int64(m.arms[0].customers)), .number(m.arms[0].postMean, style: MetricWords.valueStyle(m.metric, context)),
                naive.map { .number($0.estimate, style: MetricWords.effectStyle(m.metric, context)) } ?? .null,
                naive.map { .number($0.standardError, style: MetricWords.effectStyle(m.metric, context)) } ?? .null,
                naive.map { .number($0.estimate / $0.standardError, style: .decimal(digits: 2)) } ?? .null,
                naive.map { .number($0.pValue, style: .pValue) } ?? .null,
                intervalCell(adjusted?.effect, MetricWords.effectStyle(m.metric, context)), relativeCell(adjusted?.relative),
            ])
        }
        return [
            .heading(level: 3, [.text(t("Arms compared", "各组对比"))]),
            .table(
                ReportTable(
                    caption: t(
                        "Campaign-month means per arm; difference \(ArmWords.name(a.treatedName, context)) − \(ArmWords.name(a.controlName, context)) (Welch), and the estimate adjusted for pre-period values (CUPED-like regression, narrower when the pre-period predicts the outcome); 95% intervals",
                        "各组活动期均值；\(ArmWords.name(a.treatedName, context)) − \(ArmWords.name(a.controlName, context)) 的差（Welch），以及用基期值调整后的估计（类 CUPED 回归，基期越能预测结果区间越窄）；95% 区间"
                    ),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("\(a.treatedName) n", "\(a.treatedName) 人数")),
                        ReportTable.Column(t("\(a.treatedName) mean", "\(a.treatedName) 均值")),
                        ReportTable.Column(t("\(a.controlName) n", "\(a.controlName) 人数")),
                        ReportTable.Column(t("\(a.controlName) mean", "\(a.controlName) 均值")),
                        ReportTable.Column(t("Difference", "差值")), ReportTable.Column(t("Standard error", "标准误")),
                        ReportTable.Column("t"), ReportTable.Column("p"),
                        ReportTable.Column(t("Adjusted effect", "调整后效应")), ReportTable.Column(t("Effect in %", "提升率")),
                    ],
                    rows: rows)),
        ]
    }

    /// Every method's estimate with its interval, relative effect, p and Holm p; a forest plot per metric.
    static func methods(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = [.heading(level: 3, [.text(t("Effect estimates by method", "各方法的效应估计"))])]
        var rows: [[Cell]] = []
        for m in a.metrics {
            for e in m.estimates {
                let notes = [e.note, e.relativeNote].compactMap { $0?.text(context) }
                rows.append([
                    .text(MetricWords.label(m.metric, context)),
                    .text(e.method.title(context) + (e.method == m.defaultMethod ? t(" (default)", "（默认）") : "")),
                    intervalCell(e.effect, MetricWords.effectStyle(m.metric, context)), relativeCell(e.relative),
                    e.effect.map { .number($0.pValue, style: .pValue) } ?? .null,
                    e.adjustedPValue.map { .number($0, style: .pValue) } ?? .null,
                    .text(notes.joined(separator: "; ")),
                ])
            }
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Effect on \(ArmWords.name(a.treatedName, context)) customers, 95% intervals; p adjusted (Holm) across metrics per method",
                        "对\(ArmWords.name(a.treatedName, context))客户的效应，95% 区间；p 值按方法在指标间做 Holm 校正"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Method", "方法")),
                        ReportTable.Column(t("Effect (95% CI)", "效应（95% 区间）")),
                        ReportTable.Column(t("Effect in % (95% CI)", "提升率（95% 区间）")), ReportTable.Column("p"),
                        ReportTable.Column(t("p, adjusted", "校正后 p")), ReportTable.Column(t("Note", "说明")),
                    ],
                    rows: rows)))
        let disagree = a.disagreements.map { MetricWords.label($0, context) }
        if !disagree.isEmpty {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "For \(disagree.joined(separator: ", ")), difference-in-differences and the default estimate disagree (neither inside the other's interval). They rest on different assumptions: DiD, that both groups would have changed alike without the campaign; the default, that customers alike before the campaign would have changed alike. When joining depends on something the pre-period measures only roughly (a customer's underlying activity), matching on the pre-period under-corrects and DiD is closer; when customers at different levels grow at different rates, DiD is biased and the default is closer. Say which story fits this campaign before quoting either.",
                                "\(disagree.joined(separator: "、"))的双重差分与默认估计不一致（互不落在对方区间内）。两者假设不同：双重差分假设没有活动时两组的变化相同；默认方法假设活动前相似的客户变化相同。若参与取决于基期只能粗略反映的因素（客户的潜在活跃度），按基期匹配会校正不足，双重差分更接近；若不同水平的客户增长速度不同，双重差分有偏，默认方法更接近。引用前请先判断哪种情形符合本次活动。"
                            ))
                    ]))
        }
        for m in a.metrics where !m.noVariation {
            let list = m.estimates.compactMap { e in e.effect.map { (e.method, $0) } }
            blocks.append(
                effectForest(
                    id: "uplift-methods\(a.armSuffix)", metric: m.metric, context,
                    title: t("\(MetricWords.label(m.metric, context)): effect by method", "\(MetricWords.label(m.metric, context))：各方法的效应"),
                    subtitle: a.randomized
                        ? t("randomized: every method is fair; adjustment narrows the interval", "随机分组：各方法都公平，调整可缩小区间")
                        : t("naive comparisons include who chose to join", "简单对比包含了自选择的影响"),
                    rows: list.map {
                        ForestData.Row(
                            label: $0.0.shortTitle(context), estimate: $0.1.estimate, low: $0.1.interval.lower, high: $0.1.interval.upper,
                            isSummary: $0.0 == m.defaultMethod)
                    }))
        }
        return blocks
    }
}

extension UpliftAnalysis {
    /// The name of the arm compared with the control.
    var treatedName: String { panel.arms[treatedArm] }
    /// The name of the control arm.
    var controlName: String { panel.arms[0] }
    /// "'variant_a' against 'control'": the heading of each arm's part when several are compared.
    func comparisonHeading(_ context: AnalysisContext) -> ReportBlock {
        .heading(
            level: 3,
            [
                .text(
                    context.text(
                        "\(ArmWords.name(treatedName, context)) against \(ArmWords.name(controlName, context))",
                        "\(ArmWords.name(treatedName, context))对比\(ArmWords.name(controlName, context))"))
            ])
    }
    /// Metrics whose DiD and default estimates lie outside each other's intervals (observational).
    var disagreements: [String] {
        guard !randomized else { return [] }
        return metrics.filter { m in
            guard let did = m.estimate(.did)?.effect, let h = m.headline?.effect, m.defaultMethod != .did else { return false }
            return !did.interval.contains(h.estimate) && !h.interval.contains(did.estimate)
        }.map(\.metric)
    }
    /// A suffix for chart ids when several arms are compared ("" for the first).
    var armSuffix: String { treatedArm == 1 ? "" : "-\(slug(treatedName))" }
}
