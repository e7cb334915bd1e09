import CampaignLabData
import CampaignLabReport

/// What a run that leaves bad rows out (`--exclude-bad-rows`) shows at the top of its report.
public enum ExcludedRows {
    /// The section at the top of a report run with bad rows left out: what was left out
    /// (none: said so), and the JSON list `excluded_rows` (table, column, problem, rows,
    /// example_row, treatment).
    public static func section(_ excluded: [BadRows.Excluded], _ language: ReportLanguage) -> ReportBlock {
        let zh = language == .zh
        let records = excluded.map { e in
            DataRecord([
                "table": .text(e.table), "column": .optional(e.column), "problem": .text(e.problem), "rows": .number(Double(e.count)),
                "example_row": .text(e.exampleRow), "treatment": .text(e.treatment),
            ])
        }
        guard !excluded.isEmpty else {
            return .section(
                id: "excluded-rows",
                [
                    .paragraph([
                        .text(zh ? "已要求剔除问题数据：本报告读取的数据中没有不符合数据约定的行。" : "Bad rows were to be left out: the data this report read have none.")
                    ]),
                    .records(name: "excluded_rows", []),
                ])
        }
        let items: [[Inline]] = excluded.map { e in
            let place = e.place
            let problem = zh ? (wordsZh[e.problem] ?? e.problem) : e.problem
            let treatment = zh ? (wordsZh[e.treatment] ?? e.treatment) : e.treatment
            return zh
                ? [.code(place), .text("：\(formatCount(e.count)) 行\(problem)（例如 \(e.exampleRow)），\(treatment)。")]
                : [
                    .code(place),
                    .text(": \(formatCount(e.count)) row\(e.count == 1 ? "" : "s") \(problem) (e.g. \(e.exampleRow)), \(treatment)."),
                ]
        }
        let lead: [Inline] =
            zh
            ? [.strong("已剔除问题数据"), .text("（--exclude-bad-rows）：下列不符合数据约定的行未计入本报告的任何数字；请在源数据中更正。")]
            : [
                .strong("Rows left out"),
                .text(
                    " (--exclude-bad-rows): the rows below break the data contract and count in no figure of this report; correct them at the source."
                ),
            ]
        return .section(
            id: "excluded-rows", [.callout(.warning, lead), .list(ordered: false, items: items), .records(name: "excluded_rows", records)])
    }

    /// The Chinese of the data layer's words for bad rows.
    static let wordsZh: [String: String] = [
        "not a number": "不是数字", "not a finite number": "不是有限数值", "not a month 'YYYY-MM'": "不是 YYYY-MM 格式的月份",
        "not an ISO 8601 timestamp": "不是 ISO 8601 时间", "the same customer more than once": "同一客户出现多次",
        "not in table customers": "客户不在 customers 表中", "without an arm (NULL)": "没有分组（NULL）",
        "treated as missing": "按缺失值处理", "left out": "已剔除", "left out of the campaign": "不计入该活动",
        "left out of the campaign (every row of the customer)": "该客户的所有行均不计入该活动", "left out of the funnel": "不计入漏斗",
    ]
}
