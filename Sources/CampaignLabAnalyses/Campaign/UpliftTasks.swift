import CampaignLabData
import CampaignLabStats
import Foundation

extension UpliftInputs {
    /// A piece of the uplift's work after the shared models.
    enum Task {
        /// The whole sample's entropy-balancing weights.
        case entropyWeights
        /// One metric by one method (index into `metricTasks()`).
        case metric(Int)
        /// One segment level (index into `levelTasks()`).
        case level(Int)
        /// The balance table.
        case balance
    }

    /// Every estimate, segment level and the balance table, as tasks on every core in two
    /// rounds: first the entropy-balancing weights with everything that does not need them
    /// (the other methods' estimates), then what does (the entropy-balanced estimates, the
    /// segments' levels started from the weights' solution, the balance table). Within a round
    /// the costliest task goes first, so that no core waits at the end for a large one started
    /// last. `nuisance` receives the weights.
    func estimateAll(
        _ nuisance: inout UpliftNuisance, segments wantSegments: Bool
    ) -> (metrics: [MetricUplift], segments: [SegmentDimension], balance: BalanceDiagnostics?) {
        let metricTasks = metricTasks(), levelTasks = wantSegments ? levelTasks() : []
        let n = sample.included.count
        // Relative costs: a metric task is a few passes of every customer; the weights and a
        // level's balancing, Newton's passes of theirs.
        func cost(_ task: Task) -> Int {
            switch task {
            case .entropyWeights: return 6 * n
            case .metric: return n
            case .level(let i): return 3 * levelTasks[i].members.count
            case .balance: return 2 * n
            }
        }
        let usesWeights: (Task) -> Bool = { task in
            switch task {
            case .entropyWeights: return false
            case .metric(let i): return metricTasks[i].method == .entropy
            case .level, .balance: return !randomized
            }
        }
        var all: [Task] = (randomized ? [] : [.entropyWeights]) + metricTasks.indices.map { .metric($0) }
        all += levelTasks.indices.map { .level($0) } + (randomized ? [] : [.balance])
        let constant = (0..<covariates.outcomes).map { isConstant($0) }
        let metricSlots = ResultSlots<(MethodEstimate, HonestGrowth?)>(count: metricTasks.count)
        let levelSlots = ResultSlots<[SegmentUplift]>(count: levelTasks.count), balanceSlot = ResultSlots<BalanceDiagnostics>(count: 1)
        let weightsSlot = ResultSlots<UpliftNuisance>(count: 1)
        for round in [all.filter { !usesWeights($0) }, all.filter(usesWeights)] {
            let order = round.indices.sorted { (cost(round[$0]), $1) > (cost(round[$1]), $0) }.map { round[$0] }
            let shared = nuisance, segmentMethod = segmentMethod(nuisance)
            DispatchQueue.concurrentPerform(iterations: order.count) { t in
                switch order[t] {
                case .entropyWeights:
                    var withWeights = shared
                    withWeights.balance(self)
                    weightsSlot[0] = withWeights
                case .metric(let i): metricSlots[i] = run(metricTasks[i], shared, constant: constant[metricTasks[i].metric])
                case .level(let i): levelSlots[i] = levelEstimates(levelTasks[i], method: segmentMethod, nuisance: shared)
                case .balance: balanceSlot[0] = shared.diagnostics(self)
                }
            }
            if let withWeights = weightsSlot[0] { nuisance = withWeights }
        }
        let metrics = assembleMetrics(metricTasks, metricSlots.values.map { $0! }, nuisance, constant: constant)
        return (metrics, assembleSegments(levelTasks, levelSlots.values.map { $0! }), balanceSlot[0])
    }
}
