import EPayment
import Foundation
import Testing

@Suite("Webhook signatures: HMAC-SHA256 over method, path, date, host and body hash")
struct WebhookTests {
    // A fixed vector computed independently with openssl:
    //   hash = base64(sha256(body)); sig = base64(hmac-sha256(key: "whsec-not-base64==", "POST\n<path>\n<date>;<host>;<hash>"))
    static let body = Array(
        #"{"msn":"123456","reference":"charge-4711-a","pspReference":"1234567891","name":"AUTHORIZED","amount":{"currency":"NOK","value":35000},"timestamp":"2023-08-14T12:48:46.260Z","idempotencyKey":"49ca711a9487112e1def","success":true}"#
            .utf8)
    static let secret = Secret("whsec-not-base64==")
    static let path = "/webhooks/vipps?merchant=1"
    static let host = "example.com:8443"
    static let signedAt = Date(timeIntervalSince1970: 1_692_017_327)  // Mon, 14 Aug 2023 12:48:47 GMT
    static let vectorHash = "I1gpgQCfrYAO+SbNNt7FojSsbC0uEEn5humziDuPf7k="
    static let vectorAuthorization =
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=5RNyKzT/oUNo/GkGKwCamXW+N3/T3utpSlXZP6UDhMM="

    static func headers(_ signature: WebhookSignature) -> [String: String] {
        ["x-ms-date": signature.date, "x-ms-content-sha256": signature.contentSHA256,
         "authorization": signature.authorization, "host": host]
    }

    static func lookup(_ headers: [String: String]) -> (String) -> String? {
        { headers[$0.lowercased()] }
    }

    @Test func signerProducesTheIndependentlyComputedVector() {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        #expect(signature.date == "Mon, 14 Aug 2023 12:48:47 GMT")
        #expect(signature.contentSHA256 == Self.vectorHash)
        #expect(signature.authorization == Self.vectorAuthorization)
    }

    @Test func verifierAcceptsTheVectorAndDecodesTheEvent() throws {
        let headers = [
            "x-ms-date": "Mon, 14 Aug 2023 12:48:47 GMT", "x-ms-content-sha256": Self.vectorHash,
            "authorization": Self.vectorAuthorization, "host": Self.host,
        ]
        let verifier = WebhookVerifier(secret: Self.secret)
        let event = try verifier.verifiedEvent(
            body: Self.body, pathAndQuery: Self.path, now: Self.signedAt.addingTimeInterval(30),
            header: Self.lookup(headers))
        #expect(event.name == .authorized)
        #expect(event.eventType == "epayments.payment.authorized.v1")
        #expect(event.msn == "123456")
        #expect(event.amount == Amount(value: 35_000, currency: .nok))
        #expect(event.idempotencyKey == "49ca711a9487112e1def")
        #expect(abs(event.timestamp.timeIntervalSince1970 - 1_692_017_326.26) < 0.001)
    }

    @Test func hostCanBePassedExplicitlyAsHTTP2AuthorityIs() throws {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        var headers = Self.headers(signature)
        headers["host"] = nil
        try WebhookVerifier(secret: Self.secret).verify(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, now: Self.signedAt, header: Self.lookup(headers))
    }

    @Test func tamperedBodyIsRejected() throws {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        var tampered = Self.body
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "3")))  // 35000 -> 95000
        tampered[index] = UInt8(ascii: "9")
        let error = try #require(throws: WebhookVerificationError.self) {
            try WebhookVerifier(secret: Self.secret).verify(
                body: tampered, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(Self.headers(signature)))
        }
        #expect(error.code == .contentHashMismatch)
        #expect(error.description.contains("raw body"))
    }

    @Test func tamperedBodyWithRecomputedHashFailsTheSignature() throws {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        let tampered = Array(String(decoding: Self.body, as: UTF8.self).replacingOccurrences(of: "35000", with: "95000").utf8)
        // The attacker recomputes the content hash but cannot recompute the HMAC without the secret.
        let forged = WebhookSigner(secret: Secret("attacker-guess")).sign(
            body: tampered, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        var headers = Self.headers(signature)
        headers["x-ms-content-sha256"] = forged.contentSHA256
        let error = try #require(throws: WebhookVerificationError.self) {
            try WebhookVerifier(secret: Self.secret).verify(
                body: tampered, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(headers))
        }
        #expect(error.code == .signatureMismatch)
    }

    @Test func wrongSecretIsRejected() throws {
        let signature = WebhookSigner(secret: Secret("another-webhook-secret")).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        let error = try #require(throws: WebhookVerificationError.self) {
            try WebhookVerifier(secret: Self.secret).verify(
                body: Self.body, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(Self.headers(signature)))
        }
        #expect(error.code == .signatureMismatch)
        #expect(error.description.contains("webhook secret"))
        #expect(!error.description.contains(Self.secret.revealed))
    }

    @Test func secretIsUsedAsUTF8NotBase64Decoded() throws {
        // "aGVsbG8=" is base64 for "hello": a verifier that base64-decodes the secret would accept this signature.
        let signature = WebhookSigner(secret: Secret("hello")).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        #expect(throws: WebhookVerificationError.self) {
            try WebhookVerifier(secret: Secret("aGVsbG8=")).verify(
                body: Self.body, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(Self.headers(signature)))
        }
    }

    @Test func alteredPathOrHostIsRejected() throws {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        let verifier = WebhookVerifier(secret: Self.secret)
        let wrongPath = try #require(throws: WebhookVerificationError.self) {
            try verifier.verify(
                body: Self.body, pathAndQuery: "/webhooks/other", now: Self.signedAt, header: Self.lookup(Self.headers(signature)))
        }
        #expect(wrongPath.code == .signatureMismatch)
        let wrongHost = try #require(throws: WebhookVerificationError.self) {
            try verifier.verify(
                body: Self.body, pathAndQuery: Self.path, host: "evil.example", now: Self.signedAt,
                header: Self.lookup(Self.headers(signature)))
        }
        #expect(wrongHost.code == .signatureMismatch)
    }

    @Test func staleDateIsRejectedAndTheWindowIsConfigurable() throws {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        let headers = Self.lookup(Self.headers(signature))
        let verifier = WebhookVerifier(secret: Self.secret)
        // 4 minutes late and 4 minutes early are inside the default 5-minute window.
        try verifier.verify(body: Self.body, pathAndQuery: Self.path, now: Self.signedAt + 240, header: headers)
        try verifier.verify(body: Self.body, pathAndQuery: Self.path, now: Self.signedAt - 240, header: headers)
        let stale = try #require(throws: WebhookVerificationError.self) {
            try verifier.verify(body: Self.body, pathAndQuery: Self.path, now: Self.signedAt + 301, header: headers)
        }
        #expect(stale.code == .staleDate)
        #expect(stale.description.contains("clock"))
        let strict = WebhookVerifier(secret: Self.secret, allowedClockSkew: .seconds(30))
        #expect(throws: WebhookVerificationError.self) {
            try strict.verify(body: Self.body, pathAndQuery: Self.path, now: Self.signedAt + 31, header: headers)
        }
    }

    @Test func missingOrMalformedHeadersAreRejected() throws {
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: Self.body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        let verifier = WebhookVerifier(secret: Self.secret)
        for name in ["x-ms-date", "x-ms-content-sha256", "authorization", "host"] {
            var headers = Self.headers(signature)
            headers[name] = nil
            let error = try #require(throws: WebhookVerificationError.self) {
                try verifier.verify(body: Self.body, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(headers))
            }
            #expect(error.code == .missingHeader, "without \(name)")
        }
        var headers = Self.headers(signature)
        headers["authorization"] = "Bearer something"
        let error = try #require(throws: WebhookVerificationError.self) {
            try verifier.verify(body: Self.body, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(headers))
        }
        #expect(error.code == .malformedAuthorization)
    }

    @Test func validSignatureOverANonEventBodyIsMalformedBody() throws {
        let body = Array(#"{"hello":"world"}"#.utf8)
        let signature = WebhookSigner(secret: Self.secret).sign(
            body: body, pathAndQuery: Self.path, host: Self.host, date: Self.signedAt)
        let error = try #require(throws: WebhookVerificationError.self) {
            try WebhookVerifier(secret: Self.secret).verifiedEvent(
                body: body, pathAndQuery: Self.path, now: Self.signedAt, header: Self.lookup(Self.headers(signature)))
        }
        #expect(error.code == .malformedBody)
    }

    @Test func webhookEventTypesMapToEventNames() {
        #expect(PaymentEventName.captured.webhookEventType == "epayments.payment.captured.v1")
        #expect(PaymentEventName(webhookEventType: "epayments.payment.terminated.v1") == .terminated)
        #expect(PaymentEventName(webhookEventType: "epayments.payment.somethingnew.v1")?.rawValue == "SOMETHINGNEW")
        #expect(PaymentEventName(webhookEventType: "recurring.agreement.activated.v1") == nil)
    }
}
