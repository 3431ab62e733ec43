import EPayment
import Foundation

/// What `evflow mark-done` would accept: the provider's event that did by hand what the step's own call did not.
package struct MarkDonePlan: Sendable, Equatable {
    /// The capture or cancel step marked done.
    package var step: String
    /// `capture` or `release`.
    package var kind: MoneyLedger.Kind
    /// The event accepted as evidence (its pspReference, name, amount, time and key).
    package var evidence: ManualCompletion
    /// The payment it moved money on.
    package var reference: String
    /// The step the flow continues at: the marked step's success transition.
    package var next: String

    /// "accept CAPTURED of 47.88 NOK (pspReference …, at …) on payment … as step capture's outcome, then continue at releaseRemainder".
    package var summary: String {
        "accept \(evidence.event) of \(evidence.money) on payment \(reference) (pspReference \(evidence.pspReference), at \(InstanceSummary.time(evidence.eventAt))\(evidence.idempotencyKey.map { ", Idempotency-Key \($0)" } ?? "")) as step \(step)'s outcome, marked done by \(evidence.by): \(evidence.reason); then continue at step \(next)"
    }
}

/// `evflow mark-done`: an operator says a capture or cancel step was done by hand (in the merchant portal, say).
///
/// Nothing is taken on trust: the provider's event log must show a successful event with that pspReference, of the
/// step's kind, moving exactly what the step would have moved (for a capture: what is owed less what the instance
/// already captured, within what is authorized), and the step's own Idempotency-Key must not have taken effect
/// (then it was not done by hand, and `resume`/`retry` settles it by its key). The evidence goes into the step
/// record and the ``MoneyLedger`` (so later money steps stay bounded), the step gets the outputs a normal success
/// gives, and the flow continues through the step's success transition.
extension FlowRunner {
    /// What ``markDone(_:step:pspReference:reason:by:)`` would accept, or the refusal it would throw; reads the
    /// provider's event log, changes nothing.
    package func markDonePlan(_ id: String, step: String, pspReference: String, reason: String, by actor: String = "api") async throws -> MarkDonePlan {
        try Self.checkOperatorText(id: id, pspReference: pspReference, reason: reason, actor: actor)
        let instance = try self.instance(id)
        let events = try await eventLog(of: instance)
        return try markDoneDecision(instance, step: step, pspReference: pspReference, reason: reason, actor: actor, events: events)
    }

    /// Accepts a capture or release made outside evflow as the outcome of `step`, after checking it against the
    /// provider's event log (see the type's discussion), then runs the instance on from the step's success
    /// transition, as `resume` does.
    /// - Parameters:
    ///   - step: a capture or cancel step of the instance's flow that has not succeeded (failed, waiting to retry,
    ///     its call unconfirmed) and is where the instance stopped.
    ///   - pspReference: the provider event's pspReference, as the merchant portal or the event log shows it.
    ///   - reason: why, for the timeline and ledger.
    ///   - actor: who (a short operator name), recorded with the evidence and in the timeline.
    /// - Throws: ``FlowError`` `.invalidInput` (not such a step, not where the instance stopped, no such event,
    ///   another kind, another amount, already recorded), `.alreadyApplied` (the step's own call took effect),
    ///   `.unconfirmed` (the step's call may still land), `.locked`, `.unknownInstance`; `EPaymentError` when the
    ///   provider cannot be read (nothing is changed).
    @discardableResult
    package func markDone(_ id: String, step: String, pspReference: String, reason: String, by actor: String = "api") async throws -> FlowInstance {
        try Self.checkOperatorText(id: id, pspReference: pspReference, reason: reason, actor: actor)
        try await modify(id) { instance in
            // Decided under the lock, on the event log read now: a worker may have moved the instance since.
            let events = try await eventLog(of: instance)
            let plan = try markDoneDecision(instance, step: step, pspReference: pspReference, reason: reason, actor: actor, events: events)
            let current = try await services.operatorPayments.getPayment(reference: plan.reference)
            apply(plan, fresh: current, to: &instance)
        }
        try await runReporting(id)
        return try self.instance(id)
    }

    static func checkOperatorText(id: String, pspReference: String, reason: String, actor: String) throws {
        if pspReference.trimmingCharacters(in: .whitespaces).isEmpty {
            throw FlowError(.invalidInput, instanceID: id, detail: "pspReference is empty: give the provider event's pspReference (the merchant portal and `GET …/events` show it)")
        }
        if reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw FlowError(.invalidInput, instanceID: id, detail: "reason is empty: say why the step is marked done (a ticket, who captured it by hand)")
        }
        try InputLimits.check(pspReference, field: "pspReference", limit: InputLimits.signalID, instanceID: id)
        try InputLimits.check(reason, field: "reason", limit: InputLimits.reason, instanceID: id)
        try OperatorName.check(actor, instanceID: id)
    }

    private func eventLog(of instance: FlowInstance) async throws -> [PaymentEvent] {
        guard let payment = instance.payment else {
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: instance.id, detail:
                "instance \(instance.id) has no payment, so nothing can have been captured or released by hand")
        }
        return try await services.operatorPayments.getEventLog(reference: payment.reference)
    }

    /// The checks, in one place for the preview and the real thing.
    func markDoneDecision(_ instance: FlowInstance, step stepID: String, pspReference: String, reason: String, actor: String,
                          events: [PaymentEvent]) throws -> MarkDonePlan {
        let id = instance.id
        func refuse(_ detail: String) -> FlowError { refuse(as: .invalidInput, detail) }
        func refuse(as code: FlowError.Code, _ detail: String) -> FlowError {
            FlowError(code, flow: instance.flow.name, instanceID: id, step: stepID, detail: detail)
        }
        let definition = try catalog.definition(for: instance.flow)
        guard let step = definition.step(stepID) else {
            throw refuse("flow \(instance.flow.name) v\(instance.flow.version) has no step '\(stepID)'; its steps: \(definition.steps.map(\.id).joined(separator: ", "))")
        }
        let kind: MoneyLedger.Kind
        let eventName: PaymentEventName
        let next: String
        switch step.kind {
        case .capture(let capture):
            kind = .capture
            eventName = .captured
            next = capture.next
        case .cancel(let cancel):
            kind = .release
            eventName = .cancelled
            next = cancel.next
        default:
            throw refuse("step \(stepID) is a \(step.kind.name) step; only a capture or cancel step can be marked done by hand")
        }
        guard let payment = instance.payment else {
            throw refuse("instance \(id) has no payment, so nothing can have been captured or released by hand")
        }
        if instance.cancellationRequest != nil {
            throw refuse("an operator cancel of instance \(id) is in progress; let it finish (`evflow resume \(id)`) instead of marking steps done")
        }
        // Only the step the instance stopped at: failed there, or waiting in it (retrying, unconfirmed, stuck).
        let stoppedHere = instance.status.isFinished
            ? instance.status == .failed && instance.failure?.step == stepID
            : instance.currentStep == stepID && instance.currentRecord != nil
        guard stoppedHere, let record = instance.steps.last(where: { $0.step == stepID }) else {
            let whereItIs = instance.status.isFinished
                ? "it \(instance.status)\(instance.failure?.step.map { " at step \($0)" } ?? "")"
                : "it is \(instance.status) at step \(instance.currentStep ?? "?")"
            throw refuse("step \(stepID) is not where instance \(id) stopped (\(whereItIs)); only the capture or cancel step it failed or waits at can be marked done")
        }
        if let key = record.idempotencyKey {
            if let own = events.first(where: { $0.idempotencyKey == key && $0.success }) {
                throw refuse(as: .alreadyApplied, "step \(stepID)'s own call (Idempotency-Key \(key)) took effect at \(InstanceSummary.time(own.timestamp)) (\(own.name.rawValue) of \(Self.money(own.amount))): it was not done by hand. `evflow \(instance.status == .failed ? "retry" : "resume") \(id)` records it by its key; `evflow reconcile \(id)` shows it")
            }
            if instance.moneyLedger.movements.contains(where: { $0.idempotencyKey == key }) {
                throw refuse(as: .alreadyApplied, "step \(stepID)'s own call (Idempotency-Key \(key)) is recorded as done; `evflow resume \(id)` runs the flow on")
            }
        }
        if record.attempts > 0, record.noEffectConfirmedAt == nil {
            // A call of the step's own that got no answer can still land; accepting a hand-made one first could move
            // the money twice.
            let lastSent = [record.lastUnansweredAt, record.lastAttemptAt ?? record.enteredAt].compactMap { $0 }.max() ?? record.enteredAt
            let settles = lastSent.addingTimeInterval(Interpreter.outcomeSettlesAfter)
            if services.clock.now < settles {
                throw refuse(as: .unconfirmed, "step \(stepID)'s own call (Idempotency-Key \(record.idempotencyKey ?? "?")) was last sent at \(InstanceSummary.time(lastSent)) and can still take effect; mark it done after \(InstanceSummary.time(settles)), once only the provider's event log can say what happened")
            }
        }
        let sameKind = events.filter { $0.name == eventName }
        guard let event = events.first(where: { $0.pspReference == pspReference }) else {
            let listed = sameKind.map { "\($0.pspReference) (\(Self.money($0.amount)), \($0.success ? "succeeded" : "failed"), \(InstanceSummary.time($0.timestamp)))" }
            throw refuse("payment \(payment.reference)'s event log has no event with pspReference \(pspReference); its \(eventName.rawValue) events: \(listed.isEmpty ? "none" : listed.joined(separator: ", "))")
        }
        guard event.name == eventName else {
            throw refuse("event \(pspReference) on payment \(payment.reference) is \(event.name.rawValue), not \(eventName.rawValue): step \(stepID) is a \(step.kind.name) step")
        }
        guard event.success else {
            throw refuse("event \(pspReference) (\(event.name.rawValue) of \(Self.money(event.amount))) did not succeed at the provider: it moved no money")
        }
        if let other = instance.steps.first(where: { $0.manualCompletion?.pspReference == pspReference }) {
            throw refuse("event \(pspReference) is already recorded as step \(other.step)'s outcome (marked done by \(other.manualCompletion?.by ?? "?")); one event completes one step")
        }
        if let key = event.idempotencyKey {
            var ours = Set(instance.steps.compactMap(\.idempotencyKey))
            ours.insert(Interpreter.operatorCancelKey(id))
            ours.formUnion(instance.operatorRefunds.map(\.idempotencyKey))
            if ours.contains(key) || instance.moneyLedger.movements.contains(where: { $0.idempotencyKey == key }) {
                let owner = instance.steps.last { $0.idempotencyKey == key }?.step ?? "an operator command"
                throw refuse("event \(pspReference) was made by evflow itself (\(owner), Idempotency-Key \(key)), not by hand; `evflow reconcile \(id)` and `evflow resume \(id)` settle it by its key")
            }
        }
        let expected = try expectedAmount(kind, step: step, record: record, instance: instance, definition: definition)
        guard event.amount.currency.rawValue == expected.currency else {
            throw refuse("event \(pspReference) is in \(event.amount.currency.rawValue); payment \(payment.reference) is in \(expected.currency)")
        }
        guard event.amount.value == expected.minorUnits else {
            throw refuse("event \(pspReference) \(event.name.rawValue.lowercased()) \(Self.money(event.amount)), but step \(stepID) would have \(kind.verb) \(expected); nothing accepted. Refund or capture the difference by hand first, or mark the step done with the event that matches")
        }
        let evidence = ManualCompletion(
            pspReference: pspReference, event: event.name.rawValue, amount: event.amount.value, currency: expected.currency,
            eventAt: event.timestamp, idempotencyKey: event.idempotencyKey, by: actor, reason: reason, acceptedAt: services.clock.now)
        return MarkDonePlan(step: stepID, kind: kind, evidence: evidence, reference: payment.reference, next: next)
    }

    /// What the step would have moved: a capture's recorded intent (the request its key stands for), or what is
    /// owed less what is already captured, within what is held; a release moves everything still held.
    private func expectedAmount(_ kind: MoneyLedger.Kind, step: Step, record: StepRecord, instance: FlowInstance,
                                definition: FlowDefinition) throws -> Money {
        let id = instance.id
        guard let payment = instance.payment else { throw FlowError(.invalidInput, instanceID: id, detail: "no payment") }
        let held = payment.held
        if kind == .release {
            guard held > 0 else {
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: step.id, detail:
                    "payment \(payment.reference) holds nothing as last seen, so step \(step.id) had nothing to release; `evflow reconcile \(id) --repair` refreshes the figures, `evflow resume \(id)` runs it on")
            }
            return Money(minorUnits: held, currency: payment.currency)
        }
        if let recorded = record.intent?.amount { return recorded }
        guard case .capture(let capture) = step.kind else { throw FlowError(.invalidInput, instanceID: id, detail: "not a capture step") }
        let interpreter = Interpreter(definition: definition, services: services) { _ in }
        guard case .money(let owed) = try capture.amount.evaluate(in: interpreter.environment(instance)) else {
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: step.id, detail: "step \(step.id)'s amount is not money")
        }
        let remaining = owed.minorUnits - instance.knownCaptured
        guard remaining > 0 else {
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: step.id, detail:
                "step \(step.id) owes \(owed) and \(Money(minorUnits: instance.knownCaptured, currency: owed.currency)) is already captured: it had nothing to capture. `evflow resume \(id)` runs it on")
        }
        guard remaining <= held else {
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: step.id, detail:
                "step \(step.id) would capture \(Money(minorUnits: remaining, currency: owed.currency)), more than the \(Money(minorUnits: held, currency: owed.currency)) authorized and not yet captured or released")
        }
        return Money(minorUnits: remaining, currency: owed.currency)
    }

    /// Records the accepted evidence and moves the instance past the step.
    private func apply(_ plan: MarkDonePlan, fresh current: GetPaymentResponse, to instance: inout FlowInstance) {
        let now = services.clock.now
        guard let index = instance.steps.lastIndex(where: { $0.step == plan.step }),
              let definition = try? catalog.definition(for: instance.flow), let step = definition.step(plan.step) else { return }
        let before = instance.payment
        instance.payment?.apply(current.aggregate, state: current.state)
        let evidence = plan.evidence
        var record = instance.steps[index]
        record.manualCompletion = evidence
        record.completedAt = now
        record.nextAttemptAt = nil
        record.lastError = nil
        if record.attempts > 0 && record.noEffectConfirmedAt == nil {
            // The event log was read and shows no success for the step's own key, and no call of it can land any more.
            record.noEffectConfirmedAt = now
        }
        record.unconfirmedSince = nil
        instance.steps[index] = record
        instance.moneyLedger.record(MoneyLedger.Movement(
            kind: plan.kind, step: plan.step, visit: record.visit, idempotencyKey: evidence.ledgerKey, amount: evidence.amount,
            currency: evidence.currency, confirmedAt: now, override: "marked done by \(evidence.by): \(evidence.reason)"))
        let currency = instance.payment?.currency ?? evidence.currency
        switch plan.kind {
        case .capture:
            instance.recordOutputs([.capturedAmount: .money(Money(minorUnits: instance.knownCaptured, currency: currency)), .skipped: .boolean(false)], of: step)
        default:
            instance.recordOutputs([.cancelledAmount: .money(Money(minorUnits: instance.payment?.cancelled ?? evidence.amount, currency: currency))], of: step)
        }
        instance.log("operator", step: plan.step, "marked done by \(evidence.by): \(evidence.event) of \(evidence.money) made by hand (pspReference \(evidence.pspReference), at \(InstanceSummary.time(evidence.eventAt))), checked against payment \(plan.reference)'s event log: \(evidence.reason)", at: now)
        if plan.kind == .capture, let before, let after = instance.payment, after.captured != before.captured + evidence.amount {
            instance.log("operator", step: plan.step, "the provider shows \(Money(minorUnits: after.captured, currency: currency)) captured, not the \(Money(minorUnits: before.captured + evidence.amount, currency: currency)) evflow knows of with this event: `evflow reconcile \(instance.id)` lists every capture", at: now)
        }
        instance.anchors[plan.step] = now
        instance.currentStep = plan.next
        instance.failure = nil
        instance.status = .running
        instance.wakeAt = nil
    }

    private static func money(_ amount: Amount) -> Money {
        Money(minorUnits: amount.value, currency: amount.currency.rawValue)
    }
}
