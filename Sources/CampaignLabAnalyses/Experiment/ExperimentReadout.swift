import CampaignLabData
import CampaignLabReport
import CampaignLabStats
import Foundation

/// The readout of a randomized test as a decision: ship, don't ship, or keep running until a
/// date — with the health check first, every metric per variant against control (CUPED when a
/// pre-period exists, relative effects by the delta method, always-valid intervals before the
/// planned end, the Bayesian chance to win and expected loss, Holm or Benjamini–Hochberg across
/// metrics × variants), guardrails with a non-inferiority margin, and the power achieved.
///
/// From customer rows (metrics counted from each customer's `assigned_at`) or from a
/// warehouse's per-arm sums (option `summary`): both become the same per-arm sufficient
/// statistics (`MetricSums`), so the two give the same readout.
public enum ExperimentReadout: Analysis {
    public static let name = "experiment.readout"
    public static let summary =
        "A/B readout: ship / don't ship / keep running, with health, every metric per variant (CUPED, sequential, Bayesian), guardrails and power."

    public struct Guardrail: Sendable, Hashable {
        public var metric: String
        /// The worsening tolerated (≥ 0), in the metric's units or, when `relative`, as a share of
        /// control: non-inferiority. Nil: no margin — the guardrail is harmed only by a
        /// significant worsening.
        public var margin: Double?
        public var relative: Bool
        public init(metric: String, margin: Double?, relative: Bool) {
            self.metric = metric
            self.margin = margin
            self.relative = relative
        }
    }

    public enum Correction: String, Sendable, Hashable, CaseIterable { case holm, bh }

    public struct Options: AnalysisOptionSet {
        public var campaign: String?
        public var metrics: [String]?
        public var primary: String?
        public var guardrails: [Guardrail]
        public var cuped: Bool
        public var correction: Correction
        public var relativeInterval: RelativeIntervalMethod
        /// A normal prior's standard deviation on the relative effect (nil: flat).
        public var priorSD: Double?
        /// Read the test as of the end of this day (before its planned end: an interim look).
        public var asOf: CivilDate?
        public var split: [Double]?
        /// The relative effect the power and the days still needed are about (nil: the observed one).
        public var target: Double?
        /// N*, the confidence sequence's tuning sample size (nil: the customers projected at the planned end).
        public var tuning: Double?
        /// A summary-statistics file read instead of the database's rows, and its control arm.
        public var summary: String?
        public var control: String?
        /// Metrics whose P50 and P90 are compared (nil: every events metric with rollup sum; empty: none).
        public var quantiles: [String]?
        /// The customers dimension the primary metric is broken down by (nil: the first; "none":
        /// no breakdown). From a summary file: its segment column.
        public var by: String?
        /// With a summary file: the days of data its sums cover, and the days planned.
        public var days: Double?
        public var plannedDays: Double?

        public static let declarations: [AnalysisOption] = [
            AnalysisOption("campaign", "the campaign_id of a randomized test (not with summary)"),
            AnalysisOption(
                "metrics", "metrics of metric_definitions (or customer_months columns), comma-separated",
                default: "every metric of metric_definitions, else every customer_months metric"),
            AnalysisOption(
                "primary", "the metric the decision is about", default: "the first conversion (rollup any), else the first metric"),
            AnalysisOption(
                "guardrails",
                "metrics that must not get worse: metric (no significant worsening) or metric:margin (a worsening beyond 2% of control, or 0.5 in the metric's units, ruled out)",
                default: "none"),
            AnalysisOption("cuped", "variance reduction with the pre-period (on or off)", default: "on"),
            AnalysisOption("correction", "across metrics × variants: holm or bh", default: "holm"),
            AnalysisOption("relative_interval", "interval of relative effects: delta, fieller or log-ratio", default: "delta"),
            AnalysisOption("prior_sd", "standard deviation of a normal prior on the relative effect, e.g. 0.3", default: "flat prior"),
            AnalysisOption("as_of", "read the test as of this day YYYY-MM-DD", default: "the end of the data"),
            AnalysisOption(
                "split", "planned shares per arm, control first then the others by name", default: "campaigns.planned_split, else equal"),
            AnalysisOption("target", "the relative effect worth detecting, e.g. 2%", default: "the observed effect"),
            AnalysisOption(
                "tuning", "the sample size at which the always-valid intervals are tightest",
                default: "the customers projected at the planned end"),
            AnalysisOption("summary", "a summary-statistics CSV read instead of the rows (with control)"),
            AnalysisOption("control", "the control arm of the summary file", default: "the campaign's control_arm"),
            AnalysisOption(
                "quantiles", "metrics whose medians and 90th percentiles are compared (among customers with a value), or none",
                default: "every events metric with rollup sum"),
            AnalysisOption(
                "by", "a customers dimension the primary metric is broken down by, or none (from a summary file: its segment column)",
                default: "the first dimension"),
            AnalysisOption("days", "with a summary file: the days of data its sums cover (for the days still needed)"),
            AnalysisOption("planned_days", "with a summary file: the days the test is planned to run", default: "days"),
        ]

        public init(
            campaign: String? = nil, metrics: [String]? = nil, primary: String? = nil, guardrails: [Guardrail] = [],
            cuped: Bool = true, correction: Correction = .holm, relativeInterval: RelativeIntervalMethod = .delta,
            priorSD: Double? = nil, asOf: CivilDate? = nil, split: [Double]? = nil, target: Double? = nil, tuning: Double? = nil,
            summary: String? = nil, control: String? = nil, days: Double? = nil, plannedDays: Double? = nil,
            quantiles: [String]? = nil, by: String? = nil
        ) {
            self.campaign = campaign
            self.metrics = metrics
            self.primary = primary
            self.guardrails = guardrails
            self.cuped = cuped
            self.correction = correction
            self.relativeInterval = relativeInterval
            self.priorSD = priorSD
            self.asOf = asOf
            self.split = split
            self.target = target
            self.tuning = tuning
            self.summary = summary
            self.control = control
            self.days = days
            self.plannedDays = plannedDays
            self.quantiles = quantiles
            self.by = by
        }

        public init(_ values: OptionValues) throws {
            campaign = values.optionalString("campaign")
            metrics = values.list("metrics")
            primary = values.optionalString("primary")
            guardrails = try values.list("guardrails").map(Self.guardrails) ?? []
            cuped = try values.flag("cuped") ?? true
            let correctionText = values.string("correction", default: "holm").lowercased()
            guard let correction = Correction(rawValue: correctionText) else {
                throw AnalysisError(option: "correction", "expected holm or bh, found '\(correctionText)'")
            }
            self.correction = correction
            let relativeText = values.string("relative_interval", default: "delta").lowercased()
            guard let method = RelativeIntervalMethod.allCases.first(where: { Self.spelling($0) == relativeText }) else {
                throw AnalysisError(option: "relative_interval", "expected delta, fieller or log-ratio, found '\(relativeText)'")
            }
            relativeInterval = method
            priorSD = try values.optionalNumber("prior_sd")
            if let text = values.optionalString("as_of") {
                guard let date = CivilDate(text) else {
                    throw AnalysisError(option: "as_of", "expected a date YYYY-MM-DD, found '\(text)'")
                }
                asOf = date
            }
            split = try values.ascendingNumbers("split", requireAscending: false)
            if let text = values.optionalString("target") {
                guard let value = Self.share(text) else {
                    throw AnalysisError(option: "target", "expected a relative effect such as 2% or 0.02, found '\(text)'")
                }
                target = value
            }
            tuning = try values.optionalNumber("tuning")
            summary = values.optionalString("summary")
            control = values.optionalString("control")
            quantiles = values.list("quantiles").map { $0 == ["none"] ? [] : $0 }
            by = values.optionalString("by")
            days = try values.optionalNumber("days")
            plannedDays = try values.optionalNumber("planned_days")
        }

        static func spelling(_ method: RelativeIntervalMethod) -> String {
            switch method {
            case .delta: return "delta"
            case .fieller: return "fieller"
            case .logRatio: return "log-ratio"
            }
        }

        /// "2%" → 0.02, "0.02" → 0.02.
        static func share(_ text: String) -> Double? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("%") { return Double(trimmed.dropLast()).map { $0 / 100 } }
            return Double(trimmed)
        }

        /// Parses "metric:margin" items ("complaints:10%", "aum:500", "page_views").
        public static func guardrails(_ items: [String]) throws -> [Guardrail] {
            try items.map { item in
                let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let metric = parts.first, !metric.isEmpty else {
                    throw AnalysisError(option: "guardrails", "expected metric:margin, found '\(item)'")
                }
                guard parts.count == 2 else { return Guardrail(metric: metric, margin: nil, relative: false) }
                let text = parts[1]
                guard let margin = share(text), margin.isFinite, margin >= 0 else {
                    throw AnalysisError(
                        option: "guardrails",
                        "the margin of '\(metric)' must be a worsening you accept, ≥ 0, such as 2% (of control) or 0.5 (in the metric's units); found '\(text)'"
                    )
                }
                return Guardrail(metric: metric, margin: margin, relative: text.hasSuffix("%"))
            }
        }

        public func validate() throws {
            if summary == nil && campaign == nil {
                throw AnalysisError(option: "campaign", "required: give the campaign_id of a randomized test (or a summary file)")
            }
            if summary != nil && campaign != nil {
                throw AnalysisError(option: "summary", "a summary file replaces the campaign's rows: give one of campaign and summary")
            }
            if summary != nil && (control ?? "").isEmpty {
                throw AnalysisError(option: "control", "required with a summary file: the arm that is the control")
            }
            if let metrics, metrics.isEmpty { throw AnalysisError(option: "metrics", "name at least one metric") }
            for (name, value) in [("days", days), ("planned_days", plannedDays)] {
                guard let value else { continue }
                if summary == nil {
                    throw AnalysisError(option: name, "only with a summary file: from rows the days come from the campaign's dates")
                }
                if !(value > 0) { throw AnalysisError(option: name, "expected a positive number of days, found '\(formatPlain(value))'") }
            }
            if plannedDays != nil && days == nil {
                throw AnalysisError(option: "days", "required with planned_days: the days of data the sums cover")
            }
            if let priorSD, !(priorSD > 0) {
                throw AnalysisError(
                    option: "prior_sd", "expected a positive standard deviation such as 0.3, found '\(formatPlain(priorSD))'")
            }
            if let target, !(target > 0) {
                throw AnalysisError(option: "target", "expected a positive relative effect such as 2%, found '\(formatPlain(target))'")
            }
            if let tuning, !(tuning >= 1) {
                throw AnalysisError(option: "tuning", "expected a sample size of at least 1, found '\(formatPlain(tuning))'")
            }
            if let split, split.count < 2 || !split.allSatisfy({ $0.isFinite && $0 > 0 }) {
                throw AnalysisError(option: "split", "expected two or more positive shares separated by commas, e.g. 50,50")
            }
        }

        public func encoded() -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = []
            if let campaign { list.append(("campaign", campaign)) }
            if let summary { list.append(("summary", URL(fileURLWithPath: summary).lastPathComponent)) }
            if let control { list.append(("control", control)) }
            if let metrics { list.append(("metrics", metrics.joined(separator: ","))) }
            if let primary { list.append(("primary", primary)) }
            if !guardrails.isEmpty {
                list.append(
                    (
                        "guardrails",
                        guardrails.map { g in
                            g.margin.map { g.relative ? "\(g.metric):\(formatPlain($0 * 100))%" : "\(g.metric):\(formatPlain($0))" }
                                ?? g.metric
                        }.joined(separator: ",")
                    ))
            }
            if !cuped { list.append(("cuped", "off")) }
            if correction != .holm { list.append(("correction", correction.rawValue)) }
            if relativeInterval != .delta { list.append(("relative_interval", Self.spelling(relativeInterval))) }
            if let priorSD { list.append(("prior_sd", formatPlain(priorSD))) }
            if let asOf { list.append(("as_of", asOf.description)) }
            if let split { list.append(("split", split.map(formatPlain).joined(separator: ","))) }
            if let target { list.append(("target", "\(formatPlain(target * 100))%")) }
            if let tuning { list.append(("tuning", formatPlain(tuning))) }
            if let quantiles { list.append(("quantiles", quantiles.isEmpty ? "none" : quantiles.joined(separator: ","))) }
            if let by { list.append(("by", by)) }
            if let days { list.append(("days", formatPlain(days))) }
            if let plannedDays { list.append(("planned_days", formatPlain(plannedDays))) }
            return list
        }
    }

    public static func run(_ context: AnalysisContext, _ options: Options) throws -> [ReportBlock] {
        let input = try options.summary != nil ? ReadoutInput.fromSummary(options, context) : ReadoutInput.fromRows(options, context)
        return render(try estimate(input, options), context)
    }
}

/// One metric of a readout: its definition and each arm's sufficient statistics.
struct ReadoutMetric: Sendable {
    var metric: String
    var kind: MetricSums.Kind
    var higherIsBetter: Bool
    /// Per arm (control first).
    var sums: [MetricSums]
    /// Whether a pre-period covariate was read for it.
    var hasCovariate: Bool
    /// A conversion (rollup any, or kind proportion): the default primary metric.
    var isConversion: Bool
    /// Per arm, the values of the customers with a value (events: nonzero), for the quantile
    /// comparison (nil: not asked for, or from sums).
    var quantileValues: [[Double]]? = nil
    /// Per level of the readout's segment dimension, per arm (empty: no breakdown).
    var segments: [[MetricSums]] = []
    /// No value is negative (counts, conversions, amounts without refunds; from a summary file:
    /// proportions): a relative effect cannot fall below −100%, and an interval that would is
    /// cut there.
    var nonNegative = false
}

/// What the estimates are computed from, whichever the source.
struct ReadoutInput: Sendable {
    var campaign: CampaignInfo?
    /// The summary file's name, when the readout is from one.
    var summaryFile: String?
    var arms: [String]
    var metrics: [ReadoutMetric]
    /// Customers per arm (the sample-ratio check's counts).
    var customers: [Double]
    var planned: [Double]
    var health: ExperimentHealth.Result?
    /// Days of the test read so far, and planned (nil from a summary file).
    var elapsedDays: Double?
    var plannedDays: Double?
    /// The last day read.
    var readThrough: CivilDate?
    /// Customers assigned per day lately (all arms; the last 7 days read, or fewer): what
    /// waiting adds. From a summary file: customers over its days.
    var assignmentRate: Double?
    /// Metrics that could not be read, with why.
    var notes: [(en: String, zh: String)] = []
    /// Their names: a guardrail on one of them cannot be said to hold.
    var leftOut: [String] = []
    /// The dimension the metrics are broken down by, and its levels (`ReadoutMetric.segments`).
    var segmentDimension: String?
    var segmentLevels: [String] = []

    var interim: Bool {
        guard let elapsedDays, let plannedDays else { return false }
        return elapsedDays < plannedDays - 1e-9
    }
}
