import CurlHTTP
import EPayment
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// Webhook deliveries: signed so that the EPayment client's verifier accepts them, retried, duplicated on request.
@Suite("Webhooks")
struct WebhookTests {
    static let secret = "webhook-secret-for-tests"

    static func configuration(_ url: String, duplicateRate: Double = 0) -> SimulatorConfiguration {
        SimulatorConfiguration(
            webhooks: WebhookConfiguration(
                urls: [url], secret: secret, maximumAttempts: 5, initialBackoff: .milliseconds(20),
                duplicateRate: duplicateRate
            )
        )
    }

    @Test func deliveriesAreSignedAndTheClientVerifierAcceptsThem() async throws {
        try await withWebhookReceiver { receiver, url in
            try await withTestSimulator(Self.configuration(url)) { simulator, api throws in
                try await api.authorized("hook-0001", value: 1000)
                #expect(try await api.capture("hook-0001", 300, key: "capture-key").status == 200)
                let deliveries = try await receiver.waitFor(3)
                #expect(deliveries.count == 3)
                let verifier = WebhookVerifier(secret: Secret(Self.secret))
                var events: [WebhookEvent] = []
                for delivery in deliveries {
                    #expect(delivery.path == "/hooks/vipps?source=sim")
                    events.append(
                        try verifier.verifiedEvent(
                            body: delivery.body, pathAndQuery: delivery.path, host: delivery.host, header: delivery.header
                        )
                    )
                }
                #expect(events.map(\.name.rawValue) == ["CREATED", "AUTHORIZED", "CAPTURED"])
                #expect(events.allSatisfy { $0.msn == "123456" && $0.reference == "hook-0001" })
                #expect(events.last?.amount.value == 300)
                #expect(events.last?.idempotencyKey == "capture-key")
                let ledgerPsp = simulator.payment(reference: "hook-0001")?.events.map(\.pspReference)
                #expect(events.map(\.pspReference) == ledgerPsp)

                // A tampered body or the wrong secret is refused: the check above can fail.
                let first = try #require(deliveries.first)
                var tampered = first.body
                tampered[tampered.count - 2] ^= 1
                #expect(throws: WebhookVerificationError.self) {
                    try verifier.verify(body: tampered, pathAndQuery: first.path, host: first.host, header: first.header)
                }
                #expect(throws: WebhookVerificationError.self) {
                    try WebhookVerifier(secret: Secret("other")).verify(
                        body: first.body, pathAndQuery: first.path, host: first.host, header: first.header)
                }
            }
        }
    }

    @Test func failedDeliveriesAreRetriedWithBackoff() async throws {
        try await withWebhookReceiver(refuseFirst: 2) { receiver, url in
            try await withTestSimulator(Self.configuration(url)) { simulator, api throws in
                #expect(try await api.create("hook-0002").status == 201)
                let deliveries = try await receiver.waitFor(1)
                #expect(deliveries.count == 1)
                // The dispatcher logs an attempt after the receiver answered it: wait for the third entry.
                try await waitUntil("the third delivery attempt to be logged", timeout: .seconds(5), pollingEvery: .milliseconds(20),
                                    lastSeen: { "\(simulator.webhookDeliveries().map(\.status))" }) { simulator.webhookDeliveries().count >= 3 }
                let attempts = simulator.webhookDeliveries()
                #expect(attempts.map(\.attempt) == [1, 2, 3])
                #expect(attempts.map(\.status) == [503, 503, 200])
                #expect(attempts.last?.delivered == true)
            }
        }
    }

    @Test func duplicatesWhenAsked() async throws {
        try await withWebhookReceiver { receiver, url in
            try await withTestSimulator(Self.configuration(url, duplicateRate: 1)) { _, api throws in
                #expect(try await api.create("hook-0003").status == 201)
                let deliveries = try await receiver.waitFor(2)
                #expect(deliveries.count == 2)
                #expect(deliveries.first?.body == deliveries.last?.body)
            }
        }
    }

    @Test func reorderedWhenAsked() async throws {
        try await withWebhookReceiver { receiver, url in
            var configuration = Self.configuration(url)
            configuration.webhooks.reorderRate = 1
            try await withTestSimulator(configuration) { simulator, api throws in
                #expect(try await api.create("hook-0005").status == 201)
                #expect(try await api.create("hook-0006").status == 201)
                #expect(try await receiver.waitFor(2).count == 2)
                try simulator.advanceClock(by: .seconds(601))
                let deliveries = try await receiver.waitFor(4)
                let expired = deliveries.suffix(2).compactMap { try? JSONDecoder().decode(WebhookEvent.self, from: Data($0.body)) }
                #expect(expired.map(\.name.rawValue) == ["EXPIRED", "EXPIRED"])
                // pspReferences grow in the order events happen: delivered newest first means reordered.
                let order = expired.compactMap { Int($0.pspReference) }
                #expect(order.count == 2 && order[0] > order[1], "\(order)")
            }
        }
    }

    @Test func expiryOnTheVirtualClockIsDelivered() async throws {
        try await withWebhookReceiver { receiver, url in
            try await withTestSimulator(Self.configuration(url)) { simulator, api throws in
                #expect(try await api.create("hook-0004").status == 201)
                try simulator.advanceClock(by: .seconds(601))
                let deliveries = try await receiver.waitFor(2)
                let names = deliveries.compactMap { try? JSONDecoder().decode(WebhookEvent.self, from: Data($0.body)).name.rawValue }
                #expect(names == ["CREATED", "EXPIRED"])
            }
        }
    }
}
