/// Accumulates problems during a check: one entry per (table, column, kind), with a count
/// and the first example, so that memory does not grow with the number of bad rows.
struct ProblemCollector {
    private struct Key: Hashable {
        var table: String
        var column: String?
        var kind: ContractProblem.Kind
    }

    private(set) var problems: [ContractProblem] = []
    private var positions: [Key: Int] = [:]

    /// Counts one more affected row; the example and message are built only for the first.
    mutating func count(
        _ severity: ContractProblem.Severity, _ kind: ContractProblem.Kind, table: String,
        column: String?, rows: Int = 1, example: @autoclosure () -> String?,
        message: @autoclosure () -> String
    ) {
        let key = Key(table: table, column: column, kind: kind)
        if let position = positions[key] {
            problems[position].affectedRows += rows
            return
        }
        positions[key] = problems.count
        problems.append(
            ContractProblem(
                severity, kind, table: table, column: column, exampleRow: example(),
                affectedRows: rows, message: message()))
    }

    /// Adds a problem as is (set-level checks that count for themselves).
    mutating func add(_ problem: ContractProblem) {
        problems.append(problem)
    }

    /// The problems, errors first, each group in the order found.
    var sorted: [ContractProblem] {
        problems.filter { $0.severity == .error } + problems.filter { $0.severity == .warning }
    }
}
