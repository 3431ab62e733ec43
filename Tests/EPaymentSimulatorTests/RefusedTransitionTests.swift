import CurlHTTP
import EPaymentSimulator
import Testing

/// Every refused transition answers with the FAQ's domain error and moves no money.
@Suite("Refused transitions are domain errors and change nothing")
struct RefusedTransitionTests {
    @Test func captureAboveTheAuthorizedAmount() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("refused-0001", value: 1000)
            #expect(try await api.capture("refused-0001", 600).status == 200)
            let refused = try await api.capture("refused-0001", 401)
            #expect(refused.status == 400)
            #expect(refused.title == "Capture amount too high")
            #expect(refused.errorCode != nil)
            #expect(simulator.payment(reference: "refused-0001")?.aggregate.captured == 600)
        }
    }

    @Test func captureBeforeAuthorizationIs6080() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("refused-0002").status == 201)
            let refused = try await api.capture("refused-0002", 100)
            #expect(refused.status == 400)
            #expect(refused.title == "Cannot capture before reservation")
            #expect(refused.errorCode == "6080")
            #expect(simulator.payment(reference: "refused-0002")?.state == "CREATED")
        }
    }

    @Test func captureAfterCancel() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("refused-0003", value: 1000)
            #expect(try await api.capture("refused-0003", 100).status == 200)
            #expect(try await api.cancel("refused-0003").status == 200)
            let refused = try await api.capture("refused-0003", 100)
            #expect(refused.status == 400)
            #expect(refused.title == "Cannot capture a cancelled payment")
            #expect(simulator.payment(reference: "refused-0003")?.aggregate == LedgerAggregate(authorized: 1000, captured: 100, cancelled: 900))
        }
    }

    @Test func refundAboveWhatWasCaptured() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("refused-0004", value: 1000)
            #expect(try await api.capture("refused-0004", 300).status == 200)
            let refused = try await api.refund("refused-0004", 301)
            #expect(refused.status == 400)
            #expect(refused.title == "Not enough refundable")
            #expect(try await api.refund("refused-0004", 300).status == 200)
            #expect(try await api.refund("refused-0004", 1).title == "Payment already refunded")
            #expect(simulator.payment(reference: "refused-0004")?.aggregate.refunded == 300)
        }
    }

    @Test func refundBeforeAnyCaptureAndBeforeAuthorization() async throws {
        try await withTestSimulator { _, api throws in
            #expect(try await api.create("refused-0005").status == 201)
            #expect(try await api.refund("refused-0005", 100).title == "Attempted refund before reservation")
            #expect(try await api.approve("refused-0005").status == 200)
            #expect(try await api.refund("refused-0005", 100).title == "Not enough refundable")
        }
    }

    @Test func cancelOfAFullyCapturedPaymentAndASecondCancel() async throws {
        try await withTestSimulator { _, api throws in
            try await api.authorized("refused-0006", value: 1000)
            #expect(try await api.capture("refused-0006", 1000).status == 200)
            #expect(try await api.cancel("refused-0006").title == "Cannot cancel a captured payment")

            try await api.authorized("refused-0007", value: 1000)
            #expect(try await api.cancel("refused-0007").status == 200)
            #expect(try await api.cancel("refused-0007").status == 400)
        }
    }

    @Test(arguments: ["EXPIRED", "ABORTED", "TERMINATED"])
    func noModificationOnAFinalUnauthorizedPayment(_ finalState: String) async throws {
        try await withTestSimulator { simulator, api throws in
            let reference = "final-\(finalState.lowercased())"
            #expect(try await api.create(reference).status == 201)
            switch finalState {
            case "EXPIRED": try simulator.advanceClock(by: .seconds(601))
            case "ABORTED": try simulator.reject(reference: reference)
            default: #expect(try await api.cancel(reference).status == 200)
            }
            #expect(try await api.get(reference).state == finalState)
            let capture = try await api.capture(reference, 100)
            let refund = try await api.refund(reference, 100)
            let cancel = try await api.cancel(reference)
            let approve = try await api.approve(reference)
            for response in [capture, refund, cancel, approve] {
                #expect(response.status == 400, "\(response.text)")
                #expect(response.errorCode != nil)
            }
            #expect(approve.title == "Approve failed")
            let payment = try #require(simulator.payment(reference: reference))
            #expect(payment.state == finalState)
            #expect(payment.aggregate.captured == 0 && payment.aggregate.refunded == 0 && payment.aggregate.authorized == 0)
        }
    }

    @Test func approvingTwiceAndCapturingInAnotherCurrency() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("refused-0008", value: 1000)
            #expect(try await api.approve("refused-0008").title == "Payment is already reserved")
            let wrongCurrency = try await api.capture("refused-0008", 100, currency: "EUR")
            #expect(wrongCurrency.status == 400)
            #expect(wrongCurrency.detailNames == ["modificationAmount.currency"])
            #expect(simulator.payment(reference: "refused-0008")?.aggregate.captured == 0)
        }
    }
}
