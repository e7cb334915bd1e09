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
        public var model = UpliftModel()
        /// Show the segment breakdown.
        public var segments = true

        public static let declarations: [AnalysisOption] =
            CampaignSelection.declarations + UpliftModel.declarations + [
                AnalysisOption("segments", "show the segment breakdown (true/false)", default: "true")
            ]
        public init(_ selection: CampaignSelection, model: UpliftModel = UpliftModel(), segments: Bool = true) {
            self.selection = selection
            self.model = model
            self.segments = segments
        }
        public init(_ values: OptionValues) throws {
            selection = try CampaignSelection(values)
            model = try UpliftModel(values)
            segments = try values.flag("segments") ?? true
        }
        public func validate() throws { try selection.validate() }
        public func encoded() -> [(name: String, value: String)] {
            selection.encoded() + model.encoded() + (segments ? [] : [("segments", "false")])
        }
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let analyses = try compute(context, options.selection, model: options.model)
        return render(analyses, context, showSegments: options.segments)
    }

    /// The estimates without rendering (for the CLI's JSON and for tests), computed once per run:
    /// the arm named by `arm`, or every arm that is not the control, each against the control.
    public static func compute(
        _ context: AnalysisContext, _ selection: CampaignSelection, model: UpliftModel = UpliftModel()
    ) throws -> [UpliftAnalysis] {
        try context.memo("uplift|\(selection)|\(model)") {
            try AnalysisError.namingReadErrors {
                let (outcomes, optional) = try campaignMetrics(selection.metrics, context.schema)
                let chosen = try model.resolve(context.schema, outcomes: outcomes)
                let shared = try SharedCampaignPanel.load(
                    context, campaign: selection.campaign, metrics: outcomes + chosen.baselineMetrics, optional: optional,
                    preMonths: selection.preMonths, monthly: model.baseline == .monthly)
                let panel = shared.panel
                var covariates = UpliftCovariates(
                    outcomes: panel.metrics.count - chosen.baselineMetrics.count,
                    dimensions: panel.dimensions.indices.filter { chosen.dimensions?.contains(panel.dimensions[$0]) ?? true },
                    numeric: panel.numericColumns.indices.filter { chosen.numeric?.contains(panel.numericColumns[$0]) ?? true },
                    monthlyWindows: shared.monthlyWindows)
                for (name, count) in chosen.banded { covariates.banded[panel.numericColumns.firstIndex(of: name)!] = count }
                let arms = try selection.arm.map { [try panel.treatedArmIndex($0)] } ?? Array(1..<panel.arms.count)
                return try arms.map { arm in
                    try UpliftAnalysis.run(panel, treatedArm: arm, covariates: covariates, trim: model.trim, progress: context.progress)
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
                xAxis: Axis(
                    label: context.text(
                        "Effect on \(MetricWords.label(metric, context)) per customer", "每位客户\(MetricWords.label(metric, context))的效应"),
                    style: MetricWords.effectStyle(metric, context)),
                yAxis: Axis(label: ""), kind: .forest(ForestData(rows: rows))))
    }

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

/// How the uplift's models adjust for who took part: which covariates, and how the pre-period
/// enters. Each outcome's own pre-period value is always a covariate.
public struct UpliftModel: Sendable, Hashable, CustomStringConvertible {
    public enum Baseline: String, Sendable, Hashable, CaseIterable {
        /// The pre-period mean of each metric.
        case mean
        /// Each pre-period month of each metric as its own covariate.
        case monthly
    }
    /// Dimensions, numeric customers columns and other metrics (their pre-period values) the
    /// models adjust for; nil for every dimension and numeric column.
    public var covariates: [String]?
    public var baseline: Baseline = .mean
    /// Leave out customers without comparable customers in the other arm (Crump et al. 2009).
    public var trim = false

    public init(covariates: [String]? = nil, baseline: Baseline = .mean, trim: Bool = false) {
        self.covariates = covariates
        self.baseline = baseline
        self.trim = trim
    }

    public static let declarations: [AnalysisOption] = [
        AnalysisOption(
            "covariates",
            "what the models adjust for besides each metric's own pre-period value, comma-separated: dimensions (as categories), numeric customers columns (as numbers; 'age:5' as five bands of about equal size), other metrics (their pre-period values)",
            default: "every dimension and numeric customers column"),
        AnalysisOption("baseline", "the pre-period as its mean (mean) or as each month on its own (monthly)", default: "mean"),
        AnalysisOption(
            "trim", "leave out customers whose propensity to take part has no counterpart in the other arm (true/false)", default: "false"),
    ]

    public init(_ values: OptionValues) throws {
        covariates = values.list("covariates")
        trim = try values.flag("trim") ?? false
        if let text = values.optionalString("baseline") {
            guard let baseline = Baseline(rawValue: text) else {
                throw AnalysisError(option: "baseline", "expected mean or monthly, found '\(text)'")
            }
            self.baseline = baseline
        }
    }

    public func encoded() -> [(name: String, value: String)] {
        (covariates.map { [("covariates", $0.joined(separator: ","))] } ?? [])
            + (baseline == .mean ? [] : [("baseline", baseline.rawValue)]) + (trim ? [("trim", "true")] : [])
    }

    public var description: String { "\(covariates?.joined(separator: ",") ?? "*")|\(baseline.rawValue)|\(trim)" }

    /// The named covariates sorted by kind (nil lists: all of that kind).
    /// - Throws: `AnalysisError` (option `covariates`) for a name that is none of them.
    func resolve(
        _ schema: ContractSchema, outcomes: [String]
    ) throws -> (
        dimensions: [String]?, numeric: [String]?, baselineMetrics: [String], banded: [String: Int]
    ) {
        guard let covariates else { return (nil, nil, [], [:]) }
        var dimensions: [String] = [], numeric: [String] = [], metrics: [String] = [], banded: [String: Int] = [:]
        for item in covariates {
            // "age:5": a numeric column as five bands of about equal size.
            let parts = item.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let name = parts[0]
            if parts.count == 2 {
                guard schema.numericDimensions.contains(name) else {
                    throw AnalysisError(
                        option: "covariates",
                        "'\(item)': only a numeric customers column can be banded (numeric columns: \(schema.numericDimensions.isEmpty ? "none" : schema.numericDimensions.joined(separator: ", ")))"
                    )
                }
                guard let count = Int(parts[1]), (2...20).contains(count) else {
                    throw AnalysisError(
                        option: "covariates", "'\(item)': the number of bands after ':' must be a whole number from 2 to 20")
                }
                banded[name] = count
            } else if schema.numericDimensions.contains(name) {
                numeric.append(name)
            } else if schema.dimensions.contains(name) {
                dimensions.append(name)
            } else if (try? schema.definition(of: name)) != nil {
                if !outcomes.contains(name) && !metrics.contains(name) { metrics.append(name) }
            } else {
                throw AnalysisError(
                    option: "covariates",
                    "'\(name)' is not a customers column or a metric (customers columns: \(schema.dimensions.joined(separator: ", ")); metrics: \(schema.metrics.joined(separator: ", ")))"
                )
            }
        }
        return (dimensions, numeric, metrics, banded)
    }
}
