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
    /// Money the payment moved that the flow does not owe: more than one successful capture, or captures above
    /// what the flow's amount computes. Never repaired automatically: a person refunds the difference.
    package var moneyFlags: [String] = []
    /// Whether the local summary was overwritten with the provider's figures.
    package var repaired = false
    /// Why nothing could be compared, when that is the case.
    package var note: String?

    /// Whether nothing differs.
    package var isConsistent: Bool { differences.isEmpty && unrecordedOperations.isEmpty && moneyFlags.isEmpty }
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
            return try await reconcileUnrecordedReservation(instance, report: report, repair: repair)
        }
        let payment = try await services.operatorPayments.getPayment(reference: local.reference)
        let events = try await services.operatorPayments.getEventLog(reference: local.reference)
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
        known.insert(Interpreter.operatorCancelKey(id))
        known.formUnion(instance.operatorRefunds.map(\.idempotencyKey))
        // A capture or release an operator made by hand and `evflow mark-done` accepted is recorded, not unknown.
        known.formUnion(instance.steps.compactMap { $0.manualCompletion?.idempotencyKey })
        let moneyEvents: Set<PaymentEventName> = [.captured, .cancelled, .refunded, .created, .terminated]
        for event in events where event.success && moneyEvents.contains(event.name) {
            guard let key = event.idempotencyKey, !known.contains(key) else { continue }
            let amount = Money(minorUnits: event.amount.value, currency: event.amount.currency.rawValue)
            report.unrecordedOperations.append("\(event.name.rawValue) of \(amount) at \(InstanceSummary.time(event.timestamp)) with Idempotency-Key \(key) is not recorded by any step of \(id)")
        }
        report.moneyFlags = moneyFlags(instance, events: events, currency: local.currency)
        if repair && !report.differences.isEmpty {
            try await modify(id) { instance in
                guard var summary = instance.payment else { return }
                // Read again under the lock: a worker may have moved money since the comparison above, and figures
                // read before it must not overwrite the newer ones it saved (fault campaign, operator phase).
                let current = Self.view(of: try await services.operatorPayments.getPayment(reference: summary.reference))
                summary.state = current.state
                summary.authorized = current.authorized
                summary.captured = current.captured
                summary.cancelled = current.cancelled
                summary.refunded = current.refunded
                guard summary != instance.payment else { return }
                instance.payment = summary
                instance.log("reconciled", step: instance.currentStep, "payment summary set to the provider's: " + report.differences.joined(separator: "; "), at: services.clock.now)
            }
            report.repaired = true
        }
        return report
    }

    /// A payment with more than one successful capture, or captured above what the flow computes it owes.
    private func moneyFlags(_ instance: FlowInstance, events: [PaymentEvent], currency: String) -> [String] {
        var flags: [String] = []
        let captures = events.filter { $0.success && $0.name == .captured }
        if captures.count > 1 {
            let list = captures.map { "\(Money(minorUnits: $0.amount.value, currency: $0.amount.currency.rawValue)) (key \($0.idempotencyKey ?? "none"), \(InstanceSummary.time($0.timestamp)))" }
            flags.append("payment \(instance.payment?.reference ?? "?") has \(captures.count) successful captures: \(list.joined(separator: ", ")); evflow's own steps capture once per amount owed, so check the others against what the customer owes")
        }
        let captured = captures.reduce(Int64(0)) { sum, event in
            let (next, overflow) = sum.addingReportingOverflow(event.amount.value)
            return overflow ? .max : next
        }
        // What a person already refunded of an over-capture settles it.
        let refunded = instance.payment?.refunded ?? 0
        let kept = captured - min(refunded, captured)
        if let owed = owedByCaptures(instance), kept > owed {
            flags.append("captured \(Money(minorUnits: captured, currency: currency))\(refunded > 0 ? " (\(Money(minorUnits: refunded, currency: currency)) refunded)" : "") is above the \(Money(minorUnits: owed, currency: currency)) the flow computes as owed: refund \(Money(minorUnits: kept - owed, currency: currency)) to the customer")
        }
        return flags
    }

    /// What the flow's capture steps say the instance owes: each visited capture step's amount evaluated on the
    /// instance as it stands (or, when that cannot be evaluated, what its intents recorded as owed).
    private func owedByCaptures(_ instance: FlowInstance) -> Int64? {
        var owed: Int64?
        let definition = try? catalog.definition(for: instance.flow)
        let environment = definition.map { Interpreter(definition: $0, services: services) { _ in }.environment(instance) }
        // Every visit of a capture step counts, also one skipped because nothing more was owed.
        let visited = instance.steps.filter { record in
            guard let definition else { return record.idempotencyKey != nil }
            if case .capture? = definition.step(record.step)?.kind { return true }
            return false
        }
        for record in visited {
            var amount: Int64?
            if let definition, let environment, let step = definition.step(record.step), case .capture(let capture) = step.kind {
                if case .money(let money)? = try? capture.amount.evaluate(in: environment) { amount = money.minorUnits }
            } else if definition != nil {
                continue
            }
            if amount == nil, let money = Self.owedRecorded(in: record.intent) { amount = money.minorUnits }
            if let amount { owed = max(owed ?? 0, amount) }
        }
        return owed
    }

    /// What an intent recorded as owed in total: a capture's (or, read without the definition, a refund's) `owed`,
    /// or the amount of one written before the ledger; a reserve or release records none.
    private static func owedRecorded(in intent: PaymentIntent?) -> Money? {
        switch intent {
        case .capture(let capture)?: capture.owed
        case .refund(let refund)?: refund.owed
        case .amountOnly(let amount)?: amount
        case .reserve?, .release?, .receipt?, nil: nil
        }
    }

    /// An instance with a reserve intent but no recorded payment: the payment may exist and hold money.
    private func reconcileUnrecordedReservation(_ instance: FlowInstance, report: ReconciliationReport, repair: Bool) async throws -> ReconciliationReport {
        var report = report
        let id = instance.id
        guard let intended = instance.unconfirmedReservation else {
            report.note = "no payment created yet"
            return report
        }
        report.reference = intended
        do {
            let payment = try await services.operatorPayments.getPayment(reference: intended)
            report.provider = Self.view(of: payment)
            let held = Money(minorUnits: max(0, payment.aggregate.authorizedAmount.value - payment.aggregate.capturedAmount.value - payment.aggregate.cancelledAmount.value), currency: payment.amount.currency.rawValue)
            let next = instance.status.isFinished
                ? "`evflow cancel \(id) --reason …` releases it"
                : "the worker confirms it on its next run (`evflow resume \(id)`)"
            report.differences.append("payment \(intended) exists at the provider (\(payment.state.rawValue), \(held) held) but the instance has not recorded it; \(next)")
            if repair && instance.status.isFinished {
                try await modify(id) { instance in _ = try await adoptUnconfirmedReservation(&instance) }
                report.repaired = true
            }
        } catch let error as EPaymentError where error.code == .notFound {
            // Not proof that it never will be: a create sent just before a crash can still land.
            report.note = "payment \(intended) is not known to the provider (yet); `evflow cancel \(id) --reason …` settles the create with its own key and releases whatever it made"
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
