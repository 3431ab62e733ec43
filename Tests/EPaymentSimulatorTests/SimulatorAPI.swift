import CurlHTTP
import EPaymentSimulator
import Foundation
import Logging
import Testing

/// A thin ePayment caller for tests: real HTTP over libcurl against a running simulator, with the headers the
/// real API requires. It asserts nothing itself; tests read status and JSON.
struct SimulatorAPI: Sendable {
    var client: HTTPClient
    let baseURL: String
    let token: String
    var msn = "123456"
    var subscriptionKey = "test-subscription-key"

    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, idempotencyKey: String? = nil,
        headers extra: [(String, String)] = [], authorized: Bool = true
    ) async throws -> APIResponse {
        var headers = HTTPHeaders([
            ("Ocp-Apim-Subscription-Key", subscriptionKey), ("Merchant-Serial-Number", msn),
            ("Content-Type", "application/json"),
        ])
        if authorized { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let idempotencyKey { headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        for (name, value) in extra { headers[name] = value }
        let response = try await client.execute(
            HTTPRequest(method: method, url: baseURL + path, headers: headers, body: body.map { Array($0.utf8) })
        )
        return APIResponse(response: response)
    }

    func create(
        _ reference: String, value: Int64 = 1000, currency: String = "NOK", key: String? = nil, extra: String = ""
    ) async throws -> APIResponse {
        let body = """
            {"amount":{"currency":"\(currency)","value":\(value)},"paymentMethod":{"type":"WALLET"},\
            "reference":"\(reference)","userFlow":"PUSH_MESSAGE","customer":{"phoneNumber":"4791234567"},\
            "paymentDescription":"EV charging session"\(extra)}
            """
        return try await send(.post, "/epayment/v1/payments", body: body, idempotencyKey: key ?? "create-\(reference)")
    }

    func approve(_ reference: String) async throws -> APIResponse {
        try await send(.post, "/epayment/v1/test/payments/\(reference)/approve")
    }

    func get(_ reference: String) async throws -> APIResponse {
        try await send(.get, "/epayment/v1/payments/\(reference)")
    }

    func events(_ reference: String) async throws -> APIResponse {
        try await send(.get, "/epayment/v1/payments/\(reference)/events")
    }

    func capture(_ reference: String, _ value: Int64, key: String = UUID().uuidString, currency: String = "NOK") async throws -> APIResponse {
        try await send(
            .post, "/epayment/v1/payments/\(reference)/capture",
            body: #"{"modificationAmount":{"currency":"\#(currency)","value":\#(value)}}"#, idempotencyKey: key
        )
    }

    func refund(_ reference: String, _ value: Int64, key: String = UUID().uuidString) async throws -> APIResponse {
        try await send(
            .post, "/epayment/v1/payments/\(reference)/refund",
            body: #"{"modificationAmount":{"currency":"NOK","value":\#(value)}}"#, idempotencyKey: key
        )
    }

    func cancel(_ reference: String, transactionOnly: Bool? = nil, key: String? = UUID().uuidString) async throws -> APIResponse {
        let body = transactionOnly.map { #"{"cancelTransactionOnly":\#($0)}"# }
        return try await send(.post, "/epayment/v1/payments/\(reference)/cancel", body: body, idempotencyKey: key)
    }

    /// Runs `body` with a caller on a client of its own, so its request goes out on a new connection.
    ///
    /// Needed for faults that drop the connection: libcurl silently re-sends a request once when a *reused*
    /// connection dies before any response byte ("Connection died, retrying a fresh connect"), which would hide
    /// the fault from the test (and is worth knowing for anyone retrying payments).
    func onFreshConnection<Result: Sendable>(_ body: (SimulatorAPI) async throws -> Result) async throws -> Result {
        try await withHTTPClient { fresh in
            var caller = self
            caller.client = fresh
            return try await body(caller)
        }
    }

    /// Creates and approves a payment, asserting both succeeded.
    func authorized(_ reference: String, value: Int64 = 1000, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let created = try await create(reference, value: value)
        #expect(created.status == 201, "create: \(created.text)", sourceLocation: sourceLocation)
        let approved = try await approve(reference)
        #expect(approved.status == 200, "approve: \(approved.text)", sourceLocation: sourceLocation)
    }
}

/// A response with JSON helpers.
struct APIResponse: Sendable {
    let response: HTTPResponse
    var status: Int { response.status }
    var text: String { response.bodyText }

    /// The fields of an ePayment response body the tests read: a payment, a problem, or both's common parts.
    struct Body: Decodable {
        struct ExtraDetail: Decodable {
            var name: String
            var reason: String?
        }

        struct Amount: Decodable {
            var value: Int64
            var currency: String
        }

        var title: String?
        var state: String?
        var traceId: String?
        var reference: String?
        var redirectUrl: String?
        var extraDetails: [ExtraDetail]?
        var aggregate: [String: Amount]?
    }

    /// One entry of a payment's event log.
    struct Event: Decodable {
        var name: String
        var idempotencyKey: String?
    }

    /// `POST /accesstoken/get`'s answer (every field a string, as the real API sends them).
    struct AccessToken: Decodable {
        var tokenType: String
        var expiresIn: String
        var accessToken: String

        enum CodingKeys: String, CodingKey {
            case tokenType = "token_type", expiresIn = "expires_in", accessToken = "access_token"
        }
    }

    /// The body decoded as `type`, `nil` when it is not one.
    func decode<Value: Decodable>(_ type: Value.Type) -> Value? {
        try? JSONDecoder().decode(type, from: Data(response.body))
    }

    /// The body's fields (all absent when it is not a JSON object).
    var body: Body { decode(Body.self) ?? Body() }

    /// The body as an event log (empty when it is not one).
    var events: [Event] { decode([Event].self) ?? [] }

    var title: String? { body.title }
    var state: String? { body.state }

    /// The `ErrorCode` extra detail of a domain error.
    var errorCode: String? {
        body.extraDetails?.first { $0.name == "ErrorCode" }?.reason
    }

    /// The names in `extraDetails`.
    var detailNames: [String] {
        body.extraDetails?.map(\.name) ?? []
    }

    /// `aggregate.<field>.value`, for example `aggregate("capturedAmount")`.
    func aggregate(_ field: String) -> Int64? {
        body.aggregate?[field]?.value
    }
}

/// A logger that keeps tests quiet unless something is wrong.
let quietLogger: Logger = {
    var logger = Logger(label: "epayment-sim-tests")
    logger.logLevel = .error
    return logger
}()

/// Runs `body` with a simulator on port 0 and a caller holding a fresh access token.
func withTestSimulator<Result: Sendable>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    clock: SimulatorClock = .manual(),
    _ body: (Simulator, SimulatorAPI) async throws -> Result
) async throws -> Result {
    try await withSimulator(configuration: configuration, clock: clock, logger: quietLogger) { simulator in
        try await withHTTPClient { client in
            let api = SimulatorAPI(client: client, baseURL: simulator.baseURL, token: simulator.issueAccessToken())
            return try await body(simulator, api)
        }
    }
}
