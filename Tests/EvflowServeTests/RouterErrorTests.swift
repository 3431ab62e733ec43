import CurlHTTP
import EvflowServer
import EvflowTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The API's error paths through the router in-process (HummingbirdTesting's `.router`: no socket, no worker):
/// every refusal is `application/problem+json` whose detail names what is wrong. The live-socket suites
/// (ServeAPITests, HostileClientTests) keep the end-to-end checks.
struct RouterErrorTests {
    static let start = "/v1/flows/ev-charging/instances"
    static let authorized: HTTPFields = [.authorization: "Bearer \(ServeFixture.token)", .contentType: "application/json"]

    /// Runs `body` against the router of a server built by ``ServeFixture/makeServer(stateDirectory:flows:providerURL:stationURL:http:port:webhooks:maximumConcurrency:metricsToken:maximumBodySize:)``
    /// on an empty state folder; the provider's address is a closed port (no error path reaches it).
    static func withRouter(maximumBodySize: Int = 64 * 1024, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TemporaryFolder.with("evflow-router") { base in
            let flows = try ShippedFlows.evChargingFolder()
            defer { TemporaryFolder.remove(flows) }
            try await withHTTPClient(logger: .quiet) { http in
                let server = try ServeFixture.makeServer(
                    stateDirectory: base.appending(path: "state"), flows: flows, providerURL: "http://127.0.0.1:9", stationURL: nil,
                    http: http, webhooks: true, maximumBodySize: maximumBodySize)
                try await Application(router: server.router()).test(.router, body)
            }
        }
    }

    /// The response as a problem: its status, content type and body checked against each other.
    static func problem(_ response: TestResponse, _ status: HTTPResponse.Status,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> APIProblemBody {
        #expect(response.status == status, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = try JSONDecoder().decode(APIProblemBody.self, from: Data(response.body.readableBytesView))
        #expect(problem.status == Int(status.code), "the body repeats the status", sourceLocation: sourceLocation)
        #expect(!problem.title.isEmpty && !problem.detail.isEmpty, sourceLocation: sourceLocation)
        return problem
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ json: String,
                     headers: HTTPFields = authorized) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    @Test func aBodyThatIsNotAJSONObjectIsABadRequestSayingWhatToSend() async throws {
        try await Self.withRouter { client in
            let notJSON = try Self.problem(try await Self.post(client, Self.start, "{not json"), .badRequest)
            #expect(notJSON.code == "badRequest")
            #expect(notJSON.detail.contains("not valid JSON") && notJSON.detail.contains(#"{"id": "session-4711""#), "\(notJSON.detail)")
            let array = try Self.problem(try await Self.post(client, Self.start, "[]"), .badRequest)
            #expect(array.detail.contains("must be a JSON object"), "\(array.detail)")
            let empty = try Self.problem(try await Self.post(client, Self.start, ""), .badRequest)
            #expect(empty.detail.contains("the body is empty"), "\(empty.detail)")
            let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            let tooDeep = try Self.problem(try await Self.post(client, Self.start, deep), .badRequest)
            #expect(tooDeep.code == "tooDeep", "\(tooDeep.detail)")
        }
    }

    @Test func aMissingOrMistypedFieldIsNamed() async throws {
        try await Self.withRouter { client in
            let noID = try Self.problem(try await Self.post(client, Self.start, #"{"input": {}}"#), .badRequest)
            #expect(noID.detail.contains("'id' is required"), "\(noID.detail)")
            let numericID = try Self.problem(try await Self.post(client, Self.start, #"{"id": 7, "input": {}}"#), .badRequest)
            #expect(numericID.detail.contains("'id' must be a string"), "\(numericID.detail)")
            let inputList = try Self.problem(try await Self.post(client, Self.start, #"{"id": "x1", "input": [1]}"#), .badRequest)
            #expect(inputList.detail.contains("'input' must be a JSON object"), "\(inputList.detail)")
            let longID = String(repeating: "a", count: 10_000)
            let tooLong = try Self.problem(try await Self.post(client, Self.start, #"{"id": "\#(longID)", "input": {}}"#), .badRequest)
            #expect(tooLong.code == "tooLong" && tooLong.detail.contains("id"), "\(tooLong.detail)")

            let cancel = try Self.problem(try await Self.post(client, "/v1/instances/x1/cancel", #"{"reason": ""}"#), .badRequest)
            #expect(cancel.detail.contains("'reason' is required"), "\(cancel.detail)")
            let filter = try Self.problem(try await client.execute(uri: "/v1/instances?status=sleepy", method: .get, headers: Self.authorized), .badRequest)
            #expect(filter.detail.contains("status must be one of running, waiting, failed, succeeded, stuck (got 'sleepy')"), "\(filter.detail)")
        }
    }

    @Test func invalidInputsAreUnprocessableAndListedOneByOne() async throws {
        try await Self.withRouter { client in
            let reply = try await Self.post(client, Self.start, #"{"id": "x2", "input": {"pricePerKWh": 399, "maxAmount": "lots"}}"#)
            let problem = try Self.problem(reply, .unprocessableContent)
            #expect(problem.code == "invalidInput")
            let problems = try #require(problem.problems)
            #expect(problems.contains { $0.contains("pricePerKWh") }, "\(problems)")
            #expect(problems.contains { $0.contains("maxAmount") }, "\(problems)")

            // A malformed id is a bad request on every route (docs/api.yaml), in the start's body as in a path.
            let badID = try Self.problem(try await Self.post(client, Self.start, #"{"id": "../etc/passwd", "input": {}}"#), .badRequest)
            #expect(badID.code == "invalidInstanceID", "\(badID.detail)")
            let reserved = try Self.problem(try await Self.post(client, "/v1/instances/x2/signals/$payment", #"{"data": {}}"#), .unprocessableContent)
            #expect(reserved.code == "unknownSignal" && reserved.detail.contains("reserved"), "\(reserved.detail)")
        }
    }

    @Test func unknownFlowsAndInstancesAreNotFound() async throws {
        try await Self.withRouter { client in
            let flow = try Self.problem(try await Self.post(client, "/v1/flows/no-such-flow/instances", ServeFixture.startBody("x3")), .notFound)
            #expect(flow.code == "unknownFlow")
            #expect(flow.detail.contains("no-such-flow") && flow.detail.contains("ev-charging"), "names the known flows: \(flow.detail)")
            let instance = try Self.problem(try await client.execute(uri: "/v1/instances/nobody", method: .get, headers: Self.authorized), .notFound)
            #expect(instance.code == "unknownInstance", "\(instance.detail)")
            let signal = try Self.problem(try await Self.post(client, "/v1/instances/nobody/signals/meterReading", #"{"data": {"energyWh": 1}}"#), .notFound)
            #expect(signal.code == "unknownInstance", "\(signal.detail)")
            let cancel = try Self.problem(try await Self.post(client, "/v1/instances/nobody/cancel", #"{"reason": "station fault"}"#), .notFound)
            #expect(cancel.code == "unknownInstance", "\(cancel.detail)")
            let route = try Self.problem(try await client.execute(uri: "/v1/nowhere", method: .get, headers: Self.authorized), .notFound)
            #expect(route.detail.contains("no such route"), "\(route.detail)")
        }
    }

    @Test func everyV1RouteNeedsAnAcceptedBearerToken() async throws {
        try await Self.withRouter { client in
            for (uri, method) in [(Self.start, HTTPRequest.Method.post), ("/v1/instances", .get), ("/v1/instances/x", .get),
                                  ("/v1/instances/x/signals/meterReading", .post), ("/v1/instances/x/cancel", .post)] {
                let anonymous = try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
                let problem = try Self.problem(anonymous, .unauthorized)
                #expect(problem.code == "unauthorized", "\(method) \(uri)")
                #expect(problem.detail.contains("EVFLOW_API_TOKENS"), "says where tokens come from: \(problem.detail)")
                #expect(anonymous.headers[.wwwAuthenticate] == #"Bearer realm="evflow""#)
            }
            let wrong = try await client.execute(uri: "/v1/instances", method: .get, headers: [.authorization: "Bearer not-a-token"])
            #expect(try Self.problem(wrong, .unauthorized).detail == "the bearer token is not accepted")
            let basic = try await client.execute(uri: "/v1/instances", method: .get, headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(try Self.problem(basic, .unauthorized).detail.contains("must be 'Bearer <token>'"))
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok, "/healthz is open")
        }
    }

    @Test func aBodyOverTheLimitIsContentTooLarge() async throws {
        try await Self.withRouter(maximumBodySize: 4096) { client in
            let huge = #"{"id": "x4", "input": {"pad": ""# + String(repeating: "a", count: 5000) + #""}}"#
            let problem = try Self.problem(try await Self.post(client, Self.start, huge), .contentTooLarge)
            #expect(problem.code == "tooLarge")
            #expect(problem.detail.contains("larger than 4096 bytes"), "\(problem.detail)")
            let signal = try Self.problem(try await Self.post(client, "/v1/instances/x4/signals/meterReading", huge), .contentTooLarge)
            #expect(signal.code == "tooLarge")
        }
    }

    /// Hummingbird's router answers a known path with an unknown method as an unknown route (it has no 405), so
    /// the client is pointed at the API description either way.
    @Test func aWrongMethodOnAKnownRouteIsAnUnknownRoute() async throws {
        try await Self.withRouter { client in
            let reply = try await client.execute(uri: "/v1/instances/x5", method: .delete, headers: Self.authorized)
            let problem = try Self.problem(reply, .notFound)
            #expect(problem.detail == "no such route; see docs/api.yaml", "\(problem.detail)")
        }
    }
}
