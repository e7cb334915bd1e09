import COpenBLAS

// Every BLAS/LAPACK call of the project lives in this file: lengths are checked and
// converted to Int32 here, pointers are scoped with withUnsafeBufferPointer.

/// Basic linear algebra on OpenBLAS.
public enum BLAS {
    /// The dot product Σ xᵢyᵢ (`cblas_ddot`).
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "BLAS.dot needs vectors of equal length (\(x.count) vs \(y.count))")
        precondition(x.count <= Int(Int32.max), "BLAS.dot: vector longer than Int32.max")
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                cblas_ddot(Int32(x.count), xp.baseAddress, 1, yp.baseAddress, 1)
            }
        }
    }
}
