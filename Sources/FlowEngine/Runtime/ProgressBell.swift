import Synchronization

/// Wakes callers waiting for one instance to make progress: rung whenever a run saves that instance, and when the
/// run ends. What ``FlowRunner/start(flow:id:inputs:waitingFor:timeout:)`` waits on, so a landing page's start
/// answers as soon as the worker saved the payment, without polling the state folder.
///
/// Each watcher has a ``Doorbell`` of its own: a ring reaches every current watcher of the instance, and one that
/// arrives while a watcher is not waiting is remembered, so its next ``wait(_:upTo:)`` returns at once and it reads
/// the instance again.
package final class ProgressBell: Sendable {
    /// One caller's interest in one instance, from ``watch(_:)`` until ``stopWatching(_:)``.
    package struct Watch: Sendable {
        let id: String
        let token: UInt64
        let doorbell: Doorbell
    }

    private struct State {
        var nextToken: UInt64 = 0
        var watchers: [String: [UInt64: Doorbell]] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Starts remembering rings for `id`; call it before reading the instance, so no save in between is missed.
    package func watch(_ id: String) -> Watch {
        let doorbell = Doorbell()
        return state.withLock { state in
            state.nextToken += 1
            state.watchers[id, default: [:]][state.nextToken] = doorbell
            return Watch(id: id, token: state.nextToken, doorbell: doorbell)
        }
    }

    package func stopWatching(_ watch: Watch) {
        state.withLock { state in
            state.watchers[watch.id]?[watch.token] = nil
            if state.watchers[watch.id]?.isEmpty == true { state.watchers[watch.id] = nil }
        }
        watch.doorbell.ring()  // a wait still parked on it returns
    }

    /// Wakes every watcher of `id`: its state was saved (or its run ended).
    package func ring(_ id: String) {
        let doorbells = state.withLock { state in state.watchers[id].map { Array($0.values) } ?? [] }
        for doorbell in doorbells { doorbell.ring() }
    }

    /// Returns when the instance was rung since the last wait, after `duration`, or when the task is cancelled.
    package func wait(_ watch: Watch, upTo duration: Duration) async {
        await watch.doorbell.wait(upTo: duration)
    }
}
