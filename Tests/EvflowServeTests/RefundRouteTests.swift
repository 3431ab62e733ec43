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
                let charging = try await fixture.waitFor("r-1", "authorization") { $0.step == "meter" }
                // NOK: the provider cancels 180 days after the authorization, counted from the payment's creation.
                let startedAt = try #require(charging.createdAt.flatMap { try? Date($0, strategy: .iso8601) })
                let deadline = try #require(charging.payment?.captureDeadline.flatMap { try? Date($0, strategy: .iso8601) }, "\(charging)")
                #expect(abs(deadline.timeIntervalSince(startedAt) - 180 * 86_400) < 60, "\(startedAt) → \(deadline)")
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

    /// A refund whose answer was lost stays 202 for the same request; a different request is a 409 naming it, and
    /// nothing is sent for it, until the first one is settled.
    @Test func aDifferentRefundWhileOneIsUnsettledIsAConflictNamingIt() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("r-2"))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor("r-2", "authorization") { $0.step == "meter" }
                try await ServeSessionTests.meterAndEnd(fixture, "r-2")

                // The refund takes effect, its answer is lost and the event log cannot be read.
                fixture.simulator.setFault(FaultRule(responseLostRate: 1), for: .refundPayment)
                fixture.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPaymentEventLog)
                let body = #"{"amount": 2500, "reason": "charger fault"}"#
                let lost = try await fixture.call(.post, "/v1/instances/r-2/refund", json: body)
                #expect(lost.status == 202, "\(lost.text)")
                #expect(try lost.decode(Receipt.self).refund.status == "unconfirmed")
                let again = try await fixture.call(.post, "/v1/instances/r-2/refund", json: body)
                #expect(again.status == 202, "\(again.text)")
                let repeated = try again.decode(Receipt.self)
                #expect(repeated.repeated && repeated.refund.number == 1 && repeated.refund.status == "unconfirmed")

                let other = try await fixture.call(.post, "/v1/instances/r-2/refund", json: #"{"amount": 1000, "reason": "goodwill"}"#)
                #expect(other.status == 409, "\(other.text)")
                #expect(other.header("Content-Type") == "application/problem+json")
                let problem = try other.problem()
                #expect(problem.code == "refundUnsettled", "\(other.text)")
                #expect(problem.detail.contains("refund #1 of 25.00 NOK (Idempotency-Key "), "\(other.text)")

                fixture.simulator.clearFaults()
                let settled = try await fixture.call(.post, "/v1/instances/r-2/refund", json: body)
                #expect(settled.status == 200, "\(settled.text)")
                #expect(try settled.decode(Receipt.self).repeated)
                let made = try await fixture.call(.post, "/v1/instances/r-2/refund", json: #"{"amount": 1000, "reason": "goodwill"}"#)
                #expect(made.status == 200, "\(made.text)")
                #expect(try made.decode(Receipt.self).refund.number == 2)
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.refunded == 3_500)
            #expect(payment.events(named: "REFUNDED").count == 2)
        }
    }
}
