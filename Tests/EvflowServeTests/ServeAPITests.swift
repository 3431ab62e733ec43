import CurlHTTP
import EPayment
import EPaymentSimulator
import Foundation
import Testing

/// Authentication, webhook verification, errors as problem+json, listing, cancelling, health and metrics.
@Suite(.serialized)
struct ServeAPITests {
    @Test func forgedAndStaleWebhooksAreRejected() async throws {
        // The customer takes a minute, so only our deliveries could authorize the payment.
        try await withServeFixture(webhooks: true, autoApproveAfter: .seconds(60)) { fixture in
            try await fixture.withServer {
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-forged")).status == 201)
                let waiting = try await fixture.waitFor("s-forged", "a payment") { $0.payment != nil }
                let reference = try #require(waiting.payment?.reference)
                let body = Array(#"{"msn":"123456","reference":"\#(reference)","pspReference":"forged-1","name":"AUTHORIZED","amount":{"value":50000,"currency":"NOK"},"timestamp":"2026-11-27T12:00:00Z","idempotencyKey":null,"success":true}"#.utf8)

                let forged = try await Self.deliver(body, fixture, secret: "not-the-secret", date: Date())
                #expect(forged.status == 401)
                #expect(forged.header("Content-Type") == "application/problem+json")
                #expect(try forged.problem().code == "webhook.signatureMismatch")

                let stale = try await Self.deliver(body, fixture, secret: ServeFixture.webhookSecret, date: Date().addingTimeInterval(-900))
                #expect(stale.status == 401)
                #expect(try stale.problem().code == "webhook.staleDate")
                #expect(try stale.problem().detail != "")

                var tampered = try await Self.deliver(body, fixture, secret: ServeFixture.webhookSecret, date: Date(), alter: true)
                #expect(tampered.status == 401)
                #expect(try tampered.problem().code == "webhook.contentHashMismatch")

                let unsigned = try await fixture.call(.post, "/webhooks/epayment", json: String(decoding: body, as: UTF8.self), token: nil)
                #expect(unsigned.status == 401)

                // A correctly signed event only wakes the instance: polling finds the payment still CREATED.
                let signed = try await Self.deliver(body, fixture, secret: ServeFixture.webhookSecret, date: Date())
                #expect(signed.status == 200, "\(signed.text)")
                #expect(try signed.decode(WebhookReceipt.self).outcome == "delivered")
                tampered = try await Self.deliver(body, fixture, secret: ServeFixture.webhookSecret, date: Date())
                #expect(try tampered.decode(WebhookReceipt.self).outcome == "duplicate")
                try await Task.sleep(for: .milliseconds(500))
                let instance = try await fixture.call(.get, "/v1/instances/s-forged").decode(APIInstance.self)
                #expect(instance.step == "authorize")
                #expect(instance.payment?.state == "CREATED")
                #expect(fixture.simulator.ledger().payments.first?.state == "CREATED")

                // Cancelling releases the reservation: the payment can no longer be approved.
                let cancelled = try await fixture.call(.post, "/v1/instances/s-forged/cancel", json: #"{"reason": "station out of order"}"#)
                #expect(cancelled.status == 200, "\(cancelled.text)")
                let ended = try await fixture.waitFor("s-forged", "failure after cancel") { $0.status == "failed" }
                #expect(ended.failure?.code == "operator.cancelled")
                #expect(fixture.simulator.ledger().payments.first?.aggregate.captured == 0)
            }
        }
    }

    @Test func apiRequiresABearerTokenAndAnswersProblems() async throws {
        try await withServeFixture(webhooks: false) { fixture in
            try await fixture.withServer {
                let anonymous = try await fixture.call(.get, "/v1/instances", token: nil)
                #expect(anonymous.status == 401)
                #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(anonymous.header("Content-Type") == "application/problem+json")
                #expect(try await fixture.call(.get, "/v1/instances", token: "wrong").status == 401)
                #expect(try await fixture.call(.get, "/healthz", token: nil).status == 200)

                let unknownFlow = try await fixture.call(.post, "/v1/flows/no-such-flow/instances", json: ServeFixture.startBody("x1"))
                #expect(unknownFlow.status == 404)
                #expect(try unknownFlow.problem().detail.contains("ev-charging"))

                let badInput = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: #"{"id": "x2", "input": {"pricePerKWh": 399}}"#)
                #expect(badInput.status == 422)
                #expect(try badInput.problem().problems?.isEmpty == false)

                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: "{not json").status == 400)
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: #"{"input": {}}"#).status == 400)
                let huge = #"{"id": "x3", "input": {"pad": ""# + String(repeating: "a", count: 70_000) + #""}}"#
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: huge).status == 413)

                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-1")).status == 201)
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-1")).status == 200)
                let conflict = try await fixture.call(.post, "/v1/flows/ev-charging/instances",
                                                      json: #"{"id": "s-1", "input": {"phoneNumber": "4791234567", "pricePerKWh": {"value": 1, "currency": "NOK"}}}"#)
                #expect(conflict.status == 409)
                #expect(try conflict.problem().code == "conflictingStart")

                #expect(try await fixture.call(.get, "/v1/instances/nope").status == 404)
                #expect(try await fixture.call(.post, "/v1/instances/s-1/signals/teleport", json: #"{"data": {}}"#).status == 422)
                #expect(try await fixture.call(.post, "/v1/instances/s-1/signals/$payment", json: #"{"data": {}}"#).status == 422)
                #expect(try await fixture.call(.post, "/v1/instances/s-1/signals/meterReading", json: #"{"data": {"energyWh": "lots"}}"#).status == 422)
                #expect(try await fixture.call(.post, "/v1/instances/s-1/cancel", json: #"{}"#).status == 400)
                #expect(try await fixture.call(.get, "/v1/instances?status=sleepy").status == 400)
                #expect(try await fixture.call(.get, "/v1/nowhere").status == 404)

                let all = try await fixture.call(.get, "/v1/instances?flow=ev-charging").decode(APIInstanceList.self)
                #expect(all.instances.map(\.id) == ["s-1"])
                let none = try await fixture.call(.get, "/v1/instances?status=succeeded").decode(APIInstanceList.self)
                #expect(none.instances.isEmpty)

                let metrics = try await fixture.call(.get, "/metrics", token: nil)
                #expect(metrics.status == 200)
                #expect(metrics.text.contains(#"evflow_instances_started_total{flow="ev-charging"}"#))
            }
        }
    }

    @Test func aMalformedInstanceIDIsABadRequestWithATitleOnEveryRoute() async throws {
        // Found by fuzzing docs/api.yaml: a cancel with a non-ASCII id answered 422, undocumented, with an empty title.
        try await withServeFixture(webhooks: false) { fixture in
            try await fixture.withServer {
                let requests: [(HTTPMethod, String, String?)] = [
                    (.post, "/v1/instances/%C3%A9t%C3%A9/cancel", #"{"reason": "station fault"}"#),
                    (.get, "/v1/instances/%C3%A9t%C3%A9", nil),
                    (.post, "/v1/instances/%C3%A9t%C3%A9/signals/meterReading", #"{"data": {"energyWh": 1}}"#),
                    (.post, "/v1/instances/bad%20id/cancel", #"{"reason": "station fault"}"#),
                    (.post, "/v1/flows/ev-charging/instances", #"{"id": "\u00e9t\u00e9", "input": \#(ServeFixture.sessionInput)}"#),
                ]
                for (method, path, body) in requests {
                    let reply = try await fixture.call(method, path, json: body)
                    #expect(reply.status == 400, "\(method) \(path): \(reply.status) \(reply.text)")
                    #expect(reply.header("Content-Type") == "application/problem+json")
                    let problem = try reply.problem()
                    #expect(problem.title == "Bad Request", "\(method) \(path): \(reply.text)")
                    #expect(problem.code == "invalidInstanceID", "\(method) \(path): \(reply.text)")
                }
            }
        }
    }

    /// POSTs `body` to the webhook route signed with `secret` at `date` (`alter`: one byte changed after signing).
    static func deliver(_ body: [UInt8], _ fixture: ServeFixture, secret: String, date: Date, alter: Bool = false) async throws -> ServeFixture.Reply {
        let signature = WebhookSigner(secret: Secret(secret)).sign(body: body, pathAndQuery: "/webhooks/epayment",
                                                                   host: "127.0.0.1:\(fixture.port)", date: date)
        var sent = body
        if alter { sent[sent.count - 2] = UInt8(ascii: "X") }
        return try await fixture.call(.post, "/webhooks/epayment", json: String(decoding: sent, as: UTF8.self), token: nil,
                                      headers: signature.headers.map { ($0.0, $0.1) })
    }
}
