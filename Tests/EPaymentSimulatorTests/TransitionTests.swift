import CurlHTTP
import EPaymentSimulator
import Testing

/// Every allowed transition and money movement of the ePayment state machine, over real sockets.
@Suite("Allowed transitions move state and money as the real API does")
struct TransitionTests {
    @Test func createApproveCapturePartlyThenCancelReleasesTheRemainder() async throws {
        try await withTestSimulator { simulator, api throws in
            let created = try await api.create("ev-session-0001", value: 1000)
            #expect(created.status == 201)
            #expect(created.body.reference == "ev-session-0001")
            #expect(try await api.get("ev-session-0001").state == "CREATED")

            #expect(try await api.approve("ev-session-0001").status == 200)
            let authorized = try await api.get("ev-session-0001")
            #expect(authorized.state == "AUTHORIZED")
            #expect(authorized.aggregate("authorizedAmount") == 1000)

            let captured = try await api.capture("ev-session-0001", 250)
            #expect(captured.status == 200)
            #expect(captured.state == "AUTHORIZED")
            #expect(captured.aggregate("capturedAmount") == 250)

            // Cancel after a partial capture releases the whole uncaptured remainder (facts section 16).
            let cancelled = try await api.cancel("ev-session-0001")
            #expect(cancelled.status == 200)
            #expect(cancelled.state == "AUTHORIZED")
            #expect(cancelled.aggregate("cancelledAmount") == 750)
            #expect(cancelled.aggregate("capturedAmount") == 250)

            let payment = try #require(simulator.payment(reference: "ev-session-0001"))
            #expect(payment.aggregate == LedgerAggregate(authorized: 1000, captured: 250, cancelled: 750, refunded: 0))
            #expect(payment.events.map(\.name) == ["CREATED", "AUTHORIZED", "CAPTURED", "CANCELLED"])
            #expect(Set(payment.events.map(\.pspReference)).count == 4, "every event has its own pspReference")
        }
    }

    @Test func captureInStepsUpToTheFullAmountThenRefundInSteps() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("ev-session-0002", value: 1000)
            #expect(try await api.capture("ev-session-0002", 600).status == 200)
            #expect(try await api.capture("ev-session-0002", 400).aggregate("capturedAmount") == 1000)
            #expect(try await api.refund("ev-session-0002", 300).aggregate("refundedAmount") == 300)
            let refunded = try await api.refund("ev-session-0002", 700)
            #expect(refunded.status == 200)
            #expect(refunded.aggregate("refundedAmount") == 1000)
            #expect(refunded.state == "AUTHORIZED")
            let payment = try #require(simulator.payment(reference: "ev-session-0002"))
            #expect(payment.events(named: "CAPTURED").map(\.amount) == [600, 400])
            #expect(payment.events(named: "REFUNDED").map(\.amount) == [300, 700])
        }
    }

    @Test func cancelBeforeAuthorizationTerminatesWithTheFullAmountCancelled() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("ev-session-0003", value: 5000).status == 201)
            let cancelled = try await api.cancel("ev-session-0003")
            #expect(cancelled.status == 200)
            #expect(cancelled.state == "TERMINATED")
            #expect(cancelled.aggregate("cancelledAmount") == 5000)
            #expect(cancelled.aggregate("authorizedAmount") == 0)
            #expect(simulator.payment(reference: "ev-session-0003")?.events.last?.name == "TERMINATED")
        }
    }

    @Test func cancelTransactionOnlyTerminatesUnauthorizedButLeavesAReservationIntact() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("ev-session-0004").status == 201)
            #expect(try await api.cancel("ev-session-0004", transactionOnly: true).state == "TERMINATED")

            try await api.authorized("ev-session-0005", value: 1000)
            let untouched = try await api.cancel("ev-session-0005", transactionOnly: true)
            #expect(untouched.status == 200)
            #expect(untouched.aggregate("cancelledAmount") == 0)
            #expect(simulator.payment(reference: "ev-session-0005")?.events.map(\.name) == ["CREATED", "AUTHORIZED"])
            #expect(try await api.capture("ev-session-0005", 1000).status == 200, "the reservation is still capturable")
        }
    }

    @Test func theCustomerRejectsAndThePaymentIsAborted() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("ev-session-0006").status == 201)
            try simulator.reject(reference: "ev-session-0006")
            #expect(try await api.get("ev-session-0006").state == "ABORTED")
            #expect(throws: SimulatorError.self) { try simulator.approve(reference: "ev-session-0006") }

            // The same through the control endpoint, as another process would do it.
            #expect(try await api.create("ev-session-0007").status == 201)
            let rejected = try await api.send(.post, "/_sim/payments/ev-session-0007/reject")
            #expect(rejected.status == 200)
            #expect(try await api.get("ev-session-0007").state == "ABORTED")
            #expect(try await api.send(.post, "/_sim/payments/ev-session-0007/approve").status == 409)
        }
    }

    @Test func inProcessApproveAuthorizes() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("ev-session-0008").status == 201)
            try simulator.approve(reference: "ev-session-0008")
            #expect(try await api.get("ev-session-0008").state == "AUTHORIZED")
            let log = try await api.events("ev-session-0008")
            #expect(log.events.map(\.name) == ["CREATED", "AUTHORIZED"])
            #expect(log.events.first?.idempotencyKey == "create-ev-session-0008")
        }
    }
}
