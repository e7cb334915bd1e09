import CampaignLabReport
import Testing

struct ReportFormatterTests {
    /// (value, style, language, expected) — all computed by hand from the rules in
    /// ReportFormatter's documentation (DOMAIN.md: CNY, 万 = 10⁴, 亿 = 10⁸).
    static let cases: [(Double, NumberStyle, ReportLanguage, String)] = [
        (1_234_567, .count, .en, "1,234,567"),
        (1_234_567, .count, .zh, "123.46万"),
        (9_999, .count, .zh, "9,999"),
        (10_000, .count, .zh, "1.00万"),
        (99_999_999, .count, .zh, "1.00亿"),
        (123_456_789_012, .count, .zh, "1,234.57亿"),
        (-25_000, .count, .zh, "−2.50万"),
        (0, .count, .en, "0"),
        (2.5e8, .currency, .zh, "2.50亿元"),
        (12.5, .currency, .zh, "12.50元"),
        (1_234_567.6, .currency, .en, "¥1,234,568"),
        (-12.5, .currency, .en, "−¥12.50"),
        (0.29, .decimal(digits: 2), .en, "0.29"),
        (-0.001, .decimal(digits: 2), .en, "0.00"),
        (2.675, .decimal(digits: 0), .en, "3"),
        (0.29, .signed(digits: 2), .en, "+0.29"),
        (-0.29, .signed(digits: 2), .zh, "−0.29"),
        (0.1234, .percent(digits: 1), .en, "12.3%"),
        (-0.5, .percent(digits: 0), .zh, "−50%"),
        (0.012, .percentagePoints(digits: 1), .en, "+1.2 pp"),
        (-0.012, .percentagePoints(digits: 1), .zh, "−1.2个百分点"),
        (0.0004, .pValue, .en, "< 0.001"),
        (0.02016, .pValue, .zh, "0.020"),
        (4.43, .multiple, .en, "4.4×"),
        (12.6, .multiple, .en, "13×"),
        (3, .automatic, .en, "3"),
        (0.70732, .automatic, .en, "0.7073"),
        (1e15, .count, .en, "1,000,000,000,000,000"),
        (.nan, .count, .en, "—"),
        (.infinity, .percent(digits: 1), .en, "∞"),
        (-.infinity, .count, .zh, "−∞"),
    ]

    @Test(arguments: cases)
    func formatsByTheReadersHabits(value: Double, style: NumberStyle, language: ReportLanguage, expected: String) {
        #expect(ReportFormatter(language: language).format(value, style) == expected)
    }

    @Test func intervalsAndEstimates() {
        // GrowthBook's published case (gbstats): absolute 0.29, 95% CI (0.04538, 0.53462).
        let en = ReportFormatter(language: .en), zh = ReportFormatter(language: .zh)
        #expect(en.estimate(0.29, low: 0.04538, high: 0.53462, .decimal(digits: 3)) == "0.290 (95% CI 0.045 to 0.535)")
        #expect(zh.estimate(0.29, low: 0.04538, high: 0.53462, .decimal(digits: 3)) == "0.290（95% 置信区间 0.045 至 0.535）")
        #expect(en.interval(-0.03526, 1.44989, .percent(digits: 1)) == "−3.5% to 145.0%")
    }

    @Test func ticksAreCompact() {
        let en = ReportFormatter(language: .en), zh = ReportFormatter(language: .zh)
        #expect(en.tick(1_500, .count) == "1.5k")
        #expect(en.tick(3_400_000, .currency) == "¥3.4M")
        #expect(zh.tick(150_000, .currency) == "15万")
        #expect(zh.tick(3.4e8, .count) == "3.4亿")
        #expect(en.tick(0.25, .percent(digits: 0)) == "25%")
        #expect(en.tick(-2_000, .automatic) == "−2k")
    }
}
