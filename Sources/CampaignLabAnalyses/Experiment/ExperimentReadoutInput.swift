import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

extension ReadoutInput {
    /// The test's customers and metrics from the database's rows: customers assigned before
    /// the end of the readout, each metric counted from the customer's `assigned_at` to that
    /// end, the pre-period (as many days before the test as it lasts) as CUPED's covariate.
    static func fromRows(_ options: ExperimentReadout.Options, _ context: AnalysisContext) throws -> ReadoutInput {
        try AnalysisError.namingReadErrors {
            let database = context.engine, schema = context.schema
            let campaign = try CampaignInfo.load(options.campaign!, from: database, schema: context.schema)
            guard campaign.design.lowercased() == "randomized" else {
                throw AnalysisError(
                    option: "campaign",
                    "'\(campaign.id)' is an \(campaign.design) campaign (campaigns.design = '\(campaign.design)'), not a randomized test: its arms chose themselves, so read it with the post-campaign review (campaignlab uplift --campaign \(campaign.id), or notebooks-md/post-campaign-review.md), which adjusts for self-selection"
                )
            }
            let assignments = try CampaignAssignments.shared(campaign, context)
            context.progress("checking the split of \(campaign.id)")
            var health = try ExperimentHealth.compute(
                context, ExperimentHealth.Options(campaign: campaign.id, split: options.split), countingExposure: false)
            try assignments.requireAssignedAt(context.badRows)

            // The end of the readout: the planned end, the as-of day, or where the data end.
            let start = Double(campaign.startsOn.daysSinceEpoch) * 86_400
            let plannedEnd = Double(campaign.endsOn.adding(days: 1).daysSinceEpoch) * 86_400
            var end = plannedEnd
            if let asOf = options.asOf {
                guard asOf >= campaign.startsOn else {
                    throw AnalysisError(
                        option: "as_of", "\(asOf) is before the test starts (\(campaign.startsOn)); give a day from \(campaign.startsOn) on"
                    )
                }
                end = min(end, Double(asOf.adding(days: 1).daysSinceEpoch) * 86_400)
            } else if schema.table(Contract.events.name) != nil,
                case () = context.progress("finding where the events end"),
                let dataEnd = try CampaignEvents.dataEnd(
                    from: campaign.startsOn, through: campaign.endsOn, schema: schema, engine: database)
            {
                end = min(end, dataEnd)
                guard end > start else {
                    throw AnalysisError(
                        option: "campaign",
                        "table events ends on \(Timestamp(secondsSinceEpoch: dataEnd).date), before the test '\(campaign.id)' starts (\(campaign.startsOn)): there is nothing to read yet"
                    )
                }
            }
            let days = Double(campaign.endsOn.daysSinceEpoch - campaign.startsOn.daysSinceEpoch + 1)

            // Customers in the test by the end of the readout (NaN: not counted).
            var assignedAt = assignments.assignedAt
            for i in assignedAt.indices where !(assignedAt[i] < end) { assignedAt[i] = .nan }
            let included = assignedAt.map { !$0.isNaN }
            var customers = [Double](repeating: 0, count: assignments.arms.count)
            for i in included.indices where included[i] { customers[assignments.arm[i]] += 1 }
            for (a, arm) in assignments.arms.enumerated() where customers[a] == 0 {
                throw AnalysisError(
                    option: "campaign",
                    "arm '\(arm)' of '\(campaign.id)' has no customers assigned by \(Timestamp(secondsSinceEpoch: end - 1).date) (table assignments); there is nothing to compare"
                )
            }

            // The metrics and what they are read from.
            var (definitions, notes) = try readoutDefinitions(options.metrics, schema: schema, database: database)
            var leftOut = (options.metrics ?? schema.metricDefinitions.map(\.metric)).filter { name in
                !definitions.contains { $0.metric == name }
            }
            // An interim look inside a month: that month's snapshot is not the test's yet.
            let through = Timestamp(secondsSinceEpoch: end - 1).date
            let lastMonth = CampaignWindows(campaign: campaign).post.upperBound
            if end < plannedEnd && through < lastMonth.lastDay {
                func monthly(_ d: MetricDefinition) -> Bool {
                    d.isRatio
                        ? [d.numerator!, d.denominator!].contains { (try? schema.definition(of: $0))?.source == .months }
                        : d.source == .months
                }
                let left = definitions.filter(monthly).map(\.metric)
                definitions.removeAll(where: monthly)
                leftOut += left
                if !left.isEmpty {
                    notes.append(
                        (
                            "\(left.joined(separator: ", ")): monthly snapshots, and \(lastMonth) is not over by \(through); read them after the month ends",
                            "\(left.joined(separator: "、"))：月度快照指标，\(lastMonth) 截至 \(through) 尚未结束；请在月末后查看"
                        ))
                }
                guard !definitions.isEmpty else {
                    throw AnalysisError(
                        option: "metrics",
                        "every metric is a monthly snapshot of \(lastMonth), which is not over by \(through); read the test after the month ends, or name events metrics"
                    )
                }
            }
            var base: [MetricDefinition] = []
            for d in definitions {
                let parts = d.isRatio ? [try schema.definition(of: d.numerator!), try schema.definition(of: d.denominator!)] : [d]
                for part in parts where !base.contains(part) { base.append(part) }
            }
            let eventMetrics = base.filter { $0.source == .events }
            let monthsMetrics = base.filter { $0.source == .months }
            if !eventMetrics.isEmpty {
                try schema.require(Contract.events, columns: ["customer_id", "event", "occurred_at"])
                try schema.requireEventValue(for: eventMetrics)
            }
            let span = ExperimentEvents.Span(end: end, preStart: start - days * 86_400, preEnd: start)
            var events: (post: [[Double]], pre: [[Double]], unassigned: (count: Int, example: SQLiteValue?)?) = ([], [], nil)
            if schema.table(Contract.events.name) != nil {
                context.progress("reading the events of \(campaign.id) from each customer's assignment")
                events = try ExperimentEvents.values(
                    eventMetrics, campaign: campaign.id, ids: assignments.ids, assignedAt: assignedAt, span: span, schema: schema,
                    database: database, badRows: context.badRows)
                health.exposedWithoutAssignment = events.unassigned
            }
            var months: [[[Double]]] = [[], []]
            if !monthsMetrics.isEmpty {
                try schema.require(Contract.customerMonths, columns: ["customer_id", "month"])
                let windows = CampaignWindows(campaign: campaign)
                var seen = Set<YearMonth>()
                months = try CampaignPanel.monthsMetrics(
                    monthsMetrics.map(\.metric), rollups: monthsMetrics.map(\.rollup), ids: assignments.ids,
                    windows: [windows.pre, windows.post], campaign: campaign.id, schema: schema, database: database,
                    badRows: context.badRows,
                    skipping: assignments.leftOutIDs, monthsSeen: &seen, progress: context.progress)
            }
            // Per base metric: (post, pre) per customer; a months metric's missing pre value is
            // the mean of those that exist (a constant: θ does not depend on the arm).
            func values(_ d: MetricDefinition) -> (post: [Double], pre: [Double], hasPre: Bool) {
                if let j = eventMetrics.firstIndex(of: d) {
                    let pre = events.pre[j]
                    return (events.post[j], pre, zip(pre, included).contains { $1 && $0 != 0 })
                }
                let j = monthsMetrics.firstIndex(of: d)!
                var sum = 0.0, count = 0.0
                for (value, inside) in zip(months[0][j], included) where inside && !value.isNaN {
                    sum += value
                    count += 1
                }
                let fill = count > 0 ? sum / count : 0
                return (months[1][j], months[0][j].map { $0.isNaN ? fill : $0 }, count > 0)
            }
            var metrics: [ReadoutMetric] = []
            let arms = assignments.arms
            // The breakdown: a text dimension of customers (the first by default).
            var segment: Int?
            if options.by?.lowercased() != "none", let name = options.by ?? assignments.dimensions.first {
                guard let d = assignments.dimensions.firstIndex(of: name) else {
                    throw AnalysisError(
                        option: "by",
                        "'\(name)' is not a text dimension of customers (dimensions: \(assignments.dimensions.joined(separator: ", ")))")
                }
                segment = d
            }
            let levelCount = segment.map { assignments.levels[$0].count } ?? 0
            func segmentSums(_ kind: MetricSums.Kind, _ add: (inout [[PairedMoments]]) -> Void) -> [[MetricSums]] {
                var grid = [[PairedMoments]](repeating: [PairedMoments](repeating: PairedMoments(), count: arms.count), count: levelCount)
                add(&grid)
                return grid.map { row in row.map { MetricSums(kind: kind, moments: $0) } }
            }
            let quantileMetrics = Set(options.quantiles ?? definitions.filter { $0.source == .events && $0.rollup == .sum }.map(\.metric))
            for name in quantileMetrics where !definitions.contains(where: { $0.metric == name && !$0.isRatio }) {
                throw AnalysisError(
                    option: "quantiles",
                    "'\(name)' is not one of the readout's metrics, or is a ratio (its quantiles are not defined per customer)")
            }
            for d in definitions {
                var moments = [PairedMoments](repeating: PairedMoments(), count: arms.count)
                var hasCovariate = false
                // Per customer: (x, y) or nil when the customer has no value of the metric.
                let pair: (Int) -> (x: Double, y: Double)?
                if d.isRatio {
                    let numerator = values(try schema.definition(of: d.numerator!)),
                        denominator = values(try schema.definition(of: d.denominator!))
                    pair = { i in
                        numerator.post[i].isNaN || denominator.post[i].isNaN ? nil : (denominator.post[i], numerator.post[i])
                    }
                } else {
                    let v = values(d)
                    hasCovariate = v.hasPre
                    pair = { i in v.post[i].isNaN ? nil : (v.pre[i], v.post[i]) }
                }
                for i in included.indices where included[i] {
                    if let (x, y) = pair(i) { moments[assignments.arm[i]].add(x: x, y: y) }
                }
                let kind: MetricSums.Kind = d.isRatio ? .ratio : .mean
                let segments = segmentSums(kind) { grid in
                    guard let segment else { return }
                    for i in included.indices where included[i] {
                        if let (x, y) = pair(i) { grid[Int(assignments.dimensionCodes[segment][i])][assignments.arm[i]].add(x: x, y: y) }
                    }
                }
                var metric = ReadoutMetric(
                    metric: d.metric, kind: kind, higherIsBetter: d.higherIsBetter,
                    sums: moments.map { MetricSums(kind: kind, moments: $0) }, hasCovariate: hasCovariate,
                    isConversion: !d.isRatio && d.source == .events && d.rollup == .any)
                metric.segments = segments
                // No customer's value below 0 (counts, conversions, amounts without refunds).
                metric.nonNegative = included.indices.allSatisfy { i in
                    guard included[i], let (x, y) = pair(i) else { return true }
                    return y >= 0 && (!d.isRatio || x >= 0)
                }
                if quantileMetrics.contains(d.metric) {
                    // Quantile metrics are not ratios: y is the customer's post value.
                    var perArm = [[Double]](repeating: [], count: arms.count)
                    for i in included.indices where included[i] {
                        if let y = pair(i)?.y, d.source == .months || y != 0 { perArm[assignments.arm[i]].append(y) }
                    }
                    metric.quantileValues = perArm
                }
                metrics.append(metric)
            }
            var input = ReadoutInput(
                campaign: campaign, arms: arms, metrics: metrics, customers: customers,
                planned: health.planned, health: health,
                elapsedDays: (end - start) / 86_400, plannedDays: days, readThrough: Timestamp(secondsSinceEpoch: end - 1).date)
            input.notes = notes
            input.leftOut = leftOut
            if let segment {
                input.segmentDimension = assignments.dimensions[segment]
                input.segmentLevels = assignments.levels[segment]
            }
            let recent = min(7, max((end - start) / 86_400, 1e-9))
            input.assignmentRate =
                Double(assignedAt.filter { !$0.isNaN && $0 >= end - recent * 86_400 }.count) / recent
            return input
        }
    }

    /// The metrics of the readout: those named, or every metric of metric_definitions (else
    /// every customer_months metric). An events metric of the default list whose event is not
    /// in table events is left out with a note; one named is an error.
    static func readoutDefinitions<Engine: QueryEngine>(
        _ named: [String]?, schema: ContractSchema, database: Engine
    ) throws -> (definitions: [MetricDefinition], notes: [(en: String, zh: String)]) {
        var definitions: [MetricDefinition] = []
        for metric in named ?? schema.metricDefinitions.map(\.metric) {
            do { definitions.append(try schema.definition(of: metric)) } catch let error as DataError {
                throw AnalysisError(option: "metrics", "\(error)")
            }
        }
        func events(_ d: MetricDefinition) throws -> [String] {
            if d.isRatio {
                return try [d.numerator!, d.denominator!].flatMap { try events(schema.definition(of: $0)) }
            }
            return d.source == .events ? [d.event ?? ""] : []
        }
        let wanted = Set(try definitions.flatMap(events))
        let present =
            wanted.isEmpty || schema.table(Contract.events.name) == nil
            ? [] : try CampaignEvents.presentEvents(Array(wanted).sorted(), database: database)
        var notes: [(en: String, zh: String)] = []
        var kept: [MetricDefinition] = []
        for d in definitions {
            let missing = try events(d).filter { !present.contains($0) }
            guard let event = missing.first else {
                kept.append(d)
                continue
            }
            let known =
                schema.table(Contract.events.name) == nil
                ? "there is no table events" : "events: \(try CampaignEvents.knownEvents(database).joined(separator: ", "))"
            if named != nil {
                throw AnalysisError(
                    option: "metrics", "metric '\(d.metric)' counts event '\(event)', which table events does not have (\(known))")
            }
            notes.append(
                (
                    "\(d.metric): no '\(event)' events in table events (\(known)); left out",
                    "\(d.metric)：events 表中没有 '\(event)' 事件（\(known)）；未纳入"
                ))
        }
        guard !kept.isEmpty else {
            throw AnalysisError(option: "metrics", "none of the metrics can be read: \(notes.map(\.en).joined(separator: "; "))")
        }
        return (kept, notes)
    }

    /// The same from a summary-statistics file: one row per metric × arm (× segment), segments
    /// added up; the control arm named by the `control` option.
    static func fromSummary(_ options: ExperimentReadout.Options, _ context: AnalysisContext) throws -> ReadoutInput {
        let path = options.summary!, control = options.control!
        let all = try SummaryStatisticsFile.read(path: path)
        let file = URL(fileURLWithPath: path).lastPathComponent
        let rows = options.metrics.map { wanted in all.filter { wanted.contains($0.metric) } } ?? all
        if let wanted = options.metrics, let missing = wanted.first(where: { name in !all.contains { $0.metric == name } }) {
            var known: [String] = []
            for row in all where !known.contains(row.metric) { known.append(row.metric) }
            throw AnalysisError(option: "metrics", "no metric '\(missing)' in \(file) (metrics: \(known.joined(separator: ", ")))")
        }
        var armNames = Set(rows.map(\.arm))
        guard armNames.contains(control) else {
            throw AnalysisError(
                option: "control",
                "no arm '\(control)' in \(file) (column arm: \(armNames.sorted().joined(separator: ", "))); name the control arm")
        }
        armNames.remove(control)
        let arms = [control] + armNames.sorted()
        guard arms.count >= 2 else {
            throw DataError.contract(
                table: file, column: "arm", row: nil,
                message: "only the control arm '\(control)' is in the file; there is nothing to compare")
        }
        let segmentLevels = options.by?.lowercased() == "none" ? [] : Array(Set(rows.compactMap(\.segment))).sorted()
        var order: [String] = []
        var byMetric: [String: [SummaryStatisticsRow]] = [:]
        for row in rows {
            if byMetric[row.metric] == nil { order.append(row.metric) }
            byMetric[row.metric, default: []].append(row)
        }
        let wanted = options.metrics ?? order
        var metrics: [ReadoutMetric] = []
        for metric in wanted {
            guard let list = byMetric[metric] else {
                throw AnalysisError(option: "metrics", "no metric '\(metric)' in \(file) (metrics: \(order.joined(separator: ", ")))")
            }
            let kinds = Set(list.map(\.kind))
            guard kinds.count == 1 else {
                let other = list.first { $0.kind != list[0].kind }!
                throw DataError.contract(
                    table: file, column: "kind", row: "line \(other.line)",
                    message:
                        "metric '\(metric)' is '\(list[0].kind.rawValue)' on line \(list[0].line) but '\(other.kind.rawValue)' here; one kind per metric"
                )
            }
            var sums = [PairedMoments](repeating: PairedMoments(), count: arms.count)
            var bySegment = [[PairedMoments]](
                repeating: [PairedMoments](repeating: PairedMoments(), count: arms.count), count: segmentLevels.count)
            for row in list {
                guard let a = arms.firstIndex(of: row.arm) else { continue }
                let part =
                    row.kind == .ratio
                    ? PairedMoments(
                        count: row.users, sumX: row.denominatorSum!, sumY: row.mainSum, sumXX: row.denominatorSumSquares!,
                        sumYY: row.mainSumSquares, sumXY: row.mainDenominatorSumProduct!)
                    : PairedMoments(
                        count: row.users, sumX: row.covariateSum ?? 0, sumY: row.mainSum, sumXX: row.covariateSumSquares ?? 0,
                        sumYY: row.mainSumSquares, sumXY: row.mainCovariateSumProduct ?? 0)
                sums[a] = sums[a] + part
                if let level = row.segment.flatMap(segmentLevels.firstIndex(of:)) { bySegment[level][a] = bySegment[level][a] + part }
            }
            if let missing = arms.indices.first(where: { sums[$0].count == 0 }) {
                throw DataError.contract(
                    table: file, column: "arm", row: nil,
                    message: "metric '\(metric)' has no row (or no users) for arm '\(arms[missing])'; every metric needs every arm")
            }
            if list.contains(where: { $0.covariateSum != nil }), let bare = list.first(where: { $0.covariateSum == nil }) {
                throw DataError.contract(
                    table: file, column: "covariate_sum", row: "line \(bare.line)",
                    message:
                        "metric '\(metric)' has covariate sums on other lines but none here; CUPED needs them for every arm (and segment) of a metric, or for none"
                )
            }
            if let other = list.first(where: { $0.higherIsBetter != list[0].higherIsBetter }) {
                throw DataError.contract(
                    table: file, column: "higher_is_better", row: "line \(other.line)",
                    message: "metric '\(metric)' has another direction here than on line \(list[0].line); one per metric")
            }
            let kind: MetricSums.Kind = list[0].kind == .ratio ? .ratio : .mean
            var readoutMetric = ReadoutMetric(
                metric: metric, kind: kind, higherIsBetter: list[0].higherIsBetter, sums: sums.map { MetricSums(kind: kind, moments: $0) },
                hasCovariate: list[0].covariateSum != nil, isConversion: list[0].kind == .proportion)
            readoutMetric.nonNegative = list[0].kind == .proportion
            // Segments only when every row of the metric names one (else they would not add up).
            if !segmentLevels.isEmpty && list.allSatisfy({ $0.segment != nil }) {
                readoutMetric.segments = bySegment.map { row in row.map { MetricSums(kind: kind, moments: $0) } }
            }
            metrics.append(readoutMetric)
        }
        // The customers per arm: the most users any metric has (a metric may count only the
        // customers with a value).
        let customers = arms.indices.map { a in metrics.map { $0.sums[a].count }.max() ?? 0 }
        var input = ReadoutInput(
            campaign: nil, arms: arms, metrics: metrics, customers: customers,
            planned: options.split ?? [Double](repeating: 1, count: arms.count), health: nil,
            elapsedDays: options.days, plannedDays: options.plannedDays ?? options.days)
        input.summaryFile = file
        if !segmentLevels.isEmpty {
            input.segmentDimension = "segment"
            input.segmentLevels = segmentLevels
        }
        input.assignmentRate = options.days.map { customers.reduce(0, +) / $0 }
        return input
    }
}
