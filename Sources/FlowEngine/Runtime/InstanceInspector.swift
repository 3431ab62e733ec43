import Foundation

/// Reads a store for operators without running anything: summaries for `evflow list`, stuck diagnoses, lock
/// holders, and the records set aside as unreadable. Works on any ``InstanceStore``.
///
/// Reading never takes an instance's lock, so inspecting a busy worker's folder is always safe; what it
/// shows is the last durably saved state.
package struct InstanceInspector: Sendable {
    let store: any InstanceStore
    let catalog: DefinitionCatalog
    /// The deployment's capture windows, for the near-deadline diagnosis.
    let captureWindows: CaptureWindows

    package init(store: any InstanceStore, catalog: DefinitionCatalog, captureWindows: CaptureWindows = .provider) {
        self.store = store
        self.catalog = catalog
        self.captureWindows = captureWindows
    }

    /// A summary of every instance, oldest first, then one row per set-aside record.
    /// - Parameter diagnosis: decides which are stuck.
    /// - Returns: the summaries and, per instance id that could not be read, the problem (the store has
    ///   moved such a file to `corrupt/`).
    package func summaries(_ diagnosis: StuckDiagnosis) throws(StoreError) -> (summaries: [InstanceSummary], unreadable: [String: String]) {
        var summaries: [InstanceSummary] = []
        var unreadable: [String: String] = [:]
        // Outlines, not whole instances, from the store's index (over 100,000 files, decoding everything was most of
        // the time).
        let outlines = try store.allOutlines()
        // Every holder in one call: a shared store reads its lease table once instead of once per instance.
        let holders = store.lockHolders(outlines.map(\.id))
        // Diagnosed on every core: the diagnosis and the summary of 100,000 instances were a sixth of `evflow list`.
        let rows = outlines.concurrentMap { id, result -> (summary: InstanceSummary?, problem: String?) in
            switch result {
            case .success(let instance): (InstanceSummary(instance, stuck: stuckReason(instance, diagnosis, lockHolder: holders[id])), nil)
            case .failure(let error): (nil, error.code == .notFound ? nil : error.description)
            }
        }
        summaries.reserveCapacity(rows.count)
        for (row, outline) in zip(rows, outlines) {
            if let summary = row.summary { summaries.append(summary) }
            if let problem = row.problem { unreadable[outline.id] = problem }
        }
        summaries.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return (summaries + corruptFiles(), unreadable)
    }

    /// The ids of unfinished instances a worker would run at `now`: running ones, those whose timer is due,
    /// and those with signals in their inbox.
    package func dueInstances(at now: Date) throws(StoreError) -> [String] {
        let mail = Set(try store.instancesWithPendingSignals())
        return try store.instanceIDs().sorted().filter { id in
            guard let instance = try? store.load(id), !instance.status.isFinished else { return false }
            return instance.status == .running || (instance.wakeAt.map { $0 <= now } ?? false) || mail.contains(id)
        }
    }

    /// Why the instance needs an operator, or `nil`.
    package func stuckReason(_ instance: FlowInstance, _ diagnosis: StuckDiagnosis) -> String? {
        stuckReason(InstanceOutline(instance), diagnosis)
    }

    /// Why the instance with this outline needs an operator, or `nil`.
    package func stuckReason(_ instance: InstanceOutline, _ diagnosis: StuckDiagnosis) -> String? {
        stuckReason(instance, diagnosis, lockHolder: store.lockHolder(instance.id))
    }

    /// Why the instance needs an operator, with its lock holder already read (``InstanceStore/lockHolders(_:)``).
    func stuckReason(_ instance: InstanceOutline, _ diagnosis: StuckDiagnosis, lockHolder: LockHolder?) -> String? {
        let definition = try? catalog.definition(for: instance.flow)
        var diagnosis = diagnosis
        diagnosis.captureWindows = captureWindows
        return diagnosis.reason(for: instance, definition: definition, lockHolder: lockHolder)
    }

    /// The pid of the worker holding the instance now, if any.
    package func lockHolder(_ id: String) -> LockHolder? { store.lockHolder(id) }

    /// Signals stored in the instance's inbox that its worker has not taken in yet.
    package func inbox(_ id: String) -> [ReceivedSignal] { (try? store.inbox(of: id)) ?? [] }

    /// Rows for the records the store set aside, newest last.
    package func corruptFiles() -> [InstanceSummary] {
        store.setAsideRecords().map { InstanceSummary(corruptFile: $0.name, movedAt: $0.setAsideAt) }
    }
}
