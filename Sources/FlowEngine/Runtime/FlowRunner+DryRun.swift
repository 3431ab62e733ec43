import Foundation

/// `--dry-run`: what an operation would do next, in words, without calling anyone or writing anything.
extension FlowRunner {
    /// The side effect the instance's next run would cause (a payment call, a notification), or why it would
    /// cause none.
    package func nextSideEffect(_ id: String) throws -> String {
        try nextSideEffect(of: try instance(id))
    }

    /// What `evflow resume` would do.
    package func resumePlan(_ id: String) throws -> String {
        var instance = try self.instance(id)
        try prepareResume(&instance)
        return try nextSideEffect(of: instance)
    }

    /// What `evflow resume --set … --dry-run` would do: each correction with its old and new value (or the refusal
    /// the real command would throw), then the next side effect, computed with the corrected values.
    package func resumePlan(_ id: String, setting corrections: [ValueCorrection], reason: String?, by actor: String? = nil) throws -> String {
        var instance = try self.instance(id)
        let before = instance.history.count
        try applyCorrections(corrections, to: &instance, reason: reason, actor: actor ?? "an operator")
        let changes = instance.history.dropFirst(before).compactMap(\.detail)
        try prepareResume(&instance, by: actor)
        let next = try nextSideEffect(of: instance)
        return changes.isEmpty ? next : changes.joined(separator: "; ") + "; then next " + next
    }

    /// What `evflow retry` would do; a retry that would be refused (a money step whose money already moved,
    /// without `override`) throws the same ``FlowError`` the retry would.
    package func retryPlan(_ id: String, fromStep step: String?, override: String? = nil) throws -> String {
        var instance = try self.instance(id)
        try prepareRetry(&instance, fromStep: step, override: override)
        return try nextSideEffect(of: instance)
    }

    func nextSideEffect(of instance: FlowInstance) throws -> String {
        let id = instance.id
        guard let stepID = instance.currentStep, !instance.status.isFinished else {
            return "nothing: instance \(id) is \(instance.status)"
        }
        if let reason = instance.cancellationRequest {
            return releaseDescription(instance, reason: reason)
        }
        let definition = try catalog.definition(for: instance.flow)
        guard let step = definition.step(stepID) else { return "nothing: step \(stepID) is not in the pinned definition" }
        let interpreter = Interpreter(definition: definition, services: services) { _ in }
        let record = instance.currentRecord
        let key = record?.idempotencyKey
            ?? Interpreter.idempotencyKey(instance: id, step: stepID, visit: record?.visit ?? instance.steps.filter { $0.step == stepID }.count + 1)
        let reference = instance.payment?.reference ?? "(not created yet)"
        func amount(_ expression: Expression) -> String {
            if let recorded = record?.intent?.amount { return recorded.description }
            return (try? expression.evaluate(in: interpreter.environment(instance)).description) ?? "(cannot evaluate yet)"
        }
        let recorded = record?.idempotencyKey != nil
        let confirmFirst = recorded ? "confirm with the provider whether key \(key) already took effect; if not, " : ""
        switch step.kind {
        case .reserve(let reserve):
            return "step \(stepID): \(confirmFirst)create a payment for \(amount(reserve.amount)) (POST /epayment/v1/payments, Idempotency-Key \(key))"
        case .awaitPayment:
            return "step \(stepID): read payment \(reference) (GET) to see whether the customer approved it"
        case .capture(let capture):
            if recorded { return "step \(stepID): \(confirmFirst)capture \(amount(capture.amount)) of payment \(reference) (Idempotency-Key \(key))" }
            return captureDescription(capture, instance, interpreter, stepID: stepID, key: key)
        case .cancel:
            let held = instance.payment.map { Money(minorUnits: $0.held, currency: $0.currency).description } ?? "?"
            return "step \(stepID): \(confirmFirst)cancel the remainder (\(held) held) of payment \(reference) (Idempotency-Key \(key))"
        case .refund(let refund):
            if recorded { return "step \(stepID): \(confirmFirst)refund \(amount(refund.amount)) of payment \(reference) (Idempotency-Key \(key))" }
            guard case .money(let owed)? = try? refund.amount.evaluate(in: interpreter.environment(instance)) else {
                return "step \(stepID): refund (amount cannot be evaluated yet) of payment \(reference)"
            }
            let already = instance.knownRefunded
            if owed.minorUnits - already <= 0 {
                return "step \(stepID): nothing: this instance already refunded \(Money(minorUnits: already, currency: owed.currency)) of the \(owed) to refund; the step would be skipped"
            }
            return "step \(stepID): refund \(Money(minorUnits: owed.minorUnits - already, currency: owed.currency)) of payment \(reference) (\(owed) to refund, \(Money(minorUnits: already, currency: owed.currency)) already refunded; Idempotency-Key \(key))"
        case .notify(let notify):
            return "step \(stepID): POST event \(notify.event) to the '\(notify.endpoint)' endpoint (event id \(key))"
        case .receipt:
            if instance.knownCaptured == 0 && record?.intent == nil {
                return "step \(stepID): nothing: no money was captured, so no receipt is sent; the step would be skipped"
            }
            return "step \(stepID): send the receipt for payment \(reference) (POST /order-management/v2/ecom/receipts/\(reference)); a repeat of the identical receipt is harmless"
        case .awaitSignal(let wait):
            return "step \(stepID): no side effect; waits for \(wait.handlers.map(\.signal).joined(separator: " or "))\(instance.wakeAt.map { " until \(InstanceSummary.time($0))" } ?? "")"
        case .wait:
            return "step \(stepID): no side effect; a timer\(instance.wakeAt.map { " due \(InstanceSummary.time($0))" } ?? "")"
        case .compute, .choice, .succeed, .fail:
            return "step \(stepID): evaluates without side effects, then continues with the steps after it"
        }
    }

    /// A fresh capture visit captures what the flow's amount says is owed, less what the instance already captured.
    private func captureDescription(_ capture: CaptureStep, _ instance: FlowInstance, _ interpreter: Interpreter, stepID: String, key: String) -> String {
        let reference = instance.payment?.reference ?? "(not created yet)"
        guard case .money(let owed)? = try? capture.amount.evaluate(in: interpreter.environment(instance)) else {
            return "step \(stepID): capture (amount cannot be evaluated yet) of payment \(reference)"
        }
        let already = Money(minorUnits: instance.knownCaptured, currency: owed.currency)
        let repeated = (instance.currentRecord?.visit ?? 1) > 1 ? " (the provider's figures are read again first)" : ""
        let remaining = owed.minorUnits - already.minorUnits
        if remaining <= 0 {
            let moved = instance.moneyLedger.movements.filter { $0.kind == .capture }
            let by = moved.isEmpty ? "" : " (\(MoneyLedger.describe(moved)))"
            return "step \(stepID): nothing: this instance already captured \(already) of the \(owed) the flow's amount says is owed\(by); the step would be skipped\(repeated)"
        }
        if already.minorUnits == 0 {
            return "step \(stepID): capture \(owed) of payment \(reference) (Idempotency-Key \(key))\(repeated)"
        }
        return "step \(stepID): capture \(Money(minorUnits: remaining, currency: owed.currency)) of payment \(reference): \(owed) owed, \(already) already captured (Idempotency-Key \(key))\(repeated)"
    }

    /// What `evflow cancel` would do to the instance.
    package func cancellationPlan(_ id: String, reason: String) throws -> String {
        releaseDescription(try instance(id), reason: reason)
    }

    private func releaseDescription(_ instance: FlowInstance, reason: String) -> String {
        let key = Interpreter.operatorCancelKey(instance.id)
        let ending = instance.status.isFinished ? "" : ", then end failed with operator.cancelled (\(reason))"
        guard let payment = instance.payment else {
            if let reference = instance.unconfirmedReservation {
                return "look payment \(reference) up at the provider (a reserve step intended it but never recorded its outcome) and, if it exists, release what it holds (cancel, Idempotency-Key \(key))\(ending)"
            }
            return "no payment created: nothing to release\(ending)"
        }
        if payment.state == "CREATED" {
            return "cancel payment \(payment.reference) before the customer approves it (Idempotency-Key \(key))\(ending)"
        }
        if payment.state == "AUTHORIZED" && payment.held > 0 {
            return "release \(Money(minorUnits: payment.held, currency: payment.currency)) held on payment \(payment.reference) (cancel, Idempotency-Key \(key))\(ending)"
        }
        return "payment \(payment.reference) is \(payment.state) with nothing held: nothing to release\(ending)"
    }
}
