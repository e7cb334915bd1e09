import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// The executive summary of a post-campaign review, in plain words: what happened, how
/// sure we are, what to do. It shares its numbers with `campaign.uplift` (computed once).
public enum CampaignSummary: Analysis {
    public static let name = "campaign.summary"
    public static let summary = "Executive summary of the uplift in plain words: what happened, how sure we are, what to do."
    public typealias Options = CampaignSelection

    public static func run(_ context: AnalysisContext, _ options: CampaignSelection) throws -> [ReportBlock] {
        let a = try CampaignUplift.compute(context, options)
        let significant = a.metrics.filter { ($0.adjustedPValues["aipw"] ?? 1) < 0.05 }.map(\.metric)
        let nothing = a.metrics.map(\.metric).filter { !significant.contains($0) }
        return whatHappened(a, context) + howSure(a, significant: significant, nothing: nothing, context)
            + whatToDo(a, significant: significant, context)
    }

    static func whatHappened(_ a: UpliftAnalysis, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let treated = a.panel.arms[a.treatedArm], control = a.panel.arms[0]
        var happened: [[Inline]] = []
        for m in a.metrics {
            let style = CampaignUplift.style(m.metric)
            let e = m.doublyRobust
            var line: [Inline] = [
                .strong(m.metric), .text(t(": '\(treated)' customers changed by ", "：'\(treated)' 客户人均变化 ")),
                .number(m.arms[1].change.estimate, style),
                .text(t(" per customer, '\(control)' by ", "，'\(control)' 客户人均变化 ")),
                .number(m.arms[0].change.estimate, style),
            ]
            if !m.multipleIsMeaningless && a.panel.campaign.design != "randomized" {
                line += [
                    .text(t(" — the ", "——即常说的 ")), .number(m.growthMultiple.estimate, .multiple),
                    .text(t(" usually quoted", "")),
                ]
            }
            line += [
                .text(t(". The campaign's own effect: ", "。活动本身的效应：")), .number(e.estimate, style),
                .text(t(" per customer (95% CI ", " / 人（95% 区间 ")), .number(e.interval.lower, style), .text(t(" to ", " 至 ")),
                .number(e.interval.upper, style), .text(t(")", "）")),
            ]
            if a.panel.campaign.design != "randomized" && m.honestMultiple.isFinite {
                line += [.text(t(", an honest multiple of ", "，真实倍数 ")), .number(m.honestMultiple, .multiple)]
            }
            line.append(.text(t(".", "。")))
            happened.append(line)
        }
        return [.heading(level: 3, [.text(t("What happened", "发生了什么"))]), .list(ordered: false, items: happened)]
    }

    static func howSure(_ a: UpliftAnalysis, significant: [String], nothing: [String], _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var sure: [[Inline]] = []
        let agree = a.metrics.filter { m in
            let estimates = [m.regressionAdjusted, m.weighted.effect, m.doublyRobust]
            return estimates.allSatisfy { e in estimates.allSatisfy { e.interval.contains($0.estimate) } }
        }.map(\.metric)
        if !significant.isEmpty {
            sure.append([
                .text(
                    t(
                        "Clear effects (doubly robust estimate, Holm-corrected p < 0.05): \(significant.joined(separator: ", ")).",
                        "效应明确（双重稳健估计，Holm 校正后 p < 0.05）：\(significant.joined(separator: "、"))。"))
            ])
        }
        if !nothing.isEmpty {
            sure.append([
                .text(
                    t(
                        "No clear effect on: \(nothing.joined(separator: ", ")) — do not claim one.",
                        "以下指标无明确效应：\(nothing.joined(separator: "、"))——不要宣称有效果。"))
            ])
        }
        if !agree.isEmpty {
            sure.append([
                .text(
                    t(
                        "Regression adjustment, propensity weighting and the doubly robust estimate agree (each inside the others' intervals) for: \(agree.joined(separator: ", ")).",
                        "回归调整、倾向得分加权与双重稳健估计相互一致（彼此落在对方区间内）的指标：\(agree.joined(separator: "、"))。"))
            ])
        }
        if let w = a.metrics.first?.weighted {
            let imbalanced = w.balance.filter(\.isImbalanced).count
            sure.append([
                .text(
                    imbalanced == 0
                        ? t(
                            "After weighting, participants and non-participants look alike on every pre-period value and dimension (all |SMD| ≤ 0.1).",
                            "加权后，两组在所有基期指标与维度上均衡（所有 |SMD| ≤ 0.1）。")
                        : t(
                            "\(imbalanced) covariates stay imbalanced after weighting: read the weighted estimates with care.",
                            "加权后仍有 \(imbalanced) 个协变量不平衡：请谨慎解读加权估计。"))
            ])
        }
        for m in a.metrics where m.multipleIsMeaningless {
            sure.append([
                .text(
                    t(
                        "\(m.metric): the control barely changed, so any \"N×\" multiple is meaningless.",
                        "\(m.metric)：对照组几乎没有变化，任何 \"N 倍\" 的说法都没有意义。"))
            ])
        }
        return [.heading(level: 3, [.text(t("How sure we are", "把握有多大"))]), .list(ordered: false, items: sure)]
    }

    static func whatToDo(_ a: UpliftAnalysis, significant: [String], _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var todo: [[Inline]] = []
        if a.panel.campaign.design != "randomized" {
            todo.append([
                .text(
                    t(
                        "Report the campaign's effect with its interval, not the raw growth multiple: most of the raw gap is who chose to join.",
                        "汇报活动效应及其区间，而不是原始增长倍数：原始差距大部分来自谁选择了参加。"))
            ])
        }
        if !significant.isEmpty {
            // The segment with the largest effect on the first significant metric.
            let metric = significant[0]
            if let best = (a.segments[metric] ?? []).compactMap({ s in s.effect.map { (s, $0) } })
                .filter({ $0.1.interval.lower > 0 }).max(by: { $0.1.estimate < $1.1.estimate })
            {
                todo.append([
                    .text(
                        t(
                            "Prioritise \(best.0.dimension) = \(best.0.level) next time: the largest clear effect on \(metric) (",
                            "下次优先 \(best.0.dimension) = \(best.0.level)：\(metric) 的明确效应最大（")),
                    .number(best.1.estimate, CampaignUplift.style(metric)), .text(t(" per customer).", " / 人）。")),
                ])
            }
            todo.append([
                .text(
                    t(
                        "Keep the campaign for \(significant.joined(separator: ", ")); compare its cost with the effect per customer above.",
                        "就 \(significant.joined(separator: "、")) 而言值得保留该活动；请将成本与上面的人均效应对比。"))
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
