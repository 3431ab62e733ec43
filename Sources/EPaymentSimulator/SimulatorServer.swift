import Synchronization
import CurlHTTP
import Hummingbird
import Logging

/// Serves a ``Simulator`` over HTTP (Hummingbird) with its webhook dispatcher and expiry sweeper, for as long as
/// the calling task runs. Cancel the task to stop it; nothing outlives ``run(onReady:)``.
///
/// ```swift
/// let simulator = Simulator(configuration: SimulatorConfiguration(port: 0))
/// try await SimulatorServer(simulator: simulator).run { url in print("listening on \(url)") }
/// ```
public struct SimulatorServer: Sendable {
    /// The simulator being served.
    public let simulator: Simulator

    public init(simulator: Simulator) { self.simulator = simulator }

    /// Binds, reports the base URL through `onReady` once connections are accepted, and serves until cancelled.
    ///
    /// Serve a simulator once: its webhook queue has a single consumer.
    /// - Throws: when the address cannot be bound.
    public func run(onReady: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        let router = Router(context: SimulatorRequestContext.self)
        EPaymentRoutes(simulator: simulator).register(on: router)
        ControlRoutes(simulator: simulator).register(on: router)
        let configuration = simulator.configuration
        let simulator = self.simulator
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
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                group.addTask { await WebhookDispatcher(simulator: simulator, client: client).run() }
                group.addTask { await sweep() }
                // The server ends only by cancellation or a bind failure; either way stop the helpers too.
                defer { group.cancelAll() }
                try await group.next()
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
/// connections, then shuts it down, also when `body` throws.
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
    return try await withThrowingTaskGroup(of: Void.self) { group in
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        group.addTask {
            defer { readyContinuation.finish() }
            try await SimulatorServer(simulator: simulator).run { _ in readyContinuation.yield() }
        }
        for await _ in ready { break }
        guard simulator.state.withLock({ $0.baseURL != nil }) else {
            // The server stopped before it was ready: surface its error.
            try await group.next()
            throw SimulatorError.notRunning
        }
        do {
            let result = try await body(simulator)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
