import CampaignLabData
import CampaignLabStats
import Foundation

/// Which covariates the models use besides each outcome's own pre-period value.
public struct UpliftCovariates: Sendable, Equatable {
    /// The first `outcomes` metrics of the panel are outcomes; the others are read only for
    /// their pre-period values (another metric's baseline as a covariate).
    public var outcomes: Int
    /// Dimensions (indices into `panel.dimensions`) entered as categories.
    public var dimensions: [Int]
    /// Numeric customers columns (indices into `panel.numericColumns`) entered as numbers.
    public var numeric: [Int]
    /// Indices into `panel.extra` of the pre-period months, one window each, when every
    /// pre-period month of every outcome is its own covariate (`baseline: monthly`).
    public var monthlyWindows: [Int]

    /// Every dimension and numeric column, the outcomes' mean baselines.
    public static func all(_ panel: CampaignPanel) -> UpliftCovariates {
        UpliftCovariates(
            outcomes: panel.metrics.count, dimensions: Array(panel.dimensions.indices), numeric: Array(panel.numericColumns.indices),
            monthlyWindows: [])
    }
}

/// The customers an uplift compares: those of the two arms with a value in both windows for
/// every metric; for an observational design also on common support of the dimensions (a
/// randomized design is never trimmed: every assigned customer counts).
struct UpliftSample {
    var included: [Int]
    /// Per included customer: in the treated arm.
    var treated: [Bool]
    var excluded: Int
    var outsideSupport: Int
    var unsupportedLevels: [String]

    init(_ panel: CampaignPanel, treatedArm: Int, randomized: Bool, covariates: UpliftCovariates) throws {
        let k = covariates.outcomes
        let complete = (0..<panel.count).filter { i in
            (panel.arm[i] == 0 || panel.arm[i] == treatedArm)
                && (0..<k).allSatisfy { !panel.pre[$0][i].isNaN && !panel.post[$0][i].isNaN }
                && (k..<panel.metrics.count).allSatisfy { !panel.pre[$0][i].isNaN }
                && covariates.monthlyWindows.allSatisfy { w in (0..<k).allSatisfy { !panel.extra[w][$0][i].isNaN } }
        }
        // Common support on the dimensions: a level with customers in one arm only has nobody
        // to compare them with (and makes the propensity model separate), so its customers are
        // left out of every estimate and named in `unsupportedLevels`.
        var unsupported: [(dimension: Int, code: Int32)] = []
        for d in covariates.dimensions where !randomized {
            var treatedCount = [Int](repeating: 0, count: panel.levels[d].count), controlCount = treatedCount
            for i in complete {
                let code = Int(panel.dimensionCodes[d][i])
                if panel.arm[i] == treatedArm { treatedCount[code] += 1 } else { controlCount[code] += 1 }
            }
            for code in panel.levels[d].indices where (treatedCount[code] == 0) != (controlCount[code] == 0) {
                unsupported.append((d, Int32(code)))
            }
        }
        included = complete.filter { i in !unsupported.contains { panel.dimensionCodes[$0.dimension][i] == $0.code } }
        unsupportedLevels = unsupported.map { "\(panel.dimensions[$0.dimension])=\(panel.levels[$0.dimension][Int($0.code)])" }
        outsideSupport = complete.count - included.count
        let inArms = (0..<panel.count).filter { panel.arm[$0] == 0 || panel.arm[$0] == treatedArm }.count
        excluded = inArms - complete.count
        treated = included.map { panel.arm[$0] == treatedArm }
        let nTreated = treated.filter { $0 }.count, nControl = treated.count - nTreated
        let armName = panel.arms[treatedArm], controlName = panel.arms[0]
        guard nTreated >= 10, nControl >= 10 else {
            throw AnalysisError(
                option: "campaign",
                "too few customers with \(panel.metrics.prefix(k).joined(separator: ", ")) in both the pre-period and the campaign months: \(nTreated) in '\(armName)', \(nControl) in '\(controlName)' (at least 10 each are needed)"
            )
        }
    }
}

extension UpliftSample {
    /// Keeps the included customers at `rows` (indices into `included`).
    mutating func keep(_ rows: [Int], _ panel: CampaignPanel, treatedArm: Int) throws {
        included = rows.map { included[$0] }
        treated = rows.map { treated[$0] }
        let nTreated = treated.filter { $0 }.count, nControl = treated.count - nTreated
        guard nTreated >= 10, nControl >= 10 else {
            throw AnalysisError(
                option: "trim",
                "after trimming for overlap, \(nTreated) customers are left in '\(panel.arms[treatedArm])' and \(nControl) in '\(panel.arms[0])' (at least 10 each are needed)"
            )
        }
    }
}

/// A covariate left out of the models, and why.
public struct DroppedCovariate: Sendable, Equatable {
    public enum Reason: String, Sendable { case constant, collinear }
    public var name: String
    public var reason: Reason
}

/// The designs of the models, one row per included customer, built once. Three column sets:
/// the outcome models' (raw pre-period metrics and dimension dummies), the propensity model's
/// (log1p of non-negative pre-period metrics, dummies) and the balancing set (raw and log1p
/// pre-period metrics, dummies: the raw scale is the one the effects are measured on, the log
/// scale carries the shape of a heavy-tailed balance). Constant and collinear columns are
/// dropped from each set and named, so they never touch a model.
struct UpliftDesigns {
    var outcome: RowMatrix
    var outcomeNames: [String]
    /// Outcome-design columns that are pre-period metrics (the rest are dummies).
    var outcomeMetricColumns: Int
    var propensity: RowMatrix
    var propensityNames: [String]
    var balance: RowMatrix
    var balanceNames: [String]
    var dropped: [DroppedCovariate]
    var columns: Int { outcome.columns }

    /// A candidate column: its name and its value for the r-th row.
    struct Column {
        var name: String
        var isMetric: Bool
        var value: (Int) -> Double
    }

    /// - Parameters:
    ///   - members: a subset of the included customers (indices into them), for a segment.
    ///   - excludingDimension: a dimension left out (the one the segment is a level of).
    ///   - withDimensions: false to leave every dimension out.
    init(
        _ panel: CampaignPanel, _ sample: UpliftSample, covariates: UpliftCovariates, members: [Int]? = nil,
        excludingDimension: Int? = nil, withDimensions: Bool = true
    ) {
        let rows = members.map { $0.map { sample.included[$0] } } ?? sample.included
        // Numbers: each metric's pre-period mean (outcomes first, then other metrics' baselines)
        // or, for a monthly baseline, each outcome's pre-period months; the numeric customers columns.
        // With monthly baselines the months replace the outcomes' means (which they determine).
        let monthly = !covariates.monthlyWindows.isEmpty
        var numbers: [(name: String, values: [Double])] = panel.metrics.indices.filter { !monthly || $0 >= covariates.outcomes }.map {
            ("pre \(panel.metrics[$0])", panel.pre[$0])
        }
        for w in covariates.monthlyWindows {
            let month = panel.extraWindows[w].lowerBound
            for j in 0..<covariates.outcomes { numbers.append(("\(panel.metrics[j]) \(month)", panel.extra[w][j])) }
        }
        var missingIndicators: [Column] = []
        for c in covariates.numeric {
            // A customer without a value gets the mean, and an indicator says so.
            var values = panel.numericValues[c]
            let known = sample.included.map { values[$0] }.filter { !$0.isNaN }
            let mean = known.isEmpty ? 0 : known.reduce(0, +) / Double(known.count)
            if known.count < sample.included.count {
                let original = panel.numericValues[c]
                missingIndicators.append(
                    Column(name: "\(panel.numericColumns[c]) missing", isMetric: false) { original[rows[$0]].isNaN ? 1 : 0 })
                values = values.map { $0.isNaN ? mean : $0 }
            }
            numbers.append((panel.numericColumns[c], values))
        }
        let raw = numbers.map { number in
            let column = number.values
            return Column(name: number.name, isMetric: true) { column[rows[$0]] }
        }
        // log1p for numbers that are never negative (judged on the whole sample).
        let logged = numbers.indices.filter { j in sample.included.allSatisfy { numbers[j].values[$0] >= 0 } }
        let logs = logged.map { j in
            let column = numbers[j].values
            return Column(name: "log1p(\(numbers[j].name))", isMetric: true) { log1p(column[rows[$0]]) }
        }
        // Dummies: every level present but the first of each dimension (levels sorted by name).
        var dummies: [Column] = []
        for d in covariates.dimensions where withDimensions && d != excludingDimension {
            let name = panel.dimensions[d]
            var isPresent = [Bool](repeating: false, count: panel.levels[d].count)
            let codes = panel.dimensionCodes[d]
            for i in rows { isPresent[Int(codes[i])] = true }
            for code in isPresent.indices.filter({ isPresent[$0] }).dropFirst() {
                let target = Int32(code)
                dummies.append(Column(name: "\(name)=\(panel.levels[d][code])", isMetric: false) { codes[rows[$0]] == target ? 1 : 0 })
            }
        }
        if withDimensions { dummies += missingIndicators }
        var dropped: [DroppedCovariate] = []
        func screened(_ columns: [Column]) -> (RowMatrix, [String], Int) {
            let (kept, out) = Self.screen(columns, rows: rows.count)
            for d in out where !dropped.contains(d) { dropped.append(d) }
            var matrix = RowMatrix(rows: rows.count, columns: kept.count)
            matrix.values.withUnsafeMutableBufferPointer { values in
                for (c, column) in kept.enumerated() {
                    for r in 0..<rows.count { values[r * kept.count + c] = column.value(r) }
                }
            }
            return (matrix, kept.map(\.name), kept.filter(\.isMetric).count)
        }
        let propensityColumns = numbers.indices.map { j in logged.firstIndex(of: j).map { logs[$0] } ?? raw[j] } + dummies
        (outcome, outcomeNames, outcomeMetricColumns) = screened(raw + dummies)
        (propensity, propensityNames, _) = screened(propensityColumns)
        (balance, balanceNames, _) = screened(raw + logs + dummies)
        self.dropped = dropped
    }

    /// Drops constant columns, then columns that are linear combinations of earlier kept ones
    /// (greedy in input order on the correlation matrix).
    static func screen(_ columns: [Column], rows n: Int) -> (kept: [Column], dropped: [DroppedCovariate]) {
        let p = columns.count
        guard p > 0 else { return ([], []) }
        var cp = CrossProducts(variables: p)
        let blockRows = 4_096
        var block = [Double](repeating: 0, count: blockRows * p)
        var start = 0
        while start < n {
            let count = min(blockRows, n - start)
            for r in 0..<count { for c in 0..<p { block[r * p + c] = columns[c].value(start + r) } }
            block.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: count) }
            start += count
        }
        let (kept, constant, collinear) = cp.independentColumns()
        let dropped =
            constant.map { DroppedCovariate(name: columns[$0].name, reason: .constant) }
            + collinear.map { DroppedCovariate(name: columns[$0].name, reason: .collinear) }
        return (kept.map { columns[$0] }, dropped)
    }

    /// Rows [T, the first `covariates` columns of the outcome design, y] of customers `range`
    /// (or of members[range]), for a streamed regression.
    func fillRows(
        _ block: UnsafeMutableBufferPointer<Double>, _ range: Range<Int>, of members: [Int]? = nil, treated: [Bool],
        covariates: Int, outcome y: [Double]
    ) {
        let width = covariates + 2, p = outcome.columns
        outcome.values.withUnsafeBufferPointer { x in
            for (offset, index) in range.enumerated() {
                let r = members?[index] ?? index, o = offset * width
                block[o] = treated[r] ? 1 : 0
                for c in 0..<covariates { block[o + 1 + c] = x[r * p + c] }
                block[o + 1 + covariates] = y[r]
            }
        }
    }

    /// Rows [propensity covariates…, treated] for the logistic regression.
    func logitRows(treated: [Bool]) -> [Double] {
        let n = propensity.rows, p = propensity.columns
        var rows = [Double](repeating: 0, count: n * (p + 1))
        propensity.values.withUnsafeBufferPointer { z in
            for r in 0..<n {
                for c in 0..<p { rows[r * (p + 1) + c] = z[r * p + c] }
                rows[r * (p + 1) + p] = treated[r] ? 1 : 0
            }
        }
        return rows
    }
}
