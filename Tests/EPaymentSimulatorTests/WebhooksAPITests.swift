import CurlHTTP
import EPayment
import EPaymentSimulator
import Foundation
import Testing

/// The simulator's Webhooks API through the project's `EPaymentClient`: registrations with their own secrets,
/// deliveries only to what is registered, the limit of 25 per event type.
@Suite("Webhooks API")
struct WebhooksAPITests {
    /// Runs `body` with a client of `simulator` (merchant 123456).
    static func withClient<Result: Sendable>(
        _ simulator: Simulator, msn: String = "123456", _ body: (EPaymentClient) async throws -> Result
    ) async throws -> Result {
        try await withHTTPClient { http in
            let configuration = EPaymentConfiguration(
                baseURL: simulator.baseURL, clientID: "client", clientSecret: Secret("secret"),
                subscriptionKey: Secret("test-subscription-key"), merchantSerialNumber: msn)
            return try await body(EPaymentClient(configuration: configuration, httpClient: http, logger: quietLogger))
        }
    }

    @Test func eachRegistrationIsSignedWithItsOwnSecretAndOnlyRegisteredURLsGetEvents() async throws {
        try await withWebhookReceiver { all, allURL in
            try await withWebhookReceiver { authorizedOnly, authorizedURL in
                var configuration = SimulatorConfiguration(rateLimitsEnabled: false)
                configuration.webhooks.initialBackoff = .milliseconds(20)
                try await withTestSimulator(configuration) { simulator, api throws in
                    try await Self.withClient(simulator) { client in
                        #expect(try await client.listWebhooks().isEmpty, "nothing is registered until someone registers")
                        let first = try await client.registerWebhook(url: allURL, events: WebhookEventType.ePaymentEvents)
                        let second = try await client.registerWebhook(url: authorizedURL, events: [.paymentAuthorized])
                        #expect(first.secret != second.secret)
                        let listed = try await client.listWebhooks()
                        #expect(Set(listed.map(\.id)) == [first.id, second.id])
                        #expect(listed.first { $0.id == second.id } == WebhookRegistration(id: second.id, url: authorizedURL, events: [.paymentAuthorized]))

                        try await api.authorized("hooks-0001")
                        let toAll = try await all.waitFor(2)
                        let toAuthorized = try await authorizedOnly.waitFor(1)
                        let firstVerifier = WebhookVerifier(secret: first.secret)
                        let secondVerifier = WebhookVerifier(secret: second.secret)
                        let names = try toAll.map { delivery in
                            try firstVerifier.verifiedEvent(body: delivery.body, pathAndQuery: delivery.path, host: delivery.host, header: delivery.header).name
                        }
                        #expect(names == [.created, .authorized])
                        let authorized = try #require(toAuthorized.first)
                        #expect(toAuthorized.count == 1)
                        #expect(try secondVerifier.verifiedEvent(body: authorized.body, pathAndQuery: authorized.path, host: authorized.host, header: authorized.header).name == .authorized)
                        #expect(throws: WebhookVerificationError.self, "another registration's secret does not verify it") {
                            try firstVerifier.verify(body: authorized.body, pathAndQuery: authorized.path, host: authorized.host, header: authorized.header)
                        }

                        // Deleted, it gets nothing more; the other registration still does.
                        try await client.deleteWebhook(id: first.id)
                        #expect(try await client.listWebhooks().map(\.id) == [second.id])
                        #expect(try await api.create("hooks-0002").status == 201)
                        #expect(try await api.approve("hooks-0002").status == 200)
                        #expect(try await authorizedOnly.waitFor(2).count == 2)
                        #expect(all.deliveries.count == 2, "no delivery after the registration was deleted")
                        #expect(Set(simulator.webhookDeliveries().map(\.webhookId)) == [first.id, second.id])

                        let gone = try await #require(throws: EPaymentError.self) { try await client.deleteWebhook(id: first.id) }
                        #expect(gone.code == .notFound && gone.httpStatus == 404, "\(gone)")
                    }
                }
            }
        }
    }

    @Test func atMost25RegistrationsPerEventType() async throws {
        try await withTestSimulator { simulator, _ throws in
            try await Self.withClient(simulator) { client in
                for index in 1...25 {
                    _ = try await client.registerWebhook(url: "https://hooks.example.com/\(index)", events: [.paymentAuthorized, .paymentCreated])
                }
                let refused = try await #require(throws: EPaymentError.self) {
                    try await client.registerWebhook(url: "https://hooks.example.com/26", events: [.paymentCaptured, .paymentAuthorized])
                }
                #expect(refused.code == .invalid && refused.httpStatus == 400, "\(refused)")
                #expect(refused.extraDetails.first?.name == "events", "\(refused)")
                #expect(refused.description.contains("At most 25") && refused.description.contains("epayments.payment.authorized.v1"), "\(refused)")
                #expect(try await client.listWebhooks().count == 25, "the refused one was not registered")
                _ = try await client.registerWebhook(url: "https://hooks.example.com/26", events: [.paymentCaptured])
            }
        }
    }

    @Test func registerValidatesItsBodyLikeTheSpec() async throws {
        try await withTestSimulator { simulator, api throws in
            let bad = try await api.send(.post, "/webhooks/v1/webhooks", body: #"{"url": "http://example.com/hook", "events": ["epayments.payment.authorized.v1", "nope"], "secret": "mine"}"#)
            #expect(bad.status == 400, "\(bad.text)")
            #expect(bad.response.headers["Content-Type"] == "application/problem+json")
            #expect(bad.detailNames == ["secret", "url", "events[1]"], "\(bad.text)")
            let badID = try await api.send(.delete, "/webhooks/v1/webhooks/not-a-uuid")
            #expect(badID.status == 400 && badID.detailNames == ["id"], "\(badID.text)")
            #expect(try await api.send(.get, "/webhooks/v1/webhooks", authorized: false).status == 401)
            try await Self.withClient(simulator) { client in
                let empty = try await #require(throws: EPaymentError.self) { try await client.registerWebhook(url: "https://example.com", events: []) }
                #expect(empty.code == .invalid && empty.attempts == 0, "refused before sending: \(empty)")
                let plain = try await #require(throws: EPaymentError.self) { try await client.registerWebhook(url: "http://example.com/hook", events: [.paymentAuthorized]) }
                #expect(plain.code == .invalid && plain.attempts == 0, "\(plain)")
            }
        }
    }

    @Test func aMerchantsRegistrationGetsOnlyItsOwnPaymentsEvents() async throws {
        try await withWebhookReceiver { receiver, url in
            try await withTestSimulator { simulator, api throws in
                try await Self.withClient(simulator, msn: "654321") { client in
                    _ = try await client.registerWebhook(url: url, events: [.paymentCreated])
                }
                #expect(try await api.create("hooks-0003").status == 201, "merchant 123456")
                var other = api
                other.msn = "654321"
                #expect(try await other.create("hooks-0004").status == 201)
                let deliveries = try await receiver.waitFor(1)
                let references = deliveries.compactMap { try? JSONDecoder().decode(WebhookEvent.self, from: Data($0.body)).reference }
                #expect(references == ["hooks-0004"])
            }
        }
    }
}
