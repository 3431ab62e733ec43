import Foundation

/// Every closed-loop result of a `flow` run, by engine and concurrency, with the medians the report uses.
struct FlowMeasurements {
    enum Engine: String, CaseIterable {
        /// evflow embedded as a library.
        case evflow
        /// The floor, its blocking writes on threads of their own (the disk's capacity at C sessions).
        case floor
        /// The floor with its writes blocking the cooperative pool, as async code calling fsync does (`--floor-pool`).
        case floorPool
        /// The HTTP floor: the flow's HTTP calls alone, no durability at all (what the calls and the CPU allow).
        case httpFloor
        /// The DBOS peer.
        case dbos
    }

    /// The ePayment calls one EV session makes: create, get (confirming the webhook), capture, cancel. The
    /// access token is fetched once per client and cached, so it is not per flow; the flow's notify steps
    /// deliver nowhere in an embedding runner (recorded as skipped) and make no call.
    static let httpCallsPerFlow = 4

    var loads: [Engine: [Int: [FlowLoad.Result]]] = [:]
    /// evflow's (durable writes, fsyncs) per flow, per level and round.
    var evflowWork: [Int: [(writes: Double, fsyncs: Double)]] = [:]
    var costs: Floor.Costs?
    /// The floor's per-flow work at each level (from evflow's counts at that level).
    var floorWork: [Int: Floor.Work] = [:]
    var instanceFileBytes: Int?
    var dbosVersion: String?

    mutating func add(_ result: FlowLoad.Result, engine: Engine) {
        loads[engine, default: [:]][result.concurrency, default: []].append(result)
    }

    func levels(_ engine: Engine) -> [Int] { loads[engine].map { $0.keys.sorted() } ?? [] }

    /// The median over rounds of `figure` for `engine` at `level`.
    func median(_ engine: Engine, _ level: Int, _ figure: (FlowLoad.Result) -> Double?) -> Double? {
        Self.median(loads[engine]?[level]?.compactMap(figure) ?? [])
    }

    /// Durable writes and fsyncs per flow over every evflow measurement (all levels and rounds).
    var writesPerFlow: Double? { Self.median(evflowWork.values.flatMap { $0.map(\.writes) }) }
    var fsyncsPerFlow: Double? { Self.median(evflowWork.values.flatMap { $0.map(\.fsyncs) }) }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
