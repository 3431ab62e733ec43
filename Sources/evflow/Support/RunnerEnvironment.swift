import CurlHTTP
import EPayment
import FlowEngine
import Foundation
import Logging

/// Turns the command line and the environment into an ``EvflowConfiguration`` and runs a command with the
/// ``EvflowRuntime`` it assembles (and its HTTP client) for the command's lifetime.
///
/// - State: `--store` (env `EVFLOW_STORE`): a `postgres://` URL or a folder; else `--state-dir` (env
///   `EVFLOW_STATE_DIR`, default `./state`). `EVFLOW_LEASE_SECONDS` sets a database store's lease (default 15).
/// - Definitions: `--flows-dir` (default `./flows`).
/// - Payments: `EPAYMENT_*` variables or `EPAYMENT_CONFIG_FILE` (mode 0600); see `EPaymentConfiguration`.
/// - Station callbacks: `EVFLOW_STATION_URL` and `EVFLOW_STATION_SECRET` for the `station` endpoint. Without
///   them `notify` steps are skipped and recorded as such in the instance's history. A URL without a secret, with
///   credentials, or with plain http to a host other than loopback is a start-up error.
/// - Outbound HTTP: `EVFLOW_HTTP_TIMEOUT`, seconds one request (payment or station call) may take; default 30.
/// - Capture windows: `EVFLOW_CAPTURE_WINDOWS` (`NOK=180d,DKK=14d,EUR=14d`, the provider's by default).
struct RunnerEnvironment: Sendable {
    /// What a command needs from the environment.
    struct Requirements: Sendable {
        /// The command may call the payment provider: `EPAYMENT_*` must be set and valid.
        var payments: Bool
        /// The command starts instances: every definition in the flows folder must be valid. Otherwise an
        /// invalid or missing folder is logged and instances run on their pinned definitions.
        var definitions: Bool
    }

    static let stationURLVariable = "EVFLOW_STATION_URL"
    static let stationSecretVariable = "EVFLOW_STATION_SECRET"
    static let httpTimeoutVariable = "EVFLOW_HTTP_TIMEOUT"

    /// The assembled engine: runner, layered store, catalog.
    let runtime: EvflowRuntime
    /// Sees every save the runner makes, for progress lines.
    let observer: SaveObserver
    let definitions: [String: FlowDefinition]
    let logger: Logger

    var runner: FlowRunner { runtime.runner }
    /// The store with every layer, as the runner sees it.
    var store: any InstanceStore { runtime.store }
    /// The flows folder's definitions and every pinned one, to type signal data and draw graphs.
    var catalog: DefinitionCatalog { runtime.catalog }
    var inspector: InstanceInspector { runtime.inspector }

    /// Runs `body` with a runtime wired to the state folder, the provider and the station backend.
    /// - Throws: what `body` throws; `CommandFailure` for a bad environment (exit 2) or state folder (exit 4).
    static func with<Result>(
        _ options: RunnerOptions, requiring requirements: Requirements, logger: Logger,
        _ body: (RunnerEnvironment) async throws -> Result
    ) async throws -> Result {
        let definitions = try loadDefinitions(options, required: requirements.definitions, logger: logger)
        let payments = try paymentConfiguration(required: requirements.payments, logger: logger)
        var configuration = try configuration(options, definitions: definitions, payments: payments, logger: logger)
        let observer = SaveObserver()
        configuration.saveHooks.append { observer.record($0) }
        return try await run(configuration) { runtime in
            try await body(RunnerEnvironment(runtime: runtime, observer: observer, definitions: definitions, logger: logger))
        }
    }

    /// The configuration every command builds its runtime from: the state folder, the definitions, the
    /// provider settings, the station endpoint, the HTTP timeout and the crash-test failpoint.
    static func configuration(
        _ options: RunnerOptions, definitions: [String: FlowDefinition], payments: EPaymentConfiguration, logger: Logger
    ) throws -> EvflowConfiguration {
        var configuration = EvflowConfiguration(store: try options.storeLocation(), definitions: definitions, payments: .settings(payments))
        configuration.stations = try stationEndpoints()
        configuration.http = try httpConfiguration()
        configuration.logger = logger
        configuration.crashPoint = CrashPoint.fromEnvironment()
        configuration.captureWindows = try captureWindows()
        return configuration
    }

    /// Runs `body` with the runtime `configuration` assembles; a state folder that cannot be opened is exit 4.
    static func run<Result>(_ configuration: EvflowConfiguration, _ body: (EvflowRuntime) async throws -> Result) async throws -> Result {
        try await run(configuration, assemble: { try EvflowRuntime($0, httpClient: $1) }, body)
    }

    /// Runs `body` with what `assemble` builds from `configuration` on the HTTP client the command owns (the
    /// runtime, or `serve`'s ``ServerRuntime`` around it); a state folder that cannot be opened is exit 4.
    static func run<Runtime, Result>(
        _ configuration: EvflowConfiguration, assemble: (EvflowConfiguration, HTTPClient) throws -> Runtime,
        _ body: (Runtime) async throws -> Result
    ) async throws -> Result {
        try await withHTTPClient(configuration: configuration.http, logger: configuration.logger) { http in
            let runtime: Runtime
            do {
                runtime = try assemble(configuration, http)
            } catch let error as StoreError {
                if error.code == .unavailable { throw CommandFailure(.unavailable, "cannot open the store \(configuration.store): \(error)") }
                throw CommandFailure(.state, "cannot open the store \(configuration.store): \(error)")
            }
            return try await body(runtime)
        }
    }

    /// The flows folder's definitions, by name.
    static func loadDefinitions(_ options: RunnerOptions, required: Bool, logger: Logger) throws -> [String: FlowDefinition] {
        do {
            return try FlowDefinitionLoader().load(directory: options.flowsURL)
        } catch {
            if required { throw error }
            logger.info("flow definitions not loaded; running instances on their pinned definitions",
                           metadata: ["flowsDir": "\(options.flowsURL.path)", "problem": "\(error.issues.first?.description ?? "")"])
            return [:]
        }
    }

    static func paymentConfiguration(
        required: Bool, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> EPaymentConfiguration {
        do {
            return try EPaymentConfiguration.fromEnvironment(environment)
        } catch {
            if required {
                throw CommandFailure(.usage, "payment provider settings: \(error)\n(set EPAYMENT_BASE_URL, EPAYMENT_CLIENT_ID, EPAYMENT_CLIENT_SECRET, EPAYMENT_SUBSCRIPTION_KEY and EPAYMENT_MSN, or EPAYMENT_CONFIG_FILE)")
            }
            // Commands that only write state never call the provider; a client pointing nowhere keeps it so.
            return EPaymentConfiguration(baseURL: "http://payments-not-configured.invalid", clientID: "unset",
                                         clientSecret: Secret("unset"), subscriptionKey: Secret("unset"), merchantSerialNumber: "0000")
        }
    }

    /// The outbound HTTP client's settings. `EVFLOW_HTTP_TIMEOUT` shortens (or lengthens) the 30-second limit
    /// per request, so a provider that hangs is given up on, and retried with the same idempotency key, sooner;
    /// the fault campaign uses it to turn injected latency into client timeouts.
    static func httpConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        guard let text = environment[httpTimeoutVariable], !text.isEmpty else { return configuration }
        guard let seconds = Double(text), seconds > 0, seconds <= 600 else {
            throw CommandFailure(.usage, "\(httpTimeoutVariable) must be a number of seconds above 0 and at most 600, got '\(text)'")
        }
        configuration.timeout = .milliseconds(Int64(seconds * 1000))
        return configuration
    }

    /// The `station` endpoint from `EVFLOW_STATION_URL` / `EVFLOW_STATION_SECRET`, or none.
    static func stationEndpoints(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: StationNotifier.Endpoint] {
        guard let url = environment[stationURLVariable], !url.isEmpty else { return [:] }
        if let problem = StationNotifier.Endpoint.problem(with: url) {
            throw CommandFailure(.usage, "\(stationURLVariable): \(problem)")
        }
        guard let secret = environment[stationSecretVariable].flatMap({ $0.isEmpty ? nil : Secret($0) }) else {
            throw CommandFailure(.usage, """
                \(stationURLVariable) is set but \(stationSecretVariable) is not: station callbacks are always signed \
                (Evflow-Signature), so the backend can tell them from forged ones; set \(stationSecretVariable) to the \
                secret the backend checks (make one with `openssl rand -hex 32`), or unset \(stationURLVariable) to skip notify steps
                """)
        }
        return ["station": .init(url: url, secret: secret)]
    }
}
