import Synchronization

/// The durable-work counters behind ``InstanceStore/statistics``, shared by every copy of a store value.
final class StoreCounters: Sendable {
    private let state = Mutex(StoreStatistics())

    func recordFsync() { state.withLock { $0.fsyncs += 1 } }
    func recordDurableWrite() { state.withLock { $0.durableWrites += 1 } }

    var snapshot: StoreStatistics { state.withLock { $0 } }
}
