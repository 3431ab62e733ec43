import CurlHTTP
import EPayment
import Foundation
import Testing

/// The Webhooks API calls on the wire: the spec's bodies and headers, and no blind repeat of a registration.
@Suite("Webhooks API client")
struct WebhooksClientTests {
    static let path = "/webhooks/v1/webhooks"

    @Test func registerListAndDeleteSendTheSpecsRequests() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", Self.path, .json(201, #"{"id":"3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f","secret":"s3cr3t-from-the-api"}"#))
            server.script("GET", Self.path, .json(200, #"{"webhooks":[{"id":"3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f","url":"https://pay.example.com/webhooks/epayment","events":["epayments.payment.authorized.v1","other.service.event.v2"]}]}"#))
            server.script("DELETE", Self.path + "/3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f", ScriptedResponse(status: 204))
            let registered = try await client.registerWebhook(
                url: "https://pay.example.com/webhooks/epayment", events: [.paymentAuthorized, .paymentAborted])
            #expect(registered.id == "3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f")
            #expect(registered.secret.revealed == "s3cr3t-from-the-api")
            #expect(!"\(registered)".contains("s3cr3t"), "the secret never prints")
            let listed = try await client.listWebhooks()
            #expect(listed.first?.events == [.paymentAuthorized, "other.service.event.v2"], "unknown event types decode")
            try await client.deleteWebhook(id: registered.id)

            let requests = server.apiRequests
            #expect(requests.map { "\($0.method) \($0.path)" } == [
                "POST \(Self.path)", "GET \(Self.path)", "DELETE \(Self.path)/3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f",
            ])
            for request in requests { Fixture.expectCommonHeaders(request) }
            let register = try #require(requests.first)
            #expect(String(decoding: register.body, as: UTF8.self)
                == #"{"events":["epayments.payment.authorized.v1","epayments.payment.aborted.v1"],"url":"https://pay.example.com/webhooks/epayment"}"#)
            #expect(register.headers["idempotency-key"] == nil, "the Webhooks API takes none")
        }
    }

    @Test func aRegistrationThatMayHaveArrivedIsNotRepeated() async throws {
        var setup = ClientSetup()
        setup.httpTimeout = .milliseconds(1500)
        try await withFakeEPayment(setup) { server, client, _ in
            server.script("POST", Self.path, .json(201, #"{"id":"3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f","secret":"s"}"#, delay: .seconds(10)))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.registerWebhook(url: "https://pay.example.com/webhooks/epayment", events: [.paymentAuthorized])
            }
            #expect(error.code == .maybeApplied && error.attempts == 1, "\(error)")
            #expect(server.apiRequests.count == 1, "a second attempt could register twice")
            #expect(error.description.contains("list what exists"), "\(error)")
        }
    }

    @Test func theLimitErrorIsAClearInvalidRequest() async throws {
        try await withFakeEPayment { server, client, _ in
            // The Webhooks API's ProblemDetails: every field nullable, no `type` here.
            server.script("POST", Self.path, .json(400, #"{"title":"Bad Request","status":400,"detail":"One or more validation errors occurred.","instance":"/v1/webhooks","traceId":"00-abc-01-00","extraDetails":[{"name":"events","reason":"At most 25 webhooks can be registered per event"}]}"#))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.registerWebhook(url: "https://pay.example.com/webhooks/epayment", events: [.paymentAuthorized])
            }
            #expect(error.code == .invalid && error.httpStatus == 400 && error.attempts == 1)
            #expect(error.description.contains("events: At most 25 webhooks") && error.description.contains("traceId 00-abc-01-00"), "\(error)")
        }
    }
}
