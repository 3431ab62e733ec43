import Crypto
import Foundation
import Logging
import Synchronization

/// Starts flows, accepts signals and runs instances to completion, durably.
///
/// One runner executes many instances concurrently: an instance that waits for a signal or a timer costs no
/// thread and no task, only an entry in the runner's schedule. Several runners (processes) may share one state
/// folder: a per-instance lock makes sure only one executes an instance at a time.
///
/// ```swift
/// let runner = FlowRunner(...)
/// _ = try runner.start(flow: "ev-charging", id: "session-4711", inputs: inputs)
/// try runner.signal(instanceID: "session-4711", name: "meterReading", data: ["energyWh": .integer(5200)], signalID: "r-1")
/// await runner.runDue()
/// ```
public final class FlowRunner: Sendable {
    let store: any InstanceStore
    let catalog: DefinitionCatalog
    let services: RuntimeServices
    let maximumConcurrency: Int
    /// Whether other workers share the store (it has leases): asked once, not on every run (a shared store's
    /// ``InstanceStore/leaseStatistics`` copies its table of held leases).
    let sharesStore: Bool
    let schedule = Mutex(Schedule())
    private let problems = Mutex<[String: String]>([:])
    /// Runs whose payment call returned but whose outcome could not be saved, for a worker command to report.
    let unsavedOutcomes = Mutex<[FlowError]>([])
    /// Rung by `start`, `signal` and finished runs, so ``work(while:)`` looks at once instead of at its next poll.
    let doorbell = Doorbell()
    /// Rung by every save of a run and when it ends, for starts that wait for a payment (``ProgressBell``).
    let progress = ProgressBell()
    /// Callers of ``finished(_:)`` waiting for an instance to end.
    let completionWaiters = Mutex<[String: [CompletionWaiter]]>([:])
    /// How long a start or signal may wait for the run it wakes to make it durable (``Arrival/runPatience``), while
    /// a worker loop runs; tests on a loaded machine lengthen it so that what they count does not depend on timing.
    package let arrivalPatience = Mutex(Arrival.runPatience)
    /// Created on first use: commands that only read the state folder need no threads.
    private let threadPool = Mutex<RunThreads?>(nil)

    package init(store: any InstanceStore, catalog: DefinitionCatalog, services: RuntimeServices, maximumConcurrency: Int = 64) {
        self.store = store
        self.catalog = catalog
        self.services = services
        self.maximumConcurrency = maximumConcurrency
        self.sharesStore = store.leaseStatistics != nil
    }

    deinit {
        threadPool.withLock { $0 }?.shutdown()
    }

    var logger: Logger { services.logger }

    /// The threads instances run on and blocking calls are moved to (see ``RunThreads``).
    var runThreads: RunThreads {
        threadPool.withLock { pool in
            if let pool { return pool }
            let created = RunThreads(count: maximumConcurrency)
            pool = created
            return created
        }
    }

    // MARK: Starting and signalling

    /// Starts an instance of `flow` with caller-supplied `id` (for example the charging session id).
    ///
    /// Starting the same id again with the same inputs returns the existing instance (so a backend can retry a
    /// start safely), with ``StartedInstance/created`` `false`; with other inputs or another flow it is refused.
    /// - Throws: ``FlowError`` (unknown flow, invalid id or inputs, conflicting start) or ``StoreError``.
    @discardableResult
    public func start(flow name: String, id: String, inputs supplied: [String: Value]) throws -> StartedInstance {
        guard let definition = catalog.definition(named: name) else {
            throw FlowError(.unknownFlow, flow: name, instanceID: id,
                            detail: "no flow named \(InstanceID.printable(name)); known flows: \(catalog.names.joined(separator: ", "))")
        }
        if let problem = InstanceID.problem(with: id) {
            throw FlowError(.invalidInstanceID, flow: name, instanceID: id, detail: problem)
        }
        try InputLimits.check(supplied, what: "input", flow: name, instanceID: id)
        let inputs: [String: Value]
        do {
            inputs = try definition.resolveInputs(supplied)
        } catch {
            throw FlowError(.invalidInput, flow: name, instanceID: id, detail: error.description)
        }
        let digest = InputDigest.make(of: inputs)
        let now = services.clock.now
        var variables: [String: Value] = [:]
        let environment = Environment(instanceID: id, inputs: inputs)
        for variable in definition.variables {
            var scope = environment
            scope.variables = variables
            variables[variable.name] = try variable.initial.evaluate(in: scope)
        }
        try catalog.pin(definition)
        let pin = FlowInstance.PinnedDefinition(name: definition.name, version: definition.version, contentHash: definition.contentHash)
        let instance = FlowInstance(id: id, flow: pin, inputs: inputs, inputDigest: digest.stored, variables: variables,
                                    start: definition.start, at: now)
        let arrival = arrival(waking: id, at: now)
        if let existing = try store.create(instance, arrival: arrival.value) {
            guard existing.flow.name == name, InputDigest(stored: existing.inputDigest).matches(inputs, kept: existing.inputs) else {
                throw FlowError(.conflictingStart, flow: name, instanceID: id, detail:
                    "instance \(id) already exists (flow \(existing.flow.name), started \(existing.createdAt)) with different inputs; use a new id")
            }
            return StartedInstance(instance: existing, created: false)
        }
        arrival.wakeUnlessAnnounced()
        logger.info("started", metadata: ["instance": "\(id)", "flow": "\(name)"])
        return StartedInstance(instance: instance, created: true)
    }

    /// Stores a signal for an instance durably, then returns; the instance uses it on its next run.
    ///
    /// - Parameter signalID: the sender's id for this signal; sending the same id again is harmless.
    /// - Returns: `false` when the signal was a duplicate.
    @discardableResult
    public func signal(instanceID id: String, name: String, data: [String: Value], signalID: String? = nil) throws -> Bool {
        try signal(instanceID: id, name: name, data: data, signalID: signalID, meter: nil)
    }

    /// ``signal(instanceID:name:data:signalID:)``, carrying the OCPP reading a signal was made from (see
    /// ``meterValues(instanceID:json:)``).
    func signal(instanceID id: String, name: String, data: [String: Value], signalID: String?, meter: MeterReading?) throws -> Bool {
        try InputLimits.check(name, field: "signal name", limit: InputLimits.signalName, instanceID: id)
        try InputLimits.check(signalID ?? "", field: "signalId", limit: InputLimits.signalID, instanceID: id)
        try InputLimits.check(data, what: "signal \(name) field", instanceID: id)
        // The outline has what the checks need; decoding the whole instance was a fifth of a flow test's time.
        let instance = try outline(id)
        // A repeat of a signal the instance already used is a duplicate, also once the instance has finished:
        // the sender's first attempt counted (its answer may have been lost), so "finished" would mislead it.
        if let signalID, instance.seenSignalIDs.contains(signalID) { return false }
        if instance.status.isFinished {
            throw FlowError(.finished, flow: instance.flow.name, instanceID: id, detail: "instance \(id) already \(instance.status); signal \(name) ignored")
        }
        let definition = try catalog.definition(for: instance.flow)
        if name != PaymentUpdate.signalName {
            guard let declaration = definition.signal(name) else {
                throw FlowError(.unknownSignal, flow: instance.flow.name, instanceID: id, detail:
                    "flow \(instance.flow.name) declares no signal '\(name)'; it accepts: \(definition.signals.map(\.name).joined(separator: ", "))")
            }
            for field in declaration.fields where data[field.name]?.type != field.type {
                throw FlowError(.invalidSignal, flow: instance.flow.name, instanceID: id, detail:
                    "signal \(name) needs field '\(field.name)' of type \(field.type)")
            }
        }
        let now = services.clock.now
        var signal = ReceivedSignal(id: signalID ?? "\(name)-\(UUID().uuidString)", name: name, data: data, receivedAt: now)
        signal.meter = meter
        let arrival = arrival(waking: id, at: now)
        let accepted = try store.deliver(signal, to: id, arrival: arrival.value)
        if accepted { arrival.wakeUnlessAnnounced() }
        return accepted
    }

    /// How a start or a signal wakes its instance: as soon as the store has it, and, while this process's worker
    /// loop runs, with the store allowed to let that run's save make it durable (see ``Arrival``).
    private func arrival(waking id: String, at now: Date) -> WakingArrival {
        let working = schedule.withLock { $0.workerLoops > 0 }
        return WakingArrival(patience: working ? arrivalPatience.withLock { $0 } : .zero) { [self] in wake(id, at: now) }
    }

    /// Reads the parts of an instance that scheduling and signalling need (see ``InstanceOutline``).
    package func outline(_ id: String) throws -> InstanceOutline {
        try read(id) { id throws(StoreError) in try store.loadOutline(id) }
    }

    /// Reads an instance as stored.
    public func instance(_ id: String) throws -> FlowInstance {
        try read(id) { id throws(StoreError) in try store.load(id) }
    }

    /// Reads through `load` after checking the id, with a missing instance reported as ``FlowError`` (unknown
    /// instance) for callers of the runner.
    private func read<Result>(_ id: String, _ load: (String) throws(StoreError) -> Result) throws -> Result {
        if let problem = InstanceID.problem(with: id) {
            throw FlowError(.invalidInstanceID, instanceID: id, detail: problem)
        }
        do {
            return try load(id)
        } catch {
            if error.code == .notFound {
                throw FlowError(.unknownInstance, instanceID: id, detail: "no instance \(id) in the store")
            }
            throw error
        }
    }

    // MARK: Scheduling

    /// Loads every unfinished instance into the schedule: what a runner does when it starts after a crash.
    /// - Returns: the number of unfinished instances found.
    @discardableResult
    package func recover() throws -> Int {
        // The outline (status, timer) is all scheduling needs, from the store's index; the whole instance is read
        // when it runs.
        recover(from: try store.allOutlines())
    }

    /// Loads the unfinished instances among `outlines` into the schedule, so a caller that has just read every
    /// outline for itself (serve's payment-reference index) does not make the runner read them again: the next
    /// ``work(pollInterval:while:)`` uses this recovery instead of its own.
    /// - Returns: the number of unfinished instances found (not counting those whose outline could not be read
    ///   just now, which are scheduled to be tried again shortly).
    @discardableResult
    package func recover(from outlines: [(id: String, outline: Result<InstanceOutline, StoreError>)]) -> Int {
        var found: [String: Date] = [:]
        for (id, result) in outlines {
            switch result {
            case .success(let instance):
                if !instance.status.isFinished { found[id] = instance.wakeAt ?? (instance.status == .running ? .distantPast : .distantFuture) }
            case .failure(let error) where error.code == .corrupt || error.code == .invalidID || error.code == .incompatibleSchema:
                // Damaged (and already set aside by the store), or not an instance this worker can ever read.
                record(problem: "\(error)", for: id)
            case .failure(let error) where error.code == .notFound:
                // Removed between the listing and the read.
                continue
            case .failure(let error):
                // The file could not be read just now (out of descriptors, a disk error, the database away): nothing
                // says the instance is damaged, so it is tried again shortly instead of being set aside until restart.
                // Not counted as found: it is not known to be unfinished until it runs.
                retryLater(id, "cannot read the instance's outline; will retry", error)
            }
        }
        schedule.withLock {
            $0.wakes.merge(found) { _, new in new }
            $0.recovered = found.count
        }
        return found.count
    }

    /// When the earliest scheduled instance is due, if any.
    package var nextWake: Date? {
        schedule.withLock { $0.wakes.values.filter { $0 != .distantFuture }.min() }
    }

    /// How many unfinished instances the runner is tracking (due, timed or waiting for a signal).
    package var scheduledCount: Int { schedule.withLock { $0.wakes.count } }

    /// Instances that could not be run (corrupt files, missing definitions), by id, with the reason.
    package var unrunnable: [String: String] { problems.withLock { $0 } }

    func record(problem: String, for id: String) {
        logger.error("instance cannot run", metadata: ["instance": "\(id)", "problem": "\(problem)"])
        problems.withLock { $0[id] = problem }
        schedule.withLock { $0.wakes[id] = nil }
    }

    /// Runs every instance that is due now or has new signals, until each waits or ends.
    /// - Returns: how many instances were run.
    @discardableResult
    public func runDue() async -> Int {
        let now = services.clock.now
        var due = Set(schedule.withLock { $0.wakes.filter { $0.value <= now }.map(\.key) })
        if let mail = try? store.instancesWithPendingSignals() { due.formUnion(mail) }
        let ids = due.sorted()
        guard !ids.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var iterator = ids.makeIterator()
            for _ in 0..<min(maximumConcurrency, ids.count) {
                if let id = iterator.next() { group.addTask { await self.run(id) } }
            }
            while await group.next() != nil {
                if let id = iterator.next() { group.addTask { await self.run(id) } }
            }
        }
        return ids.count
    }
}

/// How many times a run saved its instance.
final class SaveTally {
    var count = 0
}
