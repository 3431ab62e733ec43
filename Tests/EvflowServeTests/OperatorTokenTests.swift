import CurlHTTP
import EPaymentSimulator
import EvflowServer
import EvflowTestSupport
import Foundation
import Testing

/// `EVFLOW_OPERATOR_TOKENS`: the token a station backend holds starts sessions and sends readings, but only an
/// operator's token may cancel or refund them.
@Suite(.serialized)
struct OperatorTokenTests {
    static let operatorToken = "operator-token-0123456789abcdef0123456789"

    @Test func aStationTokenCannotCancelOrRefundOnceOperatorTokensAreSet() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer(operatorTokens: APITokens([Self.operatorToken])) {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("op-1"))
                #expect(created.status == 201, "the station backend's token still starts sessions: \(created.text)")
                try await fixture.waitFor("op-1", "authorization") { $0.step == "meter" }

                for path in ["/v1/instances/op-1/cancel", "/v1/instances/op-1/refund", "/v1/instances/op-1/mark-done", "/v1/instances/op-1/resume"] {
                    let refused = try await fixture.call(.post, path, json: #"{"amount": "all", "reason": "leaked token"}"#)
                    #expect(refused.status == 403, "\(path): \(refused.text)")
                    #expect(refused.header("Content-Type") == "application/problem+json")
                    #expect(try refused.problem().detail.contains(APITokens.operatorVariable), "\(refused.text)")
                    let unknown = try await fixture.call(.post, path, json: #"{"reason": "x"}"#, token: "unknown-token-0123456789abcdef0123456789")
                    #expect(unknown.status == 401, "an unknown token is still a 401: \(unknown.text)")
                }

                let read = try await fixture.call(.get, "/v1/instances/op-1", token: Self.operatorToken)
                #expect(read.status == 200, "operator tokens work on every /v1 route: \(read.text)")
                let cancelled = try await fixture.call(.post, "/v1/instances/op-1/cancel", json: #"{"reason": "station out of order"}"#,
                                                       token: Self.operatorToken)
                #expect(cancelled.status == 200, "\(cancelled.text)")
                let ended = try await fixture.waitFor("op-1", "failure after cancel") { $0.status == "failed" }
                #expect(ended.failure?.code == "operator.cancelled")
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == 0 && payment.aggregate.cancelled == payment.aggregate.authorized, "released by the operator only")
        }
    }
}
