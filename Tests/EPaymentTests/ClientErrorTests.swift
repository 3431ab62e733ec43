import CurlHTTP
import EPayment
import Foundation
import Testing

@Suite("Failures are classified so the engine can decide: retry, wait, reconcile or stop")
struct ClientErrorTests {
    static let capturePath = "/epayment/v1/payments/\(Fixture.reference)/capture"

    func capture(_ client: EPaymentClient) async throws -> ModificationResponse {
        try await client.capture(reference: Fixture.reference, amount: Fixture.nok(12_345), idempotencyKey: "capture-1")
    }

    @Test func domainErrorIsInvalidWithProblemDetails() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script(
                "POST", Self.capturePath,
                .problem(400, title: "Cannot capture before reservation", detail: "The payment is not authorized", errorCode: "6080"))
            let error = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(error.code == .invalid)
            #expect(error.httpStatus == 400)
            #expect(error.operation == .capturePayment)
            #expect(error.reference == Fixture.reference)
            #expect(error.idempotencyKey == "capture-1")
            #expect(error.title == "Cannot capture before reservation")
            #expect(error.problem?.detail == "The payment is not authorized")
            #expect(error.traceId == "trace-400")
            #expect(error.errorCode == "6080")
            #expect(error.extraDetails == [.errorCode("6080")])
            #expect(!error.isRetryable)
            for part in ["capturePayment", Fixture.reference, "HTTP 400", "Cannot capture before reservation", "6080", "trace-400", "Fix the request"] {
                #expect(error.description.contains(part), "description lacks \(part): \(error.description)")
            }
            #expect(server.apiRequests.count == 1, "a 400 is never retried")
        }
    }

    @Test func validationErrorListsTheFields() async throws {
        try await withFakeEPayment { server, client, _ in
            let problem = Problem(
                title: "Bad Request", status: 400, traceId: "t-v",
                extraDetails: [ExtraDetail(name: "amount.value", reason: "must be at least 100")])
            server.script("POST", Self.capturePath, ScriptedResponse(status: 400, body: Array(try JSONEncoder().encode(problem))))
            let error = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(error.code == .invalid)
            #expect(error.description.contains("amount.value: must be at least 100"))
        }
    }

    @Test(arguments: [
        (409, "Conflict"), (400, "Capture idempotency conflict"),
        (400, "Idempotency error: Idempotency-Key capture-1 already exists"),
    ])
    func conflicts(status: Int, title: String) async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", Self.capturePath, .problem(status, title: title))
            let error = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(error.code == .conflict)
            #expect(error.httpStatus == status)
            #expect(server.apiRequests.count == 1)
        }
    }

    @Test func notFound() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("GET", "/epayment/v1/payments/\(Fixture.reference)", .problem(404, title: "Reference not found"))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference)
            }
            #expect(error.code == .notFound)
            #expect(error.description.contains("Check the reference"))
            #expect(server.apiRequests.count == 1)
        }
    }

    @Test func forbiddenIsUnauthorizedAndNotRetried() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", Self.capturePath, .problem(403, title: "Forbidden"))
            let error = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(error.code == .unauthorized)
            #expect(error.description.contains("subscription key"))
            #expect(server.apiRequests.count == 1)
        }
    }

    @Test func tooManyRequestsAndServerErrorsAreRetryable() async throws {
        try await withFakeEPayment { server, client, clock in
            server.script("POST", Self.capturePath, .problem(429, title: "Too Many Requests"))
            let limited = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(limited.code == .retryable)
            #expect(limited.httpStatus == 429)
            #expect(limited.attempts == 4)
            #expect(server.apiRequests.count == 4)
            #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
        }
        try await withFakeEPayment { server, client, _ in
            server.script("GET", "/epayment/v1/payments/\(Fixture.reference)", ScriptedResponse(status: 502, body: Array("<html>Bad gateway</html>".utf8)))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference)
            }
            #expect(error.code == .retryable)
            #expect(error.httpStatus == 502)
            #expect(error.problem == nil)
            #expect(error.description.contains("Bad gateway"))
            #expect(error.description.contains("after 4 attempts"))
        }
    }

    @Test func timeoutAfterSendingIsMaybeAppliedAndRetriedWithTheSameKey() async throws {
        var setup = ClientSetup()
        // Long enough to get each attempt's request out on a loaded machine (1.2 s was not, in a CI run beside the
        // chaos campaign: the second attempt never reached the server), far below the server's delay.
        setup.httpTimeout = .milliseconds(3000)
        setup.retryPolicy.maximumAttempts = 2
        try await withFakeEPayment(setup) { server, client, _ in
            server.script(
                "POST", Self.capturePath,
                .json(200, Fixture.modification(captured: 12_345), delay: .seconds(12)))
            let error = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(error.code == .maybeApplied)
            #expect(error.transportError?.delivery == .maybeSent)
            #expect(error.isRetryable)
            #expect(error.description.contains("same Idempotency-Key capture-1"))
            let captures = server.apiRequests
            #expect(captures.count == 2)
            #expect(Set(captures.map { $0.headers["idempotency-key"] }) == ["capture-1"])
            #expect(Set(captures.map(\.body)).count == 1)
        }
    }

    @Test func timeoutOfAReadIsPlainlyRetryable() async throws {
        var setup = ClientSetup()
        setup.httpTimeout = .milliseconds(300)
        setup.retryPolicy.maximumAttempts = 1
        try await withFakeEPayment(setup) { server, client, _ in
            server.script(
                "GET", "/epayment/v1/payments/\(Fixture.reference)", .json(200, Fixture.payment, delay: .seconds(2)))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference)
            }
            #expect(error.code == .retryable)
            #expect(error.transportError?.delivery == .maybeSent)
        }
    }

    @Test func connectionRefusedIsRetryableAndWasNotSent() async throws {
        var setup = ClientSetup()
        setup.baseURL = "http://127.0.0.1:1"
        setup.retryPolicy.maximumAttempts = 2
        try await withFakeEPayment(setup) { _, client, clock in
            let error = try await #require(throws: EPaymentError.self) { try await capture(client) }
            #expect(error.code == .retryable)
            #expect(error.operation == .accessToken, "the token call is the first to fail")
            #expect(error.transportError?.delivery == .notSent)
            #expect(error.attempts == 2)
            #expect(clock.sleeps == [.milliseconds(100)])
        }
    }
}
