import ArgumentParser
import CampaignLabAnalyses
import CampaignLabData
import CampaignLabNotebook
import CampaignLabReport
import Foundation

/// `campaignlab render NOTEBOOK --db FILE --out DIR`: runs a notebook and writes the report.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Run a Markdown notebook against a database and write the report as Markdown, HTML and JSON.",
        discussion: """
            A notebook is a Markdown file with optional front matter (title,
            title_zh, params with defaults), prose with {{param}} placeholders,
            ```sql blocks (read-only; :param binds a parameter; '--| key: value'
            options such as title, chart: bars|hbars|lines, x, y, format, limit)
            and ```campaignlab ANALYSIS blocks with 'key: value' options.
            '::: en' / '::: zh' … ':::' wraps prose for one language only.
            See notebooks-md/README.md and `campaignlab render --list-analyses`.

            The database is opened read-only; a block that tries to write
            (INSERT, UPDATE, DROP, ATTACH, PRAGMA, …) is refused. Each SQL
            block's statement has a time limit (--sql-time-limit, default 300 s;
            '--| time_limit: SECONDS' on a block); past it the statement is
            stopped and the render fails naming the block's line. Ctrl-C stops
            at once and leaves no partial report files.

            Outputs, for notebook NAME and language LANG, in DIR:
              NAME.LANG.md     Markdown; charts in NAME.LANG_files/*.svg
              NAME.LANG.html   one self-contained file (inline CSS and SVG)
              NAME.LANG.json   every number with full precision

            Exit status: 0 on success, also when a block leaves a note; 1 for a
            mistake in the notebook (the message names its file and line) or,
            with --strict, a block that cannot run; 2 and above when a file
            cannot be read or written (the map: campaignlab --help).

            Examples:
              campaignlab render notebooks-md/data-overview.md --db bank.sqlite --out reports
              campaignlab render notebooks-md/data-overview.md --db bank.sqlite --out reports --lang zh --format html
              campaignlab render my.md --db bank.sqlite --out reports --param month=2026-09
            """
    )

    @Argument(help: ArgumentHelp("The notebook (a .md file).", valueName: "notebook"))
    var notebook: String?

    @Option(name: .long, help: ArgumentHelp("The SQLite database file (opened read-only).", valueName: "file"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(DataSource.backendHelp, valueName: "url"))
    var backend: String?

    @Option(
        name: .long, parsing: .singleValue, help: ArgumentHelp("A notebook parameter, name=value (repeatable).", valueName: "name=value"))
    var param: [String] = []

    @OptionGroup var output: ReportOutputOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds each SQL block's statement may run before it is stopped (a block's '--| time_limit' wins).", valueName: "seconds"))
    var sqlTimeLimit: Double = NotebookRunner.defaultSQLTimeLimit

    @Flag(name: .long, help: "List the analyses a notebook can call, with their options, and exit.")
    var listAnalyses = false

    @Flag(
        name: .long,
        help:
            "Fail (exit 1) when a block cannot run on the data, instead of writing the report with a visible note in the block's place.")
    var strict = false

    func run() throws {
        if listAnalyses {
            print(AnalysisCatalog.text, terminator: "")
            return
        }
        guard let notebook, db != nil || backend != nil, let out = output.out else {
            printError("error: render needs a notebook, --db FILE (or --backend URL) and --out DIR (see campaignlab render --help)")
            throw ExitCode(1)
        }
        _ = try output.language()
        _ = try output.formats()
        guard sqlTimeLimit.isFinite, sqlTimeLimit > 0, sqlTimeLimit <= 86_400 else {
            printError("error: --sql-time-limit takes seconds above 0 and at most 86400, not '\(formatPlain(sqlTimeLimit))'")
            throw ExitCode(1)
        }
        var parameters: [String: String] = [:]
        for p in param {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                printError("error: --param takes name=value, not '\(p)'")
                throw ExitCode(1)
            }
            parameters[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        let text: String
        do {
            text = try String(contentsOfFile: notebook, encoding: .utf8)
        } catch {
            printError(
                "error: \(notebook): cannot read the notebook (\(FileManager.default.fileExists(atPath: notebook) ? "not UTF-8 text?" : "no such file"))"
            )
            throw ExitStatus.notFound.code
        }
        try Self.render(
            text, file: notebook, db: db, backend: backend, parameters: parameters, output: output, out: out,
            sqlTimeLimit: sqlTimeLimit, strict: strict)
    }

    /// Runs a notebook's text on `db` and writes the report into `out` (the formats and
    /// language of `output`), printing the files written; blocks that could not run are said
    /// on stderr (or fail the run with `strict`).
    static func render(
        _ text: String, file notebook: String, db: String?, backend: String? = nil, parameters: [String: String],
        output: ReportOutputOptions, out: String,
        sqlTimeLimit: Double = NotebookRunner.defaultSQLTimeLimit, strict: Bool = false
    ) throws {
        let language = try output.language()
        let formats = try output.formats()
        let started = Date()
        let progress = output.progress(since: started)
        try CommandFailure.handling {
            let parsed = try NotebookParser.parse(text, file: notebook)
            let (database, name) = try DataSource.open(db: db, backend: backend)
            var runner = NotebookRunner(
                database: database, databaseName: name,
                language: language, progress: progress)
            runner.sqlTimeLimit = sqlTimeLimit
            runner.strict = strict
            runner.excludeBadRows = output.excludeBadRows
            let document = try runner.run(parsed, parameters: parameters)
            let written = try ReportOutput.write(document, name: parsed.name, to: out, formats: formats)
            progress("done")
            for path in written { print(path) }
            // Blocks that could not run are notes in the report; said here too (--strict fails instead).
            for note in document.notes { printError("warning: \(notebook) \(note) (the report shows a note in its place)") }
            output.sayExcludedRows(document)
        }
    }
}

/// Writes a document as NAME.LANG.{md,html,json} (+ NAME.LANG_files/*.svg) into a directory.
enum ReportOutput {
    /// - Returns: the paths of the report files written (not the chart files).
    static func write(_ document: ReportDocument, name: String, to out: String, formats: [String]) throws -> [String] {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let base = "\(name).\(document.language.rawValue)"
        // Interrupted halfway, none of this report's files stays behind.
        let token = Interruption.writing(
            (formats.map { base + "." + $0 } + [base + "_files"]).map {
                (out as NSString).appendingPathComponent($0)
            })
        defer { Interruption.finished(token) }
        var written: [String] = []
        func write(_ contents: String, _ file: String, listed: Bool = true) throws {
            let path = (out as NSString).appendingPathComponent(file)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            if listed { written.append(path) }
        }
        if formats.contains("md") {
            let chartDirectory = base + "_files"
            try? FileManager.default.removeItem(atPath: (out as NSString).appendingPathComponent(chartDirectory))
            let markdown = MarkdownRenderer(language: document.language).render(document, chartDirectory: chartDirectory)
            try write(markdown.text, base + ".md")
            for file in markdown.files { try write(file.contents, file.path, listed: false) }
        }
        if formats.contains("html") { try write(HTMLRenderer(language: document.language).render(document), base + ".html") }
        if formats.contains("json") { try write(JSONRenderer().render(document), base + ".json") }
        return written
    }

    /// Parses --format.
    static func formats(_ text: String) throws -> [String] {
        let formats = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for f in formats where !["md", "html", "json"].contains(f) {
            printError("error: --format takes md, html and json (comma-separated), not '\(f)'")
            throw ExitCode(1)
        }
        return formats
    }
}

/// The analyses and their options, for `--list-analyses`.
enum AnalysisCatalog {
    static var text: String {
        var out = ""
        for analysis in AnalysisRegistry.all {
            out += "\(analysis.name)\n    \(analysis.summary)\n"
            for option in analysis.options {
                out += "    \(option.name): \(option.help)"
                if let d = option.defaultValue { out += " (default: \(d))" }
                out += "\n"
            }
            out += "\n"
        }
        return out
    }
}
