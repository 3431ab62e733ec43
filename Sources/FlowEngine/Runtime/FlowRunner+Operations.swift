import EPayment
import Foundation

/// What operators do to instances (`evflow resume`, `retry`, `cancel`): each change is made under the
/// instance's lock and saved durably, then the instance is run at once. The `prepare…` functions make the
/// change in memory only, so `--dry-run` can describe what would happen from exactly the same state.
extension FlowRunner {
    /// Runs a stuck or waiting instance now: its timers (poll, retry backoff) count as due. An interrupted
    /// payment call is first confirmed with the provider, then retried with the same idempotency key; an operator
    /// refund interrupted mid-call (also of a finished instance) is settled through the provider's event log.
    ///
    /// With `corrections` (`evflow resume --set inputs.pricePerKWh=4.55 NOK --reason …`), the values are corrected
    /// under the instance's lock before the next step runs, each with a timeline entry naming `actor`, the old and
    /// new value and `reason` (see ``applyCorrections(_:to:reason:actor:)``).
    /// - Parameters:
    ///   - corrections: inputs or variables to set first, typed by the pinned definition (``ValueCorrection``).
    ///   - reason: why; required with `corrections`.
    ///   - actor: who (a short operator name), for the timeline; `nil` records "an operator".
    /// - Throws: ``FlowError`` `.finished` for an ended instance (use ``retry(_:fromStep:override:by:)`` or cancel),
    ///   `.locked` when a live worker keeps holding it, `.unknownInstance`; for corrections `.invalidInput` (missing
    ///   reason, another currency) and `.alreadyApplied` (money depending on the value moved).
    @discardableResult
    package func resume(_ id: String, setting corrections: [ValueCorrection] = [], reason: String? = nil, by actor: String? = nil) async throws -> FlowInstance {
        if let actor { try OperatorName.check(actor, instanceID: id) }
        if !corrections.isEmpty {
            // Refused before anything else happens (also before an operator refund is settled).
            var preview = try self.instance(id)
            try applyCorrections(corrections, to: &preview, reason: reason, actor: actor ?? "an operator")
        }
        // An operator refund interrupted mid-call is settled by its key first; a finished instance has nothing else to run.
        if let settled = try await settleOperatorRefund(id), settled.status.isFinished, corrections.isEmpty { return settled }
        try await modify(id) { instance in
            // Checked again under the lock: a worker may have moved money since.
            try applyCorrections(corrections, to: &instance, reason: reason, actor: actor ?? "an operator")
            try prepareResume(&instance, by: actor)
        }
        try await runReporting(id)
        return try self.instance(id)
    }

    /// Runs a failed instance again from the step it failed at, or from `step`.
    ///
    /// Retrying the failed step reopens that visit: its recorded idempotency key and request are kept, so a
    /// payment call that may have taken effect is confirmed with the provider before it is sent again, with
    /// the same key. `fromStep` (any step of the pinned definition) starts a fresh visit with a new key; an
    /// instance that has not ended may be moved that way too. A fresh visit of a money step moves only what is
    /// still owed after what the instance already moved (see ``MoneyLedger``), and a money step whose money
    /// already moved is not run again unless `override` gives the operator's reason.
    /// - Throws: ``FlowError`` `.invalidInput` for an unknown step or a retry without a step to go back to,
    ///   `.alreadyApplied` for a completed money step without `override`.
    @discardableResult
    package func retry(_ id: String, fromStep step: String? = nil, override: String? = nil, by actor: String? = nil) async throws -> FlowInstance {
        if let override { try InputLimits.check(override, field: "reason", limit: InputLimits.reason, instanceID: id) }
        if let actor { try OperatorName.check(actor, instanceID: id) }
        try await modify(id) { try prepareRetry(&$0, fromStep: step, override: override, by: actor) }
        try await runReporting(id)
        return try self.instance(id)
    }

    /// Records an operator's cancellation and runs the instance, which releases the customer's reservation
    /// (the interpreter's operator cancel) and ends failed with `operator.cancelled`.
    ///
    /// For an instance that already ended but left money reserved (failed after authorization), the
    /// remainder is released directly with a key derived from the instance, so repeating the command is
    /// harmless.
    /// An embedding backend calls it when a session must end early (the station reports a fault, the customer
    /// gives up); it returns once the instance has run its release. It reads and saves the instance, blocking its
    /// thread on each save: from async code that serves many sessions, call it through
    /// ``onRunnerThreads(_:)``.
    /// - Returns: the instance afterwards; if the release failed it is `waiting` and retries it.
    /// - Throws: ``FlowError`` `.unknownInstance`, `.invalidInstanceID`, `.finished` for an ended instance that
    ///   holds no money, `.locked` when a worker keeps holding it; ``StoreError``.
    @discardableResult
    public func cancel(_ id: String, reason: String) async throws -> FlowInstance {
        try await cancel(id, reason: reason, by: nil)
    }

    /// ``cancel(_:reason:)`` recording who asked (`actor`, a short operator name) in the timeline.
    @discardableResult
    package func cancel(_ id: String, reason: String, by actor: String?) async throws -> FlowInstance {
        try InputLimits.check(reason, field: "reason", limit: InputLimits.reason, instanceID: id)
        if let actor { try OperatorName.check(actor, instanceID: id) }
        let by = actor.map { " by \($0)" } ?? ""
        enum Path { case released, nothingHeld, running }
        var path = Path.running
        let instance: FlowInstance
        do {
            instance = try await modify(id) { instance in
                // Decided under the lock: the instance may have finished since the command looked.
                if instance.status.isFinished {
                    if instance.unconfirmedReservation != nil, try await settleOldReservation(&instance) == false {
                        // A create sent recently may still land: reopen that visit, so the run settles it with its
                        // own key (a payment it made is found, or made once and then released).
                        reopenUnconfirmedReservation(&instance)
                    } else {
                        path = try await releaseHeld(&instance, reason: reason, by: by) ? .released : .nothingHeld
                        return
                    }
                } else if instance.unconfirmedReservation != nil, instance.currentRecord?.intentReference == nil {
                    reopenUnconfirmedReservation(&instance)
                }
                instance.cancellationRequest = reason
                instance.log("operator", step: instance.currentStep, "cancel requested\(by): \(reason)", at: services.clock.now)
                instance.wakeAt = nil
                instance.status = .running
            }
        } catch let error as StoreError where path == .released {
            let key = Interpreter.operatorCancelKey(id)
            throw FlowError(.outcomeNotSaved, instanceID: id, detail:
                "the release (Idempotency-Key \(key)) went through, but saving it failed: \(error). Run `evflow cancel \(id)` again once the cause is fixed: the same key makes it harmless, and it records the release")
        }
        switch path {
        case .released:
            return instance
        case .nothingHeld:
            throw FlowError(.finished, flow: instance.flow.name, instanceID: id, detail:
                "instance \(id) already \(instance.status) and holds no money (\(instance.payment.map { "payment \($0.reference) \($0.state)" } ?? "no payment was created")); nothing to cancel")
        case .running:
            try await runReporting(id)
            return try self.instance(id)
        }
    }

    /// For a finished instance whose create was never confirmed and was last sent longer ago than a call can take
    /// to land, the provider's answer by reference is final: adopt the payment it made, or record that none exists.
    /// - Returns: `false` when the create is too recent for a look-up to settle it.
    private func settleOldReservation(_ instance: inout FlowInstance) async throws -> Bool {
        guard let reference = instance.unconfirmedReservation,
              let index = instance.steps.lastIndex(where: { $0.intentReference == reference && $0.noEffectConfirmedAt == nil }) else { return true }
        let record = instance.steps[index]
        let lastSent = record.lastAttemptAt ?? record.enteredAt
        guard services.clock.now.timeIntervalSince(lastSent) >= Interpreter.outcomeSettlesAfter else { return false }
        if try await adoptUnconfirmedReservation(&instance) { return true }
        instance.steps[index].noEffectConfirmedAt = services.clock.now
        instance.steps[index].unconfirmedSince = nil
        instance.log("operator", step: record.step, "payment \(reference) does not exist at the provider \(StuckDiagnosis.age(services.clock.now.timeIntervalSince(lastSent))) after the create was last sent: nothing is held", at: services.clock.now)
        return true
    }

    /// Makes the reserve visit whose create was never confirmed current again, with its key and request and a
    /// fresh attempt budget.
    private func reopenUnconfirmedReservation(_ instance: inout FlowInstance) {
        guard let reference = instance.unconfirmedReservation,
              let index = instance.steps.lastIndex(where: { $0.intentReference == reference && $0.noEffectConfirmedAt == nil }) else { return }
        var record = instance.steps.remove(at: index)
        record.completedAt = nil
        record.attempts = 0
        record.nextAttemptAt = nil
        record.unconfirmedSince = record.unconfirmedSince ?? services.clock.now
        instance.steps.append(record)
        instance.currentStep = record.step
        instance.failure = nil
        instance.log("operator", step: record.step, "reopened the create of payment \(reference) (key \(record.idempotencyKey ?? "?")), whose outcome was never confirmed, to settle it before releasing", at: services.clock.now)
    }

    // MARK: Preparing the changes

    func prepareResume(_ instance: inout FlowInstance, by actor: String? = nil) throws {
        guard !instance.status.isFinished else {
            throw FlowError(.finished, flow: instance.flow.name, instanceID: instance.id, detail:
                "instance \(instance.id) already \(instance.status); `evflow retry \(instance.id)` runs its failed step again, `evflow cancel` releases money still held")
        }
        instance.updateCurrentRecord { $0.nextAttemptAt = nil }
        instance.wakeAt = nil
        instance.log("operator", step: instance.currentStep, "resumed by \(actor ?? "an operator")", at: services.clock.now)
    }

    func prepareRetry(_ instance: inout FlowInstance, fromStep step: String?, override: String? = nil, by actor: String? = nil) throws {
        let id = instance.id
        let who = actor ?? "an operator"
        let definition = try catalog.definition(for: instance.flow)
        let now = services.clock.now
        if let step {
            guard let target = definition.step(step) else {
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: step, detail:
                    "flow \(instance.flow.name) v\(instance.flow.version) has no step '\(step)'; its steps: \(definition.steps.map(\.id).joined(separator: ", "))")
            }
            if instance.status == .succeeded {
                throw FlowError(.finished, flow: instance.flow.name, instanceID: id, detail: "instance \(id) succeeded; there is nothing to retry")
            }
            if let pending = Self.unsettledMoneyCall(in: instance, definition: definition) {
                throw FlowError(.unconfirmed, flow: instance.flow.name, instanceID: id, step: step, detail:
                    "step \(pending.step)'s call (Idempotency-Key \(pending.idempotencyKey ?? "?")) has no recorded outcome: it may still take effect, and a fresh visit would send it again with a new key. `evflow resume \(id)` (or `evflow retry \(id)` once failed) settles it with its own key first")
            }
            if let reference = instance.unconfirmedReservation {
                throw FlowError(.unconfirmed, flow: instance.flow.name, instanceID: id, step: step, detail:
                    "the create of payment \(reference) was never confirmed: it may still hold the customer's money. `evflow resume \(id)` (or `evflow retry \(id)` once failed) settles it with its own key first; `evflow cancel \(id)` releases it")
            }
            if case .reserve = target.kind, let payment = instance.payment {
                throw FlowError(.alreadyApplied, flow: instance.flow.name, instanceID: id, step: step, detail:
                    "payment \(payment.reference) already exists (\(payment.state)); a second reserve would only be refused by the provider. `evflow cancel \(id) --reason …` releases what it holds")
            }
            switch target.kind {
            case .capture, .cancel, .refund:
                guard instance.payment == nil else { break }
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: step, detail:
                    "step \(step) moves money on the instance's payment, and no payment exists yet (its reserve step has not created one); moving there would only fail the session. `evflow resume \(id)` runs it on from \(instance.currentStep ?? "where it is")")
            default:
                break
            }
            let moved = Self.moneyMoved(by: target, in: instance)
            if !moved.isEmpty && override == nil {
                throw FlowError(.alreadyApplied, flow: instance.flow.name, instanceID: id, step: step, detail:
                    "step \(step) already \(MoneyLedger.describe(moved)). A fresh visit would move only what is still owed after that, and running it again is refused so the customer is not charged twice; to run it anyway, add --rerun-completed --reason '<why>'")
            }
            instance.updateCurrentRecord { if $0.completedAt == nil { $0.completedAt = now } }
            instance.currentStep = step
            var record = StepRecord(step: step, visit: instance.steps.filter { $0.step == step }.count + 1, enteredAt: now)
            record.operatorOverride = moved.isEmpty ? nil : override
            instance.steps.append(record)
            if let override, !moved.isEmpty {
                instance.log("operator", step: step, "retry from step \(step) (a fresh visit) by \(who), overriding: \(override); it moves only what is still owed", at: now)
            } else {
                instance.log("operator", step: step, "retry from step \(step) (a fresh visit) by \(who)", at: now)
            }
        } else {
            guard instance.status == .failed, let failed = instance.failure?.step else {
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, detail: instance.status == .failed
                    ? "instance \(id) failed outside a step; give --from-step"
                    : "instance \(id) is \(instance.status), not failed; `evflow resume \(id)` runs it now, --from-step moves it")
            }
            guard let failedStep = definition.step(failed), !failedStep.isTerminal else {
                throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, step: failed, detail:
                    "instance \(id) ended at its '\(failed)' step (\(instance.failure?.code.rawValue ?? "failed")), which would only fail again; give --from-step")
            }
            instance.currentStep = failed
            if let index = instance.steps.lastIndex(where: { $0.step == failed }) {
                // Reopen the visit: same key and request, a fresh attempt budget.
                var record = instance.steps.remove(at: index)
                record.completedAt = nil
                record.attempts = 0
                record.nextAttemptAt = nil
                instance.steps.append(record)
            }
            instance.log("operator", step: failed, "retry of step \(failed) by \(who)", at: now)
        }
        instance.failure = nil
        instance.status = .running
        instance.wakeAt = nil
    }

    /// A capture, cancel or refund visit whose call was sent and whose outcome is neither recorded in the ledger nor
    /// confirmed absent.
    static func unsettledMoneyCall(in instance: FlowInstance, definition: FlowDefinition) -> StepRecord? {
        let settled = Set(instance.moneyLedger.movements.map(\.idempotencyKey))
        return instance.steps.last { record in
            guard let key = record.idempotencyKey, record.attempts > 0, record.noEffectConfirmedAt == nil,
                  !settled.contains(key), record.completedAt == nil || record.unconfirmedSince != nil,
                  let step = definition.step(record.step) else { return false }
            switch step.kind {
            case .capture, .cancel, .refund: return true
            default: return false
            }
        }
    }

    /// The money movements a capture, cancel or refund step made, over all its visits: the ledger's, and any
    /// completed visit with a key that the ledger lacks (written before it existed) counted with its intent's amount.
    static func moneyMoved(by step: Step, in instance: FlowInstance) -> [MoneyLedger.Movement] {
        let kind: MoneyLedger.Kind
        switch step.kind {
        case .capture: kind = .capture
        case .cancel: kind = .release
        case .refund: kind = .refund
        default: return []
        }
        let recorded = instance.moneyLedger.movements(of: step.id)
        let known = Set(recorded.map(\.idempotencyKey))
        return recorded + instance.steps.compactMap { record in
            guard record.step == step.id, record.completedAt != nil, let key = record.idempotencyKey, !known.contains(key),
                  record.attempts > 0, record.noEffectConfirmedAt == nil else { return nil }
            var amount: Int64 = 0
            if let money = record.intent?.amount { amount = money.minorUnits }
            return MoneyLedger.Movement(kind: kind, step: step.id, visit: record.visit, idempotencyKey: key, amount: amount,
                                        currency: instance.payment?.currency ?? "NOK", confirmedAt: record.completedAt ?? record.enteredAt, override: nil)
        }
    }

    /// A reserve step that recorded its intent but not its payment (a worker died mid-call, or the call and its
    /// look-up both failed) may have created a payment that holds the customer's money. The operator's cancel
    /// releases `instance.payment`, so look the payment up first and adopt it (a payment the provider does not
    /// know yet proves nothing).
    /// - Returns: whether a payment was adopted.
    @discardableResult
    func adoptUnconfirmedReservation(_ instance: inout FlowInstance) async throws -> Bool {
        guard let reference = instance.unconfirmedReservation,
              let index = instance.steps.lastIndex(where: { $0.intentReference == reference && $0.noEffectConfirmedAt == nil }) else { return false }
        let payment: GetPaymentResponse
        do {
            payment = try await services.operatorPayments.getPayment(reference: reference)
        } catch let error as EPaymentError where error.code == .notFound {
            // Not proof that nothing was created: a create sent just before a crash can still land. Only its own
            // key settles it (the reserve step confirms or re-sends it).
            return false
        }
        instance.payment = PaymentSummary(adopting: payment)
        instance.log("operator", step: instance.steps[index].step, "payment \(reference) exists at the provider (\(payment.state.rawValue)) although the instance never recorded it; adopting it so its money can be released", at: services.clock.now)
        return true
    }

    /// Releases what a finished instance still holds, with a key derived from the instance (so repeating the
    /// command is harmless), after adopting a payment known only from a reserve intent.
    /// - Returns: whether anything was released.
    private func releaseHeld(_ instance: inout FlowInstance, reason: String, by: String) async throws -> Bool {
        try await adoptUnconfirmedReservation(&instance)
        guard let payment = instance.payment, Interpreter.holdsMoney(payment) else { return false }
        let key = Interpreter.operatorCancelKey(instance.id)
        let now = services.clock.now
        instance.log("operator", "release requested after the instance ended\(by): \(reason)", at: now)
        let response: ModificationResponse
        do {
            response = try await services.operatorPayments.cancel(reference: payment.reference, idempotencyKey: key)
        } catch let error as EPaymentError where !Interpreter.mayHaveTakenEffect(error) {
            // Refused outright (the customer aborted, the payment expired): refresh the stale local figures; when
            // nothing is held any more there is nothing to release.
            guard let current = try? await services.operatorPayments.getPayment(reference: payment.reference) else { throw error }
            var refreshed = payment
            refreshed.apply(current.aggregate, state: current.state)
            instance.payment = refreshed
            guard !Interpreter.holdsMoney(refreshed) else { throw error }
            instance.log("operator", "nothing left to release: payment \(payment.reference) is \(refreshed.state)", at: now)
            return false
        } catch let error as EPaymentError where Interpreter.mayHaveTakenEffect(error) {
            // The release may have gone through: the event log says, by its key.
            guard let current = try await services.operatorPayments.paymentIfApplied(reference: payment.reference, idempotencyKey: key) else {
                throw error
            }
            response = ModificationResponse(confirmedBy: current)
            instance.log("confirmed", "the release took effect although its answer was lost (key \(key))", at: now)
        }
        var updated = payment
        updated.apply(response.aggregate, state: response.state)
        instance.payment = updated
        instance.moneyLedger.record(MoneyLedger.Movement(
            kind: .release, step: Interpreter.operatorCancelStep, visit: 1, idempotencyKey: key,
            amount: max(0, updated.cancelled - payment.cancelled), currency: payment.currency, confirmedAt: now, override: reason))
        instance.log("succeeded", "released the reservation: \(PaymentSummary.describe(response.aggregate))", at: now)
        return true
    }

    /// Loads the instance under its lock, applies `change` and saves it. Waits up to `patience` for a worker
    /// that holds the lock (workers hold it only while they run an instance's due steps).
    @discardableResult
    package func modify(
        _ id: String, patience: Duration = .seconds(10), _ change: (inout FlowInstance) async throws -> Void
    ) async throws -> FlowInstance {
        _ = try instance(id)  // unknown or invalid ids fail here, with the right error
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: patience)
        while true {
            if let lock = try store.lock(id) {
                defer { lock.release() }
                var instance = try store.load(id)
                try await change(&instance)
                instance.updatedAt = services.clock.now
                try store.save(instance)
                return instance
            }
            guard clock.now < deadline else {
                throw FlowError(.locked, instanceID: id, detail: "another worker has held instance \(id) for \(patience); try again when its step is done")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
