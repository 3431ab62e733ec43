import CurlHTTP
import EPayment
import EPaymentSimulator
import EvflowServer
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
    let port: Int
    let webhooksEnabled: Bool

    init(simulator: Simulator, station: StationBackendStub, stationURL: String, http: HTTPClient, flows: URL,
         stateDirectory: URL, port: Int, webhooksEnabled: Bool) {
        self.simulator = simulator
        self.station = station
        self.stationURL = stationURL
        self.http = http
        self.flows = flows
        self.stateDirectory = stateDirectory
        self.port = port
        self.webhooksEnabled = webhooksEnabled
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs the server until `body` returns, then shuts it down gracefully (as SIGTERM does).
    func withServer<Result: Sendable>(maximumConcurrency: Int = 64, metricsToken: String? = nil, _ body: @Sendable () async throws -> Result) async throws -> Result {
        let configuration = EPaymentConfiguration(
            baseURL: simulator.baseURL, clientID: "serve-test", clientSecret: Secret("serve-test-secret"),
            subscriptionKey: Secret("serve-test-key"), merchantSerialNumber: "123456")
        var runtimeConfiguration = EvflowConfiguration(
            store: .directory(stateDirectory), definitions: try FlowDefinitionLoader().load(directory: flows),
            payments: .settings(configuration))
        runtimeConfiguration.stations = ["station": .init(url: stationURL, secret: Secret("station-secret"))]
        runtimeConfiguration.logger = .quiet
        runtimeConfiguration.maximumConcurrency = maximumConcurrency
        let runtime = try ServerRuntime(runtimeConfiguration, httpClient: http)
        let server = EvflowServer(runtime: runtime, configuration: ServerConfiguration(
            host: "127.0.0.1", port: port, apiTokens: APITokens([Self.token]),
            webhookSecret: webhooksEnabled ? Secret(Self.webhookSecret) : nil, pollInterval: .milliseconds(50),
            merchantSerialNumber: "123456", metricsToken: metricsToken.map(Secret.init)), logger: .quiet)
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: server.services(onReady: { _ in readyContinuation.yield() }), logger: .quiet))
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

    // MARK: Calling the API

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], "not a JSON object: \(text)")
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
                 sourceLocation: SourceLocation = #_sourceLocation, _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: [String: Any] = [:]
        while clock.now < deadline {
            let reply = try await call(.get, "/v1/instances/\(id)")
            if reply.status == 200 {
                last = try reply.json()
                if condition(last) { return last }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("instance \(id) never got \(what); last seen: \(last)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    static let sessionInput = #"{"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "pricePerKWh": {"value": 399, "currency": "NOK"}, "startFee": {"value": 490, "currency": "NOK"}}"#

    static func startBody(_ id: String) -> String { #"{"id": "\#(id)", "input": \#(sessionInput)}"# }
}

/// Runs `body` with a fixture: the simulator (its webhooks pointing at the server's `/webhooks/epayment` when
/// `webhooks` is set), the station stub, an HTTP client and a fresh state folder, all torn down afterwards.
func withServeFixture<Result: Sendable>(
    webhooks: Bool, autoApproveAfter: Duration = .milliseconds(300), poll: String = #"{ "firstAfter": "5s", "every": "2s" }"#,
    recordsRequests: Bool = false, _ body: @Sendable (ServeFixture) async throws -> Result
) async throws -> Result {
    let port = try freePort()
    let flows = try flowsFolder(poll: poll)
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-serve-\(UUID().uuidString)")
    defer {
        try? FileManager.default.removeItem(at: flows)
        try? FileManager.default.removeItem(at: state)
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
                                            stateDirectory: state, port: port, webhooksEnabled: webhooks))
            }
        }
    }
}

/// The shipped EV flow with `poll` as its authorization polling, in a temporary folder.
func flowsFolder(poll: String) throws -> URL {
    let shipped = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("flows/ev-charging.json")
    var text = try String(contentsOf: shipped, encoding: .utf8)
    text = text.replacingOccurrences(of: #""poll": { "firstAfter": "5s", "every": "2s" }"#, with: #""poll": \#(poll)"#)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-serve-flows-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try text.write(to: folder.appendingPathComponent("ev-charging.json"), atomically: true, encoding: .utf8)
    return folder
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
