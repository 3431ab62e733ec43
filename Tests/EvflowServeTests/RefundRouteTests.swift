import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// `POST /v1/instances/{id}/refund`: an operator's refund over HTTP, with problem+json naming the bad field.
@Suite(.serialized)
struct RefundRouteTests {
    struct Receipt: Decodable {
        struct Refund: Decodable {
            var number: Int
            var amount: Int64
            var reason: String
            var status: String
        }
        var refund: Refund
        var repeated: Bool
        var instance: APIInstance
    }

    @Test func aFinishedSessionIsRefundedWithinWhatWasCaptured() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("r-1"))
                #expect(created.status == 201, "\(created.text)")
                // Before anything is captured there is nothing to refund.
                try await fixture.waitFor("r-1", "authorization") { $0.step == "meter" }
                let early = try await fixture.call(.post, "/v1/instances/r-1/refund", json: #"{"amount": "all", "reason": "early"}"#)
                #expect(early.status == 422, "\(early.text)")
                #expect(try early.problem().detail.contains("nothing to refund"))

                try await ServeSessionTests.meterAndEnd(fixture, "r-1")
                let refunded = try await fixture.call(.post, "/v1/instances/r-1/refund", json: #"{"amount": 2500, "reason": "charger fault"}"#)
                #expect(refunded.status == 200, "\(refunded.text)")
                let receipt = try refunded.decode(Receipt.self)
                #expect(receipt.refund.status == "refunded" && receipt.refund.amount == 2_500 && receipt.refund.number == 1 && !receipt.repeated)
                #expect(receipt.refund.reason == "charger fault")
                #expect(receipt.instance.payment?.refunded == 2_500)

                for (body, field) in [(#"{"amount": "12.50", "reason": "x"}"#, "'amount'"), (#"{"amount": 0, "reason": "x"}"#, "'amount'"),
                                      (#"{"amount": 12.5, "reason": "x"}"#, "'amount'"), (#"{"reason": "x"}"#, "'amount'"),
                                      (#"{"amount": 100}"#, "'reason'"), (#"{"amount": 100, "reason": " "}"#, "'reason'")] {
                    let bad = try await fixture.call(.post, "/v1/instances/r-1/refund", json: body)
                    #expect(bad.status == 400, "\(body): \(bad.text)")
                    #expect(bad.header("Content-Type") == "application/problem+json")
                    #expect(try bad.problem().detail.contains(field), "\(body): \(bad.text)")
                }
                let above = try await fixture.call(.post, "/v1/instances/r-1/refund", json: #"{"amount": 5472, "reason": "too much"}"#)
                #expect(above.status == 422, "\(above.text)")
                #expect(try above.problem().detail.contains("only 54.71 NOK is captured and not yet refunded"), "\(above.text)")
                #expect(try await fixture.call(.post, "/v1/instances/nobody/refund", json: #"{"amount": "all", "reason": "x"}"#).status == 404)
                #expect(try await fixture.call(.post, "/v1/instances/r-1/refund", json: #"{"amount": "all", "reason": "x"}"#, token: nil).status == 401)

                let rest = try await fixture.call(.post, "/v1/instances/r-1/refund", json: #"{"amount": "all", "reason": "goodwill"}"#)
                #expect(try rest.decode(Receipt.self).refund.amount == 5_471, "\(rest.text)")
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.refunded == ServeSessionTests.expectedCapture)
            #expect(payment.events(named: "REFUNDED").count == 2)
        }
    }
}
