import CampaignLabData
import Foundation

/// A small long-tail bank built in a test, with known effects, for the uplift's behaviour on
/// data the demo generator did not make: customers self-select on a heavy-tailed latent
/// activity, pre-period values measure it with noise, and two campaigns run at once:
///
/// * `growth` (observational, control 'non_participant'): 2024-04…2024-06, pre-period
///   2024-01…2024-03. Participation rises with activity and with segment 'affluent'.
///   True effects on participants: aum +`aumEffect`, app_logins +1, products_held +0.1
///   (expected values; every customer's own effect is the same, so the ATT is exact).
/// * `ab3` (randomized, control 'control'): arms control / variant_a / variant_b by a hash of
///   the id; variant_a adds 2 logins, variant_b nothing. Customer 7 is the only customer of
///   segment 'private', and is in variant_a (a level one arm has: never trimmed in a test).
///
/// Metric `flat` is 5 for everyone in every month (no variation). Region has no effect.
/// Values come from a fixed 64-bit LCG, so the same `customers` and `seed` give the same file.
public enum SelfSelectedBank {
    public static let aumEffect = 1_000.0

    public struct Options: Sendable {
        public var customers = 3_000
        public var seed: UInt64 = 1
        /// products_held of non-participants does not change between the periods.
        public var flatControlProducts = false
        public init() {}
    }

    public static func make(at path: String, _ options: Options = Options(), then extra: String = "") throws {
        var random = LCG(state: options.seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        var customers: [String] = [], months: [String] = [], assignments: [String] = []
        let segments = ["mass", "affluent", "wealth"], regions = ["north", "south", "east", "west"]
        for id in 1...options.customers {
            // Heavy-tailed activity: lognormal with σ = 1.2.
            let activity = exp(1.2 * random.normal())
            let segment = id == 7 ? "private" : segments[activity > 4 ? 2 : activity > 1.2 ? 1 : 0]
            let region = regions[Int(random.uniform() * 4) % 4]
            customers.append("(\(id), '2020-01-01', '\(segment)', '\(region)')")
            let score = -2.2 + 0.9 * log(activity) + (segment == "affluent" ? 0.4 : 0)
            let participates = id != 7 && random.uniform() < 1 / (1 + exp(-score))
            assignments.append("('growth', \(id), '\(participates ? "participant" : "non_participant")', '2024-04-01 00:00:00')")
            let abArm = id == 7 ? "variant_a" : ["control", "variant_a", "variant_b"][Int((UInt64(id) &* 2_654_435_761) >> 7 % 3) % 3]
            assignments.append("('ab3', \(id), '\(abArm)', '2024-04-01 00:00:00')")
            for month in 1...6 {
                let post = month >= 4
                // Natural growth proportional to the level (so raw DiD is biased), plus noise.
                let growth = 1 + (post ? 0.04 : 0)
                var aum = 20_000 * activity * growth * exp(0.3 * random.normal())
                var logins = max(0, 3 * activity.squareRoot() + random.normal() * 1.5).rounded()
                var products = (1 + min(activity, 6)).rounded(.down)
                if options.flatControlProducts && !participates { products = 2 }
                if post && participates {
                    aum += aumEffect
                    logins += 1
                    products += random.uniform() < 0.1 ? 1 : 0
                }
                if post && abArm == "variant_a" { logins += 2 }
                aum = (aum * 100).rounded() / 100
                logins = max(0, logins)
                months.append("(\(id), '2024-0\(month)', \(aum), \(Int(products)), \(Int(logins)), 5)")
            }
        }
        var sql = """
            CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, opened_on TEXT NOT NULL, segment TEXT, region TEXT);
            CREATE TABLE customer_months (customer_id INTEGER NOT NULL, month TEXT NOT NULL, aum REAL, products_held INTEGER,
                                          app_logins INTEGER, flat INTEGER, PRIMARY KEY (customer_id, month));
            CREATE TABLE events (customer_id INTEGER NOT NULL, event TEXT NOT NULL, occurred_at TEXT NOT NULL, value REAL, campaign_id TEXT);
            CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, design TEXT NOT NULL, starts_on TEXT NOT NULL,
                                    ends_on TEXT NOT NULL, control_arm TEXT NOT NULL);
            CREATE TABLE assignments (campaign_id TEXT NOT NULL, customer_id INTEGER NOT NULL, arm TEXT, assigned_at TEXT NOT NULL,
                                      PRIMARY KEY (campaign_id, customer_id));
            INSERT INTO campaigns VALUES ('growth', 'Growth journey', 'observational', '2024-04-01', '2024-06-30', 'non_participant'),
                                         ('ab3', 'Three-arm page test', 'randomized', '2024-04-01', '2024-06-30', 'control');

            """
        for (table, rows) in [("customers", customers), ("customer_months", months), ("assignments", assignments)] {
            for start in stride(from: 0, to: rows.count, by: 500) {
                sql += "INSERT INTO \(table) VALUES " + rows[start..<min(start + 500, rows.count)].joined(separator: ", ") + ";\n"
            }
        }
        try makeDatabase(at: path, sql: sql + extra)
    }

    /// Knuth's MMIX LCG with Box–Muller normals: enough randomness for a fixture.
    struct LCG {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
        }
        mutating func normal() -> Double {
            (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        }
    }
}
