import CampaignLabReport
import CampaignLabStats
import Foundation

/// Report blocks both funnels show alike.
extension FunnelWalk {
    /// The customers reaching each step, step and overall conversion: a funnel chart and a table.
    static func flowBlocks(
        labels: [String], reached: [Int], chartID: String, title: String, subtitle: String?, caption: String,
        _ context: AnalysisContext
    ) -> [ReportBlock] {
        let t = context.text
        var rows: [[Cell]] = []
        for (k, label) in labels.enumerated() {
            rows.append([
                .text(label), .integer(Int64(reached[k])),
                k == 0 ? .null : .number(reached[k - 1] > 0 ? Double(reached[k]) / Double(reached[k - 1]) : .nan),
                .number(reached[0] > 0 ? Double(reached[k]) / Double(reached[0]) : .nan),
            ])
        }
        return [
            .chart(
                Chart(
                    id: chartID, title: title, subtitle: subtitle, xAxis: Axis(label: ""), yAxis: Axis(label: ""),
                    kind: .funnel(labels.indices.map { FunnelStep(label: labels[$0], count: Double(reached[$0])) }))),
            .table(
                ReportTable(
                    caption: caption,
                    columns: [
                        ReportTable.Column(t("Step", "步骤")), ReportTable.Column(t("Customers", "客户数"), style: .count),
                        ReportTable.Column(t("Step conversion", "环节转化率"), style: .percent(digits: 1)),
                        ReportTable.Column(t("Overall conversion", "累计转化率"), style: .percent(digits: 1)),
                    ],
                    rows: rows)),
        ]
    }

    /// The points of a step curve that a chart can show: a point where the curve has risen by a
    /// tenth of a percentage point, or moved on by a five-hundredth of the days shown, since the
    /// last point kept (and the last one). A million customers make one step per conversion
    /// time — 176,000 points, 12.8 MB of JSON — which no reader can tell from 500 (the curve
    /// drawn is within 0.001 of the exact one; the table above has the exact quantiles).
    static func thinned(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        guard points.count > 500, let first = points.first, let last = points.last else { return points }
        let xStep = (last.x - first.x) / 500
        var kept = [first]
        for point in points.dropFirst().dropLast() where point.y - kept.last!.y >= 0.001 || point.x - kept.last!.x >= xStep {
            kept.append(point)
        }
        kept.append(last)
        return kept
    }

    /// Customers, conversions and the median days per level of a dimension.
    static func segmentTable(
        caption: String, dimension: String, _ segments: [(level: String, customers: Int, converted: Int, median: SurvivalTime?)],
        _ context: AnalysisContext
    ) -> ReportBlock {
        let t = context.text
        return .table(
            ReportTable(
                caption: caption,
                columns: [
                    ReportTable.Column(dimension), ReportTable.Column(t("Customers", "客户数"), style: .count),
                    ReportTable.Column(t("Converted", "已转化"), style: .count),
                    ReportTable.Column(t("Median days", "中位天数"), style: .decimal(digits: 1)),
                ],
                rows: segments.map { s in
                    [
                        .text(s.level), .integer(Int64(s.customers)), .integer(Int64(s.converted)),
                        s.median.map { $0.time.isFinite ? .number($0.time) : .null } ?? .null,
                    ]
                }))
    }
}
