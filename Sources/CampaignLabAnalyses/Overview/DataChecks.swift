import CampaignLabData
import CampaignLabReport

/// The problems `campaignlab check` finds, as a report section: nothing is hidden.
public enum DataChecks: Analysis {
    public static let name = "overview.checks"
    public static let summary = "Runs the data-contract check and lists every error and warning."
    public typealias Options = NoOptions

    public static func run(_ context: AnalysisContext, _ options: NoOptions) throws -> [ReportBlock] {
        let checker = try ContractChecker(engine: context.engine, progress: { context.progress("check: \($0)") })
        let report = try checker.run()
        if report.problems.isEmpty {
            return [
                .callout(
                    .note,
                    [
                        .text(
                            context.text(
                                "The data-contract check found no errors and no warnings.",
                                "数据契约检查未发现错误或警告。"))
                    ])
            ]
        }
        var blocks: [ReportBlock] = []
        let summary = context.text(
            "The data-contract check found \(report.errorCount) error(s) and \(report.warningCount) warning(s); numbers that depend on the affected tables need care.",
            "数据契约检查发现 \(report.errorCount) 个错误、\(report.warningCount) 个警告；依赖相关表的数字需谨慎解读。")
        blocks.append(.callout(report.hasErrors ? .warning : .note, [.text(summary)]))
        blocks.append(
            .table(
                ReportTable(
                    caption: context.text("Problems found by the check", "检查发现的问题"),
                    columns: [
                        ReportTable.Column(context.text("Severity", "级别")), ReportTable.Column(context.text("Where", "位置")),
                        ReportTable.Column(context.text("Example row", "示例行")),
                        ReportTable.Column(context.text("Affected", "影响数"), style: .count),
                        ReportTable.Column(context.text("What is wrong", "问题")),
                    ],
                    rows: report.problems.map { p in
                        [
                            .text(context.language == .zh ? (p.severity == .error ? "错误" : "警告") : p.severity.rawValue),
                            .text(p.place), p.exampleRow.map { .text($0) } ?? .null, .integer(Int64(p.affectedRows)), .text(p.message),
                        ]
                    })))
        return blocks
    }
}
