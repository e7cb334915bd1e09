import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The pain points of a quarter's health checkup, first and in plain words: the significant
/// deteriorations the other checkup analyses find — fewer upgrades than a year earlier, lower
/// retention, fewer dormant customers reactivated, more going dormant, a cohort retained worse
/// than last year's, a KPI of a segment below a year earlier — ranked by how clear they are
/// (|estimate / standard error|), each with its size, interval and where to look.
public enum PainPoints: Analysis {
    public static let name = "checkup.pain-points"
    public static let summary = "The quarter's significant deteriorations, ranked, with size, interval and where to look."

    public struct Options: AnalysisOptionSet {
        public var quarter: TierMigration.Quarter?
        public var by: String?
        public var activity: ActivityRule?
        public var dormantMonths = 6
        public var dormantBalance: Double?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("quarter", "the quarter, e.g. 2026Q3", default: "the latest quarter with data at its end"),
            AnalysisOption("by", "a customers dimension for the KPIs, or none", default: "the first dimension"),
            AnalysisOption(
                "activity", "what activity is: months:COLUMN>0 or events:NAME,NAME", default: "months:app_logins>0, else events:app_login"),
            AnalysisOption("dormant_months", "months without activity after which a customer is dormant", default: "6"),
            AnalysisOption(
                "dormant_balance", "a balance at or above which an inactive customer is not dormant", default: "none: activity alone"),
        ]

        public init(
            quarter: TierMigration.Quarter? = nil, by: String? = nil, activity: ActivityRule? = nil, dormantMonths: Int = 6,
            dormantBalance: Double? = nil
        ) {
            self.quarter = quarter
            self.by = by
            self.activity = activity
            self.dormantMonths = dormantMonths
            self.dormantBalance = dormantBalance
        }

        public init(_ values: OptionValues) throws {
            let tiers = try TierMigration.Options(values.filtered(["quarter", "activity", "dormant_months", "dormant_balance"]))
            quarter = tiers.quarter
            activity = tiers.activity
            dormantMonths = tiers.dormantMonths
            dormantBalance = tiers.dormantBalance
            by = values.optionalString("by")
        }

        public func validate() throws { try tiers.validate() }

        // The options of the analyses it reads: one place, so that what `monthsNeeds` declares is
        // what `compute` reads (and equal options share the blocks' computations).
        var tiers: TierMigration.Options {
            .init(quarter: quarter, activity: activity, dormantMonths: dormantMonths, dormantBalance: dormantBalance)
        }
        var lifecycle: Lifecycle.Options { .init(activity: activity, dormantMonths: dormantMonths, dormantBalance: dormantBalance) }
        var retention: CohortRetention.Options { .init(activity: activity) }
        var kpis: SegmentKPIs.Options { .init(quarter: quarter, by: by, activity: activity) }
        var funnel: BaseFunnel.Options { .init(quarter: quarter, activation: activity.map { .rule($0) } ?? .standard, by: by) }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let quarter { list.append(("quarter", quarter.description)) }
            if let by { list.append(("by", by)) }
            if let activity { list.append(("activity", activity.description)) }
            list.append(("dormant_months", String(dormantMonths)))
            if let dormantBalance { list.append(("dormant_balance", formatPlain(dormantBalance))) }
            return list
        }
    }

    /// One deterioration.
    public struct Finding: Sendable {
        public var what: (en: String, zh: String)
        public var effect: EffectEstimate
        public var style: NumberStyle
        public var look: (en: String, zh: String)
        /// |estimate / SE|: how clear it is.
        public var clarity: Double { abs(effect.estimate / effect.standardError) }
    }

    public struct Result: Sendable {
        public var quarter: TierMigration.Quarter
        public var findings: [Finding]
        /// The checks compared with a year earlier (en, zh), and those that could not be (with why).
        public var checked: [(en: String, zh: String)]
        public var skipped: [(what: String, why: String)]
    }

    /// What the analyses it reads need (each that can run on these data).
    public static func monthsNeeds(_ context: AnalysisContext, _ options: Options) throws -> CustomerMonthsRequest {
        var request = try TierMigration.monthsNeeds(context, options.tiers)
        for needs in [
            { try Lifecycle.monthsNeeds(context, options.lifecycle) },
            { try CohortRetention.monthsNeeds(context, options.retention) },
            { try SegmentKPIs.monthsNeeds(context, options.kpis) },
            { try BaseFunnel.monthsNeeds(context, options.funnel) },
        ] as [() throws -> CustomerMonthsRequest] {
            do { request.formUnion(try needs()) } catch is AnalysisError { continue }
        }
        return request
    }

    public static func compute(_ context: AnalysisContext, _ options: Options) throws -> Result {
        var findings: [Finding] = []
        var checked: [(en: String, zh: String)] = [], skipped: [(what: String, why: String)] = []
        let tiers = try TierMigration.compute(context, options.tiers)
        let quarter = tiers.quarter
        let yearEarlier = quarter.adding(-4)
        if let change = tiers.change {
            checked.append(("tier migration", "层级迁移"))
            if change.estimate < 0 && change.pValue < 0.05 {
                findings.append(
                    Finding(
                        what: (
                            "Fewer customers moved up a tier than a year earlier (net upgrade rate \(quarter) − \(yearEarlier))",
                            "升级客户少于一年前（净升级率 \(quarter) − \(yearEarlier)）"
                        ), effect: change, style: .percentagePoints(digits: 1),
                        look: ("the migration matrix: which tiers lose customers downward", "迁移矩阵：哪些层级的客户向下流动")))
            }
        } else {
            skipped.append(("tiers", "no migration a year earlier to compare with"))
        }
        // Lifecycle rates over the quarter's months against the same months a year earlier.
        do {
            let lifecycle = try Lifecycle.compute(context, options.lifecycle)
            var compared = false
            func pooled(_ q: TierMigration.Quarter, _ state: Lifecycle.State) -> (x: Double, n: Double)? {
                let months = lifecycle.months.filter { TierMigration.Quarter(containing: $0.month) == q }
                guard months.count == 3 else { return nil }
                var x = 0.0, n = 0.0
                for m in months {
                    x += Double(m.counts[state]!)
                    n += Double(m.denominators[state] ?? 0)
                }
                return n > 0 ? (x, n) : nil
            }
            for (state, worse, en, zh, look) in [
                (
                    Lifecycle.State.retained, -1.0, "Fewer active customers stayed active the next month", "次月仍活跃的客户比例下降",
                    ("the lifecycle flows: where MAU leaks", "生命周期流动：月活流失在哪里")
                ),
                (
                    .resurrected, -1.0, "Fewer dormant customers came back", "沉睡客户唤醒率下降",
                    ("the dormant stock and the reactivation campaigns", "沉睡存量与唤醒活动")
                ),
                (
                    .newlyDormant, 1.0, "More customers went dormant", "转入沉睡的客户比例上升",
                    ("who went dormant: their tiers and segments", "转入沉睡的客户：其层级与分群")
                ),
            ] {
                guard let now = pooled(quarter, state), let before = pooled(yearEarlier, state) else { continue }
                compared = true
                let effect = ProportionComparison.difference(treatment: (now.x, now.n), control: (before.x, before.n))
                if effect.estimate * worse > 0 && effect.pValue < 0.05 && effect.standardError > 0 {
                    findings.append(
                        Finding(
                            what: ("\(en) (\(quarter) against \(yearEarlier))", "\(zh)（\(quarter) 对比 \(yearEarlier)）"), effect: effect,
                            style: .percentagePoints(digits: 1), look: look))
                }
            }
            if compared {
                checked.append(("retention, reactivation and dormancy", "留存、唤醒与沉睡"))
            } else {
                skipped.append(("lifecycle", "no whole quarter of rates a year earlier (\(yearEarlier))"))
            }
        } catch let error as AnalysisError {
            skipped.append(("lifecycle", error.message))
        }
        // Retention: the latest cohort against the one a year earlier.
        do {
            let retention = try CohortRetention.compute(context, options.retention)
            if retention.comparison == nil { skipped.append(("retention", "no cohort a year before the latest to compare with")) }
            if let c = retention.comparison {
                checked.append(("cohort retention", "群组留存"))
                for row in c.rows where row.effect.estimate < 0 && row.pAdjusted < 0.05 {
                    findings.append(
                        Finding(
                            what: (
                                "Customers who opened in \(c.a) were retained worse than those of \(c.b) in month \(row.period)",
                                "\(c.a) 开户的客户在第 \(row.period) 个月的留存低于 \(c.b) 开户的客户"
                            ), effect: row.effect, style: .percentagePoints(digits: 1),
                            look: ("onboarding of the newer cohort", "新群组的开户引导")))
                }
            }
        } catch let error as AnalysisError {
            skipped.append(("retention", error.message))
        }
        // KPIs by segment: YoY declines, Holm across KPIs × levels.
        do {
            let kpis = try SegmentKPIs.compute(context, options.kpis)
            let tested = kpis.rows.filter { $0.changeYoY != nil }
            if tested.isEmpty {
                skipped.append(("kpis", "no KPI a year earlier (\(yearEarlier)) to compare with"))
            } else {
                checked.append(("per-capita KPIs by segment", "分群人均指标"))
            }
            let adjusted = MultipleTesting.holm(tested.map { $0.changeYoY!.pValue })
            for (row, p) in zip(tested, adjusted) {
                let better = row.kpi == SegmentKPIs.activeShare || ((try? context.schema.definition(of: row.kpi))?.higherIsBetter ?? true)
                let e = row.changeYoY!
                guard p < 0.05, better ? e.estimate < 0 : e.estimate > 0 else { continue }
                let name = row.kpi == SegmentKPIs.activeShare ? context.text("Active share", "活跃占比") : MetricWords.label(row.kpi, context)
                let level = row.level.map { "\(kpis.dimension ?? "") \($0)" } ?? context.text("the whole base", "全体客户")
                findings.append(
                    Finding(
                        what: ("\(name) per customer of \(level) fell against \(yearEarlier)", "\(level)的人均\(name)较 \(yearEarlier) 下降"),
                        effect: e, style: .percent(digits: 1), look: ("the KPI table by segment", "分群指标表")))
            }
        } catch let error as AnalysisError {
            skipped.append(("kpis", error.message))
        }
        // The AARRR funnel: a step's conversion within 90 days against the customers acquired a year earlier (Holm across steps).
        do {
            let funnel = try BaseFunnel.compute(context, options.funnel)
            let compared = funnel.current.transitions.filter { $0.change != nil }
            if compared.isEmpty {
                skipped.append(
                    ("funnel", "no step of the funnel can be compared within 90 days with the customers acquired a year earlier"))
            } else {
                checked.append(("the AARRR funnel's steps", "AARRR 漏斗各环节"))
            }
            let adjusted = MultipleTesting.holm(compared.map { $0.change!.pValue })
            for (tr, p) in zip(compared, adjusted) where p < 0.05 && tr.change!.estimate < 0 {
                let from = BaseFunnel.nodeName(tr.from, context), to = BaseFunnel.nodeName(tr.to, context)
                findings.append(
                    Finding(
                        what: (
                            "Fewer new customers went from \(from.lowercased()) to \(to.lowercased()) within 90 days than those acquired a year earlier",
                            "新客户 90 天内从\(from)到\(to)的转化率低于一年前获取的客户"
                        ), effect: tr.change!, style: .percentagePoints(digits: 1),
                        look: ("the AARRR funnel: the days between these nodes, by segment", "AARRR 漏斗：这两个环节之间的天数及分群")))
            }
        } catch let error as AnalysisError {
            skipped.append(("funnel", error.message))
        } catch let error as DataError where error.trouble == nil && error != .interrupted {
            // A row the funnel alone reads (an events timestamp) does not stop the other findings.
            skipped.append(("funnel", error.description))
        }
        findings.sort { $0.clarity > $1.clarity }
        return Result(quarter: quarter, findings: findings, checked: checked, skipped: skipped)
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let r = try compute(context, options)
        let t = context.text
        var blocks: [ReportBlock] = []
        if r.findings.isEmpty && r.checked.isEmpty {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .strong(t("No pain point can be named for \(r.quarter):", "无法给出 \(r.quarter) 的痛点：")),
                        .text(t(" nothing could be compared with a year earlier (see below).", "没有任何指标可与一年前对比（见下）。")),
                    ]))
        } else if r.findings.isEmpty {
            blocks.append(
                .callout(
                    .note,
                    [
                        .strong(t("No significant deterioration in \(r.quarter).", "\(r.quarter) 没有显著恶化。")),
                        .text(
                            t(
                                " Compared with a year earlier: \(r.checked.map(\.en).joined(separator: ", ")).",
                                "与一年前对比检查了：\(r.checked.map(\.zh).joined(separator: "、"))。")),
                    ]))
        } else {
            blocks.append(
                .callout(.warning, [.strong(t("Pain points of \(r.quarter), clearest first", "\(r.quarter) 的痛点（按显著程度排序）"))]))
            blocks.append(
                .list(
                    ordered: true,
                    items: r.findings.map { f in
                        [
                            .text(t(f.what.en, f.what.zh) + t(": ", "：")), .number(f.effect.estimate, f.style),
                            .text(t(" (95% interval ", "（95% 区间 ")), .number(f.effect.interval.lower, f.style), .text(t(" to ", " 至 ")),
                            .number(f.effect.interval.upper, f.style), .text(t(", ", "，")),
                        ] + ExperimentHealth.pInline(f.effect.pValue) + [
                            .text(t("). Look at ", "）。查看：") + t(f.look.en, f.look.zh) + t(".", "。"))
                        ]
                    }))
        }
        for (what, why) in r.skipped {
            blocks.append(.callout(.note, [.text(t("Not checked: \(what) — \(why).", "未检查：\(what)——\(why)。"))]))
        }
        blocks.append(
            .records(
                name: "pain_points",
                r.findings.enumerated().map { k, f in
                    DataRecord([
                        "rank": .number(Double(k + 1)), "finding": .text(f.what.en), "estimate": .number(f.effect.estimate),
                        "low": .number(f.effect.interval.lower), "high": .number(f.effect.interval.upper),
                        "p_value": .number(f.effect.pValue),
                    ])
                }))
        return blocks
    }
}

extension OptionValues {
    /// Only the values of `keys`.
    func filtered(_ keys: [String]) -> OptionValues {
        OptionValues(values.filter { keys.contains($0.key) })
    }
}
