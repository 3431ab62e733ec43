import Foundation

/// `evflow resume --set`: an operator corrects an input or variable (a wrong tariff, say) before the instance's next
/// step runs, typed by the pinned definition, audited in the timeline, and refused once money that depends on the
/// value has moved.
///
/// "Depends" is read from the definition: a reserve, capture, refund or receipt step whose expressions read the value,
/// directly or through the variables computed from it (``FlowDefinition/moneySteps(reading:)``). "Moved" is what
/// the instance recorded: a reservation made or being made, a capture or refund confirmed, in flight or made by hand
/// (its ``MoneyLedger`` and step visits), a receipt sent. When in doubt, refused: the message names the step and the
/// money.
extension FlowRunner {
    /// Applies `corrections` to the instance in memory, after every check; the caller saves it under the lock.
    /// - Throws: ``FlowError`` `.finished` for an ended instance, `.invalidInput` for a missing reason, a value of
    ///   another currency, or a value a money step already used (naming the step and the money).
    func applyCorrections(_ corrections: [ValueCorrection], to instance: inout FlowInstance, reason: String?, actor: String) throws {
        guard !corrections.isEmpty else { return }
        let id = instance.id
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, detail: "reason is required with --set: say why the value is corrected (a ticket, the right tariff's source)")
        }
        try InputLimits.check(reason, field: "reason", limit: InputLimits.reason, instanceID: id)
        try OperatorName.check(actor, instanceID: id)
        guard !instance.status.isFinished else {
            throw FlowError(.finished, flow: instance.flow.name, instanceID: id, detail:
                "instance \(id) already \(instance.status): nothing runs after a correction; `evflow refund` pays back what was captured wrongly")
        }
        let definition = try catalog.definition(for: instance.flow)
        let now = services.clock.now
        var seen = Set<ValueName>()
        for correction in corrections {
            let target = correction.target
            guard seen.insert(target).inserted else {
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, detail: "\(target) is set twice; give it once")
            }
            let old = target.scope == .inputs ? instance.inputs[target.name] : instance.variables[target.name]
            if case .money(let before)? = old, case .money(let after) = correction.value, before.currency != after.currency {
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, detail:
                    "\(target) is in \(before.currency) (\(before)); a correction in \(after.currency) would not add up with the instance's other amounts")
            }
            if let moved = Self.moneyMoved(reading: target, in: instance, definition: definition) {
                throw FlowError(.alreadyApplied, flow: instance.flow.name, instanceID: id, step: moved.step, detail:
                    "\(target) is used by step \(moved.step), which already \(moved.money): correcting it now would not change what moved, and later steps would disagree with it. Refund or capture the difference instead (`evflow refund \(id) --amount … --reason …`)")
            }
            switch target.scope {
            case .inputs: instance.inputs[target.name] = correction.value
            case .variables: instance.variables[target.name] = correction.value
            }
            let derived = definition.variables(computedFrom: target)
            let note = derived.isEmpty ? "" : "; variables computed from it (\(derived.joined(separator: ", "))) keep their values until the flow assigns them again"
            instance.log("operator", step: instance.currentStep,
                         "\(target) set by \(actor): \(ValueCorrection.shown(old)) → \(ValueCorrection.shown(correction.value)): \(reason)\(note)", at: now)
        }
    }

    /// The first money step reading `target` that already moved money, with what it moved.
    static func moneyMoved(reading target: ValueName, in instance: FlowInstance, definition: FlowDefinition) -> (step: String, money: String)? {
        let currency = instance.payment?.currency ?? "NOK"
        for step in definition.moneySteps(reading: target) {
            let visits = instance.steps.filter { $0.step == step.id }
            switch step.kind {
            case .reserve:
                if let payment = instance.payment {
                    return (step.id, "reserved \(Money(minorUnits: payment.reserved, currency: payment.currency)) (payment \(payment.reference))")
                }
                if let reference = instance.unconfirmedReservation ?? visits.last(where: { $0.idempotencyKey != nil && $0.noEffectConfirmedAt == nil })?.intentReference {
                    return (step.id, "sent the create of payment \(reference), whose outcome is not confirmed")
                }
            case .capture, .refund:
                let moved = Self.moneyMoved(by: step, in: instance)
                if !moved.isEmpty { return (step.id, MoneyLedger.describe(moved)) }
                if let inFlight = visits.last(where: { $0.idempotencyKey != nil && $0.attempts > 0 && $0.noEffectConfirmedAt == nil }) {
                    return (step.id, "sent a call (Idempotency-Key \(inFlight.idempotencyKey ?? "?")) whose outcome is not confirmed")
                }
                // A visit with its call recorded re-sends that call, amount and all (a retry reopens it with the same
                // key), so a corrected value would be logged but not used.
                if let pinned = visits.last, pinned.intent != nil, let key = pinned.idempotencyKey {
                    return (step.id, "recorded its call with the old amount (Idempotency-Key \(key)), which a retry sends again as it is, so the corrected value would not be used")
                }
                if case .capture = step.kind, instance.knownCaptured > 0 {
                    return (step.id, "has \(Money(minorUnits: instance.knownCaptured, currency: currency)) captured on the payment (its amount counts what is already captured)")
                }
                if case .refund = step.kind, instance.knownRefunded > 0 {
                    return (step.id, "has \(Money(minorUnits: instance.knownRefunded, currency: currency)) refunded on the payment (its amount counts what is already refunded)")
                }
            case .receipt:
                // A receipt carries no key: a visit that recorded its receipt or made an attempt may have sent it.
                if let sent = visits.last(where: { $0.intent != nil || $0.attempts > 0 }) {
                    return (step.id, "recorded the customer's receipt (attempt \(sent.attempts)), which every later attempt sends as it is")
                }
                // Once money is captured the receipt may already be at the provider without a record here: the
                // step saves its receipt with its first outcome, so a crash just after the call reruns it from an
                // earlier save, and it must compute the same receipt again (a different one is refused with 409).
                if instance.knownCaptured > 0 {
                    return (step.id, "has \(Money(minorUnits: instance.knownCaptured, currency: currency)) captured, so it may have sent the customer's receipt, which is made from these values")
                }
            default:
                continue
            }
        }
        return nil
    }
}
