import CampaignLabAnalyses
import CampaignLabData
import CampaignLabReport
import Foundation

/// Runs a notebook against a read-only database and builds the report document.
///
/// ```swift
/// let db = try SQLiteDatabase.open(readOnlyAt: "bank.sqlite")
/// let runner = NotebookRunner(database: db, databaseName: "bank.sqlite", language: .zh)
/// let document = try runner.run(notebook, parameters: ["as_of": "2026-10"])
/// ```
public struct NotebookRunner {
    /// The SQLite file, or a remote engine (`--backend`).
    public var database: any QueryEngine
    public var databaseName: String
    public var language: ReportLanguage
    /// Called with a short line before each block and after long steps.
    public var progress: @Sendable (String) -> Void
    /// Run the blocks at once, each on its own connection, when the database is a file
    /// (false: one after the other on `database`). The document is the same either way.
    public var runsBlocksAtOnce = true
    /// The time limit of each SQL block's statement, in seconds, unless the block sets its
    /// own (`--| time_limit: SECONDS`): a statement still running then is stopped and the
    /// render fails naming the block's line. `campaignlab render --sql-time-limit` sets it.
    public var sqlTimeLimit: Double = NotebookRunner.defaultSQLTimeLimit
    /// 300 s: several times what the heaviest shipped block needs on a 1M-customer bank
    /// (events by type, ~15 s), short enough that a runaway query does not hold a run for long.
    public static let defaultSQLTimeLimit: Double = 300
    /// A block that cannot run on these data fails the run (`render --strict`) instead of
    /// leaving a visible note in its place and in `ReportDocument.notes`.
    public var strict = false
    /// Rows breaking the data contract are left out and listed at the top of the report
    /// (`render --exclude-bad-rows`) instead of stopping the blocks that read them.
    public var excludeBadRows = false

    public init(
        database: any QueryEngine, databaseName: String, language: ReportLanguage,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.database = database
        self.databaseName = databaseName
        self.language = language
        self.progress = progress
    }

    /// The options every SQL block accepts.
    public static let sqlOptions: [AnalysisOption] = [
        AnalysisOption("title", "heading above the table (English; used for both languages unless title_zh is set)"),
        AnalysisOption("title_zh", "heading in Chinese reports"),
        AnalysisOption("chart", "draw the result: bars, hbars or lines"),
        AnalysisOption("x", "the column holding the chart's categories", default: "the first column"),
        AnalysisOption("y", "columns to plot, comma-separated", default: "every numeric column but x"),
        AnalysisOption("y_label", "the chart's value-axis label (with the unit)", default: "the y column names"),
        AnalysisOption("format", "number formats per column, e.g. 'aum=currency, share=percent'"),
        AnalysisOption(
            "labels", "column headings and chart labels, e.g. 'arm=Arm, customers=Customers' (English; both languages unless labels_zh)",
            default: "the column names"),
        AnalysisOption("labels_zh", "column headings and chart labels in Chinese reports, e.g. 'arm=组别, customers=客户数'"),
        AnalysisOption("limit", "rows shown in the table", default: "50"),
        AnalysisOption("table", "show the table (true/false)", default: "true"),
        AnalysisOption(
            "time_limit", "seconds the statement may run before it is stopped",
            default: "\(Int(NotebookRunner.defaultSQLTimeLimit)), or campaignlab render --sql-time-limit"),
    ]

    /// Runs every block in order.
    /// - Parameters:
    ///   - notebook: the parsed notebook.
    ///   - overrides: values for declared parameters (from `--param k=v`).
    /// - Returns: the document, ready for any renderer.
    /// - Throws: `NotebookError` naming the notebook file and line for every problem (unknown
    ///   parameter, analysis or option, bad option value, bad SQL, a missing table, a write
    ///   attempt, a data problem found while running a block).
    public func run(_ notebook: Notebook, parameters overrides: [String: String] = [:]) throws -> ReportDocument {
        func fail(_ line: Int, _ message: String) -> NotebookError {
            NotebookError(file: notebook.file, line: line, message: message)
        }
        var values: [String: String] = [:]
        var ordered: [(name: String, value: String)] = []
        for parameter in notebook.parameters {
            values[parameter.name] = parameter.defaultValue
        }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard values[name] != nil else {
                let declared = notebook.parameters.map(\.name).joined(separator: ", ")
                throw fail(1, "the notebook has no parameter '\(name)' (declared: \(declared.isEmpty ? "none" : declared))")
            }
            values[name] = value
        }
        for parameter in notebook.parameters { ordered.append((parameter.name, values[parameter.name]!)) }
        values["lang"] = language.rawValue

        let schema: ContractSchema
        do { schema = try ContractSchema.discover(in: database) } catch { throw fail(1, "cannot read the database schema: \(error)") }
        let badRows = BadRows(excludeBadRows ? .exclude : .refuse)
        let context = AnalysisContext(database: database, schema: schema, language: language, badRows: badRows, progress: progress)

        // Every block is checked first (so a mistake anywhere is reported before any work),
        // then the blocks run — at once, each on its own connection, when the database is a
        // file: a notebook's blocks are independent but for the values they share through
        // the context's memo (a summary and its detail), which the first to need computes.
        var pieces: [Piece] = []
        var jobs: [Job] = []
        var analyses: [(analysis: any Analysis.Type, options: OptionValues)] = []
        let runnable = notebook.cells.filter { if case .prose = $0 { return false } else { return true } }.count
        for cell in notebook.cells {
            switch cell {
            case .prose(let text, let line, let only):
                if let only, only != language { continue }
                pieces.append(.blocks(try Prose.blocks(text, firstLine: line, file: notebook.file, values: values)))
            case .sql(let query, let options, let line):
                pieces.append(.job(jobs.count))
                jobs.append(
                    Job(label: "[\(jobs.count + 1)/\(runnable)] SQL block at line \(line)") { context in
                        // In the engine's own dialect (SQLite's in process, PostgreSQL's, Spark SQL).
                        try runSQL(query, options: options, line: line, notebook: notebook, values: values, engine: context.engine)
                    })
            case .analysis(let name, let options, let line):
                guard let analysis = AnalysisRegistry.named(name) else {
                    let known = AnalysisRegistry.all.map { $0.name }.joined(separator: ", ")
                    throw fail(line, "unknown analysis '\(name)' (known: \(known))")
                }
                var given: [String: String] = [:]
                for (key, located) in options.sorted(by: { $0.key < $1.key }) {
                    guard analysis.options.contains(where: { $0.name == key }) else {
                        let accepted = analysis.options.map(\.name).joined(separator: ", ")
                        throw fail(
                            located.line, "analysis '\(name)' has no option '\(key)' (accepted: \(accepted.isEmpty ? "none" : accepted))")
                    }
                    let value = try substitute(located, values: values, notebook: notebook)
                    // An empty value (e.g. an empty parameter) means "use the default".
                    if !value.isEmpty { given[key] = value }
                }
                let analysisOptions = OptionValues(given)
                // A wrong option value is the notebook's mistake: it fails the render (a block
                // that cannot run on the data leaves a note instead).
                do { try analysis.check(decoding: analysisOptions) } catch let error as AnalysisError {
                    throw fail(error.option.flatMap { options[$0]?.line } ?? line, "\(name): \(error)")
                }
                analyses.append((analysis, analysisOptions))
                pieces.append(.job(jobs.count))
                jobs.append(
                    Job(label: "[\(jobs.count + 1)/\(runnable)] \(name) (line \(line))") { context in
                        do {
                            return .section(id: "\(slugPart(name))-\(line)", try analysis.run(context, decoding: analysisOptions))
                        } catch let error as AnalysisError {
                            let at = error.option.flatMap { options[$0]?.line } ?? line
                            throw fail(at, "\(name): \(error)")
                        } catch DataError.interrupted {
                            throw DataError.interrupted
                        } catch let error as DataError where error.trouble != nil {
                            // The file or the machine, not this block: the run stops (no note).
                            throw error
                        } catch let error as DataError {
                            throw fail(line, "\(name): \(error)")
                        } catch let error as NotebookError {
                            throw error
                        } catch {
                            throw fail(line, "\(name): \(error)")
                        }
                    })
            }
        }
        // What the blocks read of customer_months, read once for all of them (a block whose
        // needs cannot be told — an option the data do not support — reads its own, and says why).
        var months = CustomerMonthsRequest()
        for (analysis, options) in analyses {
            if let needs = try? analysis.monthsNeeds(context, decoding: options) { months.formUnion(needs) }
        }
        if !months.isEmpty { context.expectMonths(months) }
        let outputs = try runJobs(jobs, context: context)
        var blocks: [ReportBlock] = [], notes: [String] = []
        for piece in pieces {
            switch piece {
            case .blocks(let list): blocks += list
            case .job(let index):
                switch outputs[index] {
                case .success(let block): blocks.append(block)
                case .failure(let error):
                    // A block that cannot run on these data: a visible note in its place (the
                    // rest of the report renders), listed in the document's notes.
                    guard !strict, let failure = error as? NotebookError else { throw error }
                    notes.append("line \(failure.line), \(failure.message)")
                    blocks.append(.section(id: "not-computed-\(failure.line)", [.callout(.warning, Self.notComputed(failure, language))]))
                }
            }
        }
        if excludeBadRows { blocks.insert(ExcludedRows.section(badRows.excluded, language), at: 0) }
        let title = notebook.title[language] ?? notebook.title[.en] ?? notebook.name
        var document = ReportDocument(title: title, language: language, parameters: ordered, blocks: blocks, source: databaseName)
        document.notes = notes
        document.excludedRows = badRows.excluded.map(\.description)
        document.timeZone = Timestamp.offsetName(Timestamp.reportingOffsetSeconds)
        return document
    }

    /// The note that stands for a block that could not run.
    static func notComputed(_ error: NotebookError, _ language: ReportLanguage) -> [Inline] {
        switch language {
        case .zh:
            return [
                .strong("此部分无法计算"), .text("（笔记本第 \(error.line) 行）：\(error.message)。"),
                .text("请补齐所缺的数据或改正该选项后重新生成；报告其余部分不受影响。"),
            ]
        case .en:
            return [
                .strong("This section could not be computed"), .text(" (notebook line \(error.line)): \(error.message). "),
                .text("Add the missing data or correct the option named, then render again; the rest of the report is unaffected."),
            ]
        }
    }

    private enum Piece { case blocks([ReportBlock]), job(Int) }

    private struct Job: @unchecked Sendable {
        var label: String
        var run: (AnalysisContext) throws -> ReportBlock
    }

    /// Runs the jobs and returns each one's block or error, in order.
    private func runJobs(_ jobs: [Job], context: AnalysisContext) throws -> [Result<ReportBlock, Error>] {
        guard let file = database as? SQLiteDatabase else {
            // A remote engine: one block after the other on its connection.
            return jobs.map { job in
                progress(job.label)
                return Result { try job.run(context) }
            }
        }
        let concurrent = runsBlocksAtOnce && jobs.count > 1 && file.isSharedFile
        guard concurrent else {
            return jobs.map { job in
                progress(job.label)
                return Result { try job.run(context) }
            }
        }
        let results = ResultSlots<Result<ReportBlock, Error>>(count: jobs.count)
        let path = file.path
        let group = DispatchGroup()
        for (index, job) in jobs.enumerated() {
            group.enter()
            // A thread per block (not a dispatch worker): blocks wait on each other's shared
            // values, and the analyses spread their own work over the cores.
            let thread = Thread { [progress] in
                defer { group.leave() }
                progress(job.label)
                results[index] = Result {
                    let connection = try SQLiteDatabase.open(readOnlyAt: path)
                    return try job.run(context.onConnection(connection))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return results.values.map { $0! }
    }

    /// `{{name}}` in an option value, checked.
    private func substitute(_ located: LocatedValue, values: [String: String], notebook: Notebook) throws -> String {
        for name in Prose.placeholders(in: Substring(located.value)) where values[name] == nil {
            throw NotebookError(file: notebook.file, line: located.line, message: "unknown parameter '{{\(name)}}'")
        }
        return Prose.substitute(located.value, values)
    }

    // MARK: SQL blocks

    private func runSQL(
        _ query: String, options: [String: LocatedValue], line: Int, notebook: Notebook,
        values: [String: String], engine: any QueryEngine
    ) throws -> ReportBlock {
        func fail(_ at: Int, _ message: String) -> NotebookError { NotebookError(file: notebook.file, line: at, message: message) }
        for (key, located) in options where !Self.sqlOptions.contains(where: { $0.name == key }) {
            throw fail(
                located.line, "SQL blocks have no option '\(key)' (accepted: \(Self.sqlOptions.map(\.name).joined(separator: ", ")))")
        }
        var option: [String: String] = [:]
        for (key, located) in options { option[key] = try substitute(located, values: values, notebook: notebook) }
        // Named parameters (:name, @name, $name) come from the notebook's parameters.
        func parameter(_ key: String) throws -> SQLiteValue {
            guard let value = values[key] else {
                throw fail(
                    line,
                    "the SQL block uses ':\(key)', which is not a parameter of the notebook (declared: \(values.keys.sorted().joined(separator: ", ")))"
                )
            }
            return .text(value)
        }
        let result: SQLResult
        let database = engine as? SQLiteDatabase
        let limit: Int
        if let text = option["limit"] {
            guard let n = Int(text), n >= 0, n <= 100_000 else {
                throw fail(options["limit"]!.line, "option 'limit': expected a whole number from 0 to 100000, found '\(text)'")
            }
            limit = n
        } else {
            limit = 50
        }
        var timeLimit = sqlTimeLimit
        if let text = option["time_limit"] {
            guard let seconds = Double(text), seconds.isFinite, seconds > 0, seconds <= 86_400 else {
                throw fail(
                    options["time_limit"]!.line,
                    "option 'time_limit': expected a number of seconds above 0 and at most 86400, found '\(text)'")
            }
            timeLimit = seconds
        }
        let wantsChart = option["chart"] != nil
        // The rows shown (limit) and charted (at most 1,000), and how many there are.
        let keep = max(limit, wantsChart ? 1_001 : 0)
        do {
            if let database {
                let statement: SQLiteStatement
                do { statement = try database.prepareReadOnlyQuery(query) } catch let error as DataError where error.trouble == nil {
                    throw fail(line, "the SQL block cannot run: \(Self.describe(error))")
                }
                for (index, name) in statement.parameterNames.enumerated() {
                    guard let name, name.count > 1 else { throw fail(line, "use named parameters (:name) in SQL blocks, not '?'") }
                    try statement.bind(try parameter(String(name.dropFirst())), at: index + 1)
                }
                var read = SQLResult(columns: (0..<statement.columnCount).map { statement.columnName($0) })
                try database.withTimeLimit(seconds: timeLimit) {
                    while try statement.step() { read.add((0..<read.columns.count).map { statement.value($0) }, keeping: keep) }
                }
                result = read
            } else {
                let prepared: UserQuery
                do { prepared = try UserQuery(query) } catch DataError.refusedQuery(let reason) {
                    throw fail(line, "the SQL block cannot run: \(reason)")
                }
                var read = SQLResult(columns: [])
                try engine.runUserQuery(
                    prepared.sql, try prepared.parameters.map(parameter), timeLimit: timeLimit, columns: { read.columns = $0 }
                ) { read.add($0, keeping: keep) }
                result = read
            }
        } catch DataError.timeLimitExceeded(let seconds) {
            let set = option["time_limit"] != nil ? "its 'time_limit'" : "the time limit for SQL blocks"
            throw fail(
                line,
                "the SQL block was stopped after \(set) of \(formatPlain(seconds)) s; if it is meant to run longer, raise it with '--| time_limit: SECONDS' on the block or campaignlab render --sql-time-limit SECONDS"
            )
        } catch let error as DataError where error.trouble != nil {
            throw error
        } catch let error as DataError {
            throw fail(line, "the SQL block \(database == nil ? "cannot run" : "failed while running"): \(Self.describe(error))")
        }
        if wantsChart && result.total > 1_000 {
            throw fail(options["chart"]!.line, "the result has more than 1,000 rows, too many to chart; aggregate it in SQL first")
        }
        let columnNames = result.columns
        var formats: [String: NumberStyle] = [:]
        if let text = option["format"] {
            for part in text.split(separator: ",") {
                let pieces = part.split(separator: "=", maxSplits: 1).map { String($0.filter { $0 != " " }) }
                guard pieces.count == 2, columnNames.contains(pieces[0]), let style = Self.style(named: pieces[1]) else {
                    throw fail(
                        options["format"]!.line,
                        "option 'format': expected 'column=style' with a column of the result (\(columnNames.joined(separator: ", "))) and a style (count, currency, percent, decimal, pvalue, multiple), found '\(part.drop { $0 == " " })'"
                    )
                }
                formats[pieces[0]] = style
            }
        }
        // What the reader sees for a column: its label in the report's language, else its name.
        var labels: [String: String] = [:]
        for key in language == .zh ? ["labels", "labels_zh"] : ["labels"] {
            guard let text = option[key] else { continue }
            for part in text.split(separator: ",") {
                let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pieces.count == 2, columnNames.contains(pieces[0]), !pieces[1].isEmpty else {
                    throw fail(
                        options[key]!.line,
                        "option '\(key)': expected 'column=label' with a column of the result (\(columnNames.joined(separator: ", "))), found '\(part.trimmingCharacters(in: .whitespaces))'"
                    )
                }
                labels[pieces[0]] = pieces[1]
            }
        }
        let rows = result.rows.prefix(limit).map { raw in
            raw.map { v -> Cell in
                switch v {
                case .integer(let i): return .integer(i)
                case .real(let d): return .number(d)
                case .text(let s): return .text(s)
                case .blob(let b): return .text("<\(b.count) bytes>")
                case .null: return .null
                }
            }
        }
        let allRows = wantsChart ? result.rows : []
        let total = result.total
        var inner: [ReportBlock] = []
        let title = language == .zh ? (option["title_zh"] ?? option["title"]) : option["title"]
        if let title { inner.append(.heading(level: 3, [.text(title)])) }
        if let kind = option["chart"] {
            inner.append(
                .chart(
                    try chart(
                        kind, columns: columnNames, rows: allRows, option: option, options: options,
                        title: title ?? columnNames.joined(separator: ", "), line: line, notebook: notebook,
                        formats: formats, labels: labels)))
        }
        let showTable: Bool
        switch option["table"]?.lowercased() {
        case nil, "true", "yes": showTable = true
        case "false", "no": showTable = false
        default: throw fail(options["table"]!.line, "option 'table': expected true or false")
        }
        if showTable {
            inner.append(
                .table(
                    ReportTable(
                        columns: columnNames.map { ReportTable.Column(labels[$0] ?? $0, style: formats[$0] ?? .automatic) },
                        rows: rows, totalRows: total > rows.count ? total : nil)))
        }
        return .section(id: "sql-\(line)", inner)
    }

    /// What an SQL block's query gave: its columns, its first rows and how many there are.
    struct SQLResult {
        var columns: [String]
        var rows: [[SQLiteValue]] = []
        var total = 0

        mutating func add(_ row: [SQLiteValue], keeping keep: Int) {
            total += 1
            if rows.count < keep { rows.append(row) }
        }
    }

    private func chart(
        _ kind: String, columns: [String], rows: [[SQLiteValue]], option: [String: String],
        options: [String: LocatedValue], title: String, line: Int, notebook: Notebook,
        formats: [String: NumberStyle], labels: [String: String]
    ) throws -> Chart {
        func fail(_ key: String, _ message: String) -> NotebookError {
            NotebookError(file: notebook.file, line: options[key]?.line ?? line, message: message)
        }
        guard ["bars", "hbars", "lines"].contains(kind) else {
            throw fail("chart", "option 'chart': expected bars, hbars or lines, found '\(kind)'")
        }
        let x = option["x"] ?? columns.first ?? ""
        guard let xIndex = columns.firstIndex(of: x) else {
            throw fail("x", "option 'x': '\(x)' is not a column of the result (\(columns.joined(separator: ", ")))")
        }
        var ys: [String]
        if let list = option["y"] {
            ys = list.split(separator: ",").map { String($0.filter { $0 != " " }) }
            for y in ys where !columns.contains(y) {
                throw fail("y", "option 'y': '\(y)' is not a column of the result (\(columns.joined(separator: ", ")))")
            }
            // One value axis, one unit: a share and a count on one axis hide the share.
            if let other = ys.first(where: { (formats[$0] ?? .automatic) != (formats[ys[0]] ?? .automatic) }) {
                throw fail(
                    "y",
                    "option 'y': '\(ys[0])' and '\(other)' have different formats and would share one value axis; chart them in separate blocks"
                )
            }
        } else {
            ys = columns.indices.filter { i in i != xIndex && rows.contains { $0[i].doubleValue != nil } }.map { columns[$0] }
            // By default, the columns in the first one's format (the others stay in the table).
            if let first = ys.first { ys = ys.filter { (formats[$0] ?? .automatic) == (formats[first] ?? .automatic) } }
        }
        guard !ys.isEmpty else { throw fail("y", "the result has no numeric column to chart besides '\(x)'") }
        for y in ys {
            let i = columns.firstIndex(of: y)!
            if let bad = rows.firstIndex(where: { if case .text = $0[i] { return true } else { return false } }) {
                throw fail("y", "column '\(y)' holds text in result row \(bad + 1) ('\(rows[bad][i].label)'); only numbers can be charted")
            }
        }
        let categories = rows.map { $0[xIndex].label }
        let style = formats[ys[0]] ?? .automatic
        let yLabel = option["y_label"] ?? ys.map { labels[$0] ?? $0 }.joined(separator: ", ")
        let id = "sql-\(line)"
        if kind == "lines" {
            return Chart(
                id: id, title: title, xAxis: Axis(label: labels[x] ?? x), yAxis: Axis(label: yLabel, style: style),
                kind: .lines(
                    LineData(
                        categories: categories,
                        series: ys.map { y in
                            let i = columns.firstIndex(of: y)!
                            return LineData.Series(name: labels[y] ?? y, values: rows.map { $0[i].doubleValue })
                        })))
        }
        return Chart(
            id: id, title: title, xAxis: Axis(label: labels[x] ?? x), yAxis: Axis(label: yLabel, style: style),
            kind: .bars(
                BarData(
                    categories: categories,
                    series: ys.map { y in
                        let i = columns.firstIndex(of: y)!
                        return BarData.Series(name: labels[y] ?? y, values: rows.map { $0[i].doubleValue ?? 0 })
                    }, horizontal: kind == "hbars")))
    }

    static func style(named name: String) -> NumberStyle? {
        switch name {
        case "count", "integer": return .count
        case "currency", "cny": return .currency
        case "percent": return .percent(digits: 1)
        case "decimal": return .decimal(digits: 2)
        case "pvalue", "p": return .pValue
        case "multiple": return .multiple
        case "pp": return .percentagePoints(digits: 1)
        default: return nil
        }
    }

    static func describe(_ error: DataError) -> String {
        switch error {
        case .sqlite(_, let message, _): return message
        default: return error.description
        }
    }

    private func slugPart(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}

extension SQLiteValue {
    var label: String {
        switch self {
        case .null: return "NULL"
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let b): return "<\(b.count) bytes>"
        }
    }
}
