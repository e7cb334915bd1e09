import CampaignLabData
import Foundation
import Testing

@testable import CampaignLabAnalyses

/// The pieces that let a notebook's blocks run at once and read months quickly.
struct SharedWorkTests {
    @Test func aMemoIsComputedOnceForBlocksAskingAtOnce() throws {
        let store = MemoStore()
        let counter = Counter()
        let results = ResultSlots<Int>(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results[i] = try? store.value("panel") { () -> Int in
                counter.increment()
                Thread.sleep(forTimeInterval: 0.05)  // long enough for the others to ask meanwhile
                return 42
            }
        }
        #expect(counter.value == 1)
        #expect(results.values.allSatisfy { $0 == 42 })
        // A failure is remembered too: every block asking gets the same error, computed once.
        struct Failure: Error, Equatable {}
        for _ in 0..<3 {
            #expect(throws: Failure.self) {
                _ = try store.value("broken") { () -> Int in
                    counter.increment(); throw Failure()
                }
            }
        }
        #expect(counter.value == 2)
    }

    @Test func wantedMonthsAreReadAsRunsOfConsecutiveMonths() {
        let months = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-12", "2026-01", "2026-07"].map { YearMonth($0)! }
        let runs = CampaignPanel.consecutiveRuns(months).map { "\($0.lowerBound)…\($0.upperBound)" }
        #expect(runs == ["2025-07…2025-10", "2025-12…2026-01", "2026-07…2026-07"])
        #expect(CampaignPanel.consecutiveRuns([]).isEmpty)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value = 0
    func increment() { lock.lock(); value += 1; lock.unlock() }
}
