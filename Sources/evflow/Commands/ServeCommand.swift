import ArgumentParser
import CurlHTTP
import EPayment
import EvflowServer
import FlowEngine
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals

/// `evflow serve`: the HTTP API, the webhook receiver, `/healthz`, `/metrics` and the worker in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API and the ePayment webhook receiver, and run the worker.",
        discussion: """
            Routes (docs/api.yaml): POST /v1/flows/{flow}/instances, GET /v1/instances/{id}, \
            GET /v1/instances?status=&flow=, POST /v1/instances/{id}/signals/{name}, POST /v1/instances/{id}/cancel \
            (all with 'Authorization: Bearer <token>'); POST /webhooks/epayment (HMAC signature only); \
            GET /healthz; GET /metrics (Prometheus text).

            Environment: EVFLOW_API_TOKENS (comma-separated, each at least 32 characters: openssl rand -hex 32) or \
            EVFLOW_API_TOKENS_FILE (a 0600 file); EVFLOW_OPERATOR_TOKENS or EVFLOW_OPERATOR_TOKENS_FILE (when set, only \
            these may cancel or refund, and a station backend's API token gets 403 there; they work on every other /v1 \
            route too); \
            EPAYMENT_* (the provider) and EPAYMENT_WEBHOOK_SECRET or EPAYMENT_WEBHOOK_SECRET_FILE (a 0600 file, as \
            'evflow webhooks register' writes it, re-read when it changes; without either, webhooks are refused and the worker \
            relies on polling); EVFLOW_PUBLIC_URL (scheme, host and optional path prefix the provider calls, e.g. \
            https://pay.example.com/evflow, when a proxy in front changes the host or strips the prefix: webhook \
            signatures are verified against it); EVFLOW_STATION_URL and EVFLOW_STATION_SECRET (signed callbacks of notify \
            steps; the secret is required and the URL must be https unless on loopback); EVFLOW_METRICS_TOKEN (when \
            set, GET /metrics needs 'Authorization: Bearer <it>'; unset, /metrics is open); EVFLOW_HTTP_TIMEOUT (seconds per outbound request, default 30).

            Limits per client (seconds unless noted): EVFLOW_HEADER_TIMEOUT (request head, default 10), \
            EVFLOW_BODY_TIMEOUT (request body, default 30), EVFLOW_IDLE_TIMEOUT (keep-alive, default 60), \
            EVFLOW_MAX_CONNECTIONS (open connections, default 256), EVFLOW_SHUTDOWN_TIMEOUT (default 10).

            SIGTERM or Ctrl-C stops accepting connections and lets requests and steps in flight finish for up to \
            EVFLOW_SHUTDOWN_TIMEOUT; then they are cancelled (a cancelled step parks durably and is confirmed \
            with the provider on restart) and evflow exits with 0.

            Examples:
              EVFLOW_API_TOKENS=$(cat /run/secrets/evflow-token) evflow serve --port 8080
              evflow serve --host 0.0.0.0 --port 8080 --state-dir /var/lib/evflow --log-level info
            """)

    @OptionGroup var options: RunnerOptions

    @Option(help: ArgumentHelp("The address to listen on.", valueName: "address"))
    var host: String = "127.0.0.1"

    @Option(help: ArgumentHelp("The port to listen on (0: any free port, printed at start).", valueName: "port"))
    var port: Int = 8080

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("How often to look for signals from other processes, in milliseconds.", valueName: "ms"))
    var pollInterval: Int = 200

    @Option(name: .customLong("max-body"), help: ArgumentHelp("The largest request body accepted, in bytes.", valueName: "bytes"))
    var maximumBodySize: Int = 64 * 1024

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (10...60_000).contains(pollInterval) else { throw ValidationError("--poll-interval must be 10 to 60000 milliseconds") }
        guard (1024...(16 << 20)).contains(maximumBodySize) else { throw ValidationError("--max-body must be 1024 to 16777216 bytes") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let metrics = ServerMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        let tokens: APITokens
        let operatorTokens: APITokens?
        let metricsToken: Secret?
        let consoleReadOnlyTokens: APITokens?
        do {
            tokens = try APITokens.fromEnvironment()
            operatorTokens = try APITokens.operatorTokens()
            consoleReadOnlyTokens = try APITokens.consoleReadOnlyTokens()
            metricsToken = try APITokens.metricsToken()
        } catch {
            throw CommandFailure(.usage, "\(error)")
        }
        let limits = try Self.connectionLimits()
        let publicURL: PublicURL?
        do {
            publicURL = try PublicURL.fromEnvironment()
        } catch {
            throw CommandFailure(.usage, "\(error)")
        }
        let definitions = try RunnerEnvironment.loadDefinitions(options, required: true, logger: logger)
        let payments = try RunnerEnvironment.paymentConfiguration(required: true, logger: logger)
        let runtimeConfiguration = try RunnerEnvironment.configuration(options, definitions: definitions, payments: payments, logger: logger)
        if payments.webhookSecret == nil {
            Output.note("warning: neither EPAYMENT_WEBHOOK_SECRET nor EPAYMENT_WEBHOOK_SECRET_FILE is set: webhooks are refused with 401; payments are confirmed by polling only (register one with `evflow webhooks register`)")
        }
        try await RunnerEnvironment.run(runtimeConfiguration, assemble: { try ServerRuntime($0, httpClient: $1) }) { runtime in
            let configuration = ServerConfiguration(
                host: host, port: port, apiTokens: tokens, webhookSecret: payments.webhookSecret,
                maximumBodySize: maximumBodySize, pollInterval: .milliseconds(pollInterval), connectionLimits: limits,
                merchantSerialNumber: payments.merchantSerialNumber, metricsToken: metricsToken, publicURL: publicURL,
                webhookSecretFile: ProcessInfo.processInfo.environment[EPaymentConfiguration.EnvironmentKey.webhookSecretFile].flatMap { $0.isEmpty ? nil : $0 },
                operatorTokens: operatorTokens, consoleReadOnlyTokens: consoleReadOnlyTokens)
            let server = EvflowServer(runtime: runtime, configuration: configuration, metrics: metrics, logger: logger)
            let host = self.host
            var groupConfiguration = ServiceGroupConfiguration(
                services: server.services(onReady: { port in
                    // Written unbuffered: scripts and tests wait for this line to learn the port.
                    let line = "evflow serve listening on http://\(host):\(port) (store \(runtime.runtime.location), flows \(definitions.keys.sorted().joined(separator: ", ")))\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // Past the deadline, whatever still runs (a half-sent request, a step waiting on the provider) is
            // cancelled: a cancelled step parks, its intent already durable. A run that ignores cancellation
            // for another 10 s is a bug; the process then aborts rather than hang (the state folder is crash-safe).
            groupConfiguration.maximumGracefulShutdownDuration = limits.shutdownTimeout
            groupConfiguration.maximumCancellationDuration = .seconds(10)
            try await ServiceGroup(configuration: groupConfiguration).run()
            print("evflow serve stopped: every instance finished its step or parked durably")
        }
    }

    /// The per-client limits from `EVFLOW_HEADER_TIMEOUT`, `EVFLOW_BODY_TIMEOUT`, `EVFLOW_IDLE_TIMEOUT`,
    /// `EVFLOW_SHUTDOWN_TIMEOUT` (seconds, decimals allowed) and `EVFLOW_MAX_CONNECTIONS`; unset ones keep their
    /// defaults (``ConnectionLimits``).
    static func connectionLimits(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConnectionLimits {
        var limits = ConnectionLimits()
        func seconds(_ name: String, _ keyPath: WritableKeyPath<ConnectionLimits, Duration>) throws {
            guard let text = environment[name], !text.isEmpty else { return }
            guard let value = Double(text), value > 0, value <= 3600 else {
                throw CommandFailure(.usage, "\(name) must be a number of seconds above 0 and at most 3600, got '\(text.prefix(40))'")
            }
            limits[keyPath: keyPath] = .milliseconds(Int64((value * 1000).rounded(.up)))
        }
        try seconds("EVFLOW_HEADER_TIMEOUT", \.headerTimeout)
        try seconds("EVFLOW_BODY_TIMEOUT", \.bodyTimeout)
        try seconds("EVFLOW_IDLE_TIMEOUT", \.idleTimeout)
        try seconds("EVFLOW_SHUTDOWN_TIMEOUT", \.shutdownTimeout)
        if let text = environment["EVFLOW_MAX_CONNECTIONS"], !text.isEmpty {
            guard let count = Int(text), (1...100_000).contains(count) else {
                throw CommandFailure(.usage, "EVFLOW_MAX_CONNECTIONS must be a whole number from 1 to 100000, got '\(text.prefix(40))'")
            }
            limits.maximumConnections = count
        }
        return limits
    }
}
