/// Mergeable sufficient statistics of one variable: count, mean and the sum of squared
/// deviations.
///
/// Values are added one at a time (Welford's update) or whole accumulators are merged
/// (Chan, Golub & LeVeque's pairwise update), so that chunks of a stream, the two cores,
/// or a database that only returns sums all produce the same statistics. Storing the mean
/// and the centred second moment instead of Σy and Σy² keeps precision when the mean is
/// large relative to the spread (balances in CNY).
///
/// References: B. P. Welford (1962), "Note on a method for calculating corrected sums of
/// squares and products", Technometrics 4(3). T. F. Chan, G. H. Golub, R. J. LeVeque (1979),
/// "Updating formulae and a pairwise algorithm for computing sample variances", STAN-CS-79-773.
///
/// ```swift
/// var control = Moments()
/// for y in [1.0, 2.0, 4.0] { control.add(y) }
/// control.mean        // 2.333…
/// control.variance    // 2.333… (n − 1 denominator)
/// ```
public struct Moments: Sendable, Equatable {
    /// The total weight (the number of values when every weight is 1).
    public private(set) var count: Double = 0
    /// The (weighted) mean; 0 when empty.
    public private(set) var mean: Double = 0
    /// Σ wᵢ (yᵢ − ȳ)².
    public private(set) var sumOfSquaredDeviations: Double = 0

    /// An empty accumulator.
    public init() {}

    /// Statistics of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { add(value) }
    }

    /// Statistics of an array of values (the same, compiled for arrays here rather than
    /// generically at the caller: several times faster on a million values).
    public init(_ values: [Double]) {
        values.withUnsafeBufferPointer { buffer in
            for value in buffer { add(value) }
        }
    }

    /// Statistics from raw sums (as a SQL engine returns them): n, Σy, Σy².
    ///
    /// Precision is that of the sums given; prefer streaming values when you have them.
    public init(count: Double, sum: Double, sumOfSquares: Double) {
        precondition(count >= 0, "Moments: count must not be negative")
        self.count = count
        mean = count > 0 ? sum / count : 0
        sumOfSquaredDeviations = count > 0 ? max(0, sumOfSquares - sum * sum / count) : 0
    }

    /// Adds one value with weight `weight` (a frequency; Poisson-bootstrap weights are whole numbers).
    public mutating func add(_ value: Double, weight: Double = 1) {
        guard weight != 0 else { return }
        count += weight
        let delta = value - mean
        mean += delta * weight / count
        sumOfSquaredDeviations += weight * delta * (value - mean)
    }

    /// Merges `other` into this accumulator (associative and commutative up to rounding).
    public mutating func merge(_ other: Moments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let total = count + other.count
        let delta = other.mean - mean
        sumOfSquaredDeviations += other.sumOfSquaredDeviations + delta * delta * count * other.count / total
        mean += delta * other.count / total
        count = total
    }

    /// The merge of two accumulators.
    public static func + (a: Moments, b: Moments) -> Moments {
        var result = a
        result.merge(b)
        return result
    }

    /// Σ wᵢ yᵢ.
    public var sum: Double { mean * count }

    /// The sample variance with the n − 1 denominator; NaN with fewer than two values.
    public var variance: Double { count > 1 ? sumOfSquaredDeviations / (count - 1) : .nan }

    /// The sample standard deviation (n − 1 denominator).
    public var standardDeviation: Double { variance.squareRoot() }

    /// The standard error of the mean, s / √n.
    public var standardErrorOfMean: Double { (variance / count).squareRoot() }
}

/// Mergeable sufficient statistics of a pair of variables (x, y): both means, both centred
/// second moments and the centred cross moment. The unit of work of CUPED and of ratio
/// metrics (numerator and denominator per customer).
///
/// Same references as ``Moments`` (the pairwise update extends to co-moments).
public struct PairedMoments: Sendable, Equatable {
    public private(set) var count: Double = 0
    public private(set) var meanX: Double = 0
    public private(set) var meanY: Double = 0
    /// Σ (xᵢ − x̄)².
    public private(set) var sxx: Double = 0
    /// Σ (yᵢ − ȳ)².
    public private(set) var syy: Double = 0
    /// Σ (xᵢ − x̄)(yᵢ − ȳ).
    public private(set) var sxy: Double = 0

    public init() {}

    /// Statistics of paired sequences (same length).
    public init(x: [Double], y: [Double]) {
        precondition(x.count == y.count, "PairedMoments: x and y differ in length (\(x.count) vs \(y.count))")
        for i in x.indices { add(x: x[i], y: y[i]) }
    }

    /// Statistics from raw sums: n, Σx, Σy, Σx², Σy², Σxy.
    public init(count: Double, sumX: Double, sumY: Double, sumXX: Double, sumYY: Double, sumXY: Double) {
        self.count = count
        guard count > 0 else { return }
        meanX = sumX / count
        meanY = sumY / count
        sxx = max(0, sumXX - sumX * sumX / count)
        syy = max(0, sumYY - sumY * sumY / count)
        sxy = sumXY - sumX * sumY / count
    }

    public mutating func add(x: Double, y: Double, weight: Double = 1) {
        guard weight != 0 else { return }
        count += weight
        let dx = x - meanX
        meanX += dx * weight / count
        let dy = y - meanY
        meanY += dy * weight / count
        sxx += weight * dx * (x - meanX)
        syy += weight * dy * (y - meanY)
        sxy += weight * dx * (y - meanY)
    }

    public mutating func merge(_ other: PairedMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let total = count + other.count
        let dx = other.meanX - meanX
        let dy = other.meanY - meanY
        let factor = count * other.count / total
        sxx += other.sxx + dx * dx * factor
        syy += other.syy + dy * dy * factor
        sxy += other.sxy + dx * dy * factor
        meanX += dx * other.count / total
        meanY += dy * other.count / total
        count = total
    }

    public static func + (a: PairedMoments, b: PairedMoments) -> PairedMoments {
        var result = a
        result.merge(b)
        return result
    }

    /// The statistics of x alone.
    public var x: Moments { Moments(count: count, mean: meanX, sumOfSquaredDeviations: sxx) }
    /// The statistics of y alone.
    public var y: Moments { Moments(count: count, mean: meanY, sumOfSquaredDeviations: syy) }
    /// The sample covariance (n − 1 denominator).
    public var covariance: Double { count > 1 ? sxy / (count - 1) : .nan }
}

extension Moments {
    /// Statistics from their centred form (used by ``PairedMoments``).
    public init(count: Double, mean: Double, sumOfSquaredDeviations: Double) {
        self.count = count
        self.mean = mean
        self.sumOfSquaredDeviations = sumOfSquaredDeviations
    }
}
