import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An ``InstanceStore`` that fails at its ``CrashPoint``. It sits directly on the base store (see
/// ``EvflowRuntime``), so "after the third save" means after it is durable and before anything else has seen it.
final class CrashPointInstanceStore: InstanceStoreDecorator {
    let base: any InstanceStore
    let point: CrashPoint
    private let saves = Mutex(0)

    init(base: any InstanceStore, point: CrashPoint) {
        self.base = base
        self.point = point
    }

    func save(_ instance: FlowInstance) throws(StoreError) {
        let number = saves.withLock { $0 += 1; return $0 }
        let here = number == point.saveNumber
        if here && point.moment == .before { kill(getpid(), SIGKILL) }
        if here && point.moment == .full {
            throw StoreError(.io, instanceID: instance.id, detail: "No space left on device (ENOSPC, injected by \(CrashPoint.variable)); free disk space")
        }
        if here && point.moment == .journaled, let journaled = base as? any JournaledSaving {
            try journaled.save(instance) { kill(getpid(), SIGKILL) }
        }
        try base.save(instance)
        if here && (point.moment == .after || point.moment == .journaled) { kill(getpid(), SIGKILL) }
    }
}
