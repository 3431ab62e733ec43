import CurlHTTP
import EPayment
import EvflowTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One request as the fake server received it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    /// Header names lower-cased; repeated fields joined with ", ".
    var headers: [String: String]
    var body: [UInt8]

    var bodyJSON: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

/// A scripted reply.
struct ScriptedResponse: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    /// Waits this long before answering, to trip client timeouts or make requests overlap.
    var delay: Duration? = nil

    static func json(_ status: Int, _ text: String, headers: [String: String] = [:], delay: Duration? = nil) -> Self {
        var all = ["Content-Type": "application/json"]
        all.merge(headers) { $1 }
        return ScriptedResponse(status: status, headers: all, body: Array(text.utf8), delay: delay)
    }

    static func problem(
        _ status: Int, title: String, detail: String? = nil, errorCode: String? = nil, headers: [String: String] = [:]
    ) -> Self {
        let problem = Problem(
            type: "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors", title: title, status: status,
            detail: detail, traceId: "trace-\(status)", extraDetails: errorCode.map { [.errorCode($0)] })
        var all = ["Content-Type": "application/problem+json"]
        all.merge(headers) { $1 }
        return ScriptedResponse(status: status, headers: all, body: Array(try! JSONEncoder().encode(problem)))
    }
}

/// A fake ePayment API on a real socket: records every request and answers from per-route scripts.
///
/// `POST /accesstoken/get` answers `token-1`, `token-2`, ... (expires_in "3600", a string as the real API sends)
/// unless scripted. An unscripted route answers 599 so a test notices.
final class FakeEPaymentServer: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var scripts: [String: [ScriptedResponse]] = [:]
        var tokensIssued = 0
        var tokenDelay: Duration?
        var tokenExpiresIn = "3600"
        var port = 0
    }

    private let state = Mutex(State())

    /// The bound port, known once the server runs.
    var port: Int {
        get { state.withLock { $0.port } }
        set { state.withLock { $0.port = newValue } }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Queues `responses` for `method path` (path without query), answered in order; the last one repeats.
    func script(_ method: String, _ path: String, _ responses: ScriptedResponse...) {
        state.withLock { $0.scripts["\(method) \(path)", default: []].append(contentsOf: responses) }
    }

    func setTokenEndpoint(delay: Duration? = nil, expiresIn: String = "3600") {
        state.withLock {
            $0.tokenDelay = delay
            $0.tokenExpiresIn = expiresIn
        }
    }

    var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Requests other than token requests.
    var apiRequests: [RecordedRequest] { requests.filter { $0.path != "/accesstoken/get" } }

    var tokenRequestCount: Int { requests.filter { $0.path == "/accesstoken/get" }.count }

    fileprivate func respond(to request: RecordedRequest) async -> ScriptedResponse {
        let key = "\(request.method) \(request.path)"
        let (scripted, token, delay, expiresIn) = state.withLock { state -> (ScriptedResponse?, Int, Duration?, String) in
            state.requests.append(request)
            var scripted: ScriptedResponse?
            if var queue = state.scripts[key], !queue.isEmpty {
                scripted = queue.count > 1 ? queue.removeFirst() : queue[0]
                state.scripts[key] = queue
            }
            if scripted == nil && key == "POST /accesstoken/get" { state.tokensIssued += 1 }
            return (scripted, state.tokensIssued, state.tokenDelay, state.tokenExpiresIn)
        }
        if let scripted {
            if let delay = scripted.delay { try? await Task.sleep(for: delay) }
            return scripted
        }
        if key == "POST /accesstoken/get" {
            if let delay { try? await Task.sleep(for: delay) }
            return .json(
                200,
                #"{"token_type":"Bearer","expires_in":"\#(expiresIn)","ext_expires_in":"\#(expiresIn)","expires_on":"1700000000","not_before":"1699996400","resource":"00000002-0000-0000-c000-000000000000","access_token":"token-\#(token)"}"#
            )
        }
        return .json(599, #"{"error":"unscripted route \#(key)"}"#)
    }
}

/// Records and answers every request, whatever its path.
private struct ScriptedResponder: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: FakeEPaymentServer

    func handle(
        _ request: Request, context: BasicRequestContext,
        next: (Request, BasicRequestContext) async throws -> Response
    ) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, headers: headers,
            body: Array(buffer: body))
        let scripted = await server.respond(to: recorded)
        var fields = HTTPFields()
        for (name, value) in scripted.headers { fields[HTTPField.Name(name)!] = value }
        return Response(
            status: .init(code: scripted.status), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: scripted.body)))
    }
}

/// Test settings for the client under test.
struct ClientSetup: Sendable {
    var retryPolicy = RequestRetryPolicy(
        maximumAttempts: 4, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1),
        defaultDeadline: .seconds(30))
    var httpTimeout: Duration = .seconds(10)
    /// Full jitter replaced by "always the ceiling", so backoff delays are exact.
    var jitter: @Sendable (Duration) -> Duration = { $0 }
    var baseURL: String?
}

let testConfiguration = EPaymentConfiguration(
    baseURL: "http://placeholder", clientID: "client-id-123", clientSecret: Secret("client-secret-XYZ"),
    subscriptionKey: Secret("subscription-key-ABC"), merchantSerialNumber: "123456", systemName: "evflow",
    systemVersion: "9.9.9", pluginName: "evflow-tests", pluginVersion: "0.1")

/// Runs `body` with a live fake server, an HTTP client, a virtual clock and an ePayment client pointed at them.
func withFakeEPayment<Result: Sendable>(
    _ setup: ClientSetup = ClientSetup(), logger: Logger = Logger(label: "epayment-tests"),
    _ body: @Sendable (FakeEPaymentServer, EPaymentClient, TestClock) async throws -> Result
) async throws -> Result {
    let server = FakeEPaymentServer()
    let router = Router()
    router.middlewares.add(ScriptedResponder(server: server))
    return try await withLoopbackServer(router, label: "fake-epayment") { port in
        server.port = port
        return try await withHTTPClient(configuration: .init(timeout: setup.httpTimeout)) { http in
            var configuration = testConfiguration
            configuration.baseURL = setup.baseURL ?? server.baseURL
            let clock = TestClock()
            let client = EPaymentClient(
                configuration: configuration, httpClient: http, retryPolicy: setup.retryPolicy, logger: logger,
                clock: clock, jitter: setup.jitter)
            return try await body(server, client, clock)
        }
    }
}
