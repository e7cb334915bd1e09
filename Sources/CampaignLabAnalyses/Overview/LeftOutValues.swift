import CampaignLabData
import CampaignLabReport

/// The overview lists data problems rather than stopping at them: a value its figures cannot
/// use (a word in a numeric column) is left out of them, and this note says so in place.
enum LeftOutValues {
    /// A visible note per kind of value left out (none: no blocks).
    static func note(_ excluded: [BadRows.Excluded], _ context: AnalysisContext) -> [ReportBlock] {
        excluded.map { e in
            let place = e.place
            return .callout(
                .note,
                context.language == .zh
                    ? [
                        .code(place), .text("中有 \(formatCount(e.count)) 个值不是数字（例如 \(e.exampleRow)），未计入下列数字；"),
                        .text("请在源数据中更正（见“数据检查”）。"),
                    ]
                    : [
                        .code(place),
                        .text(
                            ": \(formatCount(e.count)) value\(e.count == 1 ? " is" : "s are") not a number (e.g. \(e.exampleRow)) and \(e.count == 1 ? "is" : "are") left out of the figures below; correct \(e.count == 1 ? "it" : "them") at the source (see the data checks)."
                        ),
                    ])
        }
    }
}
