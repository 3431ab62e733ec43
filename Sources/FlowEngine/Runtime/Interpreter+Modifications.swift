import EPayment
import Foundation

/// Capture, cancel and refund steps: each money call is bounded by what the instance has already moved
/// (its ``MoneyLedger`` and the provider's aggregate), so a fresh visit of the step (an operator's
/// `retry --from-step`, a loop in the definition) moves only what is still owed, never the same money twice.
extension Interpreter {
    func execute(_ capture: CaptureStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        guard let reference = paymentReference(capture.payment, instance) else {
            return try failStep(step, &instance, code: .noPayment, message: "step \(capture.payment) created no payment")
        }
        // Stays the empty intent (`{}`, no amount) only when the amount is not money, which a validated definition
        // rules out; the call then sends no amount, as before intents were typed.
        var freshIntent = PaymentIntent.release
        if instance.currentRecord?.idempotencyKey == nil, case .money(let owed) = try capture.amount.evaluate(in: environment(instance)) {
            if owed.minorUnits == 0 && capture.skipIfZero && instance.knownCaptured == 0 {
                instance.recordOutputs([.capturedAmount: .money(owed), .skipped: .boolean(true)], of: step)
                instance.log("skipped", step: step.id, "nothing to capture", at: now)
                return .goto(capture.next)
            }
            if owed.minorUnits < 0 {
                return try failStep(step, &instance, code: .captureAboveAuthorized, message: "refusing to capture a negative amount (\(owed))")
            }
            if let wait = try await refreshBeforeFreshVisit(step, &instance, reference: reference) { return wait }
            let already = instance.knownCaptured
            let remaining = owed.minorUnits - already  // both >= 0: cannot overflow
            let alreadyMoney = Money(minorUnits: already, currency: owed.currency)
            if remaining <= 0 {
                // This instance already captured what the flow's amount says it owes: capturing again would charge
                // the customer twice.
                instance.recordOutputs([.capturedAmount: .money(alreadyMoney), .skipped: .boolean(true)], of: step)
                let over = remaining < 0 ? "; that is \(Money(minorUnits: -remaining, currency: owed.currency)) more than owed: refund the difference" : ""
                instance.log("skipped", step: step.id, "already captured \(alreadyMoney) of the \(owed) owed (\(MoneyLedger.describe(instance.moneyLedger.movements.filter { $0.kind == .capture })))\(over): nothing more to capture", at: now)
                return .goto(capture.next)
            }
            let capturable = instance.payment?.held ?? 0
            if remaining > capturable {
                return try failStep(step, &instance, code: .captureAboveAuthorized, message:
                    "refusing to capture \(Money(minorUnits: remaining, currency: owed.currency)): only \(Money(minorUnits: capturable, currency: owed.currency)) of payment \(reference) is authorized and not yet captured or released")
            }
            freshIntent = .capture(CaptureIntent(amount: Money(minorUnits: remaining, currency: owed.currency), owed: owed, alreadyCaptured: alreadyMoney))
        }
        let result = try await modification(step, &instance, reference: reference, kind: .capture, intent: freshIntent) { amount, key in
            try await services.payments.capture(reference: reference, amount: amount, idempotencyKey: key)
        }
        if case .done = result, let currency = instance.payment?.currency {
            instance.recordOutputs([.capturedAmount: .money(Money(minorUnits: instance.knownCaptured, currency: currency)), .skipped: .boolean(false)], of: step)
        }
        return try outcome(of: result, step, &instance, next: capture.next)
    }

    func execute(_ cancel: CancelStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        guard let reference = paymentReference(cancel.payment, instance) else {
            return try failStep(step, &instance, code: .noPayment, message: "step \(cancel.payment) created no payment")
        }
        if instance.currentRecord?.idempotencyKey == nil {
            // A release is always safe to send: a failed read of the figures only means it may be a no-op.
            if let wait = try await refreshBeforeFreshVisit(step, &instance, reference: reference, required: false) { return wait }
            if let payment = instance.payment, payment.state == PaymentState.authorized.rawValue, payment.held == 0 {
                // Everything authorized is already captured or released: a cancel would only be refused.
                instance.recordOutputs([.cancelledAmount: .money(Money(minorUnits: payment.cancelled, currency: payment.currency))], of: step)
                instance.log("skipped", step: step.id, "nothing left to release on \(reference)", at: now)
                return .goto(cancel.next)
            }
        }
        let result = try await modification(step, &instance, reference: reference, kind: .release, intent: .release) { _, key in
            try await services.payments.cancel(reference: reference, idempotencyKey: key)
        }
        if case .done = result, let payment = instance.payment {
            instance.recordOutputs([.cancelledAmount: .money(Money(minorUnits: payment.cancelled, currency: payment.currency))], of: step)
        }
        return try outcome(of: result, step, &instance, next: cancel.next)
    }

    func execute(_ refund: RefundStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        guard let reference = paymentReference(refund.payment, instance) else {
            return try failStep(step, &instance, code: .noPayment, message: "step \(refund.payment) created no payment")
        }
        var freshIntent = PaymentIntent.release  // as for a capture
        if instance.currentRecord?.idempotencyKey == nil, case .money(let owed) = try refund.amount.evaluate(in: environment(instance)) {
            if owed.minorUnits < 0 {
                return try failStep(step, &instance, code: .refundAboveCaptured, message: "refusing to refund a negative amount (\(owed))")
            }
            if let wait = try await refreshBeforeFreshVisit(step, &instance, reference: reference) { return wait }
            // An operator refund whose outcome is unknown may have reached the customer: it counts as refunded, so
            // this step never pays the owed amount out on top of it (if it turns out refused, the customer got less,
            // and a fresh visit of this step refunds the rest). The provider's aggregate, just read again, may
            // already include it: the higher figure counts, as for ``FlowInstance/knownRefunded``.
            let unsettled = instance.unsettledOperatorRefund
            let already = unsettled.map { max(instance.knownRefunded, instance.moneyLedger.total(.refund) + $0.amount) } ?? instance.knownRefunded
            let remaining = owed.minorUnits - already  // both >= 0 and bounded by money amounts: cannot overflow
            let alreadyMoney = Money(minorUnits: already, currency: owed.currency)
            if let unsettled {
                instance.log("operator", step: step.id, "operator refund #\(unsettled.number) of \(unsettled.money) (key \(unsettled.idempotencyKey)) has no confirmed outcome: counted as refunded, so this step refunds at most \(Money(minorUnits: max(0, remaining), currency: owed.currency))", at: now)
            }
            if remaining <= 0 {
                instance.recordOutputs([.refundedAmount: .money(alreadyMoney)], of: step)
                instance.log("skipped", step: step.id, "already refunded \(alreadyMoney) of the \(owed) to refund: nothing more to refund", at: now)
                return .goto(refund.next)
            }
            let refundable = instance.payment.map { max(0, $0.captured - max($0.refunded, unsettled == nil ? 0 : already)) } ?? 0
            if remaining > refundable {
                return try failStep(step, &instance, code: .refundAboveCaptured, message:
                    "refusing to refund \(Money(minorUnits: remaining, currency: owed.currency)): only \(Money(minorUnits: refundable, currency: owed.currency)) of payment \(reference) is captured and not yet refunded")
            }
            freshIntent = .refund(RefundIntent(amount: Money(minorUnits: remaining, currency: owed.currency), owed: owed, alreadyRefunded: alreadyMoney))
        }
        let result = try await modification(step, &instance, reference: reference, kind: .refund, intent: freshIntent) { amount, key in
            try await services.payments.refund(reference: reference, amount: amount, idempotencyKey: key)
        }
        if case .done = result, let currency = instance.payment?.currency {
            instance.recordOutputs([.refundedAmount: .money(Money(minorUnits: instance.knownRefunded, currency: currency))], of: step)
        }
        return try outcome(of: result, step, &instance, next: refund.next)
    }

    private func outcome(of result: SideEffectResult<ModificationResponse>, _ step: Step, _ instance: inout FlowInstance, next: String) throws -> Outcome {
        switch result {
        case .retry(let due): return .park(until: due)
        case .failed(let message): return try failStep(step, &instance, code: .modificationFailed, message: message)
        case .done: return .goto(next)
        }
    }

    /// Before a repeated visit of a money step, the provider's aggregate is read again: the local figures are exact
    /// only while every earlier call was recorded by this instance.
    /// - Returns: an outcome when the step must wait (the read failed and is retried), `nil` to go on.
    private func refreshBeforeFreshVisit(_ step: Step, _ instance: inout FlowInstance, reference: String, required: Bool = true) async throws -> Outcome? {
        guard let record = instance.currentRecord else { return nil }
        // A first visit after calls that were all recorded knows the exact figures (each response updated them);
        // a repeated visit (operator retry, a loop) or an earlier unconfirmed call may not.
        // An operator refund whose outcome is unknown may have moved money the local figures lack.
        let exact = record.visit == 1 && !instance.steps.contains { $0.unconfirmedSince != nil } && instance.unsettledOperatorRefund == nil
        if exact { return nil }
        if let due = record.nextAttemptAt, now < due { return .park(until: due) }
        do {
            let payment = try await services.payments.getPayment(reference: reference)
            update(&instance, from: payment.aggregate, state: payment.state)
            instance.updateCurrentRecord { $0.nextAttemptAt = nil; $0.lastError = nil }
            return nil
        } catch let error as EPaymentError {
            guard required else {
                instance.log("retry", step: step.id, "reading payment \(reference) failed (\(error)); releasing anyway", at: now)
                return nil
            }
            let policy = step.retry ?? .standard
            let attempts = record.attempts + 1
            instance.updateCurrentRecord { $0.attempts = attempts; $0.lastError = "reading payment \(reference) before moving money failed: \(error)" }
            guard attempts < policy.maxAttempts else {
                return try failStep(step, &instance, code: .lookupFailed, message:
                    "could not read payment \(reference) to learn what is already captured, released and refunded (\(error)); nothing was sent for this visit")
            }
            let due = now.adding(policy.delay(beforeAttempt: attempts + 1, using: services.random))
            instance.updateCurrentRecord { $0.nextAttemptAt = due }
            instance.log("retry", step: step.id, "reading payment \(reference) failed, again at \(InstanceSummary.time(due)): \(error)", at: now)
            return .park(until: due)
        }
    }

    /// A capture, cancel or refund under the side-effect protocol, confirmed through the event log by its key;
    /// a confirmed outcome is recorded in the instance's ``MoneyLedger``.
    private func modification(
        _ step: Step, _ instance: inout FlowInstance, reference: String, kind: MoneyLedger.Kind,
        intent freshIntent: PaymentIntent, call: (Amount, String) async throws -> ModificationResponse
    ) async throws -> SideEffectResult<ModificationResponse> {
        let payments = services.payments
        let currency = instance.payment?.currency ?? "NOK"
        let releasedBefore = instance.payment?.cancelled ?? 0
        let event: PaymentEventName? = switch kind {
        case .capture: .captured
        case .refund: .refunded
        case .release: nil
        }
        let result: SideEffectResult<ModificationResponse> = try await sideEffect(step, &instance, intent: {
            freshIntent
        }, confirm: { _, key in
            try await payments.paymentIfApplied(reference: reference, idempotencyKey: key, event: event).map(ModificationResponse.init(confirmedBy:))
        }, call: { intent, key in
            var amount = Amount(value: 0, currency: Currency(rawValue: currency))
            if let money = intent.amount {
                amount = Amount(value: money.minorUnits, currency: Currency(rawValue: money.currency))
            }
            return try await call(amount, key)
        })
        if case .done(let response) = result, let record = instance.currentRecord, let key = record.idempotencyKey {
            update(&instance, from: response.aggregate, state: response.state)
            var moved = response.aggregate.cancelledAmount.value - releasedBefore
            if kind != .release, let amount = record.intent?.amount { moved = amount.minorUnits }
            instance.moneyLedger.record(MoneyLedger.Movement(
                kind: kind, step: step.id, visit: record.visit, idempotencyKey: key, amount: max(0, moved),
                currency: response.aggregate.authorizedAmount.currency.rawValue, confirmedAt: now, override: record.operatorOverride))
            instance.log("succeeded", step: step.id, "\(step.id) on \(reference): \(PaymentSummary.describe(response.aggregate))", at: now)
        }
        return result
    }
}
