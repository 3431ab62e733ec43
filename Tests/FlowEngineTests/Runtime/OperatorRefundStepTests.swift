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
