import CampaignLabData
import CampaignLabStats
import Foundation

/// How far a generation has come, reported to the progress callback.
public struct DemoBankProgress: Sendable {
    /// Customers written so far.
    public var customersDone: Int
    /// Customers to write.
    public var customersTotal: Int
    /// Seconds since the start.
    public var elapsed: Double
}

/// What a generation wrote.
public struct DemoBankSummary: Sendable {
    /// The database file.
    public var path: String
    /// Rows per table, in the order the tables were created.
    public var rowCounts: [(table: String, rows: Int)]
    /// Size of the file in bytes.
    public var fileBytes: Int
    /// Wall-clock seconds.
    public var elapsed: Double
}

/// The synthetic demo bank: a CampaignLab database with known ground truth.
///
/// Writes every contract table plus `ground_truth` (the exact effects the generator put in)
/// and `demo_info` (seed, size, month ranges, model description). The same configuration
/// always gives the same database content. See `DemoBankModel.swift` for the model.
///
/// ```swift
/// let summary = try DemoBank.generate(DemoBankConfiguration(customers: 100_000, seed: 42),
///                                     to: "demo.sqlite")
/// print(summary.rowCounts)
/// ```
public enum DemoBank {
    /// Version of the generator's model; bump it when the same seed gives different data.
    public static let generatorVersion = "2"

    /// Generates the demo bank into `path`.
    ///
    /// Customers are simulated in chunks on a second thread while the calling thread inserts
    /// the previous chunk, inside one transaction, into a temporary file next to `path`
    /// that is renamed to `path` only when complete — an interrupted run never leaves a
    /// half-written database under the target name.
    ///
    /// - Parameters:
    ///   - configuration: size, seed and calendar.
    ///   - path: the database file to write.
    ///   - overwrite: replace an existing file at `path` (the CLI's `--force`).
    ///   - progress: called on the calling thread about every 5% of customers.
    /// - Returns: rows per table, file size, elapsed time.
    /// - Throws: `DemoBankError.invalidConfiguration`, `.outputExists`, or `DataError` when
    ///   the file cannot be written.
    /// - Complexity: O(customers) time; memory bounded by a few chunks of customers.
    /// The file the bank is written to before it is renamed to `path` (in the same folder,
    /// hidden, named with the process id): an interrupted run leaves only this file behind.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    }

    public static func generate(
        _ configuration: DemoBankConfiguration, to path: String, overwrite: Bool = false,
        progress: ((DemoBankProgress) -> Void)? = nil
    ) throws -> DemoBankSummary {
        try configuration.validate()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw DemoBankError.invalidConfiguration("\(path) is a directory; give a file name for the demo database.")
            }
            if !overwrite { throw DemoBankError.outputExists(path: path) }
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DemoBankError.invalidConfiguration("the folder \(directory) does not exist; create it first.")
        }
        let temporary = temporaryPath(for: path)
        try? FileManager.default.removeItem(atPath: temporary)

        let started = Date()
        let model = DemoBankModel(configuration: configuration)
        do {
            let rowCounts = try write(model, to: temporary, started: started, progress: progress)
            guard rename(temporary, path) == 0 else {
                throw DataError.sqlite(
                    code: 0, message: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))", sql: nil)
            }
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            return DemoBankSummary(
                path: path, rowCounts: rowCounts, fileBytes: bytes,
                elapsed: Date().timeIntervalSince(started))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    // MARK: Writing

    private static let chunkSize = 4_096

    private static func write(
        _ model: DemoBankModel, to path: String, started: Date,
        progress: ((DemoBankProgress) -> Void)?
    ) throws -> [(table: String, rows: Int)] {
        let config = model.configuration
        let db = try SQLiteDatabase(path: path, mode: .readWrite(create: true))
        try db.execute(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
            PRAGMA temp_store = MEMORY; PRAGMA cache_size = -131072;
            """)
        try db.execute(schemaSQL)
        try db.execute("BEGIN IMMEDIATE")
        let writer = try ChunkWriter(db: db, model: model)

        // Producer: simulate chunks on a second thread; a bounded queue keeps memory flat.
        let queue = ChunkQueue(capacity: 2)
        let total = config.customers
        let producer = Thread {
            var first = 1
            while first <= total {
                let count = min(chunkSize, total - first + 1)
                guard queue.put(model.generate(first: first, count: count)) else { break }
                first += count
            }
            queue.finish()
        }
        producer.stackSize = 8 << 20
        producer.start()

        var truth = DemoTruth()
        var done = 0
        var nextReport = max(1, total / 20)
        do {
            while let chunk = queue.take() {
                try writer.insert(chunk)
                truth.add(chunk.truth)
                done += chunk.customerCount
                if done >= nextReport || done == total {
                    progress?(
                        DemoBankProgress(
                            customersDone: done, customersTotal: total,
                            elapsed: Date().timeIntervalSince(started)))
                    nextReport += max(1, total / 20)
                }
            }
            try writer.insertTables(truth: truth)
            try db.execute("COMMIT")
        } catch {
            queue.cancel()
            queue.waitUntilFinished()
            throw error
        }
        queue.waitUntilFinished()
        return writer.counts
    }

    /// The schema: contract tables (from `Contract.*.createSQL`) plus ground_truth and demo_info.
    static var schemaSQL: String {
        [
            Contract.customers.createSQL(extra: [("segment", "TEXT"), ("age_band", "TEXT"), ("region", "TEXT"), ("channel", "TEXT")]),
            Contract.customerMonths.createSQL(extra: [("aum", "REAL"), ("products_held", "INTEGER"), ("app_logins", "INTEGER")])
                + " WITHOUT ROWID",
            Contract.events.createSQL(),
            Contract.campaigns.createSQL(),
            Contract.assignments.createSQL() + " WITHOUT ROWID",
            Contract.metricDefinitions.createSQL(),
            """
            CREATE TABLE "ground_truth" (
                "campaign_id" TEXT NOT NULL,
                "metric" TEXT NOT NULL,
                "estimand" TEXT NOT NULL,
                "arm" TEXT,
                "dimension" TEXT,
                "level" TEXT,
                "true_value" REAL NOT NULL,
                "definition" TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE "ground_truth_lifecycle" (
                "month" TEXT NOT NULL,
                "state" TEXT NOT NULL,
                "denominator" INTEGER NOT NULL,
                "expected" REAL NOT NULL,
                "variance" REAL NOT NULL,
                "true_rate" REAL,
                "definition" TEXT NOT NULL,
                PRIMARY KEY ("month", "state")
            )
            """,
            """
            CREATE TABLE "ground_truth_tiers" (
                "quarter" TEXT NOT NULL,
                "from_tier" TEXT NOT NULL,
                "to_tier" TEXT NOT NULL,
                "expected" REAL NOT NULL,
                "variance" REAL NOT NULL,
                "definition" TEXT NOT NULL,
                PRIMARY KEY ("quarter", "from_tier", "to_tier")
            )
            """,
            "CREATE TABLE \"demo_info\" (\"key\" TEXT PRIMARY KEY, \"value\" TEXT)",
        ].joined(separator: ";\n") + ";"
    }
}

/// A bounded FIFO of chunks between the simulating thread and the inserting thread.
private final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [DemoChunk] = []
    private let capacity: Int
    private var finished = false
    private var cancelled = false
    private var producerDone = false

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a chunk, waiting while the queue is full; false when the consumer cancelled.
    func put(_ chunk: DemoChunk) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(chunk)
        condition.broadcast()
        return true
    }

    /// The next chunk, or nil when the producer has finished and the queue is empty.
    func take() -> DemoChunk? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if items.isEmpty { return nil }
        let chunk = items.removeFirst()
        condition.broadcast()
        return chunk
    }

    func finish() {
        condition.lock(); defer { condition.unlock() }
        finished = true
        producerDone = true
        condition.broadcast()
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        items.removeAll()
        condition.broadcast()
    }

    func waitUntilFinished() {
        condition.lock(); defer { condition.unlock() }
        while !producerDone { condition.wait() }
    }
}

/// Prepared INSERT statements and the text constants they bind.
private final class ChunkWriter {
    let db: SQLiteDatabase
    let model: DemoBankModel
    let customers: SQLiteStatement
    let months: SQLiteStatement
    let events: SQLiteStatement
    let assignments: SQLiteStatement
    var counts: [(table: String, rows: Int)] = [
        ("customers", 0), ("customer_months", 0), ("events", 0), ("campaigns", 0), ("assignments", 0),
        ("metric_definitions", 0), ("ground_truth", 0), ("ground_truth_lifecycle", 0), ("ground_truth_tiers", 0), ("demo_info", 0),
    ]
    let monthText: [[UInt8]]
    let eventText = EventKind.allCases.map { Array($0.name.utf8) }
    let armText = ArmCode.allCases.map { Array($0.name.utf8) }
    let campaignText: [[UInt8]]
    let segmentText = Segment.allCases.map { Array($0.name.utf8) }
    let ageText = DemoDimensions.ageBands.map { Array($0.utf8) }
    let regionText = DemoDimensions.regions.map { Array($0.utf8) }
    let channelText = DemoDimensions.channels.map { Array($0.utf8) }

    init(db: SQLiteDatabase, model: DemoBankModel) throws {
        self.db = db
        self.model = model
        customers = try db.prepare("INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        months = try db.prepare("INSERT INTO customer_months VALUES (?1, ?2, ?3, ?4, ?5)")
        events = try db.prepare("INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5)")
        assignments = try db.prepare("INSERT INTO assignments VALUES (?1, ?2, ?3, ?4)")
        monthText = model.calendar.monthText.map { Array($0.utf8) }
        campaignText = model.campaignIDs.map { Array($0.utf8) }
    }

    private func text(_ statement: SQLiteStatement, _ bytes: [UInt8], at index: Int) throws {
        try bytes.withUnsafeBufferPointer { try statement.bindText($0, at: index) }
    }

    func insert(_ chunk: DemoChunk) throws {
        for row in chunk.customers {
            try customers.bind(row.id, at: 1)
            try text(customers, Array(row.openedOn.description.utf8), at: 2)
            try text(customers, segmentText[Int(row.segment)], at: 3)
            try text(customers, ageText[Int(row.ageBand)], at: 4)
            try text(customers, regionText[Int(row.region)], at: 5)
            try text(customers, channelText[Int(row.channel)], at: 6)
            try customers.run()
        }
        counts[0].rows += chunk.customers.count

        for row in chunk.months {
            try months.bind(row.id, at: 1)
            try text(months, monthText[Int(row.month)], at: 2)
            try months.bind(row.aum, at: 3)
            try months.bind(Int(row.products), at: 4)
            try months.bind(Int(row.logins), at: 5)
            try months.run()
        }
        counts[1].rows += chunk.months.count

        try chunk.eventTimes.withUnsafeBufferPointer { times in
            for (i, row) in chunk.events.enumerated() {
                try events.bind(row.id, at: 1)
                try text(events, eventText[Int(row.kind.rawValue)], at: 2)
                try events.bindText(UnsafeBufferPointer(rebasing: times[(i * 19)..<(i * 19 + 19)]), at: 3)
                if row.value.isNaN { try events.bindNull(at: 4) } else { try events.bind(row.value, at: 4) }
                if row.campaign == 0 { try events.bindNull(at: 5) } else { try text(events, campaignText[Int(row.campaign)], at: 5) }
                try events.run()
            }
        }
        counts[2].rows += chunk.events.count

        var stamp: [UInt8] = []
        for row in chunk.assignments {
            try text(assignments, campaignText[Int(row.campaign)], at: 1)
            try assignments.bind(row.id, at: 2)
            try text(assignments, armText[Int(row.arm.rawValue)], at: 3)
            stamp.removeAll(keepingCapacity: true)
            appendTimestamp(row.assignedAt, to: &stamp)
            try text(assignments, stamp, at: 4)
            try assignments.run()
        }
        counts[4].rows += chunk.assignments.count
    }

    private func insertRow(_ table: String, _ values: [SQLiteValue]) throws {
        let placeholders = (1...values.count).map { "?\($0)" }.joined(separator: ", ")
        let statement = try db.prepare("INSERT INTO \(quoteIdentifier(table)) VALUES (\(placeholders))")
        try statement.bind(values)
        try statement.run()
        if let i = counts.firstIndex(where: { $0.table == table }) { counts[i].rows += 1 }
    }

    /// campaigns, metric_definitions, ground_truth and demo_info.
    func insertTables(truth: DemoTruth) throws {
        let journeys = model.journeys
        let test = model.pageTest
        for j in journeys {
            try insertRow(
                "campaigns",
                [
                    .text(j.id), .text("Growth journey \(j.start.year) (rewards tasks in the app)"),
                    .text("observational"), .text(j.start.description), .text(j.end.description),
                    .text("non_participant"),
                ])
        }
        try insertRow(
            "campaigns",
            [
                .text(test.id), .text("Activity page A/B test \(test.start.year)"), .text("randomized"),
                .text(test.start.description), .text(test.end.description), .text("control"),
            ])

        // metric, label, unit, source, rollup, event, numerator, denominator, higher_is_better, label_zh
        let n = SQLiteValue.null
        let definitions: [[SQLiteValue]] = [
            [
                .text("aum"), .text("AUM (monthly average daily balance)"), .text("CNY"), .text("months"), .text("mean"), n, n, n,
                .integer(1), .text("管理资产（月日均）"),
            ],
            [
                .text("products_held"), .text("Products held"), .text("products"), .text("months"), .text("mean"), n, n, n, .integer(1),
                .text("持有产品数"),
            ],
            [
                .text("app_logins"), .text("App logins per month"), .text("logins"), .text("months"), .text("mean"), n, n, n, .integer(1),
                .text("月度 App 登录次数"),
            ],
            [
                .text("purchase_conversion"), .text("Purchase conversion (any purchase)"), .text("share"), .text("events"), .text("any"),
                .text("purchase"), n, n, .integer(1), .text("购买转化率"),
            ],
            [
                .text("purchase_amount"), .text("Purchase amount per customer"), .text("CNY"), .text("events"), .text("sum"),
                .text("purchase"), n, n, .integer(1), .text("人均购买金额"),
            ],
            [
                .text("page_views"), .text("Activity-page views"), .text("views"), .text("events"), .text("count"), .text("page_view"), n,
                n, .integer(1), .text("活动页浏览次数"),
            ],
            [
                .text("clicks"), .text("Activity-page clicks"), .text("clicks"), .text("events"), .text("count"), .text("click"), n, n,
                .integer(1), .text("活动页点击次数"),
            ],
            [
                .text("ctr"), .text("Click-through rate (clicks per page view)"), .text("share"), n, n, n, .text("clicks"),
                .text("page_views"), .integer(1), .text("点击率（点击/浏览）"),
            ],
        ]
        for row in definitions { try insertRow("metric_definitions", row) }

        // Ground truth: growth journeys.
        let metrics = ["aum", "products_held", "app_logins"]
        for (index, j) in journeys.enumerated() {
            let counts = truth.participants[index]
            let participants = counts.reduce(0, +)
            let window = "\(j.start.yearMonth)..\(j.end.yearMonth)"
            for (m, metric) in metrics.enumerated() {
                let base =
                    "Y = the customer's mean \(metric) over the campaign months \(window); the generator adds a known "
                    + "per-segment amount to the expected value of participants' \(metric) in those months, so "
                    + "E[Y(1) - Y(0) | customer] is that amount exactly."
                if participants > 0 {
                    let att = (0..<4).reduce(0.0) { $0 + Double(counts[$1]) * j.effect(metric: m, segment: $1) } / Double(participants)
                    try insertRow(
                        "ground_truth",
                        [
                            .text(j.id), .text(metric), .text("ATT"), .text("participant"), n, n, .real(att),
                            .text("ATT: mean over this file's \(participants) participants of E[Y(1) - Y(0) | customer]. " + base),
                        ])
                }
                for s in Segment.allCases where counts[s.rawValue] > 0 {
                    try insertRow(
                        "ground_truth",
                        [
                            .text(j.id), .text(metric), .text("ATT"), .text("participant"), .text("segment"),
                            .text(s.name), .real(j.effect(metric: m, segment: s.rawValue)),
                            .text(
                                "ATT in segment '\(s.name)': mean over this file's \(counts[s.rawValue]) participants in that segment "
                                    + "of E[Y(1) - Y(0) | customer]. " + base),
                        ])
                }
            }
        }
        // Market factor: untreated year-over-year ratio between the two growth-journey windows.
        if truth.marketCustomers > 0 {
            let now = journeys[0], before = journeys[1]
            for (m, metric) in metrics.enumerated() where truth.marketSums[m][1] > 0 {
                let ratio = truth.marketSums[m][0] / truth.marketSums[m][1]
                try insertRow(
                    "ground_truth",
                    [
                        .text(now.id), .text(metric), .text("market_growth"), n, n, n, .real(ratio),
                        .text(
                            "Market factor: sum over this file's \(truth.marketCustomers) customers opened before \(before.preStart) "
                                + "(eligible for both \(before.id) and \(now.id)) of E[mean \(metric) over \(now.start.yearMonth)..\(now.end.yearMonth) "
                                + "without the campaign | customer], divided by the same sum for \(before.start.yearMonth)..\(before.end.yearMonth). "
                                + "Untreated expectations are given the customer's realized pre-period (the two months before each window), "
                                + "whose mean the untreated campaign months continue, lifted by the market's autumn step."),
                    ])
            }
        }
        // Page test: ATE per variant over all assigned customers.
        let assigned = truth.testArms.reduce(0, +)
        if assigned > 0 {
            let window = "\(test.start)..\(test.end)"
            for (v, arm) in ["variant_a", "variant_b"].enumerated() {
                try insertRow(
                    "ground_truth",
                    [
                        .text(test.id), .text("purchase_conversion"), .text("ATE"), .text(arm), n, n,
                        .real(test.conversionLift[v + 1]),
                        .text(
                            "ATE: mean over this file's \(assigned) assigned customers of P(any purchase in \(window) | \(arm), customer) "
                                + "- P(any purchase | control, customer); the arm adds this amount to every customer's purchase chance."),
                    ])
                try insertRow(
                    "ground_truth",
                    [
                        .text(test.id), .text("purchase_amount"), .text("ATE"), .text(arm), n, n,
                        .real(truth.testAmountEffect[v] / Double(assigned)),
                        .text(
                            "ATE: mean over this file's \(assigned) assigned customers of E[sum of purchase value in \(window) | \(arm), customer] "
                                + "- E[same | control, customer] (CNY)."),
                    ])
                try insertRow(
                    "ground_truth",
                    [
                        .text(test.id), .text("ctr"), .text("ATE"), .text(arm), n, n,
                        .real(test.clickLift[v + 1]),
                        .text(
                            "ATE of the ratio metric: (sum over all assigned customers of expected clicks in \(window) under \(arm)) / "
                                + "(sum of expected page views) minus the same under control. Page views do not depend on the arm and "
                                + "the arm adds this amount to every page view's click chance, so the difference is exactly this amount."),
                    ])
            }
        }

        // demo_info.
        let config = model.configuration
        let info: [(String, String)] = [
            ("generator", "campaignlab demo"),
            ("generator_version", DemoBank.generatorVersion),
            ("seed", String(config.seed)),
            ("customers", String(config.customers)),
            ("first_month", config.firstMonth.description),
            ("last_month", config.lastMonth.description),
            ("login_events_first_month", config.firstLoginEventMonth.description),
            ("login_events_last_month", config.lastMonth.description),
            (
                "segment_thresholds_cny",
                "mass < 50000 <= affluent < 500000 <= wealth < 6000000 <= private "
                    + "(expected monthly average daily AUM in the customer's first month of data)"
            ),
            ("spring_festivals", DemoCalendar.springFestivals.map(\.description).joined(separator: ",")),
            ("model", DemoBank.modelDescription),
        ]
        for (key, value) in info { try insertRow("demo_info", [.text(key), .text(value)]) }
        try insertLifecycleTruth(truth.lifecycle)
        try insertTierTruth(truth.tiers)
    }

    /// The migration from the end of March to the end of June of each year: per cell the
    /// expected customers given everything known at the end of March, and its variance.
    func insertTierTruth(_ tiers: [Int: (expected: [[Double]], variance: [[Double]])]) throws {
        let rows = Segment.allCases.map(\.name) + ["new"], columns = Segment.allCases.map(\.name) + ["dormant"]
        for end in tiers.keys.sorted() {
            let month = model.configuration.firstMonth.adding(months: end)
            let quarter = "\(month.year)Q2"
            for r in 0..<5 {
                for c in 0..<5 {
                    try insertRow(
                        "ground_truth_tiers",
                        [
                            .text(quarter), .text(rows[r]), .text(columns[c]), .real(tiers[end]!.expected[r][c]),
                            .real(tiers[end]!.variance[r][c]),
                            .text(
                                "Expected customers moving from \(rows[r]) at the end of \(month.adding(months: -3)) to \(columns[c]) at the end of \(month) "
                                    + "(tiers on aum 50k/500k/6M; dormant = no app_logins in the 6 months to \(month), for a customer with a row at the start), "
                                    + "given everything known at the start: the checkup's count has this mean."),
                        ])
                }
            }
        }
    }

    /// The lifecycle's rates as the generator made them: per month from the dormancy threshold
    /// on, for retained / resurrected / newly dormant, the expected count given each customer's
    /// state the month before (the checkup's count has this mean), its variance, the
    /// denominator the checkup divides by, and their ratio.
    func insertLifecycleTruth(_ t: DemoTruth.LifecycleTruth) throws {
        let n = DemoTruth.dormantMonths
        let rule = "activity = app_logins > 0, dormant after \(n) months without it"
        guard t.mau.count > n else { return }
        for m in n..<t.mau.count {
            let month = model.configuration.firstMonth.adding(months: m).description
            for (state, denominator, expected, variance, words) in [
                (
                    "retained", t.mau[m - 1], t.retainedExpected[m], t.retainedVariance[m],
                    "active in \(month) among those active the month before"
                ),
                (
                    "resurrected", t.dormant[m - 1], t.resurrectedExpected[m], t.resurrectedVariance[m],
                    "active in \(month) among those dormant at the end of the month before"
                ),
                (
                    "newly_dormant", t.mau[m - n], t.newlyDormantExpected[m], t.newlyDormantVariance[m],
                    "dormant from \(month) on, over those active \(n) months before"
                ),
            ] {
                try insertRow(
                    "ground_truth_lifecycle",
                    [
                        .text(month), .text(state), .integer(Int64(denominator)), .real(expected), .real(variance),
                        denominator > 0 ? .real(expected / Double(denominator)) : .null,
                        .text(
                            "Expected rate (\(rule)): \(words) — the sum over those customers of the chance the generator gave them, "
                                + "given their state the month before, divided by their number (the checkup's rate has this mean)."),
                    ])
            }
        }
    }
}

extension DemoBank {
    /// A short description of the generating model (also stored in `demo_info`).
    public static let modelDescription = """
        Customers have a persistent log-AUM level (lognormal, sd 2.15; 14% near-empty accounts), a persistent \
        app-usage rate (gamma) and a base product count. Monthly: aum = level x market x season x dormancy x \
        mean-one noise; app_logins = Poisson(rate x market x season x dormancy); products = base + drift + rare extras. \
        Market growth: November-June aum +6%/+7%/+11%/+4% and logins +3/4/6/2% in the data years to Oct 2023/24/25/26, \
        flat July-August, then an autumn step every September (aum +3.5%, logins +12%, products +0.05). \
        Spring Festival: aum x1.06 in the month three weeks before it, \
        aum x0.97 and logins x0.8 in its month. Dormancy: monthly Markov chain (1.2% or 3% -> dormant, 6% -> active). \
        In the campaign months (Sep-Oct) of both growth-journey years, untreated values continue the customer's \
        realized Jul-Aug mean lifted by the autumn step (aum x1.035, products x1.03, logins x1.12), so untreated growth \
        is proportional to the pre-period level: participants, who start higher, would have grown more anyway (plain DiD \
        and the naive growth multiple are biased; adjusting for pre-period values is not). Participation is \
        logistic in pre-period log1p(app_logins), log1p(aum), products_held, channel and age band; effects are \
        additive on expected values, per segment. Page test: equal random allocation of 25% of active customers; \
        persistent page-visit, click and purchase propensities drive both the 4-week pre-period and the window.
        """
}
