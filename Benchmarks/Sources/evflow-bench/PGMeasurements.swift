import Foundation

/// What one `pg` run measured: the closed loop's figures and the database work (and CPU) per flow.
struct PGRun: Sendable {
    var load: FlowLoad.Result
    var cost: PGCost
    /// evflow only: status reads per session (the API has no wait for the end, see ``PGSession``).
    var pollsPerFlow: Double?
    /// evflow only: mean size of the instance documents (`state::text`), the floor's document size.
    /// One of the run's instance documents, of about the mean size: what the floor writes.
    var document: String?
}

/// Every `pg` run, by engine and level (or worker count), over rounds.
struct PGMeasurements: Sendable {
    enum Engine: String, Sendable {
        /// One `evflow serve --store postgres://…` worker at each level.
        case evflow
        /// N workers at the worker level; keyed by N.
        case workers
        case dbos
        case floor
    }

    var runs: [Engine: [Int: [PGRun]]] = [:]
    var dbosVersion: String?
    /// Runs that failed and were left out (reported beside the figures rather than ending the suite).
    var failures: [String] = []
    var floorWork: PGFloor.Work?

    mutating func add(_ run: PGRun, _ engine: Engine, _ key: Int) {
        runs[engine, default: [:]][key, default: []].append(run)
    }

    /// The median over rounds of `value`, or `nil` when not measured.
    func median(_ engine: Engine, _ key: Int, _ value: (PGRun) -> Double?) -> Double? {
        let values = (runs[engine]?[key] ?? []).compactMap(value).sorted()
        guard !values.isEmpty else { return nil }
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    func perSecond(_ engine: Engine, _ key: Int) -> Double? { median(engine, key) { $0.load.perSecond } }
}
