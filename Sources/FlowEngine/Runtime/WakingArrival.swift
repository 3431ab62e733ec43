import Synchronization

/// The ``Arrival`` a start or signal hands its store, remembering whether the store announced it: a write the store
/// accepted without announcing (a layer that forwards to the store through ``InstanceStore/create(_:)``, say)
/// still wakes its instance once it returns, instead of waiting for the next poll.
final class WakingArrival: Sendable {
    private let wake: @Sendable () -> Void
    private let announced = Mutex(false)
    private let patience: Duration

    init(patience: Duration, wake: @escaping @Sendable () -> Void) {
        self.wake = wake
        self.patience = patience
    }

    var value: Arrival {
        Arrival(announce: { [self] in
            announced.withLock { $0 = true }
            wake()
        }, patience: patience)
    }

    /// Wakes the instance if the store did not: call once the write returned and was accepted.
    func wakeUnlessAnnounced() {
        if !announced.withLock({ $0 }) { wake() }
    }
}
