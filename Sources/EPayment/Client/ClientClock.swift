/// The time source of a client: elapsed time and sleeping, taken from any `Clock` so tests can run retries and
/// token expiry on a virtual clock.
package struct ClientClock: Sendable {
    /// Time elapsed since the clock was created.
    package let now: @Sendable () -> Duration
    /// Sleeps for a duration; throws `CancellationError` when the task is cancelled.
    package let sleep: @Sendable (Duration) async throws -> Void

    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleep = { duration in try await clock.sleep(for: duration) }
    }
}
