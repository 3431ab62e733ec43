import CurlHTTP
import EPayment
import EPaymentSimulator
import EvflowServer
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One simulator (system clock, the customer approving after `autoApproveAfter`), one station backend, a state
/// folder and a port; ``withServer(_:)`` runs `evflow serve` on them, as often as a test needs (restarts).
final class ServeFixture: Sendable {
    static let token = "serve-test-token-0123456789abcdef0123"
    static let webhookSecret = "serve-test-webhook-secret"

    let simulator: Simulator
    let station: StationBackendStub
    let stationURL: String
    let http: HTTPClient
    let flows: URL
    let stateDirectory: URL
    /// Where the server keeps instances: the state folder, or a PostgreSQL schema (``ServeStoreKind``).
    let store: StoreLocation
    let port: Int
    let webhooksEnabled: Bool

    init(simulator: Simulator, station: StationBackendStub, stationURL: String, http: HTTPClient, flows: URL,
         stateDirectory: URL, store: StoreLocation? = nil, port: Int, webhooksEnabled: Bool) {
        self.simulator = simulator
        self.station = station
        self.stationURL = stationURL
        self.http = http
        self.flows = flows
        self.stateDirectory = stateDirectory
        self.store = store ?? .directory(stateDirectory)
        self.port = port
        self.webhooksEnabled = webhooksEnabled
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs the server until `body` returns, then shuts it down gracefully (as SIGTERM does).
    func withServer<Result: Sendable>(maximumConcurrency: Int = 64, metricsToken: String? = nil, publicURL: PublicURL? = nil,
                                      captureWindows: CaptureWindows = .provider, operatorTokens: APITokens? = nil,
                                      console: ConsoleSettings = ConsoleSettings(),
                                      _ body: @Sendable () async throws -> Result) async throws -> Result {
        let server = try Self.makeServer(
            stateDirectory: stateDirectory, store: store, flows: flows, providerURL: simulator.baseURL, stationURL: stationURL, http: http,
            port: port, webhooks: webhooksEnabled, maximumConcurrency: maximumConcurrency, metricsToken: metricsToken,
            publicURL: publicURL, captureWindows: captureWindows, operatorTokens: operatorTokens, console: console)
        return try await Self.serving({ ready in server.services(onReady: { _ in ready() }) }, body)
    }

    /// Runs the services `makeServices` builds (handing them the callback to call once connections are
    /// accepted) until `body` returns, then shuts them down gracefully (as SIGTERM does).
    static func serving<Result: Sendable>(
        _ makeServices: (_ ready: @escaping @Sendable () -> Void) -> [any Service], _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: makeServices({ readyContinuation.yield() }), logger: .quiet))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { readyContinuation.finish() }
                try await group.run()
            }
            for await _ in ready { break }
            let result: Swift.Result<Result, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// The one place the tests build `evflow serve` in-process (runtime and server), for ``withServer(maximumConcurrency:metricsToken:_:)``
    /// and the router tests (`app.test(.router)`): when the composition of the runtime changes, only this changes.
    /// - Parameters:
    ///   - providerURL: the ePayment API (the simulator); the router tests' error paths never reach it.
    ///   - stationURL: the station backend's `notify` endpoint, `nil` for none.
    static func makeServer(
        stateDirectory: URL, store: StoreLocation? = nil, flows: URL, providerURL: String, stationURL: String?, http: HTTPClient, port: Int = 0,
        webhooks: Bool, maximumConcurrency: Int = 64, metricsToken: String? = nil, maximumBodySize: Int = 64 * 1024,
        publicURL: PublicURL? = nil,
        captureWindows: CaptureWindows = .provider, operatorTokens: APITokens? = nil, console: ConsoleSettings = ConsoleSettings()
    ) throws -> EvflowServer {
        let configuration = EPaymentConfiguration(
            baseURL: providerURL, clientID: "serve-test", clientSecret: Secret("serve-test-secret"),
            subscriptionKey: Secret("serve-test-key"), merchantSerialNumber: "123456")
        var runtimeConfiguration = EvflowConfiguration(
            store: store ?? .directory(stateDirectory), definitions: try FlowDefinitionLoader().load(directory: flows),
            payments: .settings(configuration))
        runtimeConfiguration.stations = stationURL.map { ["station": StationNotifier.Endpoint(url: $0, secret: Secret("station-secret"))] } ?? [:]
        runtimeConfiguration.logger = .quiet
        runtimeConfiguration.maximumConcurrency = maximumConcurrency
        runtimeConfiguration.captureWindows = captureWindows
        let runtime = try ServerRuntime(runtimeConfiguration, httpClient: http)
        return EvflowServer(runtime: runtime, configuration: ServerConfiguration(
            host: "127.0.0.1", port: port, apiTokens: console.apiTokens ?? APITokens([token]),
            webhookSecret: webhooks ? Secret(webhookSecret) : nil, maximumBodySize: maximumBodySize, pollInterval: .milliseconds(50),
            merchantSerialNumber: "123456", metricsToken: metricsToken.map(Secret.init), publicURL: publicURL,
            operatorTokens: operatorTokens, consoleReadOnlyTokens: console.readOnlyTokens, consoleStuckGrace: console.stuckGrace),
            metrics: .bootstrappedForTests, logger: .quiet, signInDelay: console.signInDelay)
    }

    /// The console's settings for a test server: its tokens (named ones, read-only ones), how soon an instance
    /// counts as stuck, and the failed-sign-in delay.
    struct ConsoleSettings: Sendable {
        /// `nil`: the fixture's one unnamed ``token``.
        var apiTokens: APITokens?
        var readOnlyTokens: APITokens?
        var stuckGrace: Duration = .seconds(60)
        var signInDelay: Duration = .milliseconds(500)
    }

    // MARK: Calling the API

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body decoded as `type` (an ``APIInstance``, an ``APIProblemBody``...).
        func decode<Value: Decodable>(_ type: Value.Type, sourceLocation: SourceLocation = #_sourceLocation) throws -> Value {
            do {
                return try JSONDecoder().decode(type, from: Data(body))
            } catch {
                Issue.record("HTTP \(status) body is not \(type): \(error)\n\(text)", sourceLocation: sourceLocation)
                throw error
            }
        }

        /// The body as a problem (every error the API answers).
        func problem(sourceLocation: SourceLocation = #_sourceLocation) throws -> APIProblemBody {
            try decode(APIProblemBody.self, sourceLocation: sourceLocation)
        }

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    func call(_ method: HTTPMethod, _ path: String, json: String? = nil, token: String? = ServeFixture.token,
              headers extra: [(String, String)] = []) async throws -> Reply {
        var headers = HTTPHeaders(extra)
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        let response = try await http.execute(HTTPRequest(method: method, url: baseURL + path, headers: headers,
                                                          body: json.map { Array($0.utf8) }, timeout: .seconds(30)))
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    /// Polls the instance until `condition` holds, at most `timeout`.
    @discardableResult
    func waitFor(_ id: String, timeout: Duration = .seconds(20), _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation, _ condition: (APIInstance) -> Bool) async throws -> APIInstance {
        var last = "nothing yet"
        return try await EvflowTestSupport.waitFor("instance \(id) to get \(what)", timeout: timeout, lastSeen: { last }, sourceLocation: sourceLocation) {
            let reply = try await call(.get, "/v1/instances/\(id)")
            last = "HTTP \(reply.status) \(reply.text)"
            guard reply.status == 200, let instance = try? JSONDecoder().decode(APIInstance.self, from: Data(reply.body)) else { return nil }
            return condition(instance) ? instance : nil
        }
    }

    static let sessionInput = #"{"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "pricePerKWh": {"value": 399, "currency": "NOK"}, "startFee": {"value": 490, "currency": "NOK"}}"#

    static func startBody(_ id: String) -> String { #"{"id": "\#(id)", "input": \#(sessionInput)}"# }
}

/// Runs `body` with a fixture: the simulator (its webhooks pointing at the server's `/webhooks/epayment` when
/// `webhooks` is set), the station stub, an HTTP client and a fresh state folder, all torn down afterwards.
func withServeFixture<Result: Sendable>(
    webhooks: Bool, autoApproveAfter: Duration = .milliseconds(300), poll: String = #"{ "firstAfter": "5s", "every": "2s" }"#,
    recordsRequests: Bool = false, captureAttempts: Int? = nil, store kind: ServeStoreKind = .folder, _ body: @Sendable (ServeFixture) async throws -> Result
) async throws -> Result {
    let storage = try kind.make()
    defer { storage.remove() }
    let port = try freePort()
    let flows = try flowsFolder(poll: poll, captureAttempts: captureAttempts)
    let base = try TemporaryFolder.make("evflow-serve")
    let state = base.appending(path: "state")  // created by the store, as in production
    defer {
        TemporaryFolder.remove(flows)
        TemporaryFolder.remove(base)
    }
    let configuration = SimulatorConfiguration(
        autoApproveAfter: autoApproveAfter, rateLimitsEnabled: false,
        webhooks: WebhookConfiguration(urls: webhooks ? ["http://127.0.0.1:\(port)/webhooks/epayment"] : [], secret: ServeFixture.webhookSecret,
                                       maximumAttempts: 30, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1)),
        recordsRequests: recordsRequests)
    let station = StationBackendStub()
    return try await withSimulator(configuration: configuration, clock: .system(), logger: .quiet) { simulator in
        try await station.serve { stationURL in
            try await withHTTPClient(logger: .quiet) { http in
                try await body(ServeFixture(simulator: simulator, station: station, stationURL: stationURL, http: http, flows: flows,
                                            stateDirectory: state, store: storage.location, port: port, webhooksEnabled: webhooks))
            }
        }
    }
}

/// The shipped EV flow with `poll` as its authorization polling, in a temporary folder.
func flowsFolder(poll: String, captureAttempts: Int? = nil) throws -> URL {
    try ShippedFlows.evChargingFolder(poll: poll, captureAttempts: captureAttempts)
}

/// A free loopback port for a server the test starts (and may restart) itself: the simulator must know the webhook
/// URL before the server starts.
///
/// It is picked below the kernel's ephemeral range (`ip_local_port_range`), where nothing bound to port 0 (another
/// test's listener, any outgoing connection) can take it between this check and the server's bind, or while a
/// killed server is down. A port from the ephemeral range (bind to 0) was once handed to two concurrent tests.
func freePort() throws -> Int {
    let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
        .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    let ephemeralStart = range?.first ?? 32_768
    let candidates = 20_000..<max(20_001, ephemeralStart)
    let free = (0..<200).lazy.map { _ in Int.random(in: candidates) }.first(where: bindsLoopback(port:))
    return try #require(free, "no free loopback port in \(candidates.lowerBound)..<\(candidates.upperBound)")
}

/// Whether a socket could bind 127.0.0.1:`port` just now.
private func bindsLoopback(port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 }
    }
}

extension Logger {
    static var quiet: Logger {
        var logger = Logger(label: "evflow.serve-test")
        logger.logLevel = .critical
        return logger
    }
}
