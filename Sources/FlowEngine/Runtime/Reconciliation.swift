import EPayment
import Foundation

/// The result of comparing an instance's payment with the provider's: the aggregate and state, and every
/// operation in the provider's event log whose idempotency key the instance never recorded.
package struct ReconciliationReport: Codable, Sendable, Equatable {
    /// The provider's view of the payment.
    package struct ProviderView: Codable, Sendable, Equatable {
        package var state: String
        package var currency: String
        package var authorized: Int64
        package var captured: Int64
        package var cancelled: Int64
        package var refunded: Int64
    }

    package var id: String
    package var reference: String?
    package var local: PaymentSummary?
    package var provider: ProviderView?
    /// Each field where local and provider disagree, in words.
    package var differences: [String] = []
    /// Successful provider operations (captures above all) whose Idempotency-Key no step of the instance
    /// recorded: made outside evflow, or by a run whose state was lost. Never repaired automatically.
    package var unrecordedOperations: [String] = []
    /// Whether the local summary was overwritten with the provider's figures.
    package var repaired = false
    /// Why nothing could be compared, when that is the case.
    package var note: String?

    /// Whether nothing differs.
    package var isConsistent: Bool { differences.isEmpty && unrecordedOperations.isEmpty }
}

extension FlowRunner {
    /// Compares the instance's ``PaymentSummary`` with the provider's aggregate and event log, and, when
    /// `repair` is set, overwrites the local summary with the provider's figures (under the instance lock,
    /// with a `reconciled` history entry). Reads only: it never moves money.
    /// - Throws: ``FlowError`` for an unknown instance; `EPaymentError` when the provider cannot be read.
    package func reconcile(_ id: String, repair: Bool) async throws -> ReconciliationReport {
        let instance = try self.instance(id)
        var report = ReconciliationReport(id: id, reference: instance.payment?.reference, local: instance.payment)
        guard let local = instance.payment else {
            // A crash between creating the payment and recording it leaves only the reserve step's intent.
            let intended = instance.steps.compactMap { record -> String? in
                if case .string(let reference)? = record.intent?["reference"] { return reference }
                return nil
            }.last
            guard let intended else {
                report.note = "no payment created yet"
                return report
            }
            report.reference = intended
            do {
                let payment = try await services.payments.getPayment(reference: intended)
                report.provider = Self.view(of: payment)
                report.differences.append("payment \(intended) exists at the provider (\(payment.state.rawValue)) but the instance has not recorded it; the worker confirms it on its next run (`evflow resume \(id)`)")
            } catch let error as EPaymentError where error.code == .notFound {
                report.note = "payment \(intended) was never created at the provider"
            }
            return report
        }
        let payment = try await services.payments.getPayment(reference: local.reference)
        let events = try await services.payments.getEventLog(reference: local.reference)
        let provider = Self.view(of: payment)
        report.provider = provider
        func compare(_ field: String, _ mine: Int64, _ theirs: Int64) {
            if mine != theirs {
                report.differences.append("\(field): local \(Money(minorUnits: mine, currency: local.currency)), provider \(Money(minorUnits: theirs, currency: provider.currency))")
            }
        }
        if local.state != provider.state { report.differences.append("state: local \(local.state), provider \(provider.state)") }
        compare("authorized", local.authorized, provider.authorized)
        compare("captured", local.captured, provider.captured)
        compare("released", local.cancelled, provider.cancelled)
        compare("refunded", local.refunded, provider.refunded)

        var known = Set(instance.steps.compactMap(\.idempotencyKey))
        known.insert(Interpreter.idempotencyKey(instance: id, step: "$operator-cancel", visit: 1))
        let moneyEvents: Set<PaymentEventName> = [.captured, .cancelled, .refunded, .created, .terminated]
        for event in events where event.success && moneyEvents.contains(event.name) {
            guard let key = event.idempotencyKey, !known.contains(key) else { continue }
            let amount = Money(minorUnits: event.amount.value, currency: event.amount.currency.rawValue)
            report.unrecordedOperations.append("\(event.name.rawValue) of \(amount) at \(InstanceSummary.time(event.timestamp)) with Idempotency-Key \(key) is not recorded by any step of \(id)")
        }
        if repair && !report.differences.isEmpty {
            try await modify(id) { instance in
                guard var summary = instance.payment else { return }
                summary.state = provider.state
                summary.authorized = provider.authorized
                summary.captured = provider.captured
                summary.cancelled = provider.cancelled
                summary.refunded = provider.refunded
                instance.payment = summary
                instance.log("reconciled", step: instance.currentStep, "payment summary set to the provider's: " + report.differences.joined(separator: "; "), at: services.clock.now)
            }
            report.repaired = true
        }
        return report
    }

    static func view(of payment: GetPaymentResponse) -> ReconciliationReport.ProviderView {
        ReconciliationReport.ProviderView(
            state: payment.state.rawValue, currency: payment.aggregate.authorizedAmount.currency.rawValue,
            authorized: payment.aggregate.authorizedAmount.value, captured: payment.aggregate.capturedAmount.value,
            cancelled: payment.aggregate.cancelledAmount.value, refunded: payment.aggregate.refundedAmount.value)
    }
}
