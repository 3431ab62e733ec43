import CurlHTTP
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Serves a ``Simulator`` over HTTP (Hummingbird) with its webhook dispatcher and expiry sweeper.
///
/// A `Service`: run it in your `ServiceGroup` (graceful shutdown stops it cleanly), or call ``run()`` in a task
/// you cancel. Nothing outlives ``run()``. For tests, ``withSimulator(configuration:clock:logger:_:)`` does all of
/// this for you.
///
/// ```swift
/// let simulator = Simulator(configuration: SimulatorConfiguration(port: 0))
/// let server = SimulatorServer(simulator: simulator) { url in print("listening on \(url)") }
/// try await ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
public struct SimulatorServer: Service {
    /// The simulator being served.
    public let simulator: Simulator
    private let onReady: @Sendable (String) async -> Void

    /// - Parameters:
    ///   - simulator: what to serve; serve a simulator once, as its webhook queue has a single consumer.
    ///   - onReady: called with the base URL (for example `http://127.0.0.1:49152`) once connections are accepted.
    public init(simulator: Simulator, onReady: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.simulator = simulator
        self.onReady = onReady
    }

    /// Binds, reports readiness, and serves until graceful shutdown or cancellation.
    /// - Throws: when the address cannot be bound.
    public func run() async throws {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: UnknownRouteMiddleware(simulator: simulator))
        EPaymentRoutes(simulator: simulator).register(on: router)
        WebhooksAPIRoutes(simulator: simulator).register(on: router)
        OrderManagementRoutes(simulator: simulator).register(on: router)
        ControlRoutes(simulator: simulator).register(on: router)
        let configuration = simulator.configuration
        let simulator = self.simulator
        let onReady = self.onReady
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
                let url = "http://\(host):\(port)"
                simulator.setBaseURL(url)
                await onReady(url)
            },
            logger: simulator.logger
        )
        defer { simulator.setBaseURL(nil) }
        try await withHTTPClient(logger: simulator.logger) { client in
            // Child results say whether the child was the server: helpers may finish early (no webhook
            // receivers, a manual clock); when the server ends (shutdown or bind failure) the helpers are cancelled.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await app.run()
                    return true
                }
                group.addTask {
                    await WebhookDispatcher(simulator: simulator, client: client).run()
                    return false
                }
                group.addTask {
                    await sweep()
                    return false
                }
                defer { group.cancelAll() }
                while let wasServer = try await group.next(), !wasServer {}
            }
        }
    }

    /// On the system clock, applies expiry and auto-approval as they fall due, so their webhooks go out without
    /// anyone polling. A manual clock sweeps in ``Simulator/advanceClock(by:)`` instead.
    private func sweep() async {
        guard !simulator.clock.isManual else { return }
        while !Task.isCancelled {
            simulator.sweep()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Starts a simulator on `configuration.host` (port 0 by default), runs `body` with it once it accepts
/// connections, then shuts it down gracefully, also when `body` throws.
///
/// ```swift
/// try await withSimulator(clock: .manual()) { sim in
///     let url = sim.baseURL   // e.g. http://127.0.0.1:49152
///     sim.setFault(FaultRule(responseLostRate: 1, times: 1), for: .capturePayment)
///     print(sim.ledger().payments.count)
/// }
/// ```
/// - Throws: what `body` throws, or the server's error when it could not start.
public func withSimulator<Result: Sendable>(
    configuration: SimulatorConfiguration = SimulatorConfiguration(),
    clock: SimulatorClock = .system(),
    logger: Logger = Logger(label: "evflow.epayment-sim"),
    _ body: (Simulator) async throws -> Result
) async throws -> Result {
    let simulator = Simulator(configuration: configuration, clock: clock, logger: logger)
    let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
    let server = SimulatorServer(simulator: simulator) { _ in readyContinuation.yield() }
    let services = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { readyContinuation.finish() }
            try await services.run()
        }
        for await _ in ready { break }
        guard simulator.state.withLock({ $0.baseURL != nil }) else {
            // The server stopped before it was ready: surface its error.
            try await group.next()
            throw SimulatorError.notRunning
        }
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(simulator))
        } catch {
            result = .failure(error)
        }
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        return try result.get()
    }
}
