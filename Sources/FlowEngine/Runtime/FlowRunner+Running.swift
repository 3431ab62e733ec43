import Foundation
import Logging
import Synchronization

/// Running one instance under its lock: absorbing its inbox, advancing it, rescheduling it.
extension FlowRunner {
    /// Runs one instance under its lock; what goes wrong is logged and the instance rescheduled (a worker's view).
    package func run(_ id: String) async {
        do {
            try await runReporting(id)
        } catch let error as FlowError where error.code == .outcomeNotSaved {
            // Kept for a worker command to print; bounded, since serve does not collect them (it logs them).
            unsavedOutcomes.withLock { if $0.count < 100 { $0.append(error) } }
            logger.error("payment outcome not saved", metadata: ["instance": "\(id)", "error": "\(error)"])
        } catch {}
    }

    /// The runs since the last call whose payment call returned but whose outcome could not be saved (the step may
    /// have taken effect; it is confirmed on the next run). `evflow run` prints them and exits non-zero.
    package func takeUnsavedOutcomes() -> [FlowError] {
        unsavedOutcomes.withLock { reports in
            defer { reports = [] }
            return reports
        }
    }

    /// Runs one instance under its lock, as ``run(_:)``, and also throws what went wrong, for an operator's
    /// command to report (a save that failed after a payment call, say) and exit non-zero.
    package func runReporting(_ id: String) async throws {
        defer { progress.ring(id) }
        let lock: (any InstanceLock)?
        do {
            lock = try store.lock(id)
        } catch where error.code == .invalidID || error.code == .incompatibleSchema {
            // Only these say something about the instance (or the store) that no retry changes.
            record(problem: "\(error)", for: id)
            throw error
        } catch {
            // The database is down or refused the claim, the process ran out of descriptors, the disk is full:
            // taking a lock reads nothing of the instance, so nothing is wrong with it. It is tried again, not set
            // aside as unrunnable until this process restarts (which also stopped its signals from waking it).
            retryLater(id, "cannot take the instance's lock; will retry", error)
            throw error
        }
        guard let lock else {
            // Another runner has it. In a folder that is a CLI command or a process that died holding it: look
            // again in a second rather than spinning on it. In a shared store it is another worker, which runs the
            // instance on (its signals and timers reach that worker), and if that worker stops, its lease expires
            // and the poll finds the instance claimable: looking again every second from every other worker only
            // cost each of them a claim, a load and a save per wake-up, and more with each worker added.
            return reschedule(id, at: sharesStore ? nil : services.clock.now.addingTimeInterval(1))
        }
        defer { lock.release() }
        do {
            var instance = try store.load(id)
            let mail = try absorbInbox(&instance)
            guard !instance.status.isFinished else {
                try settleInbox(mail, of: &instance, savedSince: false)
                reschedule(id, at: nil)
                completed(instance)
                return
            }
            let definition = try catalog.definition(for: instance.flow)
            let store = self.store
            let clock = services.clock
            let saves = SaveTally()
            let progress = self.progress
            var interpreter = Interpreter(definition: definition, services: services) { instance in
                instance.updatedAt = clock.now
                try store.save(instance)
                saves.count += 1
                progress.ring(instance.id)
            }
            // A store with leases is shared by workers that claim by the saved wake time.
            interpreter.skipsUnchangedPollSaves = !sharesStore
            // Once the run has saved, that save's sync covered every input it absorbed (they were appended first).
            interpreter.awaitDurability = { if saves.count == 0 { try store.awaitDurability() } }
            try await interpreter.advance(&instance)
            try settleInbox(mail, of: &instance, savedSince: saves.count > 0)
            reschedule(id, at: instance.status.isFinished ? nil : (instance.wakeAt ?? .distantFuture))
            if instance.status.isFinished {
                logger.info("finished", metadata: ["instance": "\(id)", "status": "\(instance.status)"])
                completed(instance)
            }
        } catch let error as StoreError where error.code == .leaseLost {
            // Fenced: this worker was paused or cut off past its lease and another one took the instance over.
            // Let go of it (no retry here: the new owner runs it, and settles any call made here by its key).
            logger.warning("lease lost; another worker took the instance over", metadata: ["instance": "\(id)", "error": "\(error)"])
            reschedule(id, at: nil)
            throw error
        } catch let error as StoreError where error.code == .corrupt {
            if error.quarantinedTo != nil, let path = error.path, !path.hasSuffix("/instances/\(id).json") {
                // A damaged signal, already set aside: the instance itself is fine and runs again at once.
                logger.error("signal set aside", metadata: ["instance": "\(id)", "problem": "\(error)"])
                return reschedule(id, at: services.clock.now)
            }
            record(problem: error.description, for: id)
            throw error
        } catch let error as StoreError where error.code == .invalidID || error.code == .incompatibleSchema {
            // No retry changes these (as when taking the lock).
            record(problem: error.description, for: id)
            throw error
        } catch is CancellationError {
            return
        } catch {
            retryLater(id, "run failed; will retry", error)
            throw error
        }
    }

    /// How long a failure that may pass (a database down, a full disk, a process out of descriptors) waits before
    /// the instance is tried again: short enough that a blip costs seconds, long enough not to spin on an outage.
    static let retryDelay: TimeInterval = 5

    /// Logs `message` and schedules `id` again after ``retryDelay``: the one path for failures that say nothing
    /// about the instance itself, so it is never set aside for them.
    func retryLater(_ id: String, _ message: Logger.Message, _ error: any Error) {
        logger.error(message, metadata: ["instance": "\(id)", "error": "\(error)"])
        reschedule(id, at: services.clock.now.addingTimeInterval(Self.retryDelay))
    }

    /// What ``absorbInbox(_:)`` took from the inbox.
    struct AbsorbedMail {
        /// Every signal file read, to remove once the instance is saved with them.
        var signalIDs: [String] = []
        /// Some were new to the instance, so it must be saved before their files go.
        var changedInstance = false
    }

    /// Moves new signals from the inbox into the instance, in memory only: they become durable with the run's
    /// first save (the interpreter saves before any side effect, and whenever it parks or ends), and only then
    /// are their inbox files removed (``settleInbox(_:of:savedSince:)``). A crash in between leaves the files, and
    /// the next run absorbs them again or, already seen, just removes them.
    private func absorbInbox(_ instance: inout FlowInstance) throws -> AbsorbedMail {
        let mail = try store.inbox(of: instance.id)
        var absorbed = AbsorbedMail(signalIDs: mail.map(\.id))
        for signal in mail where !instance.seenSignalIDs.contains(signal.id) {
            absorbed.changedInstance = true
            instance.seenSignalIDs.insert(signal.id)
            if !instance.status.isFinished {
                instance.log("received", step: instance.currentStep, "signal \(signal.name) \(signal.id)", at: services.clock.now)
                if let kept = instance.absorbMeterReading(signal, at: services.clock.now) { instance.pendingSignals.append(kept) }
            }
        }
        if absorbed.changedInstance && instance.status == .waiting { instance.status = .running }
        return absorbed
    }

    /// Removes absorbed signal files, after saving the instance if the run did not save it since absorbing them.
    private func settleInbox(_ mail: AbsorbedMail, of instance: inout FlowInstance, savedSince: Bool) throws {
        guard !mail.signalIDs.isEmpty else { return }
        if mail.changedInstance && !savedSince {
            instance.updatedAt = services.clock.now
            try store.save(instance)
        }
        try store.removeFromInbox(mail.signalIDs, of: instance.id)
    }
}
