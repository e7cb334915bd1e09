import CampaignLabData
import CampaignLabDemo
import Testing

struct DemoBankConfigurationTests {
    @Test func windowAndValidation() throws {
        let config = DemoBankConfiguration(customers: 1000)
        #expect(config.firstMonth.description == "2023-11")  // 36 months ending 2026-10
        try config.validate()
        #expect(throws: DemoBankError.self) { try DemoBankConfiguration(customers: 10).validate() }
    }
}
