import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// Operator refunds on a running instance beside the flow's own money steps (`Fixtures/RefundFlows/hold-refund.json`:
/// capture, then wait for `more` to capture again or `refundNow` to run a refund step).
@Suite("Operator refunds beside a flow's refund step")
struct OperatorRefundStepTests {
    static var flows: URL {
        URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/RefundFlows")
    }

    static func money(_ minorUnits: Int64) -> Value { .money(Money(minorUnits: minorUnits, currency: "NOK")) }

    /// Starts the instance, has the customer approve 500.00 NOK and captures `due`, leaving it at `hold`.
    static func captured(_ bed: FlowTestBed, id: String, due: Int64) async throws -> String {
        try await bed.start("hold-refund", id: id, inputs: ["phone": .phoneNumber("4791234567")])
        try await bed.advance(by: .seconds(3))
        try await bed.approve(id)
        try await bed.advance(by: .seconds(10))
        try await bed.signal(id, "finished", ["due": money(due)], signalID: "finished")
        #expect(try bed.instance(id).currentStep == "hold")
        let reference = try bed.reference(of: id)
        #expect(bed.ledger.payment(reference: reference)?.aggregate.captured == due)
        return reference
    }

    /// The flow's refund step would otherwise pay its whole amount on top of an operator refund whose answer was
    /// lost (the local figures do not have it): the customer would get the flow's amount plus the operator's.
    @Test func aRefundStepCountsAnUnsettledOperatorRefundAsRefunded() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: OperatorRefundTests.logged) { bed in
            let id = "step-beside-pending"
            let reference = try await Self.captured(bed, id: id, due: 30_000)
            // The operator refunds 20.00 NOK: it takes effect, the answer is lost, the event log cannot be read.
            bed.simulator.setFault(FaultRule(responseLostRate: 1), for: .refundPayment)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPaymentEventLog)
            let lost = try await bed.runner.refund(id, amount: .minorUnits(2_000), reason: "charger fault")
            #expect(!lost.refund.isSettled)
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 2_000)
            bed.simulator.clearFaults()

            // The flow refunds 50.00 NOK in all: the unsettled 20.00 NOK counts, so its step sends 30.00 NOK.
            try await bed.signal(id, "refundNow", ["refund": Self.money(5_000)], signalID: "refund")
            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded)
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 5_000,
                    "the customer gets what the flow owes, not that plus the operator's refund")
            #expect(instance.moneyLedger.movements(of: "refund").map(\.amount) == [3_000])
            #expect(instance.history.contains { ($0.detail ?? "").contains("operator refund #1 of 20.00 NOK") && ($0.detail ?? "").contains("counted as refunded") })

            // Settling the operator's refund afterwards confirms it by its key and sends nothing more.
            let before = OperatorRefundTests.refundRequests(bed).count
            let resumed = try await bed.runner.resume(id)
            #expect(resumed.unsettledOperatorRefund == nil && resumed.moneyLedger.total(.refund) == 5_000)
            #expect(OperatorRefundTests.refundRequests(bed).count == before)
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 5_000)
        }
    }

    /// `all` with the same reason again is the same request only while nothing more is refundable.
    @Test func allAgainAfterAnotherCaptureRefundsTheNewMoney() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            let id = "all-again"
            let reference = try await Self.captured(bed, id: id, due: 20_000)
            let first = try await bed.runner.refund(id, amount: .all, reason: "faulty charger")
            #expect(first.refund.amount == 20_000 && !first.repeated)
            let twice = try await bed.runner.refund(id, amount: .all, reason: "faulty charger")
            #expect(twice.repeated && twice.refund.number == 1, "nothing more to refund: the same request")

            // The flow captures up to 250.00 NOK (50.00 NOK more), then waits again.
            try await bed.signal(id, "more", ["due": Self.money(25_000)], signalID: "more")
            #expect(bed.ledger.payment(reference: reference)?.aggregate.captured == 25_000)
            let plan = try bed.runner.refundPlan(id, amount: .all, reason: "faulty charger")
            #expect(plan.contains("refund 50.00 NOK"), "\(plan)")
            let again = try await bed.runner.refund(id, amount: .all, reason: "faulty charger")
            #expect(!again.repeated && again.refund.number == 2 && again.refund.amount == 5_000, "\(again.refund)")
            #expect(bed.ledger.payment(reference: reference)?.aggregate.refunded == 25_000)
        }
    }
}
