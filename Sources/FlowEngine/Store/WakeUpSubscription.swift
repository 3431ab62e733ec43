/// What ``InstanceStore/subscribeToWakeUps(_:)`` returns: cancel it when the worker stops.
package protocol WakeUpSubscription: Sendable {
    func cancel()
}
