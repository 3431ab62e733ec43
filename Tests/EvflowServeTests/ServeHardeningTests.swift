import CurlHTTP
import EPayment
import EvflowServer
import FlowEngine
import Foundation
import Testing

/// Short API tokens are refused at start-up, another merchant's webhooks never reach an instance, and `/metrics`
/// can be closed with its own token.
@Suite(.serialized)
struct ServeHardeningTests {
    @Test func aShortAPITokenIsRefusedAtStartUp() throws {
        let short = "abc123-short-token"
        let error = #expect(throws: APITokensError.self) {
            try APITokens.fromEnvironment([APITokens.variable: "\(String(repeating: "k", count: 40)),\(short)"])
        }
        let text = error?.description ?? ""
        #expect(text.contains(APITokens.variable) && text.contains("32") && text.contains("openssl rand -hex 32"), "\(text)")
        #expect(!text.contains(short) && !text.contains("kkkk"), "the error shows a token: \(text)")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "\(short)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let fromFile = #expect(throws: APITokensError.self) { try APITokens.fromEnvironment([APITokens.fileVariable: path]) }
        #expect(fromFile?.description.contains(path) == true && fromFile?.description.contains(short) == false)

        let long = String(repeating: "0123456789abcdef", count: 2)
        #expect(try APITokens.fromEnvironment([APITokens.variable: long]).accepts(long))
    }

    @Test func aWebhookForAnotherMerchantIsAnsweredButNeverDelivered() async throws {
        try await withServeFixture(webhooks: true, autoApproveAfter: .seconds(60)) { fixture in
            try await fixture.withServer {
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-msn")).status == 201)
                let waiting = try await fixture.waitFor("s-msn", "a payment") { $0.payment != nil }
                let reference = try #require(waiting.payment?.reference)
                func event(msn: String) -> [UInt8] {
                    Array(#"{"msn":"\#(msn)","reference":"\#(reference)","pspReference":"psp-\#(msn)","name":"AUTHORIZED","amount":{"value":50000,"currency":"NOK"},"timestamp":"2026-11-27T12:00:00Z","idempotencyKey":null,"success":true}"#.utf8)
                }
                let foreign = try await ServeAPITests.deliver(event(msn: "999999"), fixture, secret: ServeFixture.webhookSecret, date: Date())
                #expect(foreign.status == 200, "\(foreign.text)")
                #expect(try foreign.decode(WebhookReceipt.self).outcome == "foreignMerchant", "\(foreign.text)")
                #expect(try foreign.decode(WebhookReceipt.self).instance == nil)
                try await Task.sleep(for: .milliseconds(300))
                let afterForeign = try FileInstanceStore(stateDirectory: fixture.stateDirectory).load("s-msn")
                #expect(!afterForeign.seenSignalIDs.contains { $0.hasPrefix("webhook-") }, "\(afterForeign.seenSignalIDs)")

                // The same event from our merchant serial number does reach it.
                let ours = try await ServeAPITests.deliver(event(msn: "123456"), fixture, secret: ServeFixture.webhookSecret, date: Date())
                #expect(try ours.decode(WebhookReceipt.self).outcome == "delivered", "\(ours.text)")
            }
        }
    }

    @Test func metricsNeedTheirTokenWhenOneIsConfigured() async throws {
        let token = "metrics-token-0123456789abcdef0123456789"
        try await withServeFixture(webhooks: false) { fixture in
            try await fixture.withServer(metricsToken: token) {
                let anonymous = try await fixture.call(.get, "/metrics", token: nil)
                #expect(anonymous.status == 401)
                #expect(anonymous.header("Content-Type") == "application/problem+json")
                #expect(try anonymous.problem().detail != "")
                #expect(!anonymous.text.contains(token))
                #expect(try await fixture.call(.get, "/metrics", token: ServeFixture.token).status == 401, "an API token is not the metrics token")
                let scraped = try await fixture.call(.get, "/metrics", token: token)
                #expect(scraped.status == 200)
                #expect(scraped.text.contains("evflow_"), "\(scraped.text.prefix(200))")
                #expect(try await fixture.call(.get, "/healthz", token: nil).status == 200)
            }
        }
    }
}
