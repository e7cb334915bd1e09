import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The uplift's balance table, segment tables and machine-readable estimates.
extension CampaignUplift {
    /// Balance below this |SMD| after weighting counts as balanced (raw and log scale).
    static let balanceThreshold = 0.1
    /// Overlap counts as poor when the weighted comparison group is worth fewer customers than this
    /// share of its customers (or when no weights balance it at all).
    static let poorOverlapShare = 0.1

    /// Balance and overlap after propensity weighting and entropy balancing.
    static func balance(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        guard let b = a.balance else { return [] }
        let t = context.text
        var blocks: [ReportBlock] = [.heading(level: 3, [.text(t("Do the groups look alike after weighting?", "加权后两组是否可比？"))])]
        if b.propensityStatus != .converged {
            blocks.append(.callout(.warning, [.text(UpliftNote.propensityUnreliable.text(context))]))
        }
        if let note = b.entropyNote {
            blocks.append(.callout(.warning, [.text(t("Entropy balancing: ", "熵平衡加权：") + note.text(context))]))
        }
        let imbalanced = b.rows.filter { abs($0.afterPropensity) > balanceThreshold }.map(\.covariate)
        if !imbalanced.isEmpty {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "After propensity weighting the groups still differ on \(imbalanced.joined(separator: ", ")) (by more than a tenth of a standard deviation): its estimates can be biased\(b.entropy != nil ? "; entropy balancing matches every one of these averages exactly" : "").",
                                "倾向得分加权后两组在 \(imbalanced.joined(separator: "、")) 上仍有差异（超过 0.1 个标准差）：其估计可能有偏\(b.entropy != nil ? "；熵平衡加权使这些均值完全一致" : "")。"
                            ))
                    ]))
        }
        let participants = Double(a.metrics.first?.arms[1].customers ?? 0)
        let controls = a.metrics.first?.arms[0].customers ?? 0
        var figures = [
            KeyFigure(
                label: t("Comparison group worth, propensity weighting", "倾向得分加权后对照组相当于"),
                value: b.propensity.effectiveSampleSize.comparison, style: .count,
                detail: t("customers, of \(formatCount(controls))", "位客户（共 \(formatCount(controls)) 位）")),
            KeyFigure(
                label: t("Largest weight, propensity weighting", "倾向得分加权最大权重"), value: b.propensity.largestWeight.comparison,
                style: .decimal(digits: 1), detail: t("a weight of 1 is an average customer", "权重 1 代表一位普通客户")),
        ]
        if let e = b.entropy {
            figures += [
                KeyFigure(
                    label: t("Comparison group worth, entropy balancing", "熵平衡后对照组相当于"), value: e.effectiveControls, style: .count,
                    detail: t("customers, of \(formatCount(controls))", "位客户（共 \(formatCount(controls)) 位）")),
                KeyFigure(
                    label: t("Largest weight, entropy balancing", "熵平衡最大权重"),
                    value: e.weights.enumerated().filter { !a.isTreated($0.offset) }.map(\.element).max() ?? 0, style: .decimal(digits: 1)),
            ]
        }
        blocks.append(.keyFigures(figures))
        let worth = min(b.propensity.effectiveSampleSize.comparison, b.entropy?.effectiveControls ?? .infinity)
        if worth < poorOverlapShare * Double(controls) || b.entropyNote != nil {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "Poor overlap: after weighting, the comparison group is worth only \(formatCount(Int(worth.rounded()))) customers for \(formatCount(Int(participants))) participants — few non-participants resemble the participants, so every adjusted estimate leans on a handful of customers\(a.trimmed == nil ? "; --trim (trim: true) leaves out the customers without counterparts" : "").",
                                "重叠性差：加权后对照组仅相当于 \(formatCount(Int(worth.rounded()))) 位客户，而参与者有 \(formatCount(Int(participants))) 位——与参与者相似的未参与者很少，所有调整后的估计都依赖少数客户\(a.trimmed == nil ? "；可用 --trim（trim: true）剔除没有可比对象的客户" : "")。"
                            ))
                    ]))
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Standardized mean differences (participants − comparison, in pooled standard deviations; Austin 2009), before and after each weighting, on the raw and the log scale",
                        "标准化均值差（参与者 − 对照组，以合并标准差计；Austin 2009），各加权方法前后，原始尺度与对数尺度"),
                    columns: [
                        ReportTable.Column(t("Covariate", "协变量")),
                        ReportTable.Column(t("Before", "加权前"), style: .decimal(digits: 3)),
                        ReportTable.Column(t("Propensity weighting", "倾向得分加权"), style: .decimal(digits: 3)),
                        ReportTable.Column(t("Entropy balancing", "熵平衡"), style: .decimal(digits: 3)),
                    ],
                    rows: b.rows.map { r in
                        [
                            .text(r.covariate), .number(r.before), .number(r.afterPropensity),
                            r.afterEntropy.map { .number(abs($0) < 5e-7 ? 0 : $0) } ?? .null,
                        ]
                    })))
        return blocks
    }

    /// Per dimension: each level's effect with its interval, Holm p and shrunken estimate, and
    /// whether the levels differ at all; forest plots per metric.
    static func segments(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        guard !a.segments.isEmpty else { return [] }
        let t = context.text
        let method = a.segments.first?.levels.first?.method ?? .regression
        var blocks: [ReportBlock] = [
            .heading(level: 3, [.text(t("By segment", "分群结果"))]),
            .paragraph([
                .text(
                    t(
                        "The effect within each level of each customer dimension (\(method.title(context)) within the level). With many levels, some look large by chance: p is adjusted (Holm) across the levels of a dimension, the shrunken estimate pulls each level toward the common effect as far as its noise warrants (empirical Bayes), and the test of equal effects says whether the levels differ at all.",
                        "每个客户维度各取值内的效应（在该取值内做\(method.title(context))）。取值一多，总有一些偶然显得很大：p 值在同一维度的取值间做 Holm 校正；收缩估计按噪声大小把各取值拉向共同效应（经验贝叶斯）；“效应相同”检验回答各取值之间到底有没有差别。"
                    ))
            ]),
        ]
        for dimension in a.segments {
            let style = MetricWords.effectStyle(dimension.metric, context)
            let rows: [[Cell]] = dimension.levels.map { s in
                [
                    .text(s.level), .integer(Int64(s.treated)), .integer(Int64(s.control)), intervalCell(s.effect, style),
                    s.holmPValue.map { .number($0, style: .pValue) } ?? .null,
                    s.shrunken.map { v in
                        let sd = s.shrunkenStandardDeviation ?? 0
                        return .interval(estimate: v, low: v - 1.959963984540054 * sd, high: v + 1.959963984540054 * sd, style: style)
                    } ?? .null,
                    .text(s.note?.text(context) ?? ""),
                ]
            }
            let test =
                dimension.heterogeneityAdjusted.map { p in
                    t("; equal effects across levels: \(formatP(p)) (Holm across dimensions)", "；各取值效应相同的检验：\(formatP(p))（维度间 Holm 校正）")
                } ?? ""
            blocks.append(
                .table(
                    ReportTable(
                        caption: t(
                            "\(MetricWords.label(dimension.metric, context)) by \(dimension.dimension)\(test)",
                            "\(MetricWords.label(dimension.metric, context))，按 \(dimension.dimension)\(test)"),
                        columns: [
                            ReportTable.Column(dimension.dimension), ReportTable.Column(a.treatedName),
                            ReportTable.Column(a.controlName), ReportTable.Column(t("Effect (95% CI)", "效应（95% 区间）")),
                            ReportTable.Column(t("p, adjusted", "校正后 p")),
                            ReportTable.Column(t("Shrunken effect (95%)", "收缩估计（95%）")), ReportTable.Column(t("Note", "说明")),
                        ],
                        rows: rows)))
        }
        for m in a.metrics where !m.noVariation {
            var forest: [ForestData.Row] = []
            if let h = m.headline?.effect {
                forest.append(
                    ForestData.Row(
                        label: t("All", "全部"), estimate: h.estimate, low: h.interval.lower, high: h.interval.upper, isSummary: true))
            }
            for s in a.segments.filter({ $0.metric == m.metric }).flatMap(\.levels) {
                guard let e = s.effect else { continue }
                forest.append(
                    ForestData.Row(
                        label: "\(s.dimension): \(s.level)", estimate: e.estimate, low: e.interval.lower, high: e.interval.upper,
                        detail: "n = \(formatCount(s.treated)) / \(formatCount(s.control))"))
            }
            blocks.append(
                effectForest(
                    id: "uplift-segments\(a.armSuffix)", metric: m.metric, context,
                    title: t("\(MetricWords.label(m.metric, context)): effect by segment", "\(MetricWords.label(m.metric, context))：分群效应"),
                    subtitle: "n = \(a.treatedName) / \(a.controlName)", rows: forest))
        }
        return blocks
    }

    /// The flat `estimates` list: one record per metric × arm × method, then per segment level.
    static func estimateRecords(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [DataRecord] {
        var records: [DataRecord] = []
        func record(
            metric: String, method: UpliftMethod, dimension: String?, level: String?, effect: EffectEstimate?,
            adjusted: Double?, relative: RelativeEffect?, isDefault: Bool, notes: [UpliftNote?]
        ) -> DataRecord {
            let text = notes.compactMap { $0?.text(context) }.joined(separator: "; ")
            return DataRecord([
                "metric": .text(metric), "arm": .text(a.treatedName), "method": .text(method.rawValue),
                "dimension": .optional(dimension), "level": .optional(level), "estimate": .optional(effect?.estimate),
                "low": .optional(effect?.interval.lower), "high": .optional(effect?.interval.upper),
                "p_value": .optional(effect?.pValue), "p_adjusted": .optional(adjusted), "relative": .optional(relative?.estimate),
                "relative_low": .optional(relative?.interval.lower), "relative_high": .optional(relative?.interval.upper),
                "default": .bool(isDefault), "note": .optional(text.isEmpty ? nil : text),
            ])
        }
        for m in a.metrics {
            for e in m.estimates {
                records.append(
                    record(
                        metric: m.metric, method: e.method, dimension: nil, level: nil, effect: e.effect, adjusted: e.adjustedPValue,
                        relative: e.relative, isDefault: e.method == m.defaultMethod, notes: [e.note, e.relativeNote]))
            }
        }
        for dimension in a.segments {
            for s in dimension.levels {
                records.append(
                    record(
                        metric: dimension.metric, method: s.method, dimension: s.dimension, level: s.level, effect: s.effect,
                        adjusted: s.holmPValue, relative: nil, isDefault: true, notes: [s.note]))
            }
        }
        return records
    }

    static func formatP(_ p: Double) -> String { p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p) }
}

extension UpliftAnalysis {
    /// Whether the r-th included customer is in the treated arm.
    func isTreated(_ r: Int) -> Bool { panel.arm[included[r]] == treatedArm }
}
