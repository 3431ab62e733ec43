import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// An effect that cannot be confirmed is never "not applied" (issue 13): a create call whose response is lost
/// and whose look-up fails too keeps asking instead of failing with "nothing was charged", operators' tools list
/// it as stuck, and `cancel` releases a payment known only from a reserve intent.
@Suite("Unconfirmed payment effects")
struct UnconfirmedEffectTests {
    @Test func aLostCreateWhoseLookUpFailsTooKeepsAskingAndIsStuckNotFailed() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "unconfirmed-create"
            bed.simulator.setFault(FaultRule(responseLostRate: 1), for: .createPayment)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPayment)
            try await bed.start("ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
            try await bed.advance(by: .seconds(3 * 60))

            let waiting = try bed.instance(id)
            #expect(waiting.status == .waiting, "\(waiting.status): \(waiting.failure?.message ?? "")")
            #expect(waiting.failure == nil)
            let record = try #require(waiting.currentRecord)
            #expect(record.step == "reserve")
            #expect(record.unconfirmedSince != nil)
            #expect(record.lastError?.contains("may have taken effect") == true, "\(record.lastError ?? "")")
            let reason = StuckDiagnosis(grace: 60, now: bed.now).reason(for: try bed.runner.outline(id), definition: nil, lockHolder: nil)
            #expect(reason?.contains("unconfirmed") == true, "\(reason ?? "not stuck")")

            // The provider answers again: the payment the lost call created is found, not created twice.
            bed.simulator.clearFaults()
            try await bed.advance(by: .seconds(60))
            let instance = try bed.instance(id)
            #expect(instance.payment != nil)
            #expect(instance.currentRecord?.unconfirmedSince == nil)
            #expect(bed.ledger.payments.count == 1)
            try await bed.approve(id)
            try await bed.advance(by: .seconds(10))
            try await bed.signal(id, "sessionEnded", ["energyWh": .integer(1_000)])
            try await bed.advance(by: .seconds(60))
            #expect(try bed.instance(id).status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
            #expect(payment.aggregate.captured == 399)
            #expect(payment.aggregate.cancelled == 50_000 - 399)
        }
    }

    @Test func aCreateRefusedOutrightFailsAndHoldsNothing() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // Every attempt answered 5xx; the event log look-up then says no payment exists: failing is right,
            // and nothing is listed as stuck.
            let id = "refused-create"
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .createPayment)
            try await bed.start("ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
            try await bed.advance(by: .seconds(10 * 60))
            let failed = try bed.instance(id)
            #expect(failed.status == .failed)
            let reserveFailure = failed.history.last { $0.step == "reserve" && $0.event == "failed" }
            #expect(reserveFailure?.detail?.contains("confirmed that Idempotency-Key") == true, "\(String(describing: reserveFailure))")
            #expect(failed.unconfirmedReservation == nil)
            #expect(StuckDiagnosis(grace: 60, now: bed.now).reason(for: try bed.runner.outline(id), definition: nil, lockHolder: nil) == nil)
            #expect(bed.ledger.payments.isEmpty)
        }
    }

    @Test func cancelOfAPaymentTheCustomerAlreadyAbortedEndsInsteadOfRetryingForever() async throws {
        // Found by the fault campaign's operator: the local figures said CREATED, the provider refused the
        // release (400, the payment is ABORTED), and the instance retried the cancel every 5 s forever.
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "cancel-aborted"
            try await bed.start("ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
            let reference = try bed.reference(of: id)
            try bed.simulator.reject(reference: reference)
            let cancelled = try await bed.runner.cancel(id, reason: "customer walked away")
            #expect(cancelled.status == .failed, "\(cancelled.status): \(cancelled.history.suffix(3).map { $0.detail ?? "" })")
            #expect(cancelled.failure?.code == .operatorCancelled)
            #expect(cancelled.payment?.state == "ABORTED")
            #expect(bed.ledger.payment(reference: reference)?.aggregate.authorized == 0)
        }
    }

    @Test func cancelReleasesAPaymentKnownOnlyFromAReserveIntentOfAFailedInstance() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "intent-only"
            bed.simulator.setFault(FaultRule(responseLostRate: 1), for: .createPayment)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPayment)
            try await bed.start("ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
            try await bed.advance(by: .seconds(60))
            let reference = try #require(bed.instance(id).currentRecord?.intentReference)
            bed.simulator.clearFaults()
            // The customer approves the payment the instance never recorded, and the instance ends failed, as a
            // version that reported "nothing was charged" left it.
            try bed.simulator.approve(reference: reference)
            try await bed.runner.modify(id) { instance in
                instance.updateCurrentRecord { $0.completedAt = bed.now; $0.unconfirmedSince = nil }
                instance.failure = FlowInstance.Failure(code: .createFailed, message: "Nothing was applied", step: "reserve")
                instance.status = .failed
                instance.currentStep = nil
                instance.wakeAt = nil
            }
            #expect(bed.ledger.payment(reference: reference)?.aggregate.authorized == 50_000)

            // list --status stuck shows it, reconcile finds it, cancel releases it.
            let outline = try bed.runner.outline(id)
            let reason = StuckDiagnosis(grace: 60, now: bed.now).reason(for: outline, definition: nil, lockHolder: nil)
            #expect(reason?.contains("payment \(reference)") == true, "\(reason ?? "not stuck")")
            let report = try await bed.runner.reconcile(id, repair: false)
            #expect(report.reference == reference)
            #expect(report.differences.contains { $0.contains("evflow cancel") }, "\(report.differences)")

            let cancelled = try await bed.runner.cancel(id, reason: "customer called support")
            #expect(cancelled.payment?.reference == reference)
            let payment = try #require(bed.ledger.payment(reference: reference))
            #expect(payment.aggregate.cancelled == 50_000)
            #expect(payment.aggregate.captured == 0)
            let after = StuckDiagnosis(grace: 60, now: bed.now).reason(for: try bed.runner.outline(id), definition: nil, lockHolder: nil)
            #expect(after.map { !$0.contains("reserved") && !$0.contains("whether payment") } ?? true, "\(after ?? "")")
            // Repeating the cancel is harmless and says so.
            await #expect(throws: FlowError.self) { try await bed.runner.cancel(id, reason: "again") }
            #expect(bed.ledger.payment(reference: reference)?.events(named: "CANCELLED").count == 1)
        }
    }
}
