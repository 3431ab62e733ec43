import Foundation

/// Moves a deployment from one store to another without losing a session: every instance (the same document),
/// every signal waiting in an inbox and every definition an instance is pinned to, then reads the target back
/// and compares. `evflow store copy` runs it, typically from a state folder into PostgreSQL.
///
/// Safe to repeat: an instance already in the target with the same content is left alone, and one whose content
/// differs (the target's worker has moved it on, or another deployment used the same id) is never overwritten:
/// it is reported as a conflict for an operator to decide. Each source instance is copied under its lock, and the
/// copy is refused before anything is written while a worker holds any of them: stop the workers first.
package struct StoreCopy: Sendable {
    let source: StoreLocation
    let target: StoreLocation

    package init(from source: StoreLocation, to target: StoreLocation) {
        self.source = source
        self.target = target
    }

    /// Copies (or, with `dryRun`, only compares) and verifies.
    /// - Parameter progress: called after each instance with (done, total, instance id), for progress lines.
    /// - Returns: what was copied, what was already there, and the conflicts left alone.
    /// - Throws: ``StoreCopyError``: a store cannot be opened or read, a worker holds a lock, or the target
    ///   does not read back what was copied.
    package func run(dryRun: Bool = false, progress: (Int, Int, String) -> Void = { _, _, _ in }) throws(StoreCopyError) -> StoreCopyReport {
        let from = try open(source, role: "source")
        let to = try open(target, role: "target")
        let ids = try reading(source) { () throws(StoreError) in try from.instanceIDs() }.sorted()
        for id in ids {
            if let holder = from.lockHolder(id), !holder.isAbandoned {
                throw StoreCopyError.locked(instanceID: id, holder: holder, source: source)
            }
        }
        var report = StoreCopyReport(source: source.description, target: target.description, dryRun: dryRun)
        report.instances = ids.count
        var definitions: Set<String> = []
        for (index, id) in ids.enumerated() {
            try copyInstance(id, from: from, to: to, dryRun: dryRun, report: &report, definitions: &definitions)
            progress(index + 1, ids.count, id)
        }
        for hash in definitions.sorted() {
            try copyDefinition(hash, from: from, to: to, dryRun: dryRun, report: &report)
        }
        if !dryRun { try verify(ids, definitions: definitions, from: from, to: to, report: &report) }
        return report
    }

    private func copyInstance(_ id: String, from: any InstanceStore, to: any InstanceStore, dryRun: Bool,
                              report: inout StoreCopyReport, definitions: inout Set<String>) throws(StoreCopyError) {
        // Under the instance's lock, so no worker moves it on between reading it and its inbox.
        var lock: (any InstanceLock)?
        if !dryRun {
            lock = try reading(source) { () throws(StoreError) in try from.lock(id) }
            guard lock != nil else { throw StoreCopyError.locked(instanceID: id, holder: from.lockHolder(id), source: source) }
        }
        defer { lock?.release() }
        let instance: FlowInstance
        do throws(StoreError) {
            instance = try from.load(id)
        } catch {
            guard error.code == .corrupt else { throw StoreCopyError.store(error, location: source) }
            report.unreadable.append(id)
            return
        }
        definitions.insert(instance.flow.contentHash)
        let existing: FlowInstance?
        if dryRun {
            existing = try existingInstance(id, in: to)
        } else {
            existing = try reading(target) { () throws(StoreError) in try to.create(instance) }
        }
        switch existing {
        case nil: report.instancesCopied += 1
        case instance?: report.instancesAlreadyThere += 1
        case _?:
            report.conflicts.append(id)
            return
        }
        let signals = try reading(source) { () throws(StoreError) in try from.inbox(of: id) }
        report.signals += signals.count
        if dryRun {
            let there = Set(try reading(target) { () throws(StoreError) in try existing == nil ? [] : to.inbox(of: id) }.map(\.id))
            report.signalsCopied += signals.filter { !there.contains($0.id) }.count
            return
        }
        for signal in signals {
            let delivered = try reading(target) { () throws(StoreError) in try to.deliver(signal, to: id) }
            if delivered { report.signalsCopied += 1 }
        }
    }

    private func copyDefinition(_ hash: String, from: any InstanceStore, to: any InstanceStore, dryRun: Bool,
                                report: inout StoreCopyReport) throws(StoreCopyError) {
        report.definitions += 1
        guard let bytes = try reading(source, { () throws(StoreError) in try from.loadDefinition(contentHash: hash) }) else {
            report.missingDefinitions.append(hash)
            return
        }
        let there = try reading(target) { () throws(StoreError) in try to.loadDefinition(contentHash: hash) }
        if there == bytes { return }
        if there != nil { throw StoreCopyError.mismatch(what: "pinned definition \(hash)", target: target) }
        report.definitionsCopied += 1
        if !dryRun { try reading(target) { () throws(StoreError) in try to.saveDefinition(bytes, contentHash: hash) } }
    }

    /// Reads everything back from the target: the same instance count and documents, every inbox signal,
    /// every definition's bytes.
    private func verify(_ ids: [String], definitions: Set<String>, from: any InstanceStore, to: any InstanceStore,
                        report: inout StoreCopyReport) throws(StoreCopyError) {
        let skipped = Set(report.conflicts + report.unreadable)
        let expected = ids.filter { !skipped.contains($0) }
        let present = Set(try reading(target) { () throws(StoreError) in try to.instanceIDs() })
        let missing = expected.filter { !present.contains($0) }
        guard missing.isEmpty else {
            throw StoreCopyError.mismatch(what: "\(missing.count) of \(expected.count) instances (first: \(missing[0]))", target: target)
        }
        for id in expected {
            let copied = try reading(target) { () throws(StoreError) in try to.load(id) }
            let original = try reading(source) { () throws(StoreError) in try from.load(id) }
            guard copied == original else { throw StoreCopyError.mismatch(what: "instance \(id)", target: target) }
            let there = try reading(target) { () throws(StoreError) in try to.inbox(of: id) }
            for signal in try reading(source, { () throws(StoreError) in try from.inbox(of: id) }) where !there.contains(signal) {
                throw StoreCopyError.mismatch(what: "signal \(signal.id) of instance \(id)", target: target)
            }
        }
        for hash in definitions where !report.missingDefinitions.contains(hash) {
            let copied = try reading(target) { () throws(StoreError) in try to.loadDefinition(contentHash: hash) }
            let original = try reading(source) { () throws(StoreError) in try from.loadDefinition(contentHash: hash) }
            guard copied == original else { throw StoreCopyError.mismatch(what: "pinned definition \(hash)", target: target) }
        }
        report.verified = expected.count
    }

    private func existingInstance(_ id: String, in store: any InstanceStore) throws(StoreCopyError) -> FlowInstance? {
        do throws(StoreError) {
            return try store.load(id)
        } catch {
            guard error.code == .notFound else { throw StoreCopyError.store(error, location: target) }
            return nil
        }
    }

    private func open(_ location: StoreLocation, role: String) throws(StoreCopyError) -> any InstanceStore {
        do {
            return try location.open()
        } catch {
            throw StoreCopyError.unopenable(role: role, location: location, detail: "\(error)")
        }
    }

    private func reading<T>(_ location: StoreLocation, _ body: () throws(StoreError) -> T) throws(StoreCopyError) -> T {
        do throws(StoreError) {
            return try body()
        } catch {
            throw StoreCopyError.store(error, location: location)
        }
    }
}
