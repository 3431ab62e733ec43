import Synchronization

/// Wakes callers waiting for one instance to make progress: rung whenever a run saves that instance, and when the
/// run ends. What ``FlowRunner/start(flow:id:inputs:waitingFor:timeout:)`` waits on, so a landing page's start
/// answers as soon as the worker saved the payment, without polling the state folder.
///
/// A ring reaches every current watcher of the instance; one that arrives while a watcher is not waiting is
/// remembered for that watcher, so its next ``wait(_:upTo:)`` returns at once and it reads the instance again.
package final class ProgressBell: Sendable {
    /// One caller's interest in one instance, from ``watch(_:)`` until ``stopWatching(_:)``.
    package struct Watch: Sendable {
        let id: String
        let token: UInt64
    }

    private struct Watcher {
        var rung = false
        var continuation: CheckedContinuation<Void, Never>?
    }

    private struct State {
        var nextToken: UInt64 = 0
        var watchers: [String: [UInt64: Watcher]] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Starts remembering rings for `id`; call it before reading the instance, so no save in between is missed.
    package func watch(_ id: String) -> Watch {
        state.withLock { state in
            state.nextToken += 1
            state.watchers[id, default: [:]][state.nextToken] = Watcher()
            return Watch(id: id, token: state.nextToken)
        }
    }

    package func stopWatching(_ watch: Watch) {
        let continuation = state.withLock { state in
            let watcher = state.watchers[watch.id]?.removeValue(forKey: watch.token)
            if state.watchers[watch.id]?.isEmpty == true { state.watchers[watch.id] = nil }
            return watcher?.continuation
        }
        continuation?.resume()
    }

    /// Wakes every watcher of `id`: its state was saved (or its run ended).
    package func ring(_ id: String) {
        let continuations = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard var watchers = state.watchers[id] else { return [] }
            var woken: [CheckedContinuation<Void, Never>] = []
            for token in watchers.keys {
                watchers[token]?.rung = true
                if let continuation = watchers[token]?.continuation { woken.append(continuation) }
                watchers[token]?.continuation = nil
            }
            state.watchers[id] = watchers
            return woken
        }
        for continuation in continuations { continuation.resume() }
    }

    /// Returns when the instance was rung since the last wait, after `duration`, or when the task is cancelled.
    package func wait(_ watch: Watch, upTo duration: Duration) async {
        if takeRing(watch) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: duration)
                    self.wake(watch)
                } catch {}
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in self.park(continuation, watch) }
                } onCancel: {
                    self.wake(watch)
                }
            }
            await group.next()
            group.cancelAll()
        }
        // The caller reads the instance next, which sees every save whose ring this clears.
        _ = takeRing(watch)
    }

    private func takeRing(_ watch: Watch) -> Bool {
        state.withLock { state in
            guard state.watchers[watch.id]?[watch.token]?.rung == true else { return false }
            state.watchers[watch.id]?[watch.token]?.rung = false
            return true
        }
    }

    private func wake(_ watch: Watch) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.watchers[watch.id]?[watch.token] != nil else { return nil }
            state.watchers[watch.id]?[watch.token]?.rung = true
            defer { state.watchers[watch.id]?[watch.token]?.continuation = nil }
            return state.watchers[watch.id]?[watch.token]?.continuation
        }
        continuation?.resume()
    }

    private func park(_ continuation: CheckedContinuation<Void, Never>, _ watch: Watch) {
        let resumeNow = state.withLock { state -> Bool in
            guard let watcher = state.watchers[watch.id]?[watch.token], !watcher.rung else { return true }
            state.watchers[watch.id]?[watch.token]?.continuation = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }
}
