import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// The executive summary of a post-campaign review, in plain words: what happened, how
/// sure we are, what to do. It shares its numbers with `campaign.uplift` (computed once).
public enum CampaignSummary: Analysis {
    public static let name = "campaign.summary"
    public static let summary = "Executive summary of the uplift in plain words: what happened, how sure we are, what to do."
    /// The uplift's options (the segments flag does not apply): the summary reads the same estimates.
    public typealias Options = CampaignUplift.Options

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let analyses = try CampaignUplift.compute(context, options.selection, model: options.model)
        var blocks: [ReportBlock] = []
        // The campaign by its name and dates (the reader may not know its id).
        if let campaign = analyses.first?.panel.campaign {
            blocks.append(
                .paragraph([
                    .strong(campaign.name),
                    .text(context.text(", \(campaign.startsOn) to \(campaign.endsOn).", "，\(campaign.startsOn) 至 \(campaign.endsOn)。")),
                ]))
        }
        for a in analyses {
            if analyses.count > 1 { blocks.append(a.comparisonHeading(context)) }
            let significant = a.metrics.filter { ($0.headline?.adjustedPValue ?? 1) < 0.05 }.map(\.metric)
            let nothing = a.metrics.map(\.metric).filter { !significant.contains($0) }
            blocks +=
                whatHappened(a, context) + howSure(a, significant: significant, nothing: nothing, context)
                + whatToDo(a, significant: significant, context)
        }
        return blocks
    }

    static func whatHappened(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var happened: [[Inline]] = []
        for m in a.metrics {
            let style = MetricWords.effectStyle(m.metric, context)
            guard let e = m.headline?.effect else {
                let why = m.noVariation ? UpliftNote.noVariation : (m.estimates.first?.note ?? .notEstimable)
                happened.append([.strong(MetricWords.label(m.metric, context)), .text(": " + why.text(context) + t(".", "。"))])
                continue
            }
            var line: [Inline] = [
                .strong(MetricWords.label(m.metric, context)),
                .text(
                    t(
                        ": \(ArmWords.name(a.treatedName, context)) customers changed by ",
                        "：\(ArmWords.name(a.treatedName, context))客户人均变化 ")),
                .number(m.arms[1].change.estimate, style),
                .text(t(" per customer, \(ArmWords.name(a.controlName, context)) by ", "，\(ArmWords.name(a.controlName, context))客户人均变化 ")),
                .number(m.arms[0].change.estimate, style),
            ]
            if let multiple = m.growthMultiple {
                line += [.text(t(" — the ", "——即常说的 ")), .number(multiple.estimate, .multiple), .text(t(" usually quoted", ""))]
            }
            line += [
                .text(t(". The campaign's own effect: ", "。活动本身的效应：")), .number(e.estimate, style),
                .text(t(" per customer (most likely between ", " / 人（大概率在 ")), .number(e.interval.lower, style), .text(t(" and ", " 至 ")),
                .number(e.interval.upper, style), .text(t(")", " 之间）")),
            ]
            if let r = m.headline?.relative {
                line += [
                    .text(t(", or ", "，即 ")), .number(r.estimate, .percent(digits: 1)), .text(t(" (", "（")),
                    .number(r.interval.lower, .percent(digits: 1)), .text(t(" to ", " 至 ")), .number(r.interval.upper, .percent(digits: 1)),
                    .text(t(")", "）")),
                ]
            }
            if let honest = m.honestMultiple {
                line += [.text(t(", an honest multiple of ", "，真实倍数 ")), .number(honest, .multiple)]
            }
            line.append(.text(t(".", "。")))
            happened.append(line)
        }
        return [.heading(level: 3, [.text(t("What happened", "发生了什么"))]), .list(ordered: false, items: happened)]
    }

    static func howSure(_ a: UpliftAnalysis, significant: [String], nothing: [String], _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var sure: [[Inline]] = []
        let count = a.metrics.count
        if !significant.isEmpty {
            sure.append([
                .text(
                    t(
                        "Clear effects (less than a 5% chance of a difference this large without any effect, allowing for \(count) metrics tested at once): \(significant.map { MetricWords.label($0, context) }.joined(separator: ", ")).",
                        "效应明确（在同时检验 \(count) 个指标的前提下，若无效应，出现这么大差异的概率低于 5%）：\(significant.map { MetricWords.label($0, context) }.joined(separator: "、"))。"
                    ))
            ])
        }
        if !nothing.isEmpty {
            sure.append([
                .text(
                    t(
                        "No clear effect on: \(nothing.map { MetricWords.label($0, context) }.joined(separator: ", ")) — do not claim one.",
                        "以下指标无明确效应：\(nothing.map { MetricWords.label($0, context) }.joined(separator: "、"))——不要宣称有效果。"))
            ])
        }
        if !a.randomized {
            let adjusted: [UpliftMethod] = [.regression, .entropy, .drdid, .aipw]
            let agree = a.metrics.filter { m in
                let estimates = adjusted.compactMap { m.estimate($0)?.effect }
                return estimates.count > 1 && estimates.allSatisfy { e in estimates.allSatisfy { e.interval.contains($0.estimate) } }
            }.map { MetricWords.label($0.metric, context) }
            if !agree.isEmpty {
                sure.append([
                    .text(
                        t(
                            "The careful ways of comparing give consistent answers for: \(agree.joined(separator: ", ")).",
                            "几种严谨的比较方法结论一致的指标：\(agree.joined(separator: "、"))。"))
                ])
            }
            if let b = a.balance {
                sure.append([.text(balanceSentence(b, context))])
            }
            let disagree = a.disagreements.map { MetricWords.label($0, context) }
            if !disagree.isEmpty {
                sure.append([
                    .text(
                        t(
                            "A simpler comparison (each group's change over time) gives a different answer for \(disagree.joined(separator: ", ")): read the note under the estimates before quoting a number.",
                            "对\(disagree.joined(separator: "、"))，更简单的比较（各组前后变化之差）给出不同结论：引用数字前请先看估计表下方的说明。"))
                ])
            }
        }
        return [.heading(level: 3, [.text(t("How sure we are", "把握有多大"))]), .list(ordered: false, items: sure)]
    }

    /// What the balance table says, in one sentence.
    static func balanceSentence(_ b: BalanceDiagnostics, _ context: AnalysisContext) -> String {
        let t = context.text
        if b.entropy != nil {
            return t(
                "Participants are compared with non-participants who looked the same before the campaign — the same averages on every metric and the same mix of customers — so the effect is like for like on everything measured; what was not measured could still differ. (How: the next section.)",
                "参与客户与活动前看起来一样的未参与客户相比——各项指标的平均水平相同、客户构成相同——因此在可观测的方面是同类相比；未观测的差异仍可能存在（方法见下一节）。")
        }
        let imbalanced = b.rows.filter { abs($0.afterPropensity) > CampaignUplift.balanceThreshold }.count
        return imbalanced == 0
            ? t(
                "After weighting, participants and non-participants look alike on every pre-period value and dimension.",
                "加权后，两组在所有基期指标与维度上相似。")
            : t(
                "\(imbalanced) pre-period values still differ between the groups after weighting: read the weighted estimates with care.",
                "加权后仍有 \(imbalanced) 个基期指标在两组间存在差异：请谨慎解读加权估计。")
    }

    static func whatToDo(_ a: UpliftAnalysis, significant: [String], _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var todo: [[Inline]] = []
        if !a.randomized {
            todo.append([
                .text(
                    t(
                        "Report the campaign's effect with its interval, not the raw growth multiple: much of the raw gap is who chose to join.",
                        "汇报活动效应及其区间，而不是原始增长倍数：原始差距很大一部分来自谁选择了参加。"))
            ])
        }
        if let metric = significant.first {
            let standout = a.segments.filter { $0.metric == metric }.compactMap { d in d.standout.map { (d, $0) } }.first
            if let (dimension, level) = standout, let e = level.shrunken {
                todo.append([
                    .text(
                        t(
                            "Next time, prioritise customers whose \(dimension.dimension) is \(level.level): the effect on \(MetricWords.label(metric, context)) stands out from the other customers (",
                            "下次优先考虑 \(dimension.dimension) 为 \(level.level) 的客户：其\(MetricWords.label(metric, context))效应明显高于其他客户（")),
                    .number(e, MetricWords.effectStyle(metric, context)), .text(t(" per customer after shrinkage).", " / 人，收缩估计）。")),
                ])
            } else if !a.segments.isEmpty {
                todo.append([
                    .text(
                        t(
                            "No segment stands out: the differences between segments' effects on \(MetricWords.label(metric, context)) are within what chance produces.",
                            "没有哪个分群明显突出：各分群在\(MetricWords.label(metric, context))上的效应差异在偶然波动范围内。"))
                ])
            }
            todo.append([
                .text(
                    t(
                        "Keep the campaign for \(significant.map { MetricWords.label($0, context) }.joined(separator: ", ")); compare its cost with the effect per customer above.",
                        "就\(significant.map { MetricWords.label($0, context) }.joined(separator: "、"))而言值得保留该活动；请将成本与上面的人均效应对比。"))
            ])
        } else if a.randomized {
            todo.append([
                .text(
                    t(
                        "The test shows no clear effect of \(ArmWords.name(a.treatedName, context)): do not roll it out on this evidence; a longer or larger test could detect a smaller effect.",
                        "本次测试未显示\(ArmWords.name(a.treatedName, context))有明确效应：不宜据此推广；更长或更大的测试才能发现更小的效应。"))
            ])
        } else {
            todo.append([
                .text(
                    t(
                        "There is no clear effect: rethink the mechanics before running it again, or test it as a randomized experiment.",
                        "没有明确效应：再次开展前请重新设计机制，或以随机实验方式测试。"))
            ])
        }
        return [.heading(level: 3, [.text(t("What to do", "建议"))]), .list(ordered: false, items: todo)]
    }
}
