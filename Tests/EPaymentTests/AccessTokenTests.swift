import CurlHTTP
import EPayment
import Foundation
import Testing

@Suite("Access tokens are cached, refreshed before expiry and fetched once for many callers")
struct AccessTokenTests {
    static let paymentPath = "/epayment/v1/payments/\(Fixture.reference)"

    @Test func tokenIsCachedAcrossCalls() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("GET", Self.paymentPath, .json(200, Fixture.payment))
            for _ in 0..<3 { _ = try await client.getPayment(reference: Fixture.reference) }
            #expect(server.tokenRequestCount == 1)
            #expect(server.apiRequests.allSatisfy { $0.headers["authorization"] == "Bearer token-1" })
        }
    }

    @Test func tokenIsRefreshedBeforeItExpires() async throws {
        try await withFakeEPayment { server, client, clock in
            server.setTokenEndpoint(expiresIn: "3600")
            server.script("GET", Self.paymentPath, .json(200, Fixture.payment))
            _ = try await client.getPayment(reference: Fixture.reference)
            clock.advance(by: .seconds(3000))
            _ = try await client.getPayment(reference: Fixture.reference)
            #expect(server.tokenRequestCount == 1, "still well within its hour")
            clock.advance(by: .seconds(400))  // 3400 s: inside the 5-minute refresh margin, before expiry
            _ = try await client.getPayment(reference: Fixture.reference)
            #expect(server.tokenRequestCount == 2)
            #expect(server.apiRequests.map { $0.headers["authorization"] } == [
                "Bearer token-1", "Bearer token-1", "Bearer token-2",
            ])
        }
    }

    @Test func hundredConcurrentCallersShareOneTokenRequest() async throws {
        try await withFakeEPayment { server, client, _ in
            server.setTokenEndpoint(delay: .milliseconds(300))
            server.script("GET", Self.paymentPath, .json(200, Fixture.payment))
            try await withThrowingTaskGroup(of: PaymentState.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await client.getPayment(reference: Fixture.reference).state }
                }
                var count = 0
                for try await state in group {
                    #expect(state == .authorized)
                    count += 1
                }
                #expect(count == 100)
            }
            #expect(server.tokenRequestCount == 1)
            #expect(server.apiRequests.count == 100)
            #expect(server.apiRequests.allSatisfy { $0.headers["authorization"] == "Bearer token-1" })
        }
    }

    @Test func numericExpiresInIsAcceptedToo() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script(
                "POST", "/accesstoken/get",
                .json(200, #"{"token_type":"Bearer","expires_in":3600,"access_token":"numeric-token"}"#))
            server.script("GET", Self.paymentPath, .json(200, Fixture.payment))
            _ = try await client.getPayment(reference: Fixture.reference)
            #expect(server.apiRequests.first?.headers["authorization"] == "Bearer numeric-token")
        }
    }

    @Test func rejectedCredentialsAreUnauthorizedWithoutLeakingThem() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", "/accesstoken/get", .problem(401, title: "Invalid client credentials"))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference)
            }
            #expect(error.code == .unauthorized)
            #expect(error.operation == .accessToken)
            #expect(error.description.contains("client secret"))
            #expect(!error.description.contains("client-secret-XYZ"))
            #expect(!error.description.contains("subscription-key-ABC"))
            #expect(server.apiRequests.isEmpty)
        }
    }

    @Test func noSecretOrTokenReachesLogsOrErrors() async throws {
        let capture = LogCapture()
        try await withFakeEPayment(logger: capture.logger()) { server, client, _ in
            server.script(
                "POST", "/epayment/v1/payments/\(Fixture.reference)/capture",
                .problem(503, title: "Unavailable"), .problem(401, title: "Unauthorized"),
                .problem(400, title: "Capture amount too high"))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.capture(reference: Fixture.reference, amount: Fixture.nok(1), idempotencyKey: "k-1")
            }
            let texts = capture.allLines + [error.description, String(reflecting: error), "\(client.configuration)"]
            #expect(capture.allLines.count >= 3, "attempts and retries are logged")
            for text in texts {
                for secret in ["client-secret-XYZ", "subscription-key-ABC", "token-1", "token-2"] {
                    #expect(!text.contains(secret), "'\(secret)' leaked into: \(text)")
                }
            }
        }
    }
    @Test func tokenEndpointOutageIsRetried() async throws {
        try await withFakeEPayment { server, client, clock in
            server.script(
                "POST", "/accesstoken/get", .problem(503, title: "Service Unavailable"),
                .json(200, #"{"token_type":"Bearer","expires_in":"3599","access_token":"after-outage"}"#))
            server.script("GET", Self.paymentPath, .json(200, Fixture.payment))
            _ = try await client.getPayment(reference: Fixture.reference)
            #expect(server.tokenRequestCount == 2)
            #expect(clock.sleeps == [.milliseconds(100)])
            #expect(server.apiRequests.map { $0.headers["authorization"] } == ["Bearer after-outage"])
        }
    }

    @Test func malformedTokenResponseIsUnexpectedResponse() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", "/accesstoken/get", .json(200, #"{"token_type":"Bearer","access_token":"no-expiry"}"#))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference)
            }
            #expect(error.code == .unexpectedResponse)
            #expect(error.operation == .accessToken)
            #expect(error.description.contains("expires_in"))
            #expect(!error.description.contains("no-expiry"))
            #expect(server.apiRequests.isEmpty)
        }
    }
}
