import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// `evflow refund` on the engine (issue 17, item 4): an operator's refund is bounded by captured minus refunded,
/// recorded with its reason, refused while what is captured is not known, and settled by its key after a lost answer.
@Suite("Operator refunds")
struct OperatorRefundTests {
    /// A session that ended: 12 kWh at 3.99 NOK captured (47.88 NOK), the rest released.
    static func finishedSession(_ bed: FlowTestBed, id: String) async throws -> String {
        try await EVChargingFlowTests.startCharging(bed, id: id)
        try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
        try await bed.advance(by: .seconds(60))
        #expect(try bed.instance(id).status == .succeeded)
        let reference = try bed.reference(of: id)
        #expect(bed.ledger.payment(reference: reference)?.aggregate.captured == 4_788)
        return reference
    }

    @Test func refundsOfAFinishedSessionAreBoundedByWhatIsCapturedAndRecordedWithTheReason() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "refund-finished"
            let reference = try await Self.finishedSession(bed, id: id)

            let plan = try bed.runner.refundPlan(id, amount: .minorUnits(1_000), reason: "charger fault")
            #expect(plan.contains("refund 10.00 NOK of payment \(reference)"), "\(plan)")
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 0, "a plan moves nothing")

            let first = try await bed.runner.refund(id, amount: .minorUnits(1_000), reason: "charger fault, ticket 77")
            #expect(first.refund.isSettled && first.refund.confirmedAt != nil && !first.repeated)
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 1_000)

            // Above what is left (47.88 - 10.00 = 37.88 NOK): refused, nothing sent.
            let above = await #expect(throws: FlowError.self) {
                try await bed.runner.refund(id, amount: .minorUnits(3_789), reason: "too much")
            }
            #expect(above?.code == .invalidInput)
            #expect(above?.detail.contains("only 37.88 NOK is captured and not yet refunded") == true, "\(above?.detail ?? "")")
            #expect(bed.ledger.payment(reference: reference)?.events(named: "REFUNDED").count == 1)

            // The same request again (an operator pressing enter twice) is answered with the refund already made.
            let twice = try await bed.runner.refund(id, amount: .minorUnits(1_000), reason: "charger fault, ticket 77")
            #expect(twice.repeated && twice.refund.number == 1)
            #expect(bed.ledger.payment(reference: reference)?.events(named: "REFUNDED").count == 1)

            let rest = try await bed.runner.refund(id, amount: .all, reason: "goodwill")
            #expect(rest.refund.amount == 3_788)
            let nothing = await #expect(throws: FlowError.self) { try await bed.runner.refund(id, amount: .all, reason: "again") }
            #expect(nothing?.detail.contains("nothing to refund") == true, "\(nothing?.detail ?? "")")

            let payment = try #require(bed.ledger.payment(reference: reference))
            #expect(payment.aggregate.refunded == 4_788)
            #expect(payment.events(named: "REFUNDED").count == 2)
            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded)
            #expect(instance.payment?.refunded == 4_788)
            let refunds = instance.moneyLedger.movements.filter { $0.kind == .refund }
            #expect(refunds.map(\.amount) == [1_000, 3_788])
            #expect(refunds.map(\.override) == ["charger fault, ticket 77", "goodwill"])
            #expect(instance.history.contains { $0.event == "succeeded" && ($0.detail ?? "").contains("refunded 10.00 NOK to the customer") && ($0.detail ?? "").contains("ticket 77") })
            let report = try await bed.runner.reconcile(id, repair: false)
            #expect(report.isConsistent, "the operator's refunds are recorded, not flagged: \(report)")
        }
    }

    @Test func aRefundIsRefusedBeforeAnyCaptureAndWhileACaptureIsInFlight() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "refund-running"
            try await EVChargingFlowTests.startCharging(bed, id: id)
            let before = await #expect(throws: FlowError.self) { try await bed.runner.refund(id, amount: .all, reason: "early") }
            #expect(before?.code == .invalidInput)
            #expect(before?.detail.contains("nothing to refund") == true, "\(before?.detail ?? "")")

            // The capture's answer is a 5xx: it may have taken effect, and the step retries it later.
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .capturePayment)
            try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
            #expect(try bed.instance(id).currentStep == "capture")
            let inFlight = await #expect(throws: FlowError.self) { try await bed.runner.refund(id, amount: .minorUnits(100), reason: "mid-capture") }
            #expect(inFlight?.code == .unconfirmed)
            #expect(inFlight?.detail.contains("no recorded outcome yet") == true, "\(inFlight?.detail ?? "")")

            bed.simulator.clearFaults()
            try await bed.advance(by: .seconds(10 * 60))
            #expect(try bed.instance(id).status == .succeeded)
            let reference = try bed.reference(of: id)
            _ = try await bed.runner.refund(id, amount: .minorUnits(100), reason: "after the capture")
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 100)
        }
    }

    /// What reaches the simulator is recorded, to count the refund requests.
    static let logged = SimulatorConfiguration(rateLimitsEnabled: false, recordsRequests: true)

    static func refundRequests(_ bed: FlowTestBed) -> [RecordedRequest] {
        bed.simulator.recordedRequests().filter { $0.operation == SimulatedOperation.refundPayment.rawValue }
    }

    @Test func aRefundWhoseAnswerWasLostIsSettledByItsKeyAndNeverSentTwice() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, simulatorConfiguration: Self.logged) { bed in
            let id = "refund-lost"
            let reference = try await Self.finishedSession(bed, id: id)
            // Every answer is lost and the event log cannot be read: the outcome stays unknown.
            bed.simulator.setFault(FaultRule(responseLostRate: 1), for: .refundPayment)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPaymentEventLog)
            let lost = try await bed.runner.refund(id, amount: .minorUnits(2_500), reason: "faulty session")
            #expect(!lost.refund.isSettled)
            #expect(lost.refund.lastError?.contains("Run the same refund again") == true, "\(lost.refund)")
            #expect(bed.ledger.payment(reference: reference)?.events(named: "REFUNDED").count == 1, "sent with one key only")
            #expect(try bed.instance(id).unsettledOperatorRefund?.idempotencyKey == lost.refund.idempotencyKey)
            let stuck = bed.runtime.inspector.stuckReason(try bed.runner.outline(id), StuckDiagnosis(grace: 60, now: bed.now))
            #expect(stuck?.contains("operator refund #1 of 25.00 NOK") == true && stuck?.contains("has no confirmed outcome") == true, "\(stuck ?? "not stuck")")
            let sent = Self.refundRequests(bed).count
            #expect(sent >= 1 && Self.refundRequests(bed).allSatisfy { $0.idempotencyKey == lost.refund.idempotencyKey })

            // While the event log cannot be read nothing is known: the same request again sends nothing and says so.
            let again = try await bed.runner.refund(id, amount: .minorUnits(2_500), reason: "faulty session")
            #expect(again.repeated && !again.refund.isSettled && again.refund.number == 1)
            #expect(again.refund.lastError?.contains("event log could not be read") == true, "\(again.refund)")
            #expect(Self.refundRequests(bed).count == sent, "no second refund request while the event log cannot be read")
            #expect(!(try bed.instance(id).history.contains { ($0.detail ?? "").contains("event log shows none") }))

            // Another amount is refused while the first is unknown, naming it; nothing is sent.
            let other = await #expect(throws: FlowError.self) {
                try await bed.runner.refund(id, amount: .minorUnits(100), reason: "something else")
            }
            #expect(other?.code == .refundUnsettled)
            #expect(other?.detail.contains("refund #1 of 25.00 NOK (Idempotency-Key \(lost.refund.idempotencyKey))") == true, "\(other?.detail ?? "")")
            #expect(try bed.runner.refundPlan(id, amount: .minorUnits(100), reason: "something else").contains("refundUnsettled"))
            _ = try await bed.runner.resume(id)
            #expect(Self.refundRequests(bed).count == sent, "resume sends nothing either")
            #expect(try bed.instance(id).unsettledOperatorRefund != nil)

            bed.simulator.clearFaults()
            // `resume` settles it through the event log; the same refund asked again afterwards sends nothing.
            let resumed = try await bed.runner.resume(id)
            #expect(resumed.unsettledOperatorRefund == nil && resumed.payment?.refunded == 2_500)
            #expect(Self.refundRequests(bed).count == sent, "settled by the event log, not sent again")
            #expect(bed.runtime.inspector.stuckReason(try bed.runner.outline(id), StuckDiagnosis(grace: 60, now: bed.now)) == nil)
            let settled = try await bed.runner.refund(id, amount: .minorUnits(2_500), reason: "faulty session")
            #expect(settled.repeated && settled.refund.isSettled && settled.refund.number == 1)
            let payment = try #require(bed.ledger.payment(reference: reference))
            #expect(payment.events(named: "REFUNDED").map(\.idempotencyKey) == [lost.refund.idempotencyKey])
            #expect(payment.aggregate.refunded == 2_500)
            let instance = try bed.instance(id)
            #expect(instance.payment?.refunded == 2_500)
            #expect(instance.moneyLedger.total(.refund) == 2_500)
            #expect(instance.history.contains { $0.event == "confirmed" && ($0.detail ?? "").contains("operator refund #1") })

            // The other request, asked again now that the first is settled, is made.
            let later = try await bed.runner.refund(id, amount: .minorUnits(100), reason: "something else")
            #expect(later.refund.isSettled && later.refund.number == 2 && !later.repeated)
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 2_600)
        }
    }
}
