import EPayment
import Foundation

/// What ``FlowRunner/refund(_:amount:reason:)`` did.
package struct RefundResult: Sendable {
    /// The instance afterwards.
    package var instance: FlowInstance
    /// The refund the request stands for: made now, or (`repeated`) an earlier identical one settled now. Not
    /// ``OperatorRefund/isSettled`` when the call may have taken effect and the provider has not confirmed it (its
    /// `lastError` says why): running the same request again settles it by its key.
    package var refund: OperatorRefund
    /// An earlier refund whose outcome was not known, settled before this request (it may be ``refund`` itself).
    package var settledEarlier: OperatorRefund?
    /// Whether the request repeated an earlier refund (same amount and reason): the unsettled one, or one already
    /// confirmed. Nothing new was made (the unsettled one may have been re-sent with its own key to settle it).
    package var repeated: Bool
}

/// `evflow refund`: an operator pays captured money back to the customer, durably (see ``OperatorRefund``).
///
/// When it may run: on a finished instance (succeeded, or failed after a capture) and on a running one, but never
/// while a payment call of the instance has no recorded outcome (a capture in flight, say: what is captured is not
/// known yet), and never above what the provider says is captured less what is already refunded (``MoneyLedger``
/// and the provider's aggregate, read just before).
extension FlowRunner {
    /// Refunds `amount` of the instance's captured money to the customer, recording the reason in the timeline and
    /// the ledger. An earlier operator refund whose outcome is unknown (a crash mid-call) is settled first through
    /// the provider's event log by its key: re-sent with the same key only when the log shows no such refund, never
    /// while the log cannot be read. A request with the same amount and reason as an earlier refund (the unsettled
    /// one, or one already made) is answered with that refund and nothing new is sent, so re-running the same
    /// command, after a crash or not, never refunds twice; another refund of the same amount needs another reason.
    /// - Throws: ``FlowError`` `.invalidInput` (no payment, nothing refundable, above what is refundable),
    ///   `.unconfirmed` (a payment call of the instance has no recorded outcome, so what is captured is not known),
    ///   `.refundUnsettled` (another operator refund still has no confirmed outcome: nothing new is sent),
    ///   `.locked`, `.unknownInstance`; `EPaymentError` when the provider refused this refund (recorded as
    ///   refused) or could not be read before anything was sent.
    package func refund(_ id: String, amount: RefundAmount, reason: String, by actor: String? = nil) async throws -> RefundResult {
        try InputLimits.check(reason, field: "reason", limit: InputLimits.reason, instanceID: id)
        if let actor { try OperatorName.check(actor, instanceID: id) }
        var failure: (any Error)?
        var made: OperatorRefund?
        var earlier: OperatorRefund?
        var repeated = false
        let instance = try await modify(id) { instance in
            if let pending = instance.unsettledOperatorRefund {
                let settled = try await settleRefund(&instance, number: pending.number)
                earlier = settled.refund
                if pending.matches(amount, reason: reason) {
                    // This request is the pending refund asked again: answered with its outcome (still unknown, or
                    // refused: then its refusal is this request's).
                    repeated = true
                    made = settled.refund
                    failure = settled.failure
                    return
                }
                // Still unknown: nothing else is refunded until it is settled, and this request was not sent.
                guard settled.refund.isSettled else {
                    failure = Self.unsettled(settled.refund, instance: instance)
                    return
                }
            }
            let refund: OperatorRefund
            do {
                switch RefundDecision(instance, amount: amount, reason: reason) {
                case .repeated(let same):
                    // The same request again (the command run twice, or after `resume` settled it): answered, not repeated.
                    made = same
                    repeated = true
                    return
                case .refund, .refused:
                    refund = try await prepareRefund(&instance, amount: amount, reason: reason, by: actor)
                }
            } catch {
                // Refused before anything was sent; what was learnt (a settled earlier refund, fresh figures) is saved.
                failure = error
                return
            }
            // The intent with its key reaches the disk before the call (`EVFLOW_CRASH_AT=before:2` dies after the call).
            instance.updatedAt = services.clock.now
            try store.save(instance)
            let sent = try await sendRefund(&instance, number: refund.number)
            made = sent.refund
            failure = sent.failure
        }
        if let failure { throw failure }
        guard let made else { throw FlowError(.invalidInput, instanceID: id, detail: "no refund was made") }
        return RefundResult(instance: instance, refund: made, settledEarlier: earlier, repeated: repeated)
    }

    /// The refusal of a request made while an earlier, different operator refund has no confirmed outcome.
    private static func unsettled(_ pending: OperatorRefund, instance: FlowInstance) -> FlowError {
        FlowError(.refundUnsettled, flow: instance.flow.name, instanceID: instance.id, detail:
            "refund #\(pending.number) of \(pending.money) (Idempotency-Key \(pending.idempotencyKey)) has no confirmed outcome yet\(pending.lastError.map { ": \($0)" } ?? ""); nothing else is refunded until it is settled, and this request was not sent. Ask for that refund again (amount \(pending.wholeRemainder ? "all" : String(pending.amount)), the same reason) or `evflow resume \(instance.id)` to settle it by its key, then ask again")
    }

    /// What `evflow refund --dry-run` would do, from the instance's local figures (the real command reads the
    /// provider's first), decided as the real call decides (``RefundDecision``).
    package func refundPlan(_ id: String, amount: RefundAmount, reason: String) throws -> String {
        let instance = try self.instance(id)
        var plan: [String] = []
        if let pending = instance.unsettledOperatorRefund {
            plan.append("settle refund #\(pending.number) of \(pending.money) (Idempotency-Key \(pending.idempotencyKey), outcome unknown) through the provider's event log, re-sending it with the same key only if the log shows no such refund (nothing is sent while the log cannot be read)")
            if pending.matches(amount, reason: reason) {
                plan.append("this request repeats it: nothing new is sent")
                return plan.joined(separator: "; then ")
            }
            plan.append("if it is still unsettled, refuse this request (refundUnsettled); otherwise")
        }
        let figures: String
        if let payment = instance.payment {
            figures = "\(Money(minorUnits: payment.captured, currency: payment.currency)) captured, \(Money(minorUnits: instance.knownRefunded, currency: payment.currency)) refunded as last seen"
        } else {
            figures = "no payment"
        }
        switch RefundDecision(instance, amount: amount, reason: reason) {
        case .repeated(let same):
            plan.append("nothing: refund #\(same.number) of \(same.money) was already made for the same amount and reason (key \(same.idempotencyKey)); give another reason for another refund")
            return plan.joined(separator: "; then ")
        case .refused(let error):
            try checkRefundable(instance)
            plan.append("refuse: \(error.detail)")
        case .refund(let value):
            try checkRefundable(instance)
            guard let payment = instance.payment else { break }
            let key = OperatorRefund.key(instance: id, number: instance.operatorRefunds.count + 1)
            plan.append("refund \(Money(minorUnits: value, currency: payment.currency)) of payment \(payment.reference) (\(figures); Idempotency-Key \(key)): \(reason)")
        }
        return plan.joined(separator: "; then ")
    }

    /// Refuses a refund while it cannot be bounded: no payment, or a payment call whose outcome is not recorded.
    private func checkRefundable(_ instance: FlowInstance) throws {
        let id = instance.id
        if let reference = instance.unconfirmedReservation {
            throw FlowError(.unconfirmed, flow: instance.flow.name, instanceID: id, detail:
                "the create of payment \(reference) was never confirmed; nothing is known to be captured. `evflow resume \(id)` or `evflow reconcile \(id)` settles it first")
        }
        guard let payment = instance.payment else {
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: id, detail: "instance \(id) has no payment: nothing was captured, so nothing can be refunded")
        }
        let definition = try? catalog.definition(for: instance.flow)
        var pending = definition.flatMap { Self.unsettledMoneyCall(in: instance, definition: $0) }
        if pending == nil, !instance.status.isFinished, let record = instance.currentRecord, let key = record.idempotencyKey,
           record.attempts > 0, record.noEffectConfirmedAt == nil, !instance.moneyLedger.movements.contains(where: { $0.idempotencyKey == key }) {
            pending = record
        }
        if let record = pending {
            throw FlowError(.unconfirmed, flow: instance.flow.name, instanceID: id, step: record.step, detail:
                "step \(record.step)'s call on payment \(payment.reference) (Idempotency-Key \(record.idempotencyKey ?? "?")) has no recorded outcome yet, so what is captured is not known; refund once it is settled (`evflow resume \(id)`, or wait for the worker)")
        }
    }

    /// Reads the provider's figures, bounds the amount (``RefundDecision``) and records the refund (in memory: the
    /// caller saves it).
    private func prepareRefund(_ instance: inout FlowInstance, amount: RefundAmount, reason: String, by actor: String?) async throws -> OperatorRefund {
        try checkRefundable(instance)
        guard var payment = instance.payment else { throw FlowError(.invalidInput, instanceID: instance.id, detail: "no payment") }
        let current = try await services.operatorPayments.getPayment(reference: payment.reference)
        payment.apply(current.aggregate, state: current.state)
        instance.payment = payment
        let value: Int64
        switch RefundDecision(instance, amount: amount, reason: reason) {
        case .refund(let bounded): value = bounded
        case .refused(let error): throw error
        case .repeated(let same):
            // Only when the fresh figures leave nothing for `all`: the earlier identical refund answers it.
            throw FlowError(.invalidInput, flow: instance.flow.name, instanceID: instance.id, detail:
                "nothing to refund: refund #\(same.number) of \(same.money) already refunded everything for the same reason")
        }
        let refund = OperatorRefund(number: instance.operatorRefunds.count + 1, instance: instance.id, amount: value,
                                    currency: payment.currency, wholeRemainder: amount == .all, reason: reason, at: services.clock.now)
        instance.operatorRefunds.append(refund)
        instance.log("intent", "operator refund #\(refund.number) of \(refund.money) on payment \(payment.reference) with key \(refund.idempotencyKey)\(actor.map { ", asked by \($0)" } ?? ""): \(reason)", at: services.clock.now)
        return refund
    }

    /// Settles an operator refund whose outcome is unknown: a successful `REFUNDED` event with its key confirms it;
    /// an event log that shows none has it sent again with the same key and amount (the provider applies a key
    /// once); an event log that cannot be read leaves it unknown, with nothing sent.
    private func settleRefund(_ instance: inout FlowInstance, number: Int) async throws -> (refund: OperatorRefund, failure: (any Error)?) {
        guard let index = instance.operatorRefunds.firstIndex(where: { $0.number == number }), let payment = instance.payment else {
            throw FlowError(.invalidInput, instanceID: instance.id, detail: "refund #\(number) is not recorded")
        }
        let refund = instance.operatorRefunds[index]
        let now = services.clock.now
        switch await eventLogFinding(refund, reference: payment.reference) {
        case .confirmed(let current):
            instance.log("confirmed", "operator refund #\(refund.number) (key \(refund.idempotencyKey)) had taken effect although its answer was never recorded", at: now)
            confirmRefund(&instance, index: index, aggregate: current.aggregate, state: current.state)
            return (instance.operatorRefunds[index], nil)
        case .unreadable(let error):
            instance.operatorRefunds[index].lastError = "the provider's event log could not be read to settle it (\(error)), so whether it took effect is not known and nothing was sent again. Run the same refund again (or `evflow resume`) once the provider answers: it is settled by its Idempotency-Key first, never sent twice"
            instance.log("unconfirmed", "operator refund #\(refund.number) (key \(refund.idempotencyKey)) is still unsettled: the provider's event log could not be read (\(error)); nothing sent", at: now)
            return (instance.operatorRefunds[index], nil)
        case .absent:
            instance.log("operator", "operator refund #\(refund.number) (key \(refund.idempotencyKey)) has no recorded outcome and the provider's event log shows none: sending it again with the same key", at: now)
            return try await sendRefund(&instance, number: number)
        }
    }

    /// Sends the recorded refund with its key and records what came back. A failure is returned, not thrown, so the
    /// caller saves what was learnt.
    private func sendRefund(_ instance: inout FlowInstance, number: Int) async throws -> (refund: OperatorRefund, failure: (any Error)?) {
        guard let index = instance.operatorRefunds.firstIndex(where: { $0.number == number }), let payment = instance.payment else {
            throw FlowError(.invalidInput, instanceID: instance.id, detail: "refund #\(number) is not recorded")
        }
        let now = services.clock.now
        instance.operatorRefunds[index].attempts += 1
        instance.operatorRefunds[index].lastAttemptAt = now
        let refund = instance.operatorRefunds[index]
        let amount = Amount(value: refund.amount, currency: Currency(rawValue: refund.currency))
        do {
            let response = try await services.operatorPayments.refund(reference: payment.reference, amount: amount, idempotencyKey: refund.idempotencyKey)
            confirmRefund(&instance, index: index, aggregate: response.aggregate, state: response.state)
            return (instance.operatorRefunds[index], nil)
        } catch let error as EPaymentError where !Interpreter.mayHaveTakenEffect(error) {
            instance.operatorRefunds[index].refusedAt = now
            instance.operatorRefunds[index].lastError = error.description
            instance.log("failed", "operator refund #\(refund.number) of \(refund.money) refused by the provider, nothing refunded: \(error)", at: now)
            return (instance.operatorRefunds[index], error)
        } catch let error as EPaymentError {
            // Unconfirmed whether the log shows nothing yet or cannot be read: it is settled on the next request.
            if case .confirmed(let current) = await eventLogFinding(refund, reference: payment.reference) {
                instance.log("confirmed", "operator refund #\(refund.number) took effect although its answer was lost (key \(refund.idempotencyKey))", at: now)
                confirmRefund(&instance, index: index, aggregate: current.aggregate, state: current.state)
                return (instance.operatorRefunds[index], nil)
            }
            instance.operatorRefunds[index].lastError = "the refund may have taken effect and the provider has not confirmed it: \(error). Run the same refund again: it is settled by its Idempotency-Key first, never sent twice"
            instance.log("unconfirmed", "operator refund #\(refund.number) (key \(refund.idempotencyKey)) may have taken effect: \(error)", at: now)
            return (instance.operatorRefunds[index], nil)
        }
    }

    /// What the provider's event log says about an operator refund's key.
    private enum EventLogFinding {
        /// A successful `REFUNDED` event with the key: the payment as it stands now.
        case confirmed(GetPaymentResponse)
        /// The log was read and has no such event.
        case absent
        /// The log (or the payment, after a confirming log) could not be read: nothing is known.
        case unreadable(any Error)
    }

    private func eventLogFinding(_ refund: OperatorRefund, reference: String) async -> EventLogFinding {
        do {
            let payment = try await services.operatorPayments.paymentIfApplied(
                reference: reference, idempotencyKey: refund.idempotencyKey, event: .refunded)
            return payment.map(EventLogFinding.confirmed) ?? .absent
        } catch {
            return .unreadable(error)
        }
    }

    /// Records a confirmed refund: the provider's figures, the ledger (with the reason) and the timeline.
    private func confirmRefund(_ instance: inout FlowInstance, index: Int, aggregate: Aggregate, state: PaymentState) {
        let now = services.clock.now
        instance.payment?.apply(aggregate, state: state)
        instance.operatorRefunds[index].confirmedAt = now
        instance.operatorRefunds[index].lastError = nil
        let refund = instance.operatorRefunds[index]
        instance.moneyLedger.record(MoneyLedger.Movement(
            kind: .refund, step: OperatorRefund.ledgerStep, visit: refund.number, idempotencyKey: refund.idempotencyKey,
            amount: refund.amount, currency: refund.currency, confirmedAt: now, override: refund.reason))
        instance.log("succeeded", "refunded \(refund.money) to the customer (operator refund #\(refund.number), key \(refund.idempotencyKey)): \(refund.reason); \(PaymentSummary.describe(aggregate))", at: now)
    }

    /// Settles the instance's operator refund whose outcome is unknown, if any, without making a new one (what
    /// `evflow resume` does first).
    /// - Returns: the instance afterwards; `nil` when no refund was unsettled.
    @discardableResult
    package func settleOperatorRefund(_ id: String) async throws -> FlowInstance? {
        guard try instance(id).unsettledOperatorRefund != nil else { return nil }
        var failure: (any Error)?
        let instance = try await modify(id) { instance in
            guard let pending = instance.unsettledOperatorRefund else { return }
            failure = try await settleRefund(&instance, number: pending.number).failure
        }
        if let failure { throw failure }
        return instance
    }
}
