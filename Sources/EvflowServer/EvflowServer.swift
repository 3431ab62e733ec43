import EPayment
import FlowEngine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `evflow serve`: the HTTP API for charging backends, the ePayment webhook receiver, `/healthz`, `/metrics` and
/// the worker, as two services for one `ServiceGroup`.
///
/// Graceful shutdown (SIGTERM, SIGINT) stops the listener first, then lets the worker finish its round: every
/// step in flight finishes or parks durably.
///
/// ```swift
/// let metrics = ServerMetrics()
/// MetricsSystem.bootstrap(metrics.factory)  // the executable's call, once per process
/// let server = EvflowServer(runtime: runtime, configuration: configuration, metrics: metrics, logger: logger)
/// try await ServiceGroup(configuration: .init(services: server.services(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
/// ```
package struct EvflowServer: Sendable {
    package let runtime: ServerRuntime
    package let configuration: ServerConfiguration
    /// What `/metrics` renders: the registry of the swift-metrics backend the process bootstrapped.
    package let metrics: ServerMetrics
    package let logger: Logger
    /// The webhook secret (or its file, watched for changes), shared by the receiver and ``WebhookSecretWatcher``.
    let webhookSecrets: WebhookSecrets?
    /// The console's signed-in sessions and its failed-sign-in delay, one of each per server.
    let consoleSessions = ConsoleSessions()
    let signInThrottle: SignInThrottle

    package init(runtime: ServerRuntime, configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger,
                 signInDelay: Duration = .milliseconds(500)) {
        self.runtime = runtime
        self.signInThrottle = SignInThrottle(step: signInDelay)
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.webhookSecrets = configuration.webhookSecret.map {
            WebhookSecrets(secret: $0, file: configuration.webhookSecretFile, allowedClockSkew: configuration.webhookClockSkew)
        }
    }

    /// The routes, for in-process tests and for ``services(onReady:)``.
    package func router() -> Router<BasicRequestContext> {
        let metrics = self.metrics
        metrics.registerFlows(runtime.catalog.names)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("healthz") { _, _ in
            try JSONBody.response(.ok, Health(status: "ok", scheduled: runtime.runner.scheduledCount, references: runtime.references.count))
        }
        let metricsTokens = configuration.metricsToken.map { APITokens([$0.revealed]) }
        router.get("metrics") { request, _ in
            if let metricsTokens { try BearerAuthMiddleware<BasicRequestContext>.authorize(request, tokens: metricsTokens, setting: APITokens.metricsVariable) }
            metrics.setPaymentsNearCaptureDeadline(runtime.captureDeadlines.nearDeadline(at: runtime.clock.now))
            metrics.setLeaseStatistics(runtime.store.leaseStatistics)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        let bodyLimit = JSONBody.Limit(maximumSize: configuration.maximumBodySize, timeout: configuration.connectionLimits.bodyTimeout)
        WebhookRoutes(runtime: runtime, secrets: webhookSecrets, limit: bodyLimit, seen: RecentKeys(),
                      merchantSerialNumber: configuration.merchantSerialNumber, publicURL: configuration.publicURL)
            .register(on: router)
        let accepted = configuration.operatorTokens.map { configuration.apiTokens.union($0) } ?? configuration.apiTokens
        let api = router.group("v1").add(middleware: BearerAuthMiddleware(tokens: accepted))
        let operatorOnly = api.group().add(middleware: OperatorOnlyMiddleware(tokens: configuration.operatorTokens))
        InstanceRoutes(runtime: runtime, limit: bodyLimit).register(on: api, operatorOnly: operatorOnly)
        RefundRoutes(runtime: runtime, limit: bodyLimit).register(on: operatorOnly)
        RepairRoutes(runtime: runtime, limit: bodyLimit, tokens: configuration.operatorTokens.map { $0.union(configuration.apiTokens) } ?? configuration.apiTokens)
            .register(on: operatorOnly)
        ConsoleRoutes(
            runtime: runtime,
            access: ConsoleAccess(apiTokens: configuration.apiTokens, operatorTokens: configuration.operatorTokens, readOnlyTokens: configuration.consoleReadOnlyTokens),
            sessions: consoleSessions, throttle: signInThrottle, secureCookies: configuration.publicURL?.scheme == "https",
            grace: configuration.consoleStuckGrace, limit: bodyLimit)
            .register(on: router)
        return router
    }

    /// The worker and the HTTP server, in the order a `ServiceGroup` should start them (it stops them in
    /// reverse: the listener first).
    /// - Parameter onReady: called with the bound port once connections are accepted.
    package func services(onReady: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        let worker = WorkerService(runner: runtime.runner, pollInterval: configuration.pollInterval)
        let port = configuration.port
        let app = Application(
            router: router(),
            server: GuardedHTTP1Channel.server(limits: configuration.connectionLimits),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "evflow"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? port) },
            logger: logger)
        guard let webhookSecrets, webhookSecrets.file != nil else { return [worker, app] }
        let clock = runtime.clock
        return [worker, WebhookSecretWatcher(secrets: webhookSecrets, clock: { clock.now }, logger: logger), app]
    }

    struct Health: Encodable {
        var status: String
        /// Unfinished instances the worker tracks.
        var scheduled: Int
        /// Payment references known to the webhook router.
        var references: Int
    }
}
