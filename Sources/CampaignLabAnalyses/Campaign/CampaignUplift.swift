import CampaignLabData
import CampaignLabReport
import CampaignLabStats

/// Participants versus non-participants (or a variant versus control) for every metric:
/// the business' numbers and the honest ones side by side, with the method named.
public enum CampaignUplift: Analysis {
    public static let name = "campaign.uplift"
    public static let summary =
        "Participant vs control uplift per metric: arm means and growth, the naive growth multiple, DiD, regression adjustment, propensity weighting with balance, doubly robust AIPW, segments."
    public struct Options: AnalysisOptionSet {
        public var selection: CampaignSelection
        /// Show the segment breakdown.
        public var segments = true

        public static let declarations: [AnalysisOption] =
            CampaignSelection.declarations + [
                AnalysisOption("segments", "show the segment breakdown (true/false)", default: "true")
            ]
        public init(_ selection: CampaignSelection, segments: Bool = true) {
            self.selection = selection
            self.segments = segments
        }
        public init(_ values: OptionValues) throws {
            selection = try CampaignSelection(values)
            segments = try values.flag("segments") ?? true
        }
        public func validate() throws { try selection.validate() }
        public func encoded() -> [(name: String, value: String)] {
            selection.encoded() + (segments ? [] : [("segments", "false")])
        }
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let analyses = try compute(context, options.selection)
        return render(analyses, context, showSegments: options.segments)
    }

    /// The estimates without rendering (for the CLI's JSON and for tests), computed once per run:
    /// the arm named by `arm`, or every arm that is not the control, each against the control.
    public static func compute(_ context: AnalysisContext, _ selection: CampaignSelection) throws -> [UpliftAnalysis] {
        try context.memo("uplift|\(selection)") {
            try AnalysisError.namingReadErrors {
                let (metrics, optional) = try campaignMetrics(selection.metrics, context.schema)
                let panel = try SharedCampaignPanel.load(
                    context, campaign: selection.campaign, metrics: metrics, optional: optional,
                    preMonths: selection.preMonths
                ).panel
                let arms = try selection.arm.map { [try panel.treatedArmIndex($0)] } ?? Array(1..<panel.arms.count)
                return try arms.map { arm in
                    try UpliftAnalysis.run(panel, treatedArm: arm, progress: context.progress)
                }
            }
        }
    }

    /// A forest plot of per-customer effects on `metric`.
    static func effectForest(
        id: String, metric: String, _ context: AnalysisContext, title: String, subtitle: String,
        rows: [ForestData.Row]
    ) -> ReportBlock {
        .chart(
            Chart(
                id: "\(id)-\(slug(metric))", title: title, subtitle: subtitle,
                xAxis: Axis(label: context.text("Effect on \(metric) per customer", "每位客户 \(metric) 的效应"), style: style(metric)),
                yAxis: Axis(label: ""), kind: .forest(ForestData(rows: rows))))
    }

    static func style(_ metric: String) -> NumberStyle { metric == "aum" ? .currency : .decimal(digits: 3) }

    /// The metrics named by the `metrics` option, or by default every customer_months metric
    /// followed by the events metrics of metric_definitions (ratios are not supported yet).
    /// The events metrics of the default list are `optional`: left out when the campaign's
    /// customers have none of their events in the pre-period.
    static func campaignMetrics(_ named: [String]?, _ schema: ContractSchema) throws -> (metrics: [String], optional: Set<String>) {
        if let list = named {
            for metric in list {
                do { _ = try schema.definition(of: metric) } catch let error as DataError {
                    throw AnalysisError(option: "metrics", "\(error)")
                }
            }
            return (list, [])
        }
        let events = schema.metricDefinitions.filter { $0.source == .events && !$0.isRatio && !schema.metrics.contains($0.metric) }.map(
            \.metric)
        return (schema.metrics + events, Set(events))
    }
}
