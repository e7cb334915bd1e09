import Foundation

/// The customers assigned to one campaign, in customer order: arm, optionally the time of
/// assignment, and the levels of the customer dimensions asked for. The one reader of
/// `assignments` for a campaign (the panel, the funnel and the review use it).
///
/// Arms and levels are interned from the row's bytes (no String per row): memory is
/// O(customers × dimensions).
public struct CampaignAssignments: Sendable {
    public var campaign: CampaignInfo
    /// Customer ids in ascending order (`.integer` or `.text`, as stored).
    public var ids: [SQLiteValue]
    /// The control arm first, then the other arms by name.
    public var arms: [String]
    /// Per customer: index into `arms`.
    public var arm: [Int]
    /// Per customer: `assigned_at` in seconds since 1970 in the reporting zone (empty unless asked for).
    public var assignedAt: [Double]
    public var dimensions: [String]
    /// Per dimension: the level names, sorted ("(missing)" for NULL).
    public var levels: [[String]]
    /// Per dimension: the code of the level that stands for NULL, if any customer has one.
    public var missingLevel: [Int32?]
    /// Per dimension, per customer: index into `levels[d]`.
    public var dimensionCodes: [[Int32]]
    /// Numeric customer columns read as numbers (see `read`).
    public var numericColumns: [String] = []
    /// Per numeric column, per customer: the value (NaN for NULL).
    public var numericValues: [[Double]] = []
    /// Problems in values that only some analyses use (an unparsable `assigned_at`, a word in
    /// a numeric customers column), kept rather than thrown when the assignments are read once
    /// for every analysis of a run (`readAll`): each analysis checks the ones it uses, so that
    /// the funnel's problem does not stop the uplift, nor the other way round.
    public var assignedAtProblem: DataError?
    /// Per numeric column with words in it (in column order): the first such value and how many.
    public var numericProblems: [(problem: DataError, count: Int)] = []
    /// How many customers have each kind of problem.
    public var assignedAtProblems = 0
    /// Customers left out (bad rows excluded): readers of their other rows skip them.
    public var leftOutIDs: Set<SQLiteValue> = []

    public var count: Int { ids.count }
    public static let missingLevelName = "(missing)"

    /// Reads the assignments of `campaign` with the customers' `dimensions`.
    /// - Parameter withAssignedAt: also read and parse `assigned_at`.
    /// - Throws: `CampaignReadError` when the campaign has no assignments; `DataError.contract`
    ///   for an unparsable `assigned_at`, naming the row.
    /// - Parameter numericColumns: customers columns read as numbers (after the dimensions); a
    ///   value that is not a number is a contract error naming the row.
    /// - Parameter deferringValueProblems: keep an unparsable `assigned_at` or a word in a numeric
    ///   column in `assignedAtProblem` / `numericProblems` (the value NaN) instead of throwing.
    /// - Parameter badRows: what to do with an assignment without an arm, a customer assigned
    ///   twice (or listed twice in customers) and an assigned customer not in customers — the
    ///   errors `check` reports — refused (naming the row) or left out and counted.
    /// - Parameter schema: the engine's schema, for the types of remote engines' columns (a
    ///   decimal read as a double, a date or time as text, text ids ordered by their bytes).
    public static func read<Engine: QueryEngine>(
        _ campaign: CampaignInfo, dimensions: [String], numericColumns: [String] = [], withAssignedAt: Bool = false,
        deferringValueProblems: Bool = false, badRows: BadRows = .refusing, schema: ContractSchema? = nil, database: Engine
    ) throws -> CampaignAssignments {
        let sql = database.dialect
        if sql != .sqlite { try schema?.requireOneIDType([Contract.customers]) }
        func type(_ table: ContractTable, _ column: String) -> String {
            schema?.table(table.name)?.column(named: column)?.affinity ?? ""
        }
        let dimensionColumns =
            dimensions.map { ", " + (sql == .sqlite ? "c." + quoteIdentifier($0) : sql.asText("c." + quoteIdentifier($0))) }.joined()
            + numericColumns.map { ", " + (sql == .sqlite ? "c." + quoteIdentifier($0) : sql.asDouble("c." + quoteIdentifier($0))) }
            .joined()
        let assignedAtColumn = withAssignedAt ? (sql == .sqlite ? "a.assigned_at" : sql.asText("a.assigned_at")) : "NULL"
        let orphan = sql == .sqlite ? "c.customer_id IS NULL" : "CASE WHEN c.customer_id IS NULL THEN 1 ELSE 0 END"
        let order = sql.byteOrder("a.customer_id", isText: type(Contract.assignments, "customer_id") == "TEXT")
        var ids: [SQLiteValue] = [], arm: [Int] = [], assignedAt: [Double] = []
        var codes = [[Int32]](repeating: [], count: dimensions.count)
        var numbers = [[Double]](repeating: [], count: numericColumns.count)
        var armInterner = LevelInterner()
        _ = armInterner.code(for: Array(campaign.controlArm.utf8))
        var interners = [LevelInterner](repeating: LevelInterner(), count: dimensions.count)
        let missing = Array(missingLevelName.utf8)
        var withoutArm: [SQLiteValue] = [], withoutArmCount = 0
        var assignedAtProblem: DataError?, assignedAtProblems = 0
        var numericProblems = [(problem: DataError, count: Int)?](repeating: nil, count: numericColumns.count)
        // Rows to leave out (excluding bad rows): positions in customer order.
        var leftOut = Set<Int>()
        var firstDuplicate: DataError?
        var tally = BadRows.Tally(badRows.policy)
        let orphanColumn = 3 + dimensions.count + numericColumns.count
        try database.forEachRow(
            """
            SELECT a.customer_id, a.arm, \(assignedAtColumn)\(dimensionColumns), \(orphan)
            FROM assignments a LEFT JOIN customers c ON c.customer_id = a.customer_id
            WHERE a.campaign_id = ? ORDER BY \(order)
            """, [.text(campaign.id)]
        ) { statement in
            ids.append(statement.storageClass(0) == .integer ? .integer(statement.int64(0)) : statement.value(0))
            let position = ids.count - 1
            if position > 0, ids[position] == ids[position - 1] {
                // One customer twice: assigned twice (or to two arms), or listed twice in customers.
                // Counted per row dropped; where the duplicate comes from is looked up once.
                // (A remote engine cannot take a second query while this one streams: there the
                // message names both places the duplicate can come from.)
                let problem =
                    firstDuplicate
                    ?? (sql == .sqlite
                        ? duplicate(ids[position], campaign, database)
                        : DataError.contract(
                            table: "assignments", column: "customer_id",
                            row: "campaign_id='\(campaign.id)', customer_id=\(ids[position])",
                            message:
                                "the customer is assigned more than once (to one arm or to several), or has more than one row in customers; a customer has one assignment per campaign and one customers row"
                        ))
                firstDuplicate = problem
                let summary = "repeating a customer", treatment = "left out of the campaign with every row of the customer"
                if !leftOut.contains(position - 1) { try tally.add(problem, summary: summary, treatment: treatment) }
                try tally.add(problem, summary: summary, treatment: treatment)
                leftOut.formUnion([position - 1, position])
            }
            if statement.int64(orphanColumn) == 1 {
                try tally.add(
                    DataError.contract(
                        table: "assignments", column: "customer_id", row: "campaign_id='\(campaign.id)', customer_id=\(ids[position])",
                        message:
                            "the customer is not in table customers; every assigned customer needs a customers row (check reports these as orphan-customer)"
                    ), summary: "not in table customers", treatment: "left out of the campaign")
                leftOut.insert(position)
            }
            if statement.storageClass(1) == .null {
                // Not an arm: the contract says NOT NULL, and an unknown arm cannot be compared.
                withoutArmCount += 1
                if withoutArm.count < 5 { withoutArm.append(ids.last!) }
                arm.append(0)
                if badRows.policy == .exclude { leftOut.insert(position) }
            } else {
                arm.append(Int(statement.withUTF8(1) { armInterner.code(for: $0) }))
            }
            if withAssignedAt {
                if statement.storageClass(2) == .text, let time = statement.withUTF8(2, { Timestamp.parse($0) }) {
                    assignedAt.append(time.secondsSinceEpoch)
                } else {
                    let problem = DataError.contract(
                        table: "assignments", column: "assigned_at",
                        row: "campaign_id='\(campaign.id)', customer_id=\(ids.last!)",
                        message: "\(statement.value(2)) is not an ISO 8601 timestamp")
                    guard deferringValueProblems else { throw problem }
                    assignedAtProblem = assignedAtProblem ?? problem
                    assignedAtProblems += 1
                    assignedAt.append(.nan)
                }
            }
            for d in dimensions.indices {
                codes[d].append(
                    statement.storageClass(3 + d) == .null
                        ? interners[d].code(for: missing)
                        : statement.withUTF8(3 + d) { interners[d].code(for: $0) })
            }
            for (c, name) in numericColumns.enumerated() {
                let index = 3 + dimensions.count + c
                let storage = statement.storageClass(index)
                if storage == .null {
                    numbers[c].append(.nan)
                } else if storage == .integer || storage == .real, statement.double(index).isFinite {
                    numbers[c].append(statement.double(index))
                } else {
                    let problem = DataError.contract(
                        table: "customers", column: name, row: "customer_id=\(ids.last!)",
                        message: "\(statement.value(index)) is not a number (the column holds numbers elsewhere)")
                    guard deferringValueProblems else { throw problem }
                    numericProblems[c] = (numericProblems[c]?.problem ?? problem, (numericProblems[c]?.count ?? 0) + 1)
                    numbers[c].append(.nan)
                }
            }
        }
        guard !ids.isEmpty else {
            throw CampaignReadError(.campaign, "campaign '\(campaign.id)' has no rows in table assignments")
        }
        if badRows.policy == .exclude, withoutArmCount > 0 {
            try tally.add(
                DataError.contract(
                    table: "assignments", column: "arm", row: "campaign_id='\(campaign.id)', customer_id=\(withoutArm[0])",
                    message: "no arm (NULL)"), summary: "without an arm (NULL)", treatment: "left out of the campaign")
            withoutArmCount = 0
        }
        try tally.report(to: badRows)
        let leftOutIDs = Set(leftOut.map { ids[$0] })
        if !leftOut.isEmpty {
            let keep = ids.indices.filter { !leftOut.contains($0) }
            ids = keep.map { ids[$0] }
            arm = keep.map { arm[$0] }
            if withAssignedAt { assignedAt = keep.map { assignedAt[$0] } }
            codes = codes.map { column in keep.map { column[$0] } }
            numbers = numbers.map { column in keep.map { column[$0] } }
            guard !ids.isEmpty else {
                throw CampaignReadError(.campaign, "campaign '\(campaign.id)' has no customers left once its bad rows are left out")
            }
        }
        guard withoutArmCount == 0 else {
            let listed = withoutArm.map { "customer_id=\($0)" }.joined(separator: ", ")
            throw DataError.contract(
                table: "assignments", column: "arm",
                row: "campaign_id='\(campaign.id)', \(listed)\(withoutArmCount > withoutArm.count ? ", …" : "")",
                message:
                    "\(formatCount(withoutArmCount)) assignment\(withoutArmCount == 1 ? " has" : "s have") no arm (NULL); every assigned customer needs one (fix the rows or leave them out of the view)"
            )
        }
        // Control first, then the other arms by name (an arm whose every row was left out is gone).
        let names = armInterner.names
        let present = Set(arm)
        let sortedArms = [names[0]] + names.indices.dropFirst().filter { present.contains($0) }.map { names[$0] }.sorted()
        let armRemap = names.map { sortedArms.firstIndex(of: $0) ?? 0 }
        arm = arm.map { armRemap[$0] }
        // Each dimension's levels sorted by name, so that dummy coding is stable (as statsmodels' C()).
        var levels: [[String]] = [], missingLevel: [Int32?] = []
        for d in dimensions.indices {
            let raw = interners[d].names
            let sorted = raw.sorted()
            var remap = [Int32](repeating: 0, count: raw.count)
            for (newCode, level) in sorted.enumerated() { remap[raw.firstIndex(of: level)!] = Int32(newCode) }
            codes[d] = codes[d].map { remap[Int($0)] }
            levels.append(sorted)
            missingLevel.append(interners[d].wasAdded(missing) ? Int32(sorted.firstIndex(of: missingLevelName)!) : nil)
        }
        var result = CampaignAssignments(
            campaign: campaign, ids: ids, arms: sortedArms, arm: arm, assignedAt: assignedAt,
            dimensions: dimensions, levels: levels, missingLevel: missingLevel, dimensionCodes: codes)
        result.numericColumns = numericColumns
        result.numericValues = numbers
        (result.assignedAtProblem, result.assignedAtProblems) = (assignedAtProblem, assignedAtProblems)
        result.numericProblems = numericProblems.compactMap { $0 }
        result.leftOutIDs = leftOutIDs
        return result
    }

    /// The error for `customer` met twice: assigned twice (or to two arms) in assignments, or
    /// listed twice in customers (a view, a table without its key).
    private static func duplicate<Engine: QueryEngine>(
        _ customer: SQLiteValue, _ campaign: CampaignInfo, _ database: Engine
    ) -> DataError {
        let count = try? database.allRows(
            "SELECT count(*) FROM assignments WHERE campaign_id = ? AND customer_id = ?", [.text(campaign.id), customer])
        let assignedTwice = (count?.first?.first?.intValue ?? 0) > 1
        return assignedTwice
            ? DataError.contract(
                table: "assignments", column: "customer_id", row: "campaign_id='\(campaign.id)', customer_id=\(customer)",
                message: "the customer is assigned more than once (to one arm or to several); a customer has one assignment per campaign")
            : DataError.contract(
                table: "customers", column: "customer_id", row: "customer_id=\(customer)",
                message:
                    "the customer has more than one row in customers (a view or a table without its primary key?); a customer has one row")
    }

    /// What every analysis of a campaign reads from its assignments, in one pass: every
    /// customers dimension (numeric columns as numbers, as `CampaignPanel` takes them) and
    /// `assigned_at` when the table has it, value problems kept for the analyses that use the
    /// values (`requireAssignedAt`, `requireNumbers`).
    public static func readAll<Engine: QueryEngine>(
        _ campaign: CampaignInfo, schema: ContractSchema, database: Engine, badRows: BadRows = .refusing
    ) throws -> CampaignAssignments {
        let numericColumns = schema.numericDimensions
        return try read(
            campaign, dimensions: schema.dimensions.filter { !numericColumns.contains($0) }, numericColumns: numericColumns,
            withAssignedAt: schema.has(Contract.assignments, column: "assigned_at"), deferringValueProblems: true, badRows: badRows,
            schema: schema, database: database)
    }

    /// Refuses an unparsable `assigned_at` or, excluding bad rows, counts those customers
    /// (their `assignedAt` is NaN: the caller leaves them out).
    /// - Throws: the first unparsable `assigned_at` (`DataError.contract`, naming the row).
    public func requireAssignedAt(_ badRows: BadRows = .refusing) throws {
        precondition(assignedAt.count == count, "CampaignAssignments: assigned_at was not read")
        guard let assignedAtProblem else { return }
        try badRows.handle(
            assignedAtProblem, count: assignedAtProblems, summary: "not an ISO 8601 timestamp", treatment: "left out of the funnel")
    }

    /// Refuses a word in a numeric customers column or, excluding bad rows, counts it (the
    /// value is missing, NaN).
    /// - Throws: the first such value (`DataError.contract`, naming the row).
    public func requireNumbers(_ badRows: BadRows = .refusing) throws {
        for (problem, count) in numericProblems {
            try badRows.handle(problem, count: count, summary: "not a number", treatment: "treated as missing")
        }
    }

    /// Checks that the control arm has customers and that there is another arm to compare.
    /// - Throws: `CampaignReadError`.
    public func requireComparison() throws {
        guard arm.contains(0) else {
            throw CampaignReadError(
                .campaign,
                "the control arm '\(campaign.controlArm)' of campaign '\(campaign.id)' has no customers in table assignments (arms: \(arms.dropFirst().joined(separator: ", ")))"
            )
        }
        guard arms.count > 1 else {
            throw CampaignReadError(
                .campaign, "campaign '\(campaign.id)' has only its control arm '\(campaign.controlArm)'; there is nothing to compare")
        }
    }
}

/// Codes for the distinct byte strings of a column (arms, dimension levels), found without
/// building a String per row: a linear scan of the known values while there are few (the
/// usual case for arms and dimensions), a dictionary beyond.
struct LevelInterner {
    private(set) var names: [String] = []
    private var bytes: [[UInt8]] = []
    private var index: [[UInt8]: Int32] = [:]

    mutating func code(for value: UnsafeBufferPointer<UInt8>) -> Int32 {
        if bytes.count <= 16 {
            for (code, known) in bytes.enumerated() where known.count == value.count {
                if value.isEmpty || known.withUnsafeBufferPointer({ memcmp($0.baseAddress!, value.baseAddress!, value.count) == 0 }) {
                    return Int32(code)
                }
            }
            return add(Array(value))
        }
        let key = Array(value)
        return index[key] ?? add(key)
    }

    mutating func code(for value: [UInt8]) -> Int32 {
        value.withUnsafeBufferPointer { code(for: $0) }
    }

    /// Whether `value` was seen (by its bytes).
    func wasAdded(_ value: [UInt8]) -> Bool { index[value] != nil }

    private mutating func add(_ value: [UInt8]) -> Int32 {
        let code = Int32(bytes.count)
        bytes.append(value)
        names.append(String(decoding: value, as: UTF8.self))
        index[value] = code
        return code
    }
}
