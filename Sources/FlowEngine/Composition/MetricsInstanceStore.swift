import Foundation
import Metrics
import Synchronization

/// An ``InstanceStore`` that forwards to another and derives the engine's metrics from what is saved: every
/// change the runner makes passes through `save`, so starts, endings, step durations and money moved are
/// counted without hooks in the interpreter.
///
/// It remembers the last seen version of each unfinished instance (a few numbers) to count only changes;
/// after a restart the first `load` sets that baseline, so nothing is counted twice.
package struct MetricsInstanceStore: InstanceStoreDecorator {
    private struct Snapshot: Sendable {
        var status: InstanceStatus
        var captured: Int64
        var cancelled: Int64
        var completedSteps: Int
    }

    private final class Seen: Sendable {
        let snapshots = Mutex<[String: Snapshot]>([:])
    }

    package let base: any InstanceStore
    private let seen = Seen()

    package init(base: any InstanceStore) {
        self.base = base
    }

    /// Counted and remembered before the run that `arrival` wakes can load or save the instance: remembering it
    /// after the create returned would reset the baseline behind that run's saves and count them twice.
    package func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance? {
        let counted = arrival.announcing { [self] in
            Counter(label: FlowMetrics.startedLabel, dimensions: [("flow", instance.flow.name)]).increment()
            remember(instance)
        }
        return try base.create(instance, arrival: counted)
    }

    package func load(_ id: String) throws(StoreError) -> FlowInstance {
        let instance = try base.load(id)
        if seen.snapshots.withLock({ $0[id] == nil }), !instance.status.isFinished { remember(instance) }
        return instance
    }

    package func save(_ instance: FlowInstance) throws(StoreError) {
        try base.save(instance)
        record(instance)
    }

    private static func snapshot(_ instance: FlowInstance) -> Snapshot {
        Snapshot(status: instance.status, captured: instance.payment?.captured ?? 0, cancelled: instance.payment?.cancelled ?? 0,
                 completedSteps: instance.steps.count { $0.completedAt != nil })
    }

    private func remember(_ instance: FlowInstance) {
        let snapshot = Self.snapshot(instance)
        seen.snapshots.withLock { $0[instance.id] = snapshot }
    }

    private func record(_ instance: FlowInstance) {
        let now = Self.snapshot(instance)
        let before = seen.snapshots.withLock { snapshots -> Snapshot? in
            let before = snapshots[instance.id]
            snapshots[instance.id] = now.status.isFinished ? nil : now
            return before
        }
        guard let before else { return }  // first sight after a restart, without a load: nothing to compare
        let flow = instance.flow.name
        if now.completedSteps > before.completedSteps {
            let completed = instance.steps.filter { $0.completedAt != nil }.suffix(now.completedSteps - before.completedSteps)
            for record in completed {
                guard let end = record.completedAt else { continue }
                let seconds = max(0, end.timeIntervalSince(record.enteredAt))
                Metrics.Timer(label: FlowMetrics.stepDurationLabel, dimensions: [("flow", flow), ("step", record.step)])
                    .recordNanoseconds(Int64(seconds * 1e9))
            }
        }
        if let currency = instance.payment?.currency {
            if now.captured > before.captured {
                Counter(label: FlowMetrics.capturedLabel, dimensions: [("currency", currency)]).increment(by: now.captured - before.captured)
            }
            if now.cancelled > before.cancelled {
                Counter(label: FlowMetrics.releasedLabel, dimensions: [("currency", currency)]).increment(by: now.cancelled - before.cancelled)
            }
        }
        if now.status != before.status {
            if now.status == .succeeded { Counter(label: FlowMetrics.succeededLabel, dimensions: [("flow", flow)]).increment() }
            if now.status == .failed { Counter(label: FlowMetrics.failedLabel, dimensions: [("flow", flow)]).increment() }
        }
    }
}
