import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// The EV flow when the payment provider misbehaves: the right amount is still captured exactly once and the
/// rest released.
@Suite("EV charging flow under provider faults")
struct ProviderFaultTests {
    /// Runs a session that ends at 12 kWh (4,788 øre) with `fault` applied to `operation` once the car charges.
    static func settle(_ bed: FlowTestBed, id: String, fault: FaultRule, on operation: SimulatedOperation) async throws -> LedgerPayment {
        try await EVChargingFlowTests.startCharging(bed, id: id)
        bed.simulator.setFault(fault, for: operation)
        try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
        // Retries wait on durable timers; let virtual time pass until the flow has settled.
        try await bed.advance(by: .seconds(30 * 60))
        #expect(try bed.instance(id).status == .succeeded)
        return try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
    }

    @Test func serverErrorOnCaptureIsRetriedWithTheSameKey() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let payment = try await Self.settle(bed, id: "fault-500", fault: FaultRule(serverErrorRate: 1, times: 2), on: .capturePayment)
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            let captures = payment.events(named: "CAPTURED")
            #expect(captures.count == 1)
            let record = try #require(try bed.instance("fault-500").steps.last { $0.step == "capture" })
            #expect(record.attempts == 3)
            #expect(captures.first?.idempotencyKey == record.idempotencyKey)
        }
    }

    @Test func rateLimitedCaptureWaitsAndSucceeds() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let payment = try await Self.settle(
                bed, id: "fault-429", fault: FaultRule(tooManyRequestsRate: 1, retryAfterSeconds: 30, times: 1), on: .capturePayment)
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.events(named: "CAPTURED").count == 1)
            let history = try bed.instance("fault-429").history
            #expect(history.contains { $0.event == "retry" && $0.step == "capture" && ($0.detail ?? "").contains("rateLimited") })
        }
    }

    @Test func lostCaptureResponseIsConfirmedNotRepeated() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // The capture takes effect but its response never arrives: a naive client would capture again.
            // Twice, because libcurl resends once by itself when a reused keep-alive connection closes before
            // any response byte (safe here: the resend carries the same Idempotency-Key and body).
            let payment = try await Self.settle(bed, id: "fault-lost", fault: FaultRule(responseLostRate: 1, times: 2), on: .capturePayment)
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            #expect(payment.events(named: "CAPTURED").count == 1)
            let history = try bed.instance("fault-lost").history
            #expect(history.contains { $0.event == "confirmed" && $0.step == "capture" })
        }
    }

    @Test func lostCreateResponseDoesNotCreateTwoPayments() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            bed.simulator.setFault(FaultRule(responseLostRate: 1, times: 2), for: .createPayment)
            try await bed.start("ev-charging", id: "fault-create", inputs: EVChargingFlowTests.inputs())
            try await bed.advance(by: .seconds(60))
            #expect(bed.ledger.payments.count == 1)
            try await bed.approve("fault-create")
            try await bed.advance(by: .seconds(10))
            try await bed.signal("fault-create", "sessionEnded", ["energyWh": .integer(1_000)])
            #expect(try bed.instance("fault-create").status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "fault-create")))
            #expect(payment.aggregate.captured == 399)
        }
    }

    @Test func serverErrorsOnCancelStillReleaseTheRemainder() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let payment = try await Self.settle(bed, id: "fault-cancel", fault: FaultRule(serverErrorRate: 1, times: 3), on: .cancelPayment)
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            #expect(payment.events(named: "CANCELLED").count == 1)
        }
    }

    @Test func operatorCancelIsRetriedUntilTheReservationIsReleased() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "fault-operator-cancel")
            bed.simulator.setFault(FaultRule(serverErrorRate: 1, times: 2), for: .cancelPayment)
            let afterFirstTry = try await bed.runner.cancel("fault-operator-cancel", reason: "charger broken")
            #expect(afterFirstTry.status == .waiting)
            #expect(afterFirstTry.cancellationRequest == "charger broken")
            try await bed.advance(by: .seconds(60))
            let instance = try bed.instance("fault-operator-cancel")
            #expect(instance.status == .failed)
            #expect(instance.failure?.code == .operatorCancelled)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "fault-operator-cancel")))
            #expect(payment.aggregate.cancelled == 50_000)
            #expect(payment.aggregate.captured == 0)
        }
    }
}
