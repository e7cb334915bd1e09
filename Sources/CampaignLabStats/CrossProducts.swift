/// How the Gram matrix of a block is computed.
public enum GramKernel: String, Sendable, CaseIterable {
    /// OpenBLAS `dsyrk` (the default; measured faster in `make bench`).
    case blas
    /// A plain Swift loop over the upper triangle, kept to compare against.
    case swift
}

/// Mergeable centred cross-products of p variables: the count, the means and
/// M = Σ (zᵢ − z̄)(zᵢ − z̄)ᵀ, accumulated from streamed row blocks.
///
/// This is the unit of work of regression: fill one per chunk (or per core, or per shard
/// of a SQL engine) and merge. Each block is centred on its own mean and its Gram matrix is
/// computed by BLAS (`dsyrk`); blocks are combined with the matrix form of Chan, Golub &
/// LeVeque's pairwise update, M = M_a + M_b + δδᵀ·n_a·n_b/n, which keeps precision when
/// variables have large means (balances in CNY).
///
/// ```swift
/// var cp = CrossProducts(variables: 3)          // x₁, x₂, y
/// try rows.withUnsafeBufferPointer { cp.add(rowMajor: $0, rows: rows.count / 3) }
/// let fit = try LinearRegression.fit(cp)        // y on x₁, x₂ with intercept
/// ```
///
/// - Complexity: adding m rows is O(m·p²) (one BLAS call); merging is O(p²).
public struct CrossProducts: Sendable, Equatable {
    /// The number of variables p.
    public let variables: Int
    /// Rows added.
    public private(set) var count: Double = 0
    /// The mean of each variable.
    public private(set) var means: [Double]
    /// p × p column-major; only the upper triangle is maintained.
    var upper: [Double]

    /// Rows centred and added per BLAS call.
    static let blockRows = 8_192

    /// An empty accumulator for `variables` variables.
    public init(variables: Int) {
        precondition(variables > 0, "CrossProducts needs at least one variable")
        self.variables = variables
        means = Array(repeating: 0, count: variables)
        upper = Array(repeating: 0, count: variables * variables)
    }

    /// Adds a row-major block of `rows` × `variables` values.
    public mutating func add(rowMajor block: UnsafeBufferPointer<Double>, rows: Int, kernel: GramKernel = .blas) {
        let p = variables
        precondition(block.count >= rows * p, "CrossProducts.add: block holds \(block.count) values, need \(rows * p)")
        guard rows > 0 else { return }
        // Long inputs go in blocks: the centred copy stays small (memory O(block · p)).
        if rows > Self.blockRows {
            var start = 0
            while start < rows {
                let count = min(Self.blockRows, rows - start)
                add(rowMajor: UnsafeBufferPointer(rebasing: block[(start * p)..<((start + count) * p)]), rows: count, kernel: kernel)
                start += count
            }
            return
        }
        var blockMeans = [Double](repeating: 0, count: p)
        for r in 0..<rows {
            for j in 0..<p { blockMeans[j] += block[r * p + j] }
        }
        for j in 0..<p { blockMeans[j] /= Double(rows) }
        var centred = [Double](repeating: 0, count: rows * p)
        for r in 0..<rows {
            for j in 0..<p { centred[r * p + j] = block[r * p + j] - blockMeans[j] }
        }
        var blockM = [Double](repeating: 0, count: p * p)
        switch kernel {
        case .blas:
            centred.withUnsafeBufferPointer { BLAS.addGram(of: $0, rows: rows, columns: p, into: &blockM) }
        case .swift:
            centred.withUnsafeBufferPointer { c in
                blockM.withUnsafeMutableBufferPointer { m in
                    for r in 0..<rows {
                        let row = r * p
                        for j in 0..<p {
                            let cj = c[row + j]
                            for i in 0...j { m[i + j * p] += c[row + i] * cj }
                        }
                    }
                }
            }
        }
        merge(count: Double(rows), means: blockMeans, upper: blockM)
    }

    /// Adds a row-major block held in an array.
    public mutating func add(rowMajor block: [Double], kernel: GramKernel = .blas) {
        precondition(block.count % variables == 0, "CrossProducts.add: \(block.count) values is not a whole number of rows")
        block.withUnsafeBufferPointer { add(rowMajor: $0, rows: block.count / variables, kernel: kernel) }
    }

    /// Merges another accumulator over the same variables.
    public mutating func merge(_ other: CrossProducts) {
        precondition(other.variables == variables, "CrossProducts.merge: \(other.variables) vs \(variables) variables")
        merge(count: other.count, means: other.means, upper: other.upper)
    }

    public static func + (a: CrossProducts, b: CrossProducts) -> CrossProducts {
        var result = a
        result.merge(b)
        return result
    }

    private mutating func merge(count nb: Double, means mb: [Double], upper ub: [Double]) {
        guard nb > 0 else { return }
        guard count > 0 else {
            count = nb
            means = mb
            upper = ub
            return
        }
        let p = variables
        let n = count + nb
        let factor = count * nb / n
        var delta = [Double](repeating: 0, count: p)
        for j in 0..<p { delta[j] = mb[j] - means[j] }
        for j in 0..<p {
            for i in 0...j {
                upper[i + j * p] += ub[i + j * p] + delta[i] * delta[j] * factor
            }
        }
        for j in 0..<p { means[j] += delta[j] * nb / n }
        count = n
    }

    /// Σ (zᵢ − z̄ᵢ)(zⱼ − z̄ⱼ) for variables i and j.
    public subscript(i: Int, j: Int) -> Double {
        i <= j ? upper[i + j * variables] : upper[j + i * variables]
    }

    /// The sample covariance matrix (n − 1 denominator), column-major, both triangles.
    public var covariance: [Double] {
        let p = variables
        var result = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            for i in 0..<p { result[i + j * p] = self[i, j] / (count - 1) }
        }
        return result
    }
}

extension CrossProducts {
    /// Which variables carry information of their own: constant ones (no variation) are out,
    /// and, in input order, a variable is kept when it is not a linear combination of the kept
    /// ones before it (pivoted Cholesky of the correlation matrix of the candidates, relative
    /// tolerance 1e-10).
    /// - Parameter candidates: the variables to consider (default: all), in the order given.
    /// - Returns: 0-based indices, each list in input order.
    public func independentColumns(
        among candidates: [Int]? = nil, tolerance: Double = 1e-10
    ) -> (
        kept: [Int], constant: [Int], collinear: [Int]
    ) {
        let k = variables
        let scale = (0..<k).map { self[$0, $0].squareRoot() }
        let set = candidates ?? Array(0..<k)
        let constant = set.filter { !(scale[$0] > 1e-12 * max(1, abs(means[$0])) * count.squareRoot()) }
        var kept: [Int] = [], collinear: [Int] = []
        for j in set where !constant.contains(j) {
            let candidate = kept + [j], m = candidate.count
            var correlation = [Double](repeating: 0, count: m * m)
            for (b, c) in candidate.enumerated() {
                for (a, r) in candidate.enumerated() { correlation[a + b * m] = self[r, c] / (scale[r] * scale[c]) }
            }
            if BLAS.pivotedRank(correlation, order: m, tolerance: tolerance).rank == m { kept.append(j) } else { collinear.append(j) }
        }
        return (kept, constant, collinear)
    }
}

extension CrossProducts {
    /// The cross products of some of the variables, in the order given: several regressions
    /// on one design (each outcome against the same covariates) from one pass over the rows.
    public func selecting(_ indices: [Int]) -> CrossProducts {
        precondition(indices.allSatisfy { (0..<variables).contains($0) }, "CrossProducts.selecting: index out of range")
        var result = CrossProducts(variables: indices.count)
        result.count = count
        result.means = indices.map { means[$0] }
        let q = indices.count
        for b in 0..<q {
            for a in 0...b { result.upper[a + b * q] = self[indices[a], indices[b]] }
        }
        return result
    }
}
