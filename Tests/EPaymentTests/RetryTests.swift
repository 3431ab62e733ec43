import CurlHTTP
import EPayment
import Foundation
import Testing

@Suite("Retries are safe: same key, same body, honest backoff, bounded by the deadline")
struct RetryTests {
    static let capturePath = "/epayment/v1/payments/\(Fixture.reference)/capture"

    @Test func retryReusesTheSameKeyAndBodyBytes() async throws {
        try await withFakeEPayment { server, client, clock in
            server.script(
                "POST", Self.capturePath,
                .problem(503, title: "Service Unavailable"), .problem(500, title: "Internal error"),
                .json(200, Fixture.modification(captured: 12_345)))
            let response = try await client.capture(
                reference: Fixture.reference, amount: Fixture.nok(12_345), idempotencyKey: "capture-key-1")
            #expect(response.aggregate.capturedAmount.value == 12_345)
            let captures = server.apiRequests
            #expect(captures.count == 3)
            #expect(captures.allSatisfy { $0.headers["idempotency-key"] == "capture-key-1" })
            #expect(captures.allSatisfy { $0.body == captures[0].body })
            #expect(captures.allSatisfy { $0.headers["authorization"] == "Bearer token-1" })
            // Full jitter is pinned to its ceiling here: 100 ms, then doubled.
            #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
            #expect(server.tokenRequestCount == 1)
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await withFakeEPayment { server, client, clock in
            server.script(
                "POST", Self.capturePath,
                .problem(429, title: "Too Many Requests", headers: ["Retry-After": "7"]),
                .json(200, Fixture.modification(captured: 12_345)))
            _ = try await client.capture(reference: Fixture.reference, amount: Fixture.nok(12_345), idempotencyKey: "k-1")
            #expect(clock.sleeps == [.seconds(7)])
            #expect(server.apiRequests.count == 2)
        }
    }

    @Test func retryAfterBeyondTheDeadlineGivesUpAtOnce() async throws {
        try await withFakeEPayment { server, client, clock in
            server.script(
                "POST", Self.capturePath, .problem(429, title: "Too Many Requests", headers: ["Retry-After": "120"]))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.capture(
                    reference: Fixture.reference, amount: Fixture.nok(1), idempotencyKey: "k-1", deadline: .seconds(30))
            }
            #expect(error.code == .retryable)
            #expect(error.retryAfter == .seconds(120))
            #expect(error.description.contains("deadline"))
            #expect(clock.sleeps.isEmpty)
            #expect(server.apiRequests.count == 1)
        }
    }

    @Test func deadlineBoundsTheRetries() async throws {
        var setup = ClientSetup()
        setup.retryPolicy = RequestRetryPolicy(
            maximumAttempts: 10, initialBackoff: .seconds(1), maximumBackoff: .seconds(60), defaultDeadline: .seconds(60))
        try await withFakeEPayment(setup) { server, client, clock in
            server.script("GET", "/epayment/v1/payments/\(Fixture.reference)", .problem(503, title: "Unavailable"))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference, deadline: .seconds(10))
            }
            #expect(error.code == .retryable)
            // Waits 1 + 2 + 4 = 7 s; the next 8 s wait would pass the 10 s deadline, so it stops there.
            #expect(clock.sleeps == [.seconds(1), .seconds(2), .seconds(4)])
            #expect(error.attempts == 4)
            #expect(error.description.contains("deadline"))
            #expect(server.apiRequests.count == 4)
        }
    }

    @Test func fourHundredsAreNeverRetried() async throws {
        for status in [400, 403, 404, 409, 422] {
            try await withFakeEPayment { server, client, clock in
                server.script("POST", Self.capturePath, .problem(status, title: "No"))
                await #expect(throws: EPaymentError.self) {
                    try await client.capture(reference: Fixture.reference, amount: Fixture.nok(1), idempotencyKey: "k-1")
                }
                #expect(server.apiRequests.count == 1, "HTTP \(status)")
                #expect(clock.sleeps.isEmpty)
            }
        }
    }

    @Test func unauthorizedRefreshesTheTokenOnceThenSucceeds() async throws {
        try await withFakeEPayment { server, client, clock in
            server.script(
                "POST", Self.capturePath, .problem(401, title: "Unauthorized"),
                .json(200, Fixture.modification(captured: 1)))
            _ = try await client.capture(reference: Fixture.reference, amount: Fixture.nok(1), idempotencyKey: "k-1")
            let captures = server.apiRequests
            #expect(captures.map { $0.headers["authorization"] } == ["Bearer token-1", "Bearer token-2"])
            #expect(captures.map { $0.headers["idempotency-key"] } == ["k-1", "k-1"])
            #expect(server.tokenRequestCount == 2)
            #expect(clock.sleeps.isEmpty, "the refresh retry does not back off")
        }
    }

    @Test func unauthorizedTwiceIsFinal() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", Self.capturePath, .problem(401, title: "Unauthorized"))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.capture(reference: Fixture.reference, amount: Fixture.nok(1), idempotencyKey: "k-1")
            }
            #expect(error.code == .unauthorized)
            #expect(error.httpStatus == 401)
            #expect(server.apiRequests.count == 2)
            #expect(server.tokenRequestCount == 2)
        }
    }

    @Test func backoffCeilingDoublesUpToTheCap() {
        let policy = RequestRetryPolicy(initialBackoff: .milliseconds(250), maximumBackoff: .seconds(2))
        #expect((1...6).map(policy.backoffCeiling(forRetry:)) == [
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(2), .seconds(2),
        ])
    }

    @Test func systemJitterIsUniformWithinTheCeiling() {
        let ceiling = Duration.milliseconds(800)
        let draws = (0..<2000).map { _ in RequestRetryPolicy.systemJitter(ceiling) }
        #expect(draws.allSatisfy { $0 >= .zero && $0 <= ceiling })
        // Full jitter, not equal jitter: some delays fall in the lower half, some in the upper.
        #expect(draws.contains { $0 < .milliseconds(200) })
        #expect(draws.contains { $0 > .milliseconds(600) })
    }
    @Test func retryAfterAcceptsSecondsAndHTTPDates() throws {
        let now = try #require(HTTPDate.date(from: "Wed, 21 Oct 2015 07:27:30 GMT"))
        #expect(EPaymentError.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(EPaymentError.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(30))
        #expect(EPaymentError.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .zero)
        #expect(EPaymentError.parseRetryAfter("soon", now: now) == nil)
        #expect(HTTPDate.string(from: now) == "Wed, 21 Oct 2015 07:27:30 GMT")
        #expect(HTTPDate.string(from: Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.string(from: Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test func theDeadlineAlsoBoundsASingleSlowAttempt() async throws {
        var setup = ClientSetup()
        setup.retryPolicy = .noRetries
        setup.httpTimeout = .seconds(20)
        try await withFakeEPayment(setup) { server, client, _ in
            server.script(
                "POST", Self.capturePath, .json(200, Fixture.modification(captured: 1), delay: .seconds(10)))
            let started = ContinuousClock.now
            // A deadline long enough to reach the server on a loaded machine, far below the server's delay.
            let error = try await #require(throws: EPaymentError.self) {
                try await client.capture(
                    reference: Fixture.reference, amount: Fixture.nok(1), idempotencyKey: "k-1",
                    deadline: .milliseconds(1500))
            }
            #expect(ContinuousClock.now - started < .seconds(8), "the 20 s client timeout was cut to the deadline")
            #expect(error.code == .maybeApplied)
            #expect(server.apiRequests.count == 1)
        }
    }
}
