import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// `POST /v1/instances/{id}/mark-done` and `POST /v1/instances/{id}/resume` (issue 18, item 3) over HTTP, with
/// problem+json naming the bad field.
@Suite(.serialized)
struct RepairRouteTests {
    struct MarkDoneAnswer: Decodable {
        struct Evidence: Decodable {
            var pspReference: String
            var amount: Int64
            var by: String
            var reason: String
        }
        var instance: APIInstance?
        var evidence: Evidence?
        var plan: String?
        var next: String?
    }

    @Test func aCaptureMadeByHandIsMarkedDoneOverHTTP() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#, captureAttempts: 1) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("md-1"))
                #expect(created.status == 201, "\(created.text)")
                let charging = try await fixture.waitFor("md-1", "authorization") { $0.step == "meter" }
                let reference = try #require(charging.payment?.reference)
                fixture.simulator.setFault(FaultRule(serverErrorRate: 1), for: .capturePayment)
                let end = try await fixture.call(.post, "/v1/instances/md-1/signals/sessionEnded", json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#)
                #expect(end.status == 202, "\(end.text)")
                _ = try await fixture.waitFor("md-1", "its capture to fail") { $0.status == "failed" }
                fixture.simulator.clearFaults()
                let hand = try fixture.simulator.captureInPortal(reference: reference, amount: ServeSessionTests.expectedCapture)

                for (body, field) in [(#"{"step": "capture", "reason": "x"}"#, "'pspReference'"), (#"{"pspReference": "x", "reason": "x"}"#, "'step'"),
                                      (#"{"step": "capture", "pspReference": "x"}"#, "'reason'"), (#"{"step": "capture", "pspReference": "x", "reason": "x", "dryRun": "yes"}"#, "'dryRun'")] {
                    let bad = try await fixture.call(.post, "/v1/instances/md-1/mark-done", json: body)
                    #expect(bad.status == 400, "\(body): \(bad.text)")
                    #expect(bad.header("Content-Type") == "application/problem+json")
                    #expect(try bad.problem().detail.contains(field), "\(body): \(bad.text)")
                }
                let unknown = try await fixture.call(.post, "/v1/instances/md-1/mark-done", json: #"{"step": "capture", "pspReference": "nope", "reason": "portal"}"#)
                #expect(unknown.status == 422, "\(unknown.text)")
                #expect(try unknown.problem().detail.contains("has no event with pspReference nope"), "\(unknown.text)")
                #expect(try await fixture.call(.post, "/v1/instances/nobody/mark-done", json: #"{"step": "capture", "pspReference": "x", "reason": "x"}"#).status == 404)

                let body = #"{"step": "capture", "pspReference": "\#(hand.pspReference)", "reason": "captured in the portal, ticket 88""#
                let plan = try await fixture.call(.post, "/v1/instances/md-1/mark-done", json: body + #", "dryRun": true}"#)
                #expect(plan.status == 200, "\(plan.text)")
                let preview = try plan.decode(MarkDoneAnswer.self)
                #expect(preview.instance == nil && preview.next == "releaseRemainder" && preview.plan?.contains("accept CAPTURED") == true, "\(plan.text)")
                let done = try await fixture.call(.post, "/v1/instances/md-1/mark-done", json: body + "}")
                #expect(done.status == 200, "\(done.text)")
                let answer = try done.decode(MarkDoneAnswer.self)
                #expect(answer.evidence?.pspReference == hand.pspReference && answer.evidence?.by == "token 1", "the token's name, never the token: \(answer.evidence?.by ?? "")")
                #expect(answer.evidence?.amount == ServeSessionTests.expectedCapture)
                _ = try await fixture.waitFor("md-1", "success") { $0.status == "succeeded" }
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.aggregate.captured == ServeSessionTests.expectedCapture)
            #expect(payment.aggregate.cancelled == 50_000 - ServeSessionTests.expectedCapture)
        }
    }

    @Test func resumeWithSetCorrectsThePriceBeforeTheCapture() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("rs-1"))
                #expect(created.status == 201, "\(created.text)")
                _ = try await fixture.waitFor("rs-1", "authorization") { $0.step == "meter" }

                let noReason = try await fixture.call(.post, "/v1/instances/rs-1/resume", json: #"{"set": {"inputs.pricePerKWh": "4.55 NOK"}}"#)
                #expect(try noReason.status == 400 && noReason.problem().detail.contains("'reason'"), "\(noReason.text)")
                let badValue = try await fixture.call(.post, "/v1/instances/rs-1/resume", json: #"{"set": {"inputs.pricePerKWh": 4.55}, "reason": "r"}"#)
                #expect(badValue.status == 422, "\(badValue.text)")
                #expect(try badValue.problem().detail.contains("inputs.pricePerKWh (money)"), "\(badValue.text)")
                let unknown = try await fixture.call(.post, "/v1/instances/rs-1/resume", json: #"{"set": {"inputs.nope": 1}, "reason": "r"}"#)
                #expect(try unknown.status == 422 && unknown.problem().detail.contains("unknown input 'nope'"), "\(unknown.text)")

                let set = #"{"set": {"inputs.pricePerKWh": {"value": 455, "currency": "NOK"}}, "reason": "tariff was wrong""#
                let plan = try await fixture.call(.post, "/v1/instances/rs-1/resume", json: set + #", "dryRun": true}"#)
                #expect(plan.status == 200, "\(plan.text)")
                #expect(plan.text.contains("set by token 1: 3.99 NOK → 4.55 NOK"), "\(plan.text)")
                let resumed = try await fixture.call(.post, "/v1/instances/rs-1/resume", json: set + "}")
                #expect(resumed.status == 200, "\(resumed.text)")
                #expect(try resumed.decode(APIInstance.self).id == "rs-1")

                let end = try await fixture.call(.post, "/v1/instances/rs-1/signals/sessionEnded", json: #"{"signalId": "end", "data": {"energyWh": 12345}}"#)
                #expect(end.status == 202, "\(end.text)")
                let finished = try await fixture.waitFor("rs-1", "success") { $0.status == "succeeded" }
                // 4.90 NOK start fee + 12.345 kWh × 4.55 NOK (56.16975 NOK, rounded half-up to 56.17 NOK) = 61.07 NOK.
                #expect(finished.payment?.captured == 6_107)
                let late = try await fixture.call(.post, "/v1/instances/rs-1/resume", json: set + "}")
                #expect(late.status == 409, "\(late.text)")
            }
        }
    }
}
