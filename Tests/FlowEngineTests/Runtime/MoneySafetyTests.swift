import CurlHTTP
import EPayment
import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// Money stays safe on every operator path (issue 13): a capture never exceeds what the instance owes whatever
/// the operator does, and an effect that cannot be confirmed is never reported as "not applied".
@Suite("Money safety on operator paths")
struct MoneySafetyTests {
    /// A session that captured 47.88 NOK and whose release then kept failing (provider 5xx), as at 3 a.m.
    static func capturedThenReleaseFailed(_ bed: FlowTestBed, id: String) async throws -> String {
        try await EVChargingFlowTests.startCharging(bed, id: id)
        bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .cancelPayment)
        try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
        try await bed.advance(by: .seconds(30 * 60))
        let failed = try bed.instance(id)
        #expect(failed.status == .failed)
        #expect(failed.failure?.step == "releaseRemainder")
        bed.simulator.clearFaults()
        let reference = try bed.reference(of: id)
        #expect(bed.ledger.payment(reference: reference)?.aggregate.captured == 4_788)
        return reference
    }

    /// An operator who moves a session that has no payment yet to a money step would only fail it
    /// (`engine.noPayment`) and the customer would never be asked to pay: refused, the session left as it was.
    @Test func retryToAMoneyStepBeforeAnyPaymentExistsIsRefused() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // Started, its reserve step not run yet (a worker has not picked it up): no intent, no payment.
            try bed.runner.start(flow: "ev-charging", id: "no-payment-yet", inputs: EVChargingFlowTests.inputs())
            let before = try bed.instance("no-payment-yet")
            #expect(before.payment == nil && before.currentStep == "reserve")
            for step in ["capture", "releaseRemainder", "releaseAll"] {
                let error = try await #require(throws: FlowError.self) { try await bed.runner.retry("no-payment-yet", fromStep: step) }
                #expect(error.description.contains("no payment exists yet"), "\(error)")
            }
            let after = try bed.instance("no-payment-yet")
            #expect(after.currentStep == "reserve" && after.status != .failed && after.steps.count == before.steps.count)
            try await bed.advance(by: .seconds(60))
            #expect(try bed.instance("no-payment-yet").payment != nil, "the session goes on once the provider answers")
        }
    }

    @Test func retryFromACompletedCaptureIsRefusedAndNeverCapturesTwice() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "money-retry-capture"
            let reference = try await Self.capturedThenReleaseFailed(bed, id: id)

            // The dry run says why it would be refused instead of "capture 47.88 NOK".
            let refusal = #expect(throws: FlowError.self) { try bed.runner.retryPlan(id, fromStep: "capture") }
            #expect(refusal?.code == .alreadyApplied)
            #expect(refusal?.detail.contains("captured 47.88 NOK") == true, "\(refusal?.detail ?? "")")
            await #expect(throws: FlowError.self) { try await bed.runner.retry(id, fromStep: "capture") }
            #expect(bed.ledger.payment(reference: reference)?.events(named: "CAPTURED").count == 1)

            // With the override the step runs again, bounded by what is still owed: nothing.
            let plan = try bed.runner.retryPlan(id, fromStep: "capture", override: "release failed, ticket 812")
            #expect(plan.contains("nothing: this instance already captured 47.88 NOK of the 47.88 NOK"), "\(plan)")
            try await bed.runner.retry(id, fromStep: "capture", override: "release failed, ticket 812")
            try await bed.advance(by: .seconds(60))

            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded)
            #expect(instance.history.contains { $0.event == "operator" && ($0.detail ?? "").contains("ticket 812") })
            let payment = try #require(bed.ledger.payment(reference: reference))
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            let report = try await bed.runner.reconcile(id, repair: false)
            #expect(report.isConsistent, "\(report)")
        }
    }

    @Test func aFreshCaptureVisitCapturesOnlyWhatIsStillOwed() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // Retrying from the pricing step (a fresh visit of capture without any override) re-prices and
            // reaches capture again: it must capture nothing more, then release the rest.
            let id = "money-retry-price"
            let reference = try await Self.capturedThenReleaseFailed(bed, id: id)
            try await bed.runner.retry(id, fromStep: "price")
            try await bed.advance(by: .seconds(60))
            #expect(try bed.instance(id).status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: reference))
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            let capture = try bed.instance(id).history.last { $0.step == "capture" }
            #expect(capture?.event == "skipped", "\(String(describing: capture))")
        }
    }

    @Test func reconcileFlagsASecondCaptureThatStepsRecorded() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "money-double"
            let reference = try await Self.capturedThenReleaseFailed(bed, id: id)
            // What a version without the bound left behind after `retry --from-step capture`: a second visit of
            // capture, recorded by the step with its own key, that captured the same amount again, and a local
            // summary that agrees with the provider.
            let key = "evf-second-visit-of-capture-recorded-by-step"
            let response = try await Self.withClient(bed) { client in
                try await client.capture(reference: reference, amount: Amount(value: 4_788, currency: "NOK"), idempotencyKey: key)
            }
            #expect(response.aggregate.capturedAmount.value == 9_576)
            try await bed.runner.modify(id) { instance in
                var record = StepRecord(step: "capture", visit: 2, enteredAt: bed.now)
                record.idempotencyKey = key
                record.intent = .amountOnly(Money(minorUnits: 4_788, currency: "NOK"))
                record.attempts = 1
                record.completedAt = bed.now
                instance.steps.append(record)
                instance.payment?.captured = 9_576
            }
            let report = try await bed.runner.reconcile(id, repair: false)
            #expect(report.differences.isEmpty && report.unrecordedOperations.isEmpty, "\(report)")
            #expect(!report.isConsistent)
            #expect(report.moneyFlags.contains { $0.contains("2 successful captures") }, "\(report.moneyFlags)")
            #expect(report.moneyFlags.contains { $0.contains("above the 47.88 NOK") && $0.contains("refund 47.88 NOK") }, "\(report.moneyFlags)")
        }
    }

    @Test func retryFromAStepIsRefusedWhileACreateIsUnconfirmedOrOnceThePaymentExists() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // Jumping past a create whose outcome is unknown would strand what it reserved (fault campaign, seed 7).
            let id = "money-jump-unconfirmed"
            bed.simulator.setFault(FaultRule(responseLostRate: 1), for: .createPayment)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPayment)
            try await bed.start("ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
            try await bed.advance(by: .seconds(60))
            let jump = await #expect(throws: FlowError.self) { try await bed.runner.retry(id, fromStep: "price") }
            #expect(jump?.code == .unconfirmed, "\(String(describing: jump))")
            bed.simulator.clearFaults()

            // A second reserve once the payment exists would fail the session with the customer's money held.
            let paid = "money-second-reserve"
            try await EVChargingFlowTests.startCharging(bed, id: paid)
            let again = await #expect(throws: FlowError.self) { try await bed.runner.retry(paid, fromStep: "reserve") }
            #expect(again?.code == .alreadyApplied, "\(String(describing: again))")
            #expect(try bed.instance(paid).currentStep == "meter")
        }
    }

    @Test func retryFromAStepIsRefusedWhileACaptureWaitsForItsRetry() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // A capture whose attempt may have taken effect (5xx) and waits for its retry: a fresh visit would send
            // it again with a new key before the first settles.
            let inFlight = "money-jump-capture"
            try await EVChargingFlowTests.startCharging(bed, id: inFlight)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1, times: 1), for: .capturePayment)
            try await bed.signal(inFlight, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
            #expect(try bed.instance(inFlight).currentRecord?.step == "capture")
            let early = await #expect(throws: FlowError.self) { try await bed.runner.retry(inFlight, fromStep: "price") }
            #expect(early?.code == .unconfirmed, "\(String(describing: early))")
            try await bed.advance(by: .seconds(60))
            #expect(try bed.instance(inFlight).status == .succeeded)
            #expect(bed.ledger.payment(reference: try bed.reference(of: inFlight))?.events(named: "CAPTURED").count == 1)

        }
    }

    static func withClient<Result: Sendable>(_ bed: FlowTestBed, _ body: @Sendable (EPaymentClient) async throws -> Result) async throws -> Result {
        try await withHTTPClient { http in
            let configuration = EPaymentConfiguration(
                baseURL: bed.simulator.baseURL, clientID: "money-test", clientSecret: Secret("money-test-secret"),
                subscriptionKey: Secret("money-test-key"), merchantSerialNumber: "123456")
            return try await body(EPaymentClient(configuration: configuration, httpClient: http, retryPolicy: .noRetries))
        }
    }
}
