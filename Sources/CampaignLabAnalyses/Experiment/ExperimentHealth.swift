import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// Is a randomized test's split what was planned? Sample-ratio mismatch (Pearson's χ² against
/// the planned shares, flagged at p < 0.001) for the whole test, for each day of assignment and
/// for each level of a customers dimension, with the likely cause named; and assignments dated
/// outside the test's window. A failed check means the test's numbers cannot be trusted: the
/// readout puts it first and does not recommend shipping.
public enum ExperimentHealth: Analysis {
    public static let name = "experiment.health"
    public static let summary =
        "Health of a randomized test: sample-ratio mismatch overall, per assignment day and per segment, assignments outside the window."
    /// A split this unlikely under the plan is a failed check (the experiment platforms' usual bar).
    public static let threshold = 0.001

    public struct Options: AnalysisOptionSet {
        public var campaign: String
        /// Planned shares per arm, control first then the others by name (nil: equal).
        public var split: [Double]?
        /// The customers dimension whose levels are checked one by one (nil: the first).
        public var by: String?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("campaign", "the campaign_id of a randomized test"),
            AnalysisOption(
                "split", "planned shares per arm, control first then the others by name, e.g. 50,25,25",
                default: "campaigns.planned_split, else equal"),
            AnalysisOption("by", "a customers dimension whose levels are checked one by one", default: "the first dimension"),
        ]
        public init(campaign: String, split: [Double]? = nil, by: String? = nil) {
            self.campaign = campaign
            self.split = split
            self.by = by
        }
        public init(_ values: OptionValues) throws {
            campaign = try values.required("campaign")
            split = try values.ascendingNumbers("split", requireAscending: false)
            by = values.optionalString("by")
        }
        public func validate() throws {
            if let split, split.count < 2 || !split.allSatisfy({ $0.isFinite && $0 > 0 }) {
                throw AnalysisError(option: "split", "expected two or more positive shares separated by commas, e.g. 50,50")
            }
        }
        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = [("campaign", campaign)]
            if let split { list.append(("split", split.map(formatPlain).joined(separator: ","))) }
            if let by { list.append(("by", by)) }
            return list
        }
    }

    /// One χ² check: the scope ("overall", a day, a level), customers per arm, the test.
    public struct Check: Sendable {
        public var scope: String
        public var counts: [Double]
        public var test: SampleRatioMismatch
        public var flagged: Bool { test.pValue < ExperimentHealth.threshold }
    }

    public struct Result: Sendable {
        public var campaign: CampaignInfo
        public var arms: [String]
        public var planned: [Double]
        public var overall: Check
        public var days: [Check]
        public var dimension: String?
        public var levels: [Check]
        /// Customers assigned before the test's first day or after its last.
        public var outsideWindow: Int
        /// Customers with events of this test but no assignment to it (nil: no events table),
        /// and one of them.
        public var exposedWithoutAssignment: (count: Int, example: SQLiteValue?)?
        public var passed: Bool { !overall.flagged && outsideWindow == 0 }
    }

    /// - Parameter countingExposure: scan events for customers exposed without assignment
    ///   (the readout finds them in its own pass over events instead).
    public static func compute(_ context: AnalysisContext, _ options: Options, countingExposure: Bool = true) throws -> Result {
        try AnalysisError.namingReadErrors {
            let campaign = try CampaignInfo.load(options.campaign, from: context.engine, schema: context.schema)
            try context.schema.require(Contract.assignments, columns: ["campaign_id", "customer_id", "arm", "assigned_at"])
            let assignments = try CampaignAssignments.shared(campaign, context)
            try assignments.requireAssignedAt(context.badRows)
            try assignments.requireComparison()
            let arms = assignments.arms
            let planned = try options.split ?? plannedSplit(campaign, arms: arms, context) ?? [Double](repeating: 1, count: arms.count)
            guard planned.count == arms.count else {
                throw AnalysisError(
                    option: "split",
                    "\(planned.count) shares for \(arms.count) arms (\(arms.joined(separator: ", ")), control first); give one share per arm"
                )
            }
            let dimension = options.by ?? assignments.dimensions.first
            let d = dimension.flatMap { assignments.dimensions.firstIndex(of: $0) }
            if let dimension, d == nil {
                throw AnalysisError(
                    option: "by",
                    "'\(dimension)' is not a text dimension of customers (dimensions: \(assignments.dimensions.joined(separator: ", ")))")
            }
            var total = [Double](repeating: 0, count: arms.count)
            var byDay: [Int: [Double]] = [:], byLevel: [Int32: [Double]] = [:]
            let first = Double(campaign.startsOn.daysSinceEpoch) * 86_400,
                end = Double(campaign.endsOn.adding(days: 1).daysSinceEpoch) * 86_400
            var outside = 0
            for i in 0..<assignments.count {
                let a = assignments.arm[i], at = assignments.assignedAt[i]
                guard !at.isNaN else { continue }
                total[a] += 1
                byDay[Timestamp(secondsSinceEpoch: at).date.daysSinceEpoch, default: [Double](repeating: 0, count: arms.count)][a] += 1
                if let d { byLevel[assignments.dimensionCodes[d][i], default: [Double](repeating: 0, count: arms.count)][a] += 1 }
                if at < first || at >= end { outside += 1 }
            }
            func check(_ scope: String, _ counts: [Double]) -> Check? {
                // A χ² needs expected counts of a few customers per arm to mean anything.
                guard counts.reduce(0, +) >= 5 * Double(arms.count) else { return nil }
                return Check(scope: scope, counts: counts, test: SampleRatioMismatch(observed: counts, allocation: planned))
            }
            let days = byDay.keys.sorted().compactMap { check(CivilDate(daysSinceEpoch: $0).description, byDay[$0]!) }
            let levels = byLevel.keys.sorted().compactMap { code in
                check(
                    code == assignments.missingLevel[d!] ? CampaignAssignments.missingLevelName : assignments.levels[d!][Int(code)],
                    byLevel[code]!)
            }
            // Exposure without assignment: customers whose events name this test but who are
            // not assigned to it (ids matched across storage types, as everywhere).
            var exposed: (count: Int, example: SQLiteValue?)?
            let countsExposure = countingExposure && context.schema.has(Contract.events, column: "campaign_id")
            if countsExposure && !context.engine.isSQLite {
                exposed = try ExperimentEvents.unassignedExposure(campaign: campaign.id, schema: context.schema, database: context.engine)
            } else if countsExposure {
                let assigned = Set(assignments.ids.map(\.customerKey))
                var count = 0
                var example: SQLiteValue?
                let statement = try context.sqlite("experiment.health").prepare(
                    "SELECT DISTINCT customer_id FROM events WHERE campaign_id = ?")
                try statement.bind(campaign.id, at: 1)
                while try statement.step() {
                    guard !assigned.contains(statement.value(0).customerKey) else { continue }
                    count += 1
                    // The smallest id (by its text) names them: the same whatever the scan's order.
                    let id = statement.value(0)
                    if example.map({ "\(id)" < "\($0)" }) ?? true { example = id }
                }
                exposed = (count, example)
            }
            return Result(
                campaign: campaign, arms: arms, planned: planned,
                overall: Check(scope: "overall", counts: total, test: SampleRatioMismatch(observed: total, allocation: planned)),
                days: days, dimension: dimension, levels: levels, outsideWindow: outside, exposedWithoutAssignment: exposed)
        }
    }

    /// The split planned in the campaigns row, when the table has a `planned_split` column and
    /// the row a value: shares by arm ("control:50,variant_a:25,variant_b:25") or in the arms'
    /// order (control first, then the others by name: "50,25,25").
    /// - Throws: `DataError.contract` naming the row for a value that is not such a list.
    static func plannedSplit(_ campaign: CampaignInfo, arms: [String], _ context: AnalysisContext) throws -> [Double]? {
        guard context.schema.has(Contract.campaigns, column: "planned_split"),
            let value = try context.engine.allRows(
                "SELECT \(context.engine.dialect.asText("planned_split")) FROM campaigns WHERE campaign_id = ?", [.text(campaign.id)]
            ).first?[0], value != .null,
            let text = Optional(value.textValue ?? value.label(context)),
            !text.trimmingCharacters(in: .whitespaces).isEmpty
        else { return nil }
        func fail(_ message: String) -> DataError {
            DataError.contract(table: "campaigns", column: "planned_split", row: "campaign_id='\(campaign.id)'", message: message)
        }
        let items = OptionValues.names(in: text)
        if items.allSatisfy({ $0.contains(":") }) {
            var shares = [Double?](repeating: nil, count: arms.count)
            for item in items {
                let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let a = arms.firstIndex(of: parts[0]) else {
                    throw fail("'\(parts[0])' is not an arm of the campaign (arms: \(arms.joined(separator: ", ")))")
                }
                guard let share = Double(parts[1]), share.isFinite, share > 0 else {
                    throw fail("the share of '\(parts[0])' is '\(parts[1])', not a positive number")
                }
                shares[a] = share
            }
            if let missing = shares.firstIndex(where: { $0 == nil }) { throw fail("no share for arm '\(arms[missing])'") }
            return shares.map { $0! }
        }
        let numbers = items.compactMap(Double.init)
        guard numbers.count == items.count, numbers.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("'\(text)' is not a list of positive shares such as 'control:50,variant_a:50' or '50,50'")
        }
        guard numbers.count == arms.count else {
            throw fail(
                "\(numbers.count) shares for \(arms.count) arms (\(arms.joined(separator: ", ")), control first); give one share per arm")
        }
        return numbers
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        render(try compute(context, options), context)
    }

    /// The likely cause of a mismatch, from where it is: one day, one level, or everywhere.
    static func cause(_ r: Result, _ context: AnalysisContext) -> String {
        let t = context.text
        let badDays = r.days.filter(\.flagged), badLevels = r.levels.filter(\.flagged)
        if !badDays.isEmpty && badDays.count < r.days.count {
            let list = badDays.map(\.scope).joined(separator: ", ")
            return t(
                "the split broke on \(list) only: look for a release, an outage or a change to the assignment that day.",
                "分组仅在 \(list) 失衡：请查当天的发布、故障或分组逻辑变更。")
        }
        if let dimension = r.dimension, !badLevels.isEmpty && badLevels.count < r.levels.count {
            let list = badLevels.map(\.scope).joined(separator: ", ")
            return t(
                "the split is off only for customers with \(dimension) \(list): the assignment or the logging differs for them (a variant that fails on their channel or device?).",
                "仅 \(dimension) 为 \(list) 的客户分组失衡：这些客户的分组或埋点有差异（某个版本在其渠道或设备上失效？）。")
        }
        return t(
            "the split is off throughout: customers are lost unevenly after assignment (an arm whose page fails to load or to log), or the planned split is not the one used (set the split option).",
            "整体失衡：分组后客户流失不均（某组页面加载或埋点失败），或计划比例与实际使用的不同（请设置 split 选项）。")
    }

    /// "p = 0.362" or "p < 0.001" in prose (the number keeps its full precision in JSON).
    static func pInline(_ p: Double, _ prefix: String = "p") -> [Inline] {
        [.text(p < 0.001 ? "\(prefix) " : "\(prefix) = "), .number(p, .pValue)]
    }

    static func render(_ r: Result, _ context: AnalysisContext) -> [ReportBlock] {
        let t = context.text
        var blocks: [ReportBlock] = []
        let p = r.overall.test.pValue
        if r.overall.flagged {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .strong(t("Failed: the split is not the planned one", "未通过：分组比例与计划不符")),
                        .text(t(" (", "（")),
                    ] + pInline(p, "χ² p") + [
                        .text(t("); ", "）；")), .text(cause(r, context)),
                        .text(t(" Do not act on this test's results until the cause is found.", "查明原因前，不要依据本次测试结果做决定。")),
                    ]))
        } else {
            blocks.append(
                .paragraph(
                    [.text(t("The split matches the plan (", "分组比例与计划相符（"))] + pInline(p, "χ² p") + [
                        .text(t("; a mismatch is flagged below p = 0.001).", "；p < 0.001 视为失衡）。"))
                    ]))
        }
        if r.outsideWindow > 0 {
            blocks.append(
                .callout(
                    .warning,
                    [
                        .number(Double(r.outsideWindow), .count),
                        .text(
                            t(
                                " customers were assigned outside the test's window (\(r.campaign.startsOn) to \(r.campaign.endsOn)): check the assignment dates.",
                                " 位客户的分组时间不在测试期内（\(r.campaign.startsOn) 至 \(r.campaign.endsOn)）：请检查分组时间。")),
                    ]))
        }
        if let exposed = r.exposedWithoutAssignment, exposed.count > 0 {
            let example = exposed.example.map { "\($0)" } ?? ""
            blocks.append(
                .callout(
                    .warning,
                    [
                        .number(Double(exposed.count), .count),
                        .text(
                            t(
                                " customers have events of this test but no assignment to it (e.g. customer_id \(example)): the assignment log may be missing rows, and these customers are in no arm.",
                                " 位客户有本测试的事件却没有分组记录（例如 customer_id \(example)）：分组日志可能缺行，这些客户不属于任何组。")),
                    ]))
        }
        let total = r.overall.counts.reduce(0, +), plannedTotal = r.planned.reduce(0, +)
        blocks.append(
            .table(
                ReportTable(
                    caption: t("Customers per arm against the planned split", "各组客户数与计划比例"),
                    columns: [
                        ReportTable.Column(t("Arm", "组别")), ReportTable.Column(t("Customers", "客户数"), style: .count),
                        ReportTable.Column(t("Share", "占比"), style: .percent(digits: 1)),
                        ReportTable.Column(t("Planned share", "计划占比"), style: .percent(digits: 1)),
                    ],
                    rows: r.arms.indices.map { a in
                        [
                            .text(r.arms[a]), .integer(Int64(r.overall.counts[a])), .number(r.overall.counts[a] / total),
                            .number(r.planned[a] / plannedTotal),
                        ]
                    })))
        func checksTable(_ caption: String, _ first: String, _ checks: [Check]) -> ReportBlock {
            .table(
                ReportTable(
                    caption: caption,
                    columns: [ReportTable.Column(first)] + r.arms.map { ReportTable.Column($0, style: .count) } + [
                        ReportTable.Column("χ² p", style: .pValue), ReportTable.Column(t("Mismatch", "失衡")),
                    ],
                    rows: checks.map { c in
                        [.text(c.scope)] + c.counts.map { .integer(Int64($0)) } + [
                            .number(c.test.pValue), .text(c.flagged ? t("yes", "是") : ""),
                        ]
                    }))
        }
        if !r.days.isEmpty { blocks.append(checksTable(t("By day of assignment", "按分组日期"), t("Day", "日期"), r.days)) }
        if let dimension = r.dimension, !r.levels.isEmpty {
            blocks.append(checksTable(t("By \(dimension)", "按 \(dimension)"), dimension, r.levels))
        }
        let checks = [("overall", r.overall)] + r.days.map { ("day", $0) } + r.levels.map { ("segment", $0) }
        blocks.append(
            .records(
                name: "health",
                checks.map { kind, c in
                    DataRecord([
                        "check": .text("sample_ratio"), "scope": .text(kind), "level": kind == "overall" ? .null : .text(c.scope),
                        "customers": .number(c.counts.reduce(0, +)), "statistic": .number(c.test.statistic),
                        "p_value": .number(c.test.pValue),
                        "flagged": .bool(c.flagged),
                    ])
                }))
        return blocks
    }
}
