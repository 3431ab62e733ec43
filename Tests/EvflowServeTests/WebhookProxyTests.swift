import CurlHTTP
import EPayment
import EvflowServer
import Foundation
import Testing

/// The webhook receiver behind TLS termination (`EVFLOW_PUBLIC_URL`), and its 2xx for deliveries it cannot use:
/// a non-2xx would hold back the payment's later webhooks for days (ev-charging-facts.md section 3).
@Suite(.serialized)
struct WebhookProxyTests {
    static let publicURL = "https://pay.example.test/evflow"

    /// A delivery as a proxy forwards it: signed by the provider for `https://pay.example.test/evflow/webhooks/epayment?source=vipps`,
    /// arriving as `POST /webhooks/epayment?source=vipps` (the prefix stripped) with the proxy's own `Host`.
    static func forward(_ body: String, _ fixture: ServeFixture) async throws -> ServeFixture.Reply {
        let signature = WebhookSigner(secret: Secret(ServeFixture.webhookSecret)).sign(
            body: Array(body.utf8), pathAndQuery: "/evflow/webhooks/epayment?source=vipps", host: "pay.example.test", date: Date())
        return try await fixture.call(.post, "/webhooks/epayment?source=vipps", json: body, token: nil,
                                      headers: signature.headers.map { ($0.0, $0.1) } + [("Host", "evflow-internal:8080")])
    }

    static func event(_ reference: String) -> String {
        #"{"msn":"123456","reference":"\#(reference)","pspReference":"psp-1","name":"AUTHORIZED","amount":{"value":50000,"currency":"NOK"},"timestamp":"2026-11-27T12:00:00Z","idempotencyKey":null,"success":true}"#
    }

    @Test func aForwardedDeliveryVerifiesOnlyAgainstThePublicURL() async throws {
        try await withServeFixture(webhooks: true, autoApproveAfter: .seconds(600)) { fixture in
            try await fixture.withServer {
                let refused = try await Self.forward(Self.event("proxy-unknown-1"), fixture)
                #expect(refused.status == 401, "\(refused.text)")
                #expect(try refused.problem().code == "webhook.signatureMismatch")
            }
            let publicURL = try PublicURL(Self.publicURL)
            try await fixture.withServer(publicURL: publicURL) {
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("proxy-1")).status == 201)
                let waiting = try await fixture.waitFor("proxy-1", "a payment") { $0.payment != nil }
                let reference = try #require(waiting.payment?.reference)
                let delivered = try await Self.forward(Self.event(reference), fixture)
                #expect(delivered.status == 200, "\(delivered.text)")
                #expect(try delivered.decode(WebhookReceipt.self).outcome == "delivered")

                // Signed for the receiver's own address, a request no longer verifies once the public URL is set.
                let direct = try await ServeAPITests.deliver(Array(Self.event(reference).utf8), fixture, secret: ServeFixture.webhookSecret, date: Date())
                #expect(direct.status == 401, "\(direct.text)")
            }
        }
    }

    @Test func deliveriesEvflowCannotUseAreStillAcknowledged() async throws {
        try await withServeFixture(webhooks: true) { fixture in
            try await fixture.withServer(publicURL: try PublicURL(Self.publicURL)) {
                let unknown = try await Self.forward(Self.event("not-a-session-of-ours"), fixture)
                #expect(unknown.status == 200, "\(unknown.text)")
                #expect(try unknown.decode(WebhookReceipt.self).outcome == "unknownReference")

                // Signed by the provider but not an ePayment event (another API's, or a newer shape): sending it
                // again cannot help, so it is acknowledged rather than refused.
                let unreadable = try await Self.forward(#"{"msn":"123456","something":"else"}"#, fixture)
                #expect(unreadable.status == 200, "\(unreadable.text)")
                #expect(try unreadable.decode(WebhookReceipt.self).outcome == "unreadable")
                #expect(try await fixture.call(.get, "/metrics", token: nil).text.contains(#"evflow_webhooks_total{outcome="unreadable"} "#))
            }
        }
    }

    @Test func thePublicURLIsCheckedAtStartUp() throws {
        #expect(try PublicURL("https://pay.example.test/evflow/").webhookURL == "https://pay.example.test/evflow/webhooks/epayment")
        #expect(try PublicURL("https://pay.example.test:8443").authority == "pay.example.test:8443")
        #expect(try PublicURL("https://Pay.Example.test:443/evflow").authority == "pay.example.test", "as a client writes Host: lower case, no default port")
        #expect(try PublicURL("http://127.0.0.1:80").authority == "127.0.0.1")
        for bad in ["pay.example.test", "http://pay.example.test", "https://user:pw@pay.example.test", "https://pay.example.test/?a=1"] {
            #expect(throws: PublicURLError.self, "\(bad)") { try PublicURL(bad) }
        }
    }
}
