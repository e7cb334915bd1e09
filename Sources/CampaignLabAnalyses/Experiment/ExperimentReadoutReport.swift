import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

extension ExperimentReadout {
    static func render(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        blocks.append(contentsOf: decisionBlocks(r, context))
        for note in r.input.notes {
            blocks.append(.callout(.note, [.text(t("Left out: ", "未纳入：") + t(note.en, note.zh))]))
        }
        // Health.
        var health: [ReportBlock] = [.heading(level: 3, [.text(t("Health of the test", "测试健康检查"))])]
        if let h = r.input.health {
            health += ExperimentHealth.render(h, context)
        } else if let srm = r.summarySRM {
            let counts = zip(r.input.arms, r.input.customers).map { "\($0) \(formatCount(Int($1)))" }.joined(separator: ", ")
            health.append(
                srm.pValue < ExperimentHealth.threshold
                    ? .callout(
                        .warning,
                        [
                            .strong(t("Failed: the split is not the planned one", "未通过：分组比例与计划不符")),
                            .text(t(" (\(counts); ", "（\(counts)；")),
                        ] + ExperimentHealth.pInline(srm.pValue, "χ² p") + [
                            .text(t("). Do not act on this test's results until the cause is found.", "）。查明原因前，不要依据本次测试结果做决定。"))
                        ])
                    : .paragraph(
                        [.text(t("Customers per arm match the planned split (\(counts); ", "各组客户数与计划比例相符（\(counts)；"))]
                            + ExperimentHealth.pInline(srm.pValue, "χ² p") + [.text(t(").", "）。"))]))
            health.append(
                .paragraph([
                    .text(
                        t(
                            "From a summary file: the split per day and per segment, assignments outside the window and pre-period balance cannot be checked from sums; check them where the rows are.",
                            "数据来自汇总文件：按日、按分群的分组检查、测试期外的分组和实验前均衡无法从汇总值检查，请在明细数据所在处检查。"))
                ]))
        }
        health += balanceBlocks(r, context)
        blocks.append(.section(id: "readout-health", health))
        blocks.append(.section(id: "readout-metrics", metricBlocks(r, context)))
        let segments = segmentBlocks(r, context)
        if !segments.isEmpty { blocks.append(.section(id: "readout-segments", segments)) }
        blocks.append(.section(id: "readout-method", methodBlocks(r, context)))
        blocks.append(.records(name: "estimates", estimateRecords(r)))
        blocks.append(.records(name: "decision", [decisionRecord(r)]))
        return blocks
    }

    static func armName(_ r: ReadoutResult, _ a: Int) -> String { r.input.arms[a] }

    /// The decision first, in plain words, with its reasons.
    static func decisionBlocks(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        let d = r.decision
        let primary = r.metrics[r.primary]
        let label = MetricWords.label(primary.metric.metric, context)
        let variant = d.variant.map { armName(r, $0) } ?? ""
        var headline: String
        switch d.kind {
        case .ship: headline = t("Decision: ship '\(variant)'.", "结论：上线「\(variant)」。")
        case .dontShip: headline = t("Decision: don't ship.", "结论：不上线。")
        case .keepRunning:
            headline =
                d.until.map { t("Decision: keep running until \($0).", "结论：继续运行至 \($0)。") }
                ?? t("Decision: keep running.", "结论：继续运行。")
        case .blocked: headline = t("Decision: none — the test failed its health check.", "结论：暂不决策——测试未通过健康检查。")
        }
        var reasons: [[Inline]] = []
        let splitFailed = r.input.health.map(\.overall.flagged) ?? (r.summarySRM.map { $0.pValue < ExperimentHealth.threshold } ?? false)
        if let outside = r.input.health?.outsideWindow, outside > 0 {
            reasons.append([
                .number(Double(outside), .count),
                .text(
                    t(
                        " customers were assigned outside the test's window: the log of assignments is not the test's; no effect below can be trusted until it is explained.",
                        " 位客户的分组时间不在测试期内：分组记录与测试不符；在查明之前，下方任何效应都不可信。")),
            ])
        }
        for (k, j) in r.imbalanced {
            let m = r.metrics[k]
            reasons.append(
                [
                    .text(
                        t(
                            "Before the test, '\(armName(r, m.comparisons[j].arm))' already differed from control on \(MetricWords.label(m.metric.metric, context)) (",
                            "测试开始前，「\(armName(r, m.comparisons[j].arm))」在\(MetricWords.label(m.metric.metric, context))上已与对照组不同（"))
                ] + ExperimentHealth.pInline(m.comparisons[j].balance!.pValue) + [
                    .text(
                        t(
                            "): randomized arms should not differ before the test; check how customers were assigned.",
                            "）：随机分组在测试前不应有差异，请检查客户的分组方式。"))
                ])
        }
        if splitFailed {
            reasons.append([
                .text(
                    t(
                        "The split of customers between the arms is not the planned one (see the health check below): the arms are no longer comparable, so no effect below can be trusted and nothing may ship on it. Find the cause and rerun the test.",
                        "各组客户比例与计划不符（见下方健康检查）：各组已不可比，下方任何效应都不可信，不能据此上线。请查明原因后重新测试。"))
            ])
        }
        if r.input.interim, let through = r.input.readThrough, let campaign = r.input.campaign {
            reasons.append([
                .text(
                    t(
                        "An interim look: data through \(through), the test runs until \(campaign.endsOn). The intervals are always-valid (they stay correct however often the test is looked at), so they are wider than at the end.",
                        "期中查看：数据截至 \(through)，测试计划至 \(campaign.endsOn) 结束。区间为随时有效区间（无论查看多少次都成立），因此比结束时更宽。"))
            ])
        }
        for c in primary.comparisons {
            let arm = armName(r, c.arm)
            guard let e = c.reported else {
                reasons.append([
                    .text(
                        t(
                            "'\(arm)': \(label) cannot be compared (\(unavailableText(c.unavailable, context))).",
                            "「\(arm)」：\(label)无法比较（\(unavailableText(c.unavailable, context))）。"))
                ])
                continue
            }
            let style = MetricWords.effectStyle(primary.metric.metric, context)
            var line: [Inline] = [
                .text(
                    t(
                        "'\(arm)' against '\(armName(r, 0))' on \(label) (the primary metric): ",
                        "「\(arm)」对比「\(armName(r, 0))」的\(label)（主要指标）：")),
                .number(e.estimate, style), .text(t(" (95% interval ", "（95% 区间 ")), .number(e.interval.lower, style),
                .text(t(" to ", " 至 ")), .number(e.interval.upper, style), .text(t(")", "）")),
            ]
            if let rel = c.reportedRelative {
                line += [.text(t(", relative ", "，相对 ") + (rel.estimate > 0 ? "+" : "")), .number(rel.estimate, .percent(digits: 1))]
            }
            line += [.text(t(", ", "，"))] + ExperimentHealth.pInline(e.pValue)
            if let chance = c.chanceToWin {
                line += [.text(t("; chance to beat control ", "；胜过对照组的概率 ")), .number(chance, .percent(digits: 1))]
            }
            line.append(.text(t(".", "。")))
            reasons.append(line)
        }
        for (k, conversions) in r.fewConversions where k == r.primary {
            let counts = zip(r.input.arms, conversions).map { "\($0) \(formatCount(Int($1.rounded())))" }.joined(separator: ", ")
            reasons.append([
                .text(
                    t(
                        "Too few conversions for these intervals to be more than rough (\(counts); under \(Int(ReadoutResult.fewestConversions)) in an arm): the relative effect and the chance to win above swing with a handful of customers.",
                        "转化数太少，以上区间只能作粗略参考（\(counts)；某组不足 \(Int(ReadoutResult.fewestConversions))）：相对效应与胜出概率会随少数几位客户大幅波动。"))
            ])
        }
        if let (second, effect) = d.runnerUp, let best = d.variant {
            let distinct = effect.pValue < ReadoutResult.alpha
            reasons.append(
                [
                    .text(
                        distinct
                            ? t(
                                "'\(armName(r, best))' is distinguishable from the runner-up '\(armName(r, second))' (",
                                "「\(armName(r, best))」与次优的「\(armName(r, second))」有显著差异（")
                            : t(
                                "'\(armName(r, best))' is not distinguishable from the runner-up '\(armName(r, second))' (",
                                "「\(armName(r, best))」与次优的「\(armName(r, second))」无显著差异（"))
                ] + ExperimentHealth.pInline(effect.pValue) + [.text(t(").", "）。"))])
        }
        for m in r.metrics where m.guardrail != nil {
            let g = m.guardrail!
            let margin = g.margin.map { value in
                g.relative
                    ? t("\(formatPlain((value * 1000).rounded() / 10))% of control", "对照组的 \(formatPlain((value * 1000).rounded() / 10))%")
                    : formatPlain(value)
            }
            for c in m.comparisons {
                let name = MetricWords.label(m.metric.metric, context), arm = armName(r, c.arm)
                guard let status = c.guardrail else {
                    reasons.append([
                        .text(
                            t(
                                "Guardrail \(name) cannot be computed for '\(arm)' (\(unavailableText(c.unavailable, context))): it cannot be said to hold.",
                                "护栏指标\(name)对「\(arm)」无法计算（\(unavailableText(c.unavailable, context))）：不能认为已守住。"))
                    ])
                    continue
                }
                let text: String
                switch (status, margin) {
                case (.holds, nil):
                    text = t(
                        "Guardrail \(name) holds for '\(arm)': no significant worsening.",
                        "护栏指标\(name)对「\(arm)」守住：没有显著恶化。")
                case (.harmful, nil), (.unclear, nil):
                    text = t(
                        "Guardrail \(name) is harmed by '\(arm)': it is significantly worse.",
                        "「\(arm)」损害了护栏指标\(name)：显著变差。")
                case (.holds, let margin?):
                    text = t(
                        "Guardrail \(name) holds for '\(arm)': a worsening beyond \(margin) is ruled out.",
                        "护栏指标\(name)对「\(arm)」守住：已排除超过 \(margin) 的恶化。")
                case (.harmful, let margin?):
                    text = t(
                        "Guardrail \(name) is harmed by '\(arm)': it is worse by more than the \(margin) accepted.",
                        "「\(arm)」损害了护栏指标\(name)：恶化超过可接受的 \(margin)。")
                case (.unclear, let margin?):
                    text = t(
                        "Guardrail \(name) for '\(arm)': a worsening beyond \(margin) cannot be ruled out yet.",
                        "护栏指标\(name)对「\(arm)」：尚不能排除超过 \(margin) 的恶化。")
                }
                reasons.append([.text(text)])
            }
        }
        if let best = d.variant, d.kind != .ship, !r.healthFailed,
            let j = primary.comparisons.firstIndex(where: { $0.arm == best }), let target = r.target[j]
        {
            let percent = "\(formatPlain((target * 1000).rounded() / 10))%"
            let observed = r.options.target == nil ? t(" (the effect observed)", "（即观测到的效应）") : ""
            if d.noNewCustomers {
                reasons.append([
                    .text(
                        t(
                            "No customer was assigned in the last days read: waiting adds no customers, so it cannot make a \(percent) effect\(observed) on \(label) detectable.",
                            "最近几天没有新分组的客户：继续等待不会增加客户，无法使\(label) \(percent) 的效应\(observed)变得可检出。"))
                ])
            } else if let days = d.daysNeeded, d.tooLong {
                let limit = Int((days).rounded())
                reasons.append([
                    .text(
                        t(
                            "At the recent traffic, detecting a \(percent) effect\(observed) on \(label) with 80% power would take more than \(limit) more days (\(formatPlain(ReadoutResult.longestWait))× the test's planned length): too long to wait for.",
                            "按近期流量，以 80% 的功效检出\(label) \(percent) 的效应\(observed)还需超过 \(limit) 天（计划时长的 \(formatPlain(ReadoutResult.longestWait)) 倍）：不值得等待。"
                        ))
                ])
            } else if let days = d.daysNeeded, days > 0 {
                let rounded = Int(days.rounded(.up))
                reasons.append([
                    .text(
                        t(
                            "At the recent traffic, detecting a \(percent) effect\(observed) on \(label) with 80% power takes \(rounded) more day\(rounded == 1 ? "" : "s").",
                            "按近期流量，以 80% 的功效检出\(label) \(percent) 的效应\(observed)还需 \(rounded) 天。"))
                ])
            }
        }
        if d.kind == .dontShip && !r.healthFailed && reasons.count <= primary.comparisons.count + 1 {
            reasons.append([
                .text(
                    t(
                        "No variant improves \(label) detectably; shipping would be a bet, not a finding.",
                        "没有任何版本可检出地提升\(label)；此时上线只是押注，而非结论。"))
            ])
        }
        let kind: CalloutKind = d.kind == .ship ? .note : .warning
        return [
            .callout(kind, [.strong(headline)]),
            .list(ordered: false, items: reasons),
        ]
    }

    /// Pre-period balance of every metric with a pre-period: randomized arms should not differ.
    static func balanceBlocks(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var rows: [[Cell]] = []
        for m in r.metrics {
            for c in m.comparisons {
                guard let b = c.balance else { continue }
                let style = MetricWords.valueStyle(m.metric.metric, context)
                rows.append([
                    .text(MetricWords.label(m.metric.metric, context)), .text(armName(r, c.arm)),
                    .number(m.metric.sums[0].moments.meanX, style: style), .number(m.metric.sums[c.arm].moments.meanX, style: style),
                    c.standardizedBalance.map { .number($0, style: .signed(digits: 3)) } ?? .null, .number(b.pValue),
                    .text(b.pValue < ExperimentHealth.threshold ? t("yes", "是") : ""),
                ])
            }
        }
        guard !rows.isEmpty else { return [] }
        return [
            .table(
                ReportTable(
                    caption: t(
                        "Pre-period balance: each metric before the test (randomized arms should not differ; flagged below p = 0.001)",
                        "实验前均衡：各指标在测试前的取值（随机分组不应有差异；p < 0.001 视为失衡）"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Variant", "版本")),
                        ReportTable.Column(t("Control before", "对照组（测试前）")), ReportTable.Column(t("Variant before", "版本（测试前）")),
                        ReportTable.Column(t("Standardized difference", "标准化差异")), ReportTable.Column("p", style: .pValue),
                        ReportTable.Column(t("Imbalance", "失衡")),
                    ],
                    rows: rows))
        ]
    }

    static func unavailableText(_ reason: ComparisonUnavailable?, _ context: AnalysisContext) -> String {
        let t = context.text
        switch reason {
        case .tooFewCustomers(let a, let b)?:
            return t("too few customers with a value: \(Int(a)) and \(Int(b))", "有取值的客户太少：\(Int(a)) 与 \(Int(b))")
        case .noVariation?: return t("every customer has the same value", "所有客户取值相同")
        case .zeroDenominator?: return t("the denominator is 0 in an arm", "某组分母为 0")
        case nil: return ""
        }
    }

    static func metricBlocks(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = [.heading(level: 3, [.text(t("Every metric, per variant", "各指标、各版本"))])]
        var rows: [[Cell]] = []
        for m in r.metrics {
            let name =
                MetricWords.label(m.metric.metric, context) + (m.isPrimary ? t(" (primary)", "（主要）") : "")
                + (m.guardrail != nil ? t(" (guardrail)", "（护栏）") : "")
            let valueStyle = MetricWords.valueStyle(m.metric.metric, context)
            let effectStyle = MetricWords.effectStyle(m.metric.metric, context)
            for c in m.comparisons {
                var row: [Cell] = [
                    .text(name), .text(armName(r, c.arm)), .number(m.metric.sums[0].value, style: valueStyle),
                    .number(m.metric.sums[c.arm].value, style: valueStyle),
                ]
                if let e = c.reported {
                    row.append(.interval(estimate: e.estimate, low: e.interval.lower, high: e.interval.upper, style: effectStyle))
                    row.append(
                        c.reportedRelative.map {
                            .interval(estimate: $0.estimate, low: $0.interval.lower, high: $0.interval.upper, style: .percent(digits: 1))
                        } ?? .null)
                    row.append(.number(e.pValue))
                    row.append(c.pAdjusted.map { .number($0) } ?? .null)
                } else {
                    row.append(.text(unavailableText(c.unavailable, context)))
                    row += [.null, .null, .null]
                }
                rows.append(row)
            }
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Control and variant values per customer; effects variant − control with 95% intervals\(r.input.interim ? " (always-valid)" : ""); p adjusted by \(r.options.correction == .holm ? "Holm" : "Benjamini–Hochberg") across metrics × variants",
                        "对照组与实验组的人均值；效应 = 实验组 − 对照组，含 95% 区间\(r.input.interim ? "（随时有效）" : "")；p 值经 \(r.options.correction == .holm ? "Holm" : "Benjamini–Hochberg") 校正（指标 × 版本）"
                    ),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Variant", "版本")),
                        ReportTable.Column(t("Control", "对照组")), ReportTable.Column(t("Variant value", "版本取值")),
                        ReportTable.Column(t("Effect", "效应")), ReportTable.Column(t("Relative", "相对效应"), style: .percent(digits: 1)),
                        ReportTable.Column("p", style: .pValue), ReportTable.Column(t("p adjusted", "校正后 p"), style: .pValue),
                    ],
                    rows: rows)))
        let few = r.fewConversions.filter { $0.metric != r.primary }.map { MetricWords.label(r.metrics[$0.metric].metric.metric, context) }
        if !few.isEmpty {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .text(
                            t(
                                "Too few conversions (under \(Int(ReadoutResult.fewestConversions)) in an arm) for more than rough intervals: \(few.joined(separator: ", ")).",
                                "转化数太少（某组不足 \(Int(ReadoutResult.fewestConversions))），区间只能作粗略参考：\(few.joined(separator: "、"))。"))
                    ]))
        }
        blocks += quantileBlocks(r, context)
        // Relative effects at a glance.
        var forest: [ForestData.Row] = []
        for m in r.metrics {
            for c in m.comparisons {
                guard let rel = c.reportedRelative, rel.interval.lower.isFinite, rel.interval.upper.isFinite else { continue }
                forest.append(
                    ForestData.Row(
                        label: "\(armName(r, c.arm)) · \(MetricWords.label(m.metric.metric, context))", estimate: rel.estimate,
                        low: rel.interval.lower, high: rel.interval.upper,
                        detail: "n = \(formatCount(Int(m.metric.sums[c.arm].count))) / \(formatCount(Int(m.metric.sums[0].count)))"))
            }
        }
        if !forest.isEmpty {
            blocks.append(
                .chart(
                    Chart(
                        id: "readout-relative", title: t("Relative effect of each variant", "各版本的相对效应"),
                        subtitle: t("variant / control − 1, 95% intervals", "实验组 / 对照组 − 1，95% 区间"),
                        xAxis: Axis(label: t("Relative effect", "相对效应"), style: .percent(digits: 0)),
                        yAxis: Axis(label: ""), kind: .forest(ForestData(rows: forest)))))
        }
        return blocks
    }

    /// Medians and 90th percentiles of the quantile metrics, among customers with a value.
    static func quantileBlocks(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var rows: [[Cell]] = []
        for m in r.metrics where !m.quantiles.isEmpty {
            let style = MetricWords.valueStyle(m.metric.metric, context)
            let effectStyle =
                MetricWords.kind(m.metric.metric, context) == .share ? MetricWords.effectStyle(m.metric.metric, context) : style
            for (j, list) in m.quantiles.enumerated() {
                for (q, result) in zip(ReadoutResult.quantileLevels, list) {
                    var row: [Cell] = [
                        .text(MetricWords.label(m.metric.metric, context)), .text(armName(r, m.comparisons[j].arm)),
                        .text("P\(Int(q * 100))"),
                    ]
                    switch result {
                    case .success(let c):
                        row += [
                            .number(c.controlValue, style: style), .number(c.treatmentValue, style: style),
                            .interval(
                                estimate: c.difference.estimate, low: c.difference.interval.lower, high: c.difference.interval.upper,
                                style: effectStyle),
                            .number(c.difference.pValue),
                        ]
                    case .failure(let reason):
                        row += [.null, .null, .text(unavailableText(reason, context)), .null]
                    }
                    rows.append(row)
                }
            }
        }
        guard !rows.isEmpty else { return [] }
        return [
            .table(
                ReportTable(
                    caption: t(
                        "Medians (P50) and 90th percentiles (P90) per customer among the customers with a value (for events metrics: those who did it), variant − control with 95% intervals",
                        "有取值客户（事件类指标：有该行为的客户）的人均中位数（P50）与第 90 百分位数（P90），实验组 − 对照组，含 95% 区间"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Variant", "版本")),
                        ReportTable.Column(t("Quantile", "分位数")), ReportTable.Column(t("Control", "对照组")),
                        ReportTable.Column(t("Variant value", "版本取值")), ReportTable.Column(t("Difference", "差异")),
                        ReportTable.Column("p", style: .pValue),
                    ],
                    rows: rows))
        ]
    }

    /// The primary metric within each level of the breakdown dimension, per variant.
    static func segmentBlocks(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        guard !r.segments.isEmpty, let dimension = r.input.segmentDimension else { return [] }
        let t = context.text
        let m = r.metrics[r.primary].metric
        let label = MetricWords.label(m.metric, context)
        let style = MetricWords.effectStyle(m.metric, context)
        var blocks: [ReportBlock] = [.heading(level: 3, [.text(t("\(label) by \(dimension)", "按 \(dimension) 的\(label)"))])]
        var rows: [[Cell]] = []
        var forest: [ForestData.Row] = []
        for list in r.segments {
            for s in list {
                let level = r.input.segmentLevels[s.level], arm = armName(r, s.arm)
                let n = "\(formatCount(Int(m.segments[s.level][s.arm].count))) / \(formatCount(Int(m.segments[s.level][0].count)))"
                guard let e = s.comparison?.absolute else {
                    rows.append([.text(level), .text(arm), .text(n), .text(unavailableText(s.unavailable, context)), .null, .null])
                    continue
                }
                rows.append([
                    .text(level), .text(arm), .text(n),
                    .interval(estimate: e.estimate, low: e.interval.lower, high: e.interval.upper, style: style), .number(e.pValue),
                    s.pAdjusted.map { .number($0) } ?? .null,
                ])
                forest.append(
                    ForestData.Row(
                        label: "\(arm) · \(level)", estimate: e.estimate, low: e.interval.lower, high: e.interval.upper, detail: "n = \(n)")
                )
            }
        }
        var sentences: [[Inline]] = []
        for (list, p) in zip(r.segments, r.segmentHeterogeneity) {
            guard let p, let arm = list.first.map({ armName(r, $0.arm) }) else { continue }
            sentences.append(
                (p < ReadoutResult.alpha
                    ? [
                        .text(
                            t(
                                "'\(arm)': the effect differs between the levels of \(dimension) (Cochran's test, ",
                                "「\(arm)」：效应在 \(dimension) 各层之间不同（Cochran 检验，"))
                    ]
                    : [
                        .text(
                            t(
                                "'\(arm)': no sign that the effect differs between the levels of \(dimension) (Cochran's test, ",
                                "「\(arm)」：没有迹象表明效应在 \(dimension) 各层之间不同（Cochran 检验，"))
                    ])
                    + ExperimentHealth.pInline(p) + [.text(t(").", "）。"))])
        }
        if !sentences.isEmpty { blocks.append(.list(ordered: false, items: sentences)) }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "\(label), variant − control within each level (fixed-horizon 95% intervals; p adjusted by Holm across the levels)",
                        "\(label)在各层内的实验组 − 对照组（固定样本 95% 区间；p 值经 Holm 校正，按层）"),
                    columns: [
                        ReportTable.Column(dimension), ReportTable.Column(t("Variant", "版本")),
                        ReportTable.Column(t("Customers (variant / control)", "客户数（版本 / 对照组）")),
                        ReportTable.Column(t("Effect", "效应")), ReportTable.Column("p", style: .pValue),
                        ReportTable.Column(t("p adjusted", "校正后 p"), style: .pValue),
                    ],
                    rows: rows)))
        if forest.count >= 2 {
            blocks.append(
                .chart(
                    Chart(
                        id: "readout-segments", title: t("\(label): effect by \(dimension)", "\(label)：按 \(dimension) 的效应"),
                        subtitle: t("variant − control, 95% intervals", "实验组 − 对照组，95% 区间"),
                        xAxis: Axis(label: t("Effect on \(label) per customer", "每位客户\(label)的效应"), style: style),
                        yAxis: Axis(label: ""), kind: .forest(ForestData(rows: forest)))))
        }
        return blocks
    }

    static func methodBlocks(_ r: ReadoutResult, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = [.heading(level: 3, [.text(t("How the numbers were computed", "计算方法"))])]
        var rows: [[Cell]] = []
        for m in r.metrics {
            for c in m.comparisons {
                guard let comparison = c.comparison else { continue }
                let style = MetricWords.effectStyle(m.metric.metric, context)
                rows.append([
                    .text(MetricWords.label(m.metric.metric, context)), .text(armName(r, c.arm)),
                    .text(
                        m.metric.kind == .ratio
                            ? t("ratio, delta method", "比率，Delta 方法")
                            : comparison.theta != nil ? "CUPED" : t("difference of means", "均值差")),
                    comparison.varianceReduction.map { .number($0, style: .percent(digits: 1)) } ?? .null,
                    .interval(
                        estimate: comparison.unadjusted.estimate, low: comparison.unadjusted.interval.lower,
                        high: comparison.unadjusted.interval.upper, style: style),
                    c.minimumDetectable.map { .number($0, style: style) } ?? .null,
                    c.power.map { .number($0, style: .percent(digits: 0)) } ?? .null,
                    c.chanceToWin.map { .number($0, style: .percent(digits: 1)) } ?? .null,
                    c.expectedLoss.map { .number($0, style: .percent(digits: 2)) } ?? .null,
                ])
            }
        }
        blocks.append(
            .table(
                ReportTable(
                    caption: t(
                        "Variance reduction with the pre-period, the unadjusted effect, the smallest effect detectable with 80% power now, the power at the target effect, the chance to beat control and the expected loss of shipping (relative)",
                        "实验前数据的方差缩减、未调整效应、当前以 80% 功效可检出的最小效应、目标效应下的功效、胜过对照组的概率，以及上线的期望损失（相对）"),
                    columns: [
                        ReportTable.Column(t("Metric", "指标")), ReportTable.Column(t("Variant", "版本")),
                        ReportTable.Column(t("Estimator", "估计方法")),
                        ReportTable.Column(t("Variance reduction", "方差缩减"), style: .percent(digits: 1)),
                        ReportTable.Column(t("Unadjusted effect", "未调整效应")),
                        ReportTable.Column(t("Detectable effect (80%)", "可检出效应（80%）")),
                        ReportTable.Column(t("Power at target", "目标效应功效"), style: .percent(digits: 0)),
                        ReportTable.Column(t("Chance to win", "胜出概率"), style: .percent(digits: 1)),
                        ReportTable.Column(t("Expected loss", "期望损失"), style: .percent(digits: 2)),
                    ],
                    rows: rows)))
        var notes: [[Inline]] = []
        if r.input.campaign != nil {
            notes.append([
                .text(
                    t(
                        "Metrics are counted per customer from the customer's assignment (assigned_at) to the end of the readout; events of this test or of no campaign count. The pre-period (as many days before the test as it lasts) is CUPED's covariate: y − θ(x − x̄) with θ pooled over the two arms compared (Deng et al. 2013).",
                        "指标按客户从其分组时间（assigned_at）统计至本次读数截止；计入本测试或无活动标记的事件。实验前期（与测试同长的天数）作为 CUPED 协变量：y − θ(x − x̄)，θ 由两组合并估计（Deng 等，2013）。"))
            ])
        } else {
            notes.append([
                .text(
                    t(
                        "From the per-arm sums of \(r.input.summaryFile ?? ""): the same estimators as from rows (Welch t on the means, CUPED with the covariate sums, the delta method for ratios).",
                        "来自 \(r.input.summaryFile ?? "") 的分组汇总值：估计方法与明细数据相同（均值的 Welch t 检验、基于协变量汇总值的 CUPED、比率指标的 Delta 方法）。"))
            ])
        }
        notes.append([
            .text(
                t(
                    "Relative effects: variant / control − 1 with a \(relativeMethodName(r.options.relativeInterval, context)) interval. Chance to win and expected loss: a normal posterior on the relative effect with \(r.options.priorSD.map { "a N(0, \(formatPlain($0))²) prior" } ?? "a flat prior").",
                    "相对效应：实验组 / 对照组 − 1，区间采用\(relativeMethodName(r.options.relativeInterval, context))。胜出概率与期望损失：相对效应的正态后验，先验为\(r.options.priorSD.map { "N(0, \(formatPlain($0))²)" } ?? "平坦先验")。"
                ))
        ])
        if let tuning = r.tuning {
            let list = tuning.map { formatCount(Int($0)) }.joined(separator: ", ")
            notes.append([
                .text(
                    t(
                        "Always-valid intervals: asymptotic confidence sequences (Waudby-Smith et al. 2023), tuned to be tightest at N* = \(list) customers\(r.options.tuning == nil ? " (the two arms' customers projected at the planned end)" : "").",
                        "随时有效区间：渐近置信序列（Waudby-Smith 等，2023），在 N* = \(list) 位客户时最窄\(r.options.tuning == nil ? "（两组客户数按当前速度外推至计划结束）" : "")。"))
            ])
        }
        notes.append([
            .text(
                t(
                    "The decision reads the primary metric, its p-values corrected across the \(r.input.arms.count - 1) variant\(r.input.arms.count == 2 ? "" : "s") (Holm); the table's adjusted p-values correct across every metric × variant.",
                    "结论依据主要指标，其 p 值在 \(r.input.arms.count - 1) 个版本间校正（Holm）；表中的校正后 p 值在全部指标 × 版本间校正。"))
        ])
        blocks.append(.list(ordered: false, items: notes))
        return blocks
    }

    static func relativeMethodName(_ method: RelativeIntervalMethod, _ context: AnalysisContext) -> String {
        switch method {
        case .delta: return context.text("delta-method", "Delta 方法")
        case .fieller: return context.text("Fieller", "Fieller 方法")
        case .logRatio: return context.text("log-ratio", "对数比")
        }
    }

    /// The flat `estimates` list: per metric × variant, the default, the unadjusted, the
    /// always-valid (interim) and the Bayesian rows.
    static func estimateRecords(_ r: ReadoutResult) -> [DataRecord] {
        var records: [DataRecord] = []
        for m in r.metrics {
            for (j, c) in m.comparisons.enumerated() {
                guard let comparison = c.comparison else { continue }
                let arm = armName(r, c.arm)
                func record(
                    _ method: String, _ e: EffectEstimate?, _ relative: EffectEstimate?, pAdjusted: Double?, isDefault: Bool,
                    chance: Double? = nil, loss: Double? = nil
                ) -> DataRecord {
                    DataRecord([
                        "metric": .text(m.metric.metric), "arm": .text(arm), "method": .text(method), "dimension": .null, "level": .null,
                        "estimate": .optional(e?.estimate), "low": .optional(e?.interval.lower), "high": .optional(e?.interval.upper),
                        "p_value": .optional(e?.pValue), "p_adjusted": .optional(pAdjusted),
                        "relative": .optional(relative?.estimate), "relative_low": .optional(relative?.interval.lower),
                        "relative_high": .optional(relative?.interval.upper), "default": .bool(isDefault),
                        "chance_to_win": .optional(chance), "expected_loss": .optional(loss),
                    ])
                }
                let adjusted = comparison.theta != nil
                if adjusted {
                    records.append(
                        record(
                            "cuped", comparison.absolute, comparison.relative, pAdjusted: r.tuning == nil ? c.pAdjusted : nil,
                            isDefault: r.tuning == nil))
                }
                records.append(
                    record(
                        m.metric.kind == .ratio ? "delta_method" : "unadjusted", comparison.unadjusted, comparison.unadjustedRelative,
                        pAdjusted: !adjusted && r.tuning == nil ? c.pAdjusted : nil, isDefault: !adjusted && r.tuning == nil))
                if r.tuning != nil {
                    records.append(record("sequential", c.reported, c.reportedRelative, pAdjusted: c.pAdjusted, isDefault: true))
                }
                if j < m.quantiles.count {
                    for (q, result) in zip(ReadoutResult.quantileLevels, m.quantiles[j]) {
                        guard case .success(let quantile) = result else { continue }
                        records.append(
                            record("p\(Int(q * 100))", quantile.difference, quantile.relative, pAdjusted: nil, isDefault: false))
                    }
                }
                if let posterior = c.posterior {
                    let interval = posterior.credibleInterval()
                    records.append(
                        DataRecord([
                            "metric": .text(m.metric.metric), "arm": .text(arm), "method": .text("bayesian"), "dimension": .null,
                            "level": .null, "estimate": .null, "low": .null, "high": .null, "p_value": .null, "p_adjusted": .null,
                            "relative": .number(posterior.mean), "relative_low": .number(interval.lower),
                            "relative_high": .number(interval.upper), "default": .bool(false),
                            "chance_to_win": .optional(c.chanceToWin), "expected_loss": .optional(c.expectedLoss),
                        ]))
                }
            }
        }
        // The primary metric per level of the breakdown.
        let primary = r.metrics[r.primary].metric
        for list in r.segments {
            for s in list {
                guard let c = s.comparison else { continue }
                records.append(
                    DataRecord([
                        "metric": .text(primary.metric), "arm": .text(armName(r, s.arm)),
                        "method": .text(c.theta != nil ? "cuped" : primary.kind == .ratio ? "delta_method" : "unadjusted"),
                        "dimension": .optional(r.input.segmentDimension), "level": .text(r.input.segmentLevels[s.level]),
                        "estimate": .number(c.absolute.estimate), "low": .number(c.absolute.interval.lower),
                        "high": .number(c.absolute.interval.upper), "p_value": .number(c.absolute.pValue),
                        "p_adjusted": .optional(s.pAdjusted),
                        "relative": .optional(c.relative?.estimate), "relative_low": .optional(c.relative?.interval.lower),
                        "relative_high": .optional(c.relative?.interval.upper), "default": .bool(true), "chance_to_win": .null,
                        "expected_loss": .null,
                    ]))
            }
        }
        return records
    }

    static func decisionRecord(_ r: ReadoutResult) -> DataRecord {
        let d = r.decision
        return DataRecord([
            "decision": .text(d.kind.rawValue),
            "variant": .optional(d.kind == .ship || d.kind == .keepRunning ? d.variant.map { armName(r, $0) } : nil),
            "until": .optional(d.until?.description), "primary": .text(r.metrics[r.primary].metric.metric),
            "health_passed": .bool(!r.healthFailed), "interim": .bool(r.input.interim),
            "read_through": .optional(r.input.readThrough?.description), "days_needed": .optional(d.daysNeeded),
            "runner_up": .optional(d.runnerUp.map { armName(r, $0.arm) }), "runner_up_p_value": .optional(d.runnerUp?.effect.pValue),
        ])
    }
}
