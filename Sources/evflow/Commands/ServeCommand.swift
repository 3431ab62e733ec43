import ArgumentParser
import CurlHTTP
import EPayment
import EvflowServer
import FlowEngine
import Foundation
import Logging
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

            Environment: EVFLOW_API_TOKENS (comma-separated) or EVFLOW_API_TOKENS_FILE (a 0600 file); \
            EPAYMENT_* (the provider) and EPAYMENT_WEBHOOK_SECRET (without it webhooks are refused and the \
            worker relies on polling); EVFLOW_STATION_URL and EVFLOW_STATION_SECRET (signed callbacks of notify \
            steps); EVFLOW_HTTP_TIMEOUT (seconds per outbound request, default 30).

            SIGTERM or Ctrl-C stops accepting connections, lets steps in flight finish or park durably, and \
            exits with 0.

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
        let tokens: APITokens
        do {
            tokens = try APITokens.fromEnvironment()
        } catch {
            throw CommandFailure(.usage, "\(error)")
        }
        let store = try RunnerEnvironment.openStore(options)
        let definitions = try RunnerEnvironment.loadDefinitions(options, required: true, logger: logger)
        let payments = try RunnerEnvironment.paymentConfiguration(required: true, logger: logger)
        if payments.webhookSecret == nil {
            Output.note("warning: EPAYMENT_WEBHOOK_SECRET is not set: webhooks are refused with 401; payments are confirmed by polling only")
        }
        try await withHTTPClient(configuration: try RunnerEnvironment.httpConfiguration(), logger: logger) { http in
            let services = RuntimeServices(payments: EPaymentClient(configuration: payments, httpClient: http, logger: logger),
                                           notifier: try RunnerEnvironment.stationNotifier(http: http), clock: SystemFlowClock(), logger: logger)
            let runtime = try ServerRuntime(store: store, definitions: definitions, services: services, wrap: { CrashPointStore.wrap($0) })
            let configuration = ServerConfiguration(
                host: host, port: port, apiTokens: tokens, webhookSecret: payments.webhookSecret,
                maximumBodySize: maximumBodySize, pollInterval: .milliseconds(pollInterval))
            let server = EvflowServer(runtime: runtime, configuration: configuration, logger: logger)
            let host = self.host
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: server.services(onReady: { port in
                    // Written unbuffered: scripts and tests wait for this line to learn the port.
                    let line = "evflow serve listening on http://\(host):\(port) (state \(options.stateURL.path), flows \(definitions.keys.sorted().joined(separator: ", ")))\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            print("evflow serve stopped: every instance finished its step or parked durably")
        }
    }
}
