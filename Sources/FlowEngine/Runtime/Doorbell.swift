import Synchronization

/// Wakes a waiting worker loop at once: rung when an instance is started or signalled, or when a run ends.
///
/// A ring with nobody waiting is remembered, so the next ``wait(upTo:)`` returns immediately; rings that arrive
/// together wake the loop once.
package final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    package init() {}

    package func ring() {
        let waiters = state.withLock { state in
            if state.waiters.isEmpty { state.rung = true }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when rung, after `duration`, or when the task is cancelled.
    package func wait(upTo duration: Duration) async {
        if state.withLock({ state in defer { state.rung = false }; return state.rung }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: duration)
                    self.ring()
                } catch {}
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in self.enqueue(continuation) }
                } onCancel: {
                    self.ring()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func enqueue(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { state in
            if state.rung {
                state.rung = false
                return true
            }
            state.waiters.append(continuation)
            return false
        }
        if resumeNow { continuation.resume() }
    }
}
