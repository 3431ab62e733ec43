import FlowEngine
import Foundation
import Logging
import ServiceLifecycle

/// The worker of `evflow serve`: recovers unfinished instances, then runs each as soon as it is due (a start or
/// signal through the API, a webhook, a timer) until graceful shutdown.
///
/// Shutdown lets runs finish: payment calls in flight complete and every instance is saved (finished or parked
/// durably on its timer or signal) before ``run()`` returns. Past `EVFLOW_SHUTDOWN_TIMEOUT` the service group
/// cancels what still runs; a cancelled step parks with its intent already durable and is confirmed on restart.
struct WorkerService: Service {
    let runner: FlowRunner
    let pollInterval: Duration

    func run() async throws {
        await withGracefulShutdownHandler {
            await runner.work(pollInterval: pollInterval, while: { !Task.isShuttingDownGracefully })
        } onGracefulShutdown: {
            runner.wakeWorker()
        }
    }
}
