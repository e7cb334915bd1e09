import COpenBLAS

// Every BLAS/LAPACK call of the project lives in this file: lengths are checked and
// converted to Int32 here, pointers are scoped with withUnsafe…BufferPointer, and LAPACK's
// `info` codes become `LinearAlgebraError`s. Matrices are column-major, as LAPACK expects.

/// A failure of a LAPACK factorization, with what it means for the analysis.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// The matrix is not positive definite (a leading minor of order `order` is not positive).
    case notPositiveDefinite(order: Int)
    /// LAPACK rejected an argument (a programming error in the caller).
    case invalidArgument(routine: String, position: Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let order):
            return "the cross-product matrix is not positive definite (leading minor \(order)): some covariates are collinear or constant"
        case .invalidArgument(let routine, let position):
            return "LAPACK \(routine): argument \(position) is invalid"
        }
    }
}

/// Basic linear algebra on OpenBLAS and LAPACK.
public enum BLAS {
    /// OpenBLAS runs single-threaded. CampaignLab parallelizes above BLAS, in fixed slices;
    /// a BLAS that splits its sums by its own thread count changes the last bits of results
    /// from one machine to another, and reports must be byte-identical for the same input.
    /// (Measured: OPENBLAS_NUM_THREADS=1 vs 2 gave different last digits in the review.)
    static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// The dot product Σ xᵢyᵢ (`cblas_ddot`).
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        _ = singleThreaded
        precondition(x.count == y.count, "BLAS.dot needs vectors of equal length (\(x.count) vs \(y.count))")
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                cblas_ddot(int32(x.count), xp.baseAddress, 1, yp.baseAddress, 1)
            }
        }
    }

    /// y = A·x (or Aᵀ·x when `transposed`) for a row-major `rows` × `columns` matrix A
    /// (`cblas_dgemv`).
    static func multiply(
        rowMajor a: UnsafeBufferPointer<Double>, rows: Int, columns: Int, by x: [Double], transposed: Bool = false
    ) -> [Double] {
        _ = singleThreaded
        precondition(a.count >= rows * columns && x.count == (transposed ? rows : columns), "BLAS.multiply: sizes must match")
        var y = [Double](repeating: 0, count: transposed ? columns : rows)
        guard rows > 0, columns > 0 else { return y }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                cblas_dgemv(
                    CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, int32(rows), int32(columns), 1.0, a.baseAddress, int32(columns),
                    xp.baseAddress, 1, 0.0, yp.baseAddress, 1)
            }
        }
        return y
    }

    /// C ← C + AᵀA for a row-major block A of `rows` × `columns` (`cblas_dsyrk`).
    ///
    /// Only the upper triangle of the column-major `columns` × `columns` matrix C is updated.
    /// A row-major m × p block is, in column-major terms, the p × m matrix Aᵀ, so AᵀA is
    /// `dsyrk` with no transpose on it.
    static func addGram(of block: UnsafeBufferPointer<Double>, rows: Int, columns: Int, into c: inout [Double]) {
        _ = singleThreaded
        precondition(block.count >= rows * columns, "BLAS.addGram: block holds \(block.count) values, need \(rows * columns)")
        precondition(c.count == columns * columns, "BLAS.addGram: C must be \(columns)×\(columns)")
        guard rows > 0 else { return }
        c.withUnsafeMutableBufferPointer { cp in
            cblas_dsyrk(
                CblasColMajor, CblasUpper, CblasNoTrans, int32(columns), int32(rows),
                1.0, block.baseAddress, int32(columns), 1.0, cp.baseAddress, int32(columns))
        }
    }

    /// Cholesky factorization A = UᵀU in place (upper triangle, `dpotrf`).
    static func choleskyFactor(_ a: inout [Double], order n: Int) throws {
        _ = singleThreaded
        precondition(a.count == n * n, "BLAS.choleskyFactor: matrix must be \(n)×\(n)")
        var uplo = CChar(UInt8(ascii: "U")), order = int32(n), lda = int32(max(n, 1)), info: Int32 = 0
        a.withUnsafeMutableBufferPointer { ap in
            dpotrf_(&uplo, &order, ap.baseAddress, &lda, &info, 1)
        }
        try check(info, "dpotrf")
    }

    /// The inverse of A from its Cholesky factor (`dpotri`); fills both triangles.
    static func choleskyInverse(_ factor: inout [Double], order n: Int) throws {
        _ = singleThreaded
        var uplo = CChar(UInt8(ascii: "U")), order = int32(n), lda = int32(max(n, 1)), info: Int32 = 0
        factor.withUnsafeMutableBufferPointer { ap in
            dpotri_(&uplo, &order, ap.baseAddress, &lda, &info, 1)
        }
        try check(info, "dpotri")
        symmetrizeFromUpper(&factor, order: n)
    }

    /// Solves A x = b from the Cholesky factor of A (`dpotrs`).
    static func choleskySolve(_ factor: [Double], order n: Int, rhs: [Double]) -> [Double] {
        _ = singleThreaded
        precondition(factor.count == n * n && rhs.count == n, "BLAS.choleskySolve: sizes must match")
        var a = factor, b = rhs
        var uplo = CChar(UInt8(ascii: "U")), order = int32(n), nrhs: Int32 = 1, lda = int32(max(n, 1)),
            ldb = int32(max(n, 1)), info: Int32 = 0
        a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                dpotrs_(&uplo, &order, &nrhs, ap.baseAddress, &lda, bp.baseAddress, &ldb, &info, 1)
            }
        }
        precondition(info >= 0, "dpotrs: argument \(-info) is invalid")
        return b
    }

    /// Solves the general square system A x = b by LU with partial pivoting (`dgesv`);
    /// `a` is column-major. Throws `notPositiveDefinite(order:)` when A is singular.
    static func solve(_ a: [Double], order n: Int, rhs: [Double]) throws -> [Double] {
        _ = singleThreaded
        precondition(a.count == n * n && rhs.count == n, "BLAS.solve: sizes must match")
        var lu = a, b = rhs
        var pivots = [Int32](repeating: 0, count: n)
        var order = int32(n), nrhs: Int32 = 1, lda = int32(max(n, 1)), ldb = int32(max(n, 1)), info: Int32 = 0
        lu.withUnsafeMutableBufferPointer { ap in
            pivots.withUnsafeMutableBufferPointer { pp in
                b.withUnsafeMutableBufferPointer { bp in
                    dgesv_(&order, &nrhs, ap.baseAddress, &lda, pp.baseAddress, bp.baseAddress, &ldb, &info)
                }
            }
        }
        try check(info, "dgesv")
        return b
    }

    /// The numerical rank of a positive semidefinite matrix and the columns that span it,
    /// by Cholesky with complete pivoting (`dpstrf`). `a` is not modified.
    ///
    /// - Returns: the 0-based indices of the `rank` pivot columns, in pivot order.
    static func pivotedRank(_ a: [Double], order n: Int, tolerance: Double) -> (rank: Int, pivots: [Int]) {
        _ = singleThreaded
        precondition(a.count == n * n, "BLAS.pivotedRank: matrix must be \(n)×\(n)")
        var work = a
        var piv = [Int32](repeating: 0, count: n)
        var scratch = [Double](repeating: 0, count: 2 * n)
        var uplo = CChar(UInt8(ascii: "U")), order = int32(n), lda = int32(max(n, 1))
        var rank: Int32 = 0, tol = tolerance, info: Int32 = 0
        work.withUnsafeMutableBufferPointer { ap in
            piv.withUnsafeMutableBufferPointer { pp in
                scratch.withUnsafeMutableBufferPointer { sp in
                    dpstrf_(&uplo, &order, ap.baseAddress, &lda, pp.baseAddress, &rank, &tol, sp.baseAddress, &info, 1)
                }
            }
        }
        precondition(info >= 0, "dpstrf: argument \(-info) is invalid")
        return (Int(rank), piv.map { Int($0) - 1 })
    }

    static func symmetrizeFromUpper(_ a: inout [Double], order n: Int) {
        for j in 0..<n {
            for i in (j + 1)..<max(n, j + 1) { a[i + j * n] = a[j + i * n] }
        }
    }

    private static func check(_ info: Int32, _ routine: String) throws {
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: routine, position: Int(-info)) }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: Int(info)) }
    }

    private static func int32(_ value: Int) -> Int32 {
        precondition(value <= Int(Int32.max), "BLAS: dimension \(value) exceeds Int32.max")
        return Int32(value)
    }
}
