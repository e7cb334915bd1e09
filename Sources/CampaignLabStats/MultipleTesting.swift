/// Corrections of p-values for testing several metrics at once.
public enum MultipleTesting {
    /// Holm's step-down adjusted p-values (family-wise error rate).
    ///
    /// Reference: S. Holm (1979), "A simple sequentially rejective multiple test procedure",
    /// Scand. J. Statist. 6(2); as statsmodels `multipletests(method='holm')`.
    /// - Complexity: O(m log m).
    public static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Benjamini–Hochberg step-up adjusted p-values (false discovery rate).
    ///
    /// Reference: Y. Benjamini, Y. Hochberg (1995), "Controlling the false discovery rate",
    /// JRSS B 57(1); as statsmodels `multipletests(method='fdr_bh')`.
    /// - Complexity: O(m log m).
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] > pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 1.0
        for (position, index) in order.enumerated() {
            let rank = Double(m - position)
            running = min(running, pValues[index] * Double(m) / rank)
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}
