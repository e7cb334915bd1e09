/// A dense matrix stored row by row in one array: one unit (customer) per row, one covariate
/// per column. The estimators that take per-unit covariates read them from here, so a design
/// of a million units is one allocation rather than a million.
///
/// ```swift
/// var x = RowMatrix(rows: 3, columns: 2)
/// x[0, 1] = 2.5
/// let y = RowMatrix([[1, 2], [3, 4]])   // from nested arrays
/// y.row(1)                              // [3, 4]
/// ```
public struct RowMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// rows × columns values, row-major.
    public var values: [Double]

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "RowMatrix: negative dimensions")
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: 0, count: rows * columns)
    }

    /// A matrix over existing row-major values.
    public init(values: [Double], columns: Int) {
        precondition(
            columns > 0 ? values.count % columns == 0 : values.isEmpty,
            "RowMatrix: \(values.count) values is not a whole number of rows of \(columns)")
        self.rows = columns > 0 ? values.count / columns : 0
        self.columns = columns
        self.values = values
    }

    /// A matrix from one array per row (all of the same length).
    public init(_ rows: [[Double]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "RowMatrix: rows of different lengths")
        self.rows = rows.count
        self.columns = columns
        values = rows.flatMap { $0 }
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Double] {
        Array(values[index * columns..<(index + 1) * columns])
    }
}
