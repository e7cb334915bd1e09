import Foundation

/// The campaign a reader was asked for cannot be compared as asked: an unknown id, no
/// assignments, an empty control arm, a single arm, no baseline. `subject` says which input
/// the user has to change (the analyses name it as their option).
public struct CampaignReadError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Subject: String, Sendable { case campaign, metrics, arm, steps }
    public var subject: Subject
    public var message: String
    public init(_ subject: Subject, _ message: String) {
        self.subject = subject
        self.message = message
    }
    public var description: String { message }
}

/// A campaign as the `campaigns` table describes it.
public struct CampaignInfo: Sendable, Equatable {
    public var id: String
    public var name: String
    public var design: String
    public var startsOn: CivilDate
    public var endsOn: CivilDate
    public var controlArm: String

    /// Reads one campaign.
    /// - Throws: `CampaignReadError` naming the campaigns that exist when `id` is not one of
    ///   them; `DataError.contract` for an unparsable date.
    /// - Parameter schema: when given, a missing table or column is the contract's message
    ///   (naming it) rather than the engine's.
    public static func load<Engine: QueryEngine>(
        _ id: String, from database: Engine, schema: ContractSchema? = nil
    ) throws
        -> CampaignInfo
    {
        try schema?.require(Contract.campaigns, columns: ["campaign_id", "name", "design", "starts_on", "ends_on", "control_arm"])
        let sql = database.dialect
        let rows = try database.allRows(
            """
            SELECT name, design, \(sql.asText("starts_on")), \(sql.asText("ends_on")), control_arm FROM campaigns
            WHERE campaign_id = ?
            """, [.text(id)])
        guard let row = rows.first else {
            let known = try database.allRows("SELECT campaign_id FROM campaigns ORDER BY starts_on DESC, campaign_id")
                .compactMap { $0[0].textValue }
            throw CampaignReadError(
                .campaign, "no campaign '\(id)' in table campaigns (campaigns: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        func date(_ value: SQLiteValue, _ column: String) throws -> CivilDate {
            guard case .text(let text) = value, let date = CivilDate(text) else {
                throw DataError.contract(
                    table: "campaigns", column: column, row: "campaign_id='\(id)'",
                    message: "\(value) is not a date 'YYYY-MM-DD'")
            }
            return date
        }
        func text(_ value: SQLiteValue) -> String {
            if case .text(let s) = value { return s }
            return value.description
        }
        let info = CampaignInfo(
            id: id, name: text(row[0]), design: text(row[1]), startsOn: try date(row[2], "starts_on"),
            endsOn: try date(row[3], "ends_on"), controlArm: text(row[4]))
        guard info.endsOn >= info.startsOn else {
            throw DataError.contract(
                table: "campaigns", column: "ends_on", row: "campaign_id='\(id)'",
                message: "the campaign ends (\(info.endsOn)) before it starts (\(info.startsOn))")
        }
        return info
    }

    /// The months the campaign window touches.
    public var months: ClosedRange<YearMonth> { startsOn.yearMonth...endsOn.yearMonth }
}

/// The months a campaign comparison uses: before (pre-period) and during (post-period).
public struct CampaignWindows: Sendable, Equatable {
    public var pre: ClosedRange<YearMonth>
    public var post: ClosedRange<YearMonth>

    /// The campaign months as the post-period and, by default, as many months right before
    /// them as the pre-period (DOMAIN: "default: as many months as the campaign lasts").
    public init(campaign: CampaignInfo, preMonths: Int? = nil) {
        post = campaign.months
        let length = preMonths ?? (post.upperBound.index - post.lowerBound.index + 1)
        pre = post.lowerBound.adding(months: -length)...post.lowerBound.adding(months: -1)
    }

    public init(pre: ClosedRange<YearMonth>, post: ClosedRange<YearMonth>) {
        self.pre = pre
        self.post = post
    }

    /// Both windows moved by `months`.
    public func shifted(by months: Int) -> CampaignWindows {
        CampaignWindows(
            pre: pre.lowerBound.adding(months: months)...pre.upperBound.adding(months: months),
            post: post.lowerBound.adding(months: months)...post.upperBound.adding(months: months))
    }
}

extension CampaignInfo {
    /// Customers per arm of every campaign, from one scan of assignments (campaign, arm, count),
    /// ordered by campaign and arm.
    public static func armSizes<Engine: QueryEngine>(
        in database: Engine
    ) throws -> [(campaign: SQLiteValue, arm: SQLiteValue, customers: Int)] {
        let order = ["campaign_id", "arm"].map { database.dialect.ascending($0, isText: true) }.joined(separator: ", ")
        return try database.allRows("SELECT campaign_id, arm, count(*) FROM assignments GROUP BY campaign_id, arm ORDER BY \(order)")
            .map { ($0[0], $0[1], Int($0[2].doubleValue ?? 0)) }
    }
}
