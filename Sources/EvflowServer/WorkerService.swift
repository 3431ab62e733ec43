import FlowEngine
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Rung by the API when it stores a start or a signal, so the worker runs it now instead of at its next poll.
package final class Doorbell: Sendable {
    private let rung = Mutex(false)

    package init() {}

    package func ring() { rung.withLock { $0 = true } }

    /// Returns when rung, after `duration`, or when shutdown or cancellation is requested.
    func wait(upTo duration: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: duration)
        while clock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully {
            if rung.withLock({ was in defer { was = false }; return was }) { return }
            try? await Task.sleep(for: min(.milliseconds(5), deadline - clock.now))
        }
    }
}

/// The worker of `evflow serve`: recovers unfinished instances, then runs what is due until graceful shutdown.
///
/// Shutdown never cancels a round: payment calls in flight finish and every instance is saved (finished or
/// parked durably on its timer or signal) before ``run()`` returns.
struct WorkerService: Service {
    let runner: FlowRunner
    let doorbell: Doorbell
    let pollInterval: Duration
    let logger: Logger

    func run() async throws {
        let found = try runner.recover()
        logger.info("worker started", metadata: ["unfinished": "\(found)"])
        for (id, problem) in runner.unrunnable.sorted(by: { $0.key < $1.key }) {
            logger.warning("instance cannot run", metadata: ["instance": "\(id)", "problem": "\(problem)"])
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await runner.runDue()
            var pause = pollInterval
            if let next = runner.nextWake {
                let seconds = max(0, next.timeIntervalSinceNow)
                pause = min(pause, .milliseconds(Int64(seconds * 1000)))
            }
            await doorbell.wait(upTo: pause)
        }
        logger.notice("worker stopped: every instance finished its step or parked durably")
    }
}
