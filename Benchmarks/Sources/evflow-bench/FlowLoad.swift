import Foundation
import Synchronization

/// A closed loop: `concurrency` tasks, each starting the next session as soon as its previous one finished, so
/// that exactly that many are in flight at all times (what a charging backend with that many active stations
/// looks like, and what the DBOS driver does with threads).
///
/// Flows/s counts the sessions that finished inside the measured window, which opens after the warm-up and
/// once C/2 sessions have finished, and closes after `window` once C/2 more have (both waits bounded). The
/// sessions still in flight when it closes are then allowed to finish (and are checked), but not counted.
/// A failed session fails the benchmark: throughput of sessions that did not charge correctly means nothing.
enum FlowLoad {
    struct Result: Sendable {
        var concurrency: Int
        var measured: Int
        var seconds: Double
        var p50Milliseconds: Double?
        var p99Milliseconds: Double?
        /// Every session run, warm-up and drain included.
        var total: Int
        var drainSeconds: Double

        var perSecond: Double { seconds > 0 ? Double(measured) / seconds : 0 }
    }

    private struct Recorder {
        var next = 0
        var stop = false
        var completions: [(finished: ContinuousClock.Instant, latency: Duration)] = []
        var failures: [String] = []
    }

    /// The recorder shared by the loop's tasks.
    private final class SharedRecorder: Sendable {
        let state = Mutex(Recorder())
        func withLock<T>(_ body: (inout Recorder) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// Runs `session(n, worker)` for n = 0, 1, 2, ... with `concurrency` in flight until the window has
    /// closed; `worker` (0..<concurrency) names the loop task running it, for per-task resources.
    static func run(
        concurrency: Int, warmup: Duration, window: Duration,
        session: @escaping @Sendable (_ number: Int, _ worker: Int) async throws -> Void
    ) async throws -> Result {
        let clock = ContinuousClock()
        let recorder = SharedRecorder()
        let begin = clock.now
        var windowStart = begin
        var windowEnd = begin
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    while true {
                        let number: Int? = recorder.withLock { state in
                            if state.stop { return nil }
                            defer { state.next += 1 }
                            return state.next
                        }
                        guard let number else { return }
                        let started = clock.now
                        do {
                            try await session(number, worker)
                            let finished = clock.now
                            recorder.withLock { $0.completions.append((finished, finished - started)) }
                        } catch {
                            recorder.withLock { state in
                                state.failures.append("session \(number): \(error)")
                                state.stop = true
                            }
                        }
                    }
                }
            }
            // The window opens after the warm-up once half a generation (C/2 sessions) has finished, so that a
            // slow start at 256 sessions is not measured as throughput; it closes after `window` once another
            // C/2 have finished. Both waits are bounded, so an engine that stalls still ends the run.
            let quorum = max(1, concurrency / 2)
            let opened = try await waitUntil(clock: clock, atLeast: warmup, atMost: warmup + .seconds(15)) {
                recorder.withLock { $0.completions.count } >= quorum
            }
            windowStart = opened
            let countAtOpen = recorder.withLock { $0.completions.count }
            windowEnd = try await waitUntil(clock: clock, atLeast: window, atMost: window * 3) {
                recorder.withLock { $0.completions.count } - countAtOpen >= quorum
            }
            recorder.withLock { $0.stop = true }
            try await group.waitForAll()
        }
        let drained = clock.now
        let state = recorder.withLock { $0 }
        if !state.failures.isEmpty {
            throw BenchError("\(state.failures.count) session(s) failed at concurrency \(concurrency); first: \(state.failures.prefix(3).joined(separator: "; "))")
        }
        let inWindow = state.completions.filter { $0.finished >= windowStart && $0.finished < windowEnd }
        let latencies = inWindow.map { $0.latency / .milliseconds(1) }.sorted()
        return Result(
            concurrency: concurrency,
            measured: inWindow.count,
            seconds: (windowEnd - windowStart) / .seconds(1),
            p50Milliseconds: latencies.isEmpty ? nil : latencies[latencies.count / 2],
            p99Milliseconds: latencies.isEmpty ? nil : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))],
            total: state.completions.count,
            drainSeconds: (drained - windowEnd) / .seconds(1)
        )
    }

    /// Sleeps at least `minimum`, then until `done()` holds or `maximum` has passed; returns when it stopped.
    private static func waitUntil(
        clock: ContinuousClock, atLeast minimum: Duration, atMost maximum: Duration, _ done: () -> Bool
    ) async throws -> ContinuousClock.Instant {
        let start = clock.now
        try await Task.sleep(for: minimum)
        while !done() && clock.now - start < maximum {
            try await Task.sleep(for: .milliseconds(20))
        }
        return clock.now
    }
}
