import CampaignLabData

/// A campaign's panel as one run of a notebook shares it, with the year-over-year windows
/// that were loaded with it (when the campaign's windows allow the comparison).
struct SharedCampaignPanel: Sendable {
    var panel: CampaignPanel
    /// Extra windows 0…3 of the panel: previous pre, previous post, current pre, current post
    /// (current differs from the panel's pre/post only under Jan+Feb).
    var yearOverYear: (alignment: YearOverYearAlignment, pre: YearOverYearMonths, post: YearOverYearMonths)?
    /// Extra windows holding one pre-period month each (when asked for), in month order.
    var monthlyWindows: [Int] = []

    /// The panel of a campaign for this run, loaded once and shared by the analyses that need
    /// it (uplift, year over year, summary): the pre-period and campaign months and, when the
    /// windows allow a year-over-year comparison under `alignment`, those windows a year earlier.
    static func load(
        _ context: AnalysisContext, campaign id: String, metrics: [String], optional: Set<String> = [],
        preMonths: Int?, alignment: YearOverYearAlignment = .sameDates, monthly: Bool = false
    ) throws -> SharedCampaignPanel {
        let key = "panel|\(id)|\(metrics.joined(separator: ","))|\(preMonths ?? 0)|\(alignment.rawValue)|\(monthly)"
        return try context.memo(key) {
            let campaign = try CampaignInfo.load(id, from: context.engine, schema: context.schema)
            let windows = CampaignWindows(campaign: campaign, preMonths: preMonths)
            var extra: [ClosedRange<YearMonth>] = []
            var yearOverYear: (YearOverYearAlignment, YearOverYearMonths, YearOverYearMonths)?
            let usable = [windows.pre, windows.post].allSatisfy { window in
                (try? YearOverYear.validate(DateWindow(months: window), alignment: alignment, table: "campaigns", column: nil, row: nil))
                    != nil
            }
            if usable {
                let pre = YearOverYear.months(for: windows.pre, alignment: alignment)
                let post = YearOverYear.months(for: windows.post, alignment: alignment)
                extra = [pre.previous, post.previous, pre.current, post.current]
                yearOverYear = (alignment, pre, post)
            }
            var monthlyWindows: [Int] = []
            if monthly {
                var month = windows.pre.lowerBound
                while month <= windows.pre.upperBound {
                    monthlyWindows.append(extra.count)
                    extra.append(month...month)
                    month = month.adding(months: 1)
                }
            }
            let panel = try CampaignPanel.load(
                campaign, windows: windows, extraWindows: extra, metrics: metrics, optional: optional,
                schema: context.schema, database: context.engine, assignments: try CampaignAssignments.shared(campaign, context),
                badRows: context.badRows, progress: context.progress)
            return SharedCampaignPanel(panel: panel, yearOverYear: yearOverYear, monthlyWindows: monthlyWindows)
        }
    }
}

extension CampaignPanel {
    /// The index in `arms` of the arm compared with the control: `name`, or the first other arm.
    /// - Throws: `AnalysisError` (option `arm`) when `name` is not a non-control arm.
    func treatedArmIndex(_ name: String?) throws -> Int {
        guard let name else { return 1 }
        guard let index = arms.firstIndex(of: name), index > 0 else {
            throw AnalysisError(
                option: "arm", "'\(name)' is not a non-control arm of '\(campaign.id)' (arms: \(arms.dropFirst().joined(separator: ", ")))")
        }
        return index
    }
}

extension CampaignAssignments {
    /// The campaign's assignments for this run, read once (`readAll`) and shared by the panel
    /// and the funnel, which would otherwise each read them at the same time.
    static func shared(_ campaign: CampaignInfo, _ context: AnalysisContext) throws -> CampaignAssignments {
        try context.memo("assignments|\(campaign.id)") {
            context.progress("reading the assignments of \(campaign.id)")
            return try CampaignAssignments.readAll(
                campaign, schema: context.schema, database: context.engine, badRows: context.badRows)
        }
    }
}
