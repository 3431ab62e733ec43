import Foundation
import Testing

@testable import EPaymentSimulator

/// Random sequences of every operation on the state machine itself: whatever is accepted or refused, the money
/// invariants hold and refusals change nothing.
@Suite("Money invariants under random operations")
struct MoneyInvariantTests {
    static func payment(_ value: Int64) -> PaymentRecord {
        PaymentRecord(
            msn: "123456", reference: "random-0001", amount: Money(currency: "NOK", value: value), userFlow: "PUSH_MESSAGE",
            paymentMethodType: "WALLET", pspReference: "psp", redirectUrl: nil, approvalToken: "t", metadata: nil,
            createdAt: Date(timeIntervalSince1970: 0), expiresAt: Date(timeIntervalSince1970: 600), autoApproveAt: nil,
            profileScopeRequested: false
        )
    }

    @Test(arguments: [1 as UInt64, 2, 3, 4, 5, 6, 7, 8])
    func invariantsHoldAfterEveryOperation(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var payment = Self.payment(Int64.random(in: 100...10_000, using: &random))
        var now = Date(timeIntervalSince1970: 0)
        var counter = 0
        func psp() -> String {
            counter += 1
            return String(counter)
        }
        for _ in 0..<300 {
            let before = payment
            let value = Int64.random(in: 0...(payment.amount.value / 2 + 1), using: &random)
            var refused = false
            switch Int.random(in: 0..<7, using: &random) {
            case 0: refused = (try? payment.authorize(at: now, psp: psp())) == nil
            case 1: refused = payment.abort(at: now, psp: psp()) == nil
            case 2: refused = (try? payment.capture(value, at: now, psp: psp(), key: nil)) == nil
            case 3: refused = (try? payment.refund(value, at: now, psp: psp(), key: nil)) == nil
            case 4:
                do { _ = try payment.cancel(transactionOnly: Bool.random(using: &random), at: now, psp: psp(), key: nil) } catch {
                    refused = true
                }
            case 5: refused = payment.advanceTime(to: now, psp: psp) == nil
            default: now = now.addingTimeInterval(Double.random(in: 0...120, using: &random))
            }
            #expect(payment.invariantsHold, "seed \(seed): \(payment.state) \(payment.aggregate)")
            if refused {
                #expect(payment.aggregate == before.aggregate && payment.state == before.state && payment.events == before.events)
            }
            let captured = payment.events.filter { $0.name == "CAPTURED" }.map(\.amount).reduce(0, +)
            let refunded = payment.events.filter { $0.name == "REFUNDED" }.map(\.amount).reduce(0, +)
            #expect(captured == payment.aggregate.captured && refunded == payment.aggregate.refunded, "the event log adds up")
        }
    }

    @Test func theInvariantCheckCatchesBrokenAggregates() {
        var payment = Self.payment(1000)
        _ = try? payment.authorize(at: Date(), psp: "1")
        #expect(payment.invariantsHold)
        payment.captured = 800
        payment.cancelled = 300
        #expect(!payment.invariantsHold, "captured + cancelled above authorized")
        payment.cancelled = 0
        payment.refunded = 900
        #expect(!payment.invariantsHold, "refunded above captured")
    }
}
