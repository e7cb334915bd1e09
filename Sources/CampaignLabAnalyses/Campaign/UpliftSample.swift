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
    /// Numeric customers columns entered as categories instead: column index → number of bands
    /// of about equal size (asked for as `age:5`).
    public var banded: [Int: Int] = [:]
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
        let unsupported =
            randomized
            ? []
            : Self.oneArmLevels(panel, customers: complete, treated: complete.map { panel.arm[$0] == treatedArm }, covariates.dimensions)
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
    /// The levels of `dimensions` that only one arm has among `customers`: nobody to compare
    /// their customers with (and a propensity model that separates).
    static func oneArmLevels(
        _ panel: CampaignPanel, customers: [Int], treated: [Bool], _ dimensions: [Int]
    ) -> [(dimension: Int, code: Int32)] {
        var lonely: [(dimension: Int, code: Int32)] = []
        for d in dimensions {
            var treatedCount = [Int](repeating: 0, count: panel.levels[d].count), controlCount = treatedCount
            for (r, i) in customers.enumerated() {
                let code = Int(panel.dimensionCodes[d][i])
                if treated[r] { treatedCount[code] += 1 } else { controlCount[code] += 1 }
            }
            for code in panel.levels[d].indices where (treatedCount[code] == 0) != (controlCount[code] == 0) {
                lonely.append((d, Int32(code)))
            }
        }
        return lonely
    }

    /// Keeps the included customers at `rows` (indices into `included`).
    mutating func keep(_ rows: [Int], _ panel: CampaignPanel, treatedArm: Int, dimensions: [Int]) throws {
        included = rows.map { included[$0] }
        treated = rows.map { treated[$0] }
        // Trimming can leave a dimension level in one arm only: its customers go too (and then
        // perhaps another level, so until none is left).
        var lonely = Self.oneArmLevels(panel, customers: included, treated: treated, dimensions)
        while !lonely.isEmpty {
            let kept = included.indices.filter { r in !lonely.contains { panel.dimensionCodes[$0.dimension][included[r]] == $0.code } }
            included = kept.map { included[$0] }
            treated = kept.map { treated[$0] }
            lonely = Self.oneArmLevels(panel, customers: included, treated: treated, dimensions)
        }
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
    var outcomeGroups: [Group]
    var propensity: RowMatrix
    var propensityNames: [String]
    var balance: RowMatrix
    var balanceNames: [String]
    var balanceGroups: [Group]
    var dropped: [DroppedCovariate]
    var columns: Int { outcome.columns }

    /// What a column stands for: a number (a pre-period value, a numeric customers column or
    /// its log1p), a level of a dimension, or the indicator of a missing number.
    enum Group: Equatable {
        case number, dimension(Int), missing, band
    }

    /// A candidate column and where its values come from.
    struct Column {
        enum Source {
            /// A number per customer (panel index).
            case number([Double])
            /// log1p of a number per customer.
            case logNumber([Double])
            /// 1 when the customer's code of a dimension is `code`.
            case dummy([Int32], Int32)
            /// 1 when the number is missing (NaN) for the customer.
            case missing([Double])
        }
        var name: String
        var source: Source
        var group: Group

        /// The value for panel customer i.
        @inline(__always) func value(_ i: Int) -> Double {
            switch source {
            case .number(let values): return values[i]
            case .logNumber(let values): return log1p(values[i])
            case .dummy(let codes, let code): return codes[i] == code ? 1 : 0
            case .missing(let values): return values[i].isNaN ? 1 : 0
            }
        }
    }

    /// The designs over the sample's included customers (a segment copies its rows and columns
    /// of them: see ``columns(_:excluding:numbersOnly:)``).
    init(_ panel: CampaignPanel, _ sample: UpliftSample, covariates: UpliftCovariates) {
        let rows = sample.included
        let (numbers, missingIndicators) = Self.numbers(panel, sample, covariates: covariates)
        let raw = numbers.map { Column(name: $0.name, source: .number($0.values), group: .number) }
        let logged = Self.logged(numbers, sample)
        let logs = logged.map { j in Column(name: "log1p(\(numbers[j].name))", source: .logNumber(numbers[j].values), group: .number) }
        // Dummies: every level present but the first of each dimension (levels sorted by name).
        var dummies: [Column] = []
        for d in covariates.dimensions {
            var isPresent = [Bool](repeating: false, count: panel.levels[d].count)
            let codes = panel.dimensionCodes[d]
            for i in rows { isPresent[Int(codes[i])] = true }
            for code in isPresent.indices.filter({ isPresent[$0] }).dropFirst() {
                dummies.append(
                    Column(
                        name: "\(panel.dimensions[d])=\(panel.levels[d][code])", source: .dummy(codes, Int32(code)), group: .dimension(d)))
            }
        }
        for (c, count) in covariates.banded.sorted(by: { $0.key < $1.key }) {
            dummies += Self.bands(panel.numericColumns[c], panel.numericValues[c], count: count, sample: sample)
        }
        dummies += missingIndicators
        // Every candidate once, in one pass of cross products; each design is screened on its
        // block of them.
        let candidates = raw + logs + dummies
        let outcomeSet = Array(raw.indices) + dummies.indices.map { raw.count + logs.count + $0 }
        let propensitySet =
            numbers.indices.map { j in logged.firstIndex(of: j).map { raw.count + $0 } ?? j }
            + dummies.indices.map { raw.count + logs.count + $0 }
        let balanceSet = Array(candidates.indices)
        let crossProducts = Self.crossProducts(candidates, rows: rows)
        var dropped: [DroppedCovariate] = []
        func screen(_ set: [Int]) -> [Int] {
            let (kept, constant, collinear) = crossProducts.independentColumns(among: set)
            for (index, reason) in constant.map({ ($0, DroppedCovariate.Reason.constant) }) + collinear.map({ ($0, .collinear) }) {
                let item = DroppedCovariate(name: candidates[index].name, reason: reason)
                if !dropped.contains(item) { dropped.append(item) }
            }
            return kept
        }
        // The balancing design holds every candidate: the others copy their columns from it.
        let balanceKept = screen(balanceSet), outcomeKept = screen(outcomeSet), propensityKept = screen(propensitySet)
        let balanceMatrix = Self.matrix(balanceKept.map { candidates[$0] }, rows: rows)
        func design(_ kept: [Int]) -> RowMatrix {
            if let positions = Optional(kept.map { balanceKept.firstIndex(of: $0) }), positions.allSatisfy({ $0 != nil }) {
                return Self.columns(positions.map { $0! }, of: balanceMatrix)
            }
            return Self.matrix(kept.map { candidates[$0] }, rows: rows)
        }
        (balance, outcome, propensity) = (balanceMatrix, design(outcomeKept), design(propensityKept))
        (balanceNames, balanceGroups) = (balanceKept.map { candidates[$0].name }, balanceKept.map { candidates[$0].group })
        (outcomeNames, outcomeGroups) = (outcomeKept.map { candidates[$0].name }, outcomeKept.map { candidates[$0].group })
        propensityNames = propensityKept.map { candidates[$0].name }
        self.dropped = dropped
    }

    /// The positions of the columns of `groups` not of dimension `d` (all numbers only when
    /// `numbersOnly`): a segment's covariates.
    static func columns(_ groups: [Group], excluding d: Int, numbersOnly: Bool = false) -> [Int] {
        groups.indices.filter { numbersOnly ? groups[$0] == .number : groups[$0] != .dimension(d) }
    }

    /// A numeric column as `count` bands of about equal size among the included customers (cut
    /// at its quantiles; fewer when values repeat), one dummy per band but the first, and one
    /// for a missing value when some are: named "age [35, 50)".
    static func bands(_ name: String, _ values: [Double], count: Int, sample: UpliftSample) -> [Column] {
        let known = sample.included.map { values[$0] }.filter { !$0.isNaN }.sorted()
        guard let low = known.first, let high = known.last else { return [] }
        var cuts: [Double] = []
        for k in 1..<count {
            let cut = known[min(known.count - 1, known.count * k / count)]
            if cut > low && cut > (cuts.last ?? low) { cuts.append(cut) }
        }
        // Band b holds [cuts[b − 1], cuts[b]); the missing band comes last.
        let codes = values.map { value -> Int32 in
            value.isNaN ? Int32(cuts.count + 1) : Int32(cuts.lastIndex { $0 <= value }.map { $0 + 1 } ?? 0)
        }
        let bounds = [low] + cuts + [high]
        func label(_ b: Int) -> String {
            let closing = b == cuts.count ? "]" : ")"
            return "\(name) [\(formatPlain(bounds[b])), \(formatPlain(bounds[b + 1]))\(closing)"
        }
        var columns = (1..<cuts.count + 1).map { Column(name: label($0), source: .dummy(codes, Int32($0)), group: .band) }
        if sample.included.contains(where: { values[$0].isNaN }) {
            columns.append(Column(name: "\(name) missing", source: .dummy(codes, Int32(cuts.count + 1)), group: .band))
        }
        return columns
    }

    /// The numeric covariates: each metric's pre-period mean (outcomes first, then other metrics'
    /// baselines) or, for a monthly baseline, each outcome's pre-period months (which determine the
    /// means, so they replace them); the numeric customers columns, a missing value replaced by
    /// the mean with an indicator column saying so.
    static func numbers(
        _ panel: CampaignPanel, _ sample: UpliftSample, covariates: UpliftCovariates
    ) -> (
        numbers: [(name: String, values: [Double])], missingIndicators: [Column]
    ) {
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
            let original = panel.numericValues[c]
            let known = sample.included.map { original[$0] }.filter { !$0.isNaN }
            let mean = known.isEmpty ? 0 : known.reduce(0, +) / Double(known.count)
            var values = original
            if known.count < sample.included.count {
                missingIndicators.append(Column(name: "\(panel.numericColumns[c]) missing", source: .missing(original), group: .missing))
                values = values.map { $0.isNaN ? mean : $0 }
            }
            numbers.append((panel.numericColumns[c], values))
        }
        return (numbers, missingIndicators)
    }

    /// The numbers that are never negative among the included customers: they also enter as log1p.
    static func logged(_ numbers: [(name: String, values: [Double])], _ sample: UpliftSample) -> [Int] {
        numbers.indices.filter { j in sample.included.allSatisfy { numbers[j].values[$0] >= 0 } }
    }

    /// Rows are cut into this many slices, filled on the cores at once and combined in slice
    /// order (so the result does not depend on the number of cores).
    static let slices = 4

    /// Cross products of the candidate columns over the rows, a block at a time.
    static func crossProducts(_ columns: [Column], rows: [Int]) -> CrossProducts {
        let p = columns.count
        guard p > 0 else { return CrossProducts(variables: 1) }
        let parts = ResultSlots<CrossProducts>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            var cp = CrossProducts(variables: p)
            let blockRows = 4_096
            var block = [Double](repeating: 0, count: blockRows * p)
            var start = rows.count * slice / slices
            let end = rows.count * (slice + 1) / slices
            while start < end {
                let count = min(blockRows, end - start)
                block.withUnsafeMutableBufferPointer { values in
                    for (c, column) in columns.enumerated() {
                        for r in 0..<count { values[r * p + c] = column.value(rows[start + r]) }
                    }
                }
                block.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: count) }
                start += count
            }
            parts[slice] = cp
        }
        return parts.values.dropFirst().reduce(parts.values[0]!) { $0 + $1! }
    }

    /// Some columns of a design, in the order given, of some of its rows (all when nil), copied
    /// row by row.
    static func columns(_ positions: [Int], of source: RowMatrix, rows: [Int]? = nil) -> RowMatrix {
        let p = source.columns, q = positions.count, n = rows?.count ?? source.rows
        guard q > 0 else { return RowMatrix(rows: n, columns: 0) }
        let values = [Double](unsafeUninitializedCapacity: n * q) { to, count in
            source.values.withUnsafeBufferPointer { from in
                positions.withUnsafeBufferPointer { positions in
                    let rows = rows ?? Array(0..<n)
                    rows.withUnsafeBufferPointer { rows in
                        for r in 0..<n {
                            let base = rows[r] * p, out = r * q
                            for c in 0..<q { to[out + c] = from[base + positions[c]] }
                        }
                    }
                }
            }
            count = n * q
        }
        return RowMatrix(values: values, columns: q)
    }

    /// The rows × columns design.
    static func matrix(_ columns: [Column], rows: [Int]) -> RowMatrix {
        let p = columns.count, n = rows.count
        guard p > 0 else { return RowMatrix(rows: n, columns: 0) }
        let values = [Double](unsafeUninitializedCapacity: n * p) { buffer, count in
            nonisolated(unsafe) let values = buffer  // each slice writes its own rows
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                // A column at a time within blocks of rows, so that the writes stay in cache.
                let blockRows = 1_024
                var start = n * slice / slices
                let end = n * (slice + 1) / slices
                while start < end {
                    let stop = min(start + blockRows, end)
                    for (c, column) in columns.enumerated() {
                        for r in start..<stop { values[r * p + c] = column.value(rows[r]) }
                    }
                    start = stop
                }
            }
            count = n * p
        }
        return RowMatrix(values: values, columns: p)
    }

    /// Rows [T, the columns of `design`, y] of units `range`, for a streamed regression.
    static func fillRows(
        _ block: UnsafeMutableBufferPointer<Double>, _ range: Range<Int>, design: RowMatrix, treated: [Bool], outcome y: [Double]
    ) {
        let p = design.columns, width = p + 2
        design.values.withUnsafeBufferPointer { x in
            for (offset, r) in range.enumerated() {
                let o = offset * width
                block[o] = treated[r] ? 1 : 0
                for c in 0..<p { block[o + 1 + c] = x[r * p + c] }
                block[o + 1 + p] = y[r]
            }
        }
    }
}
