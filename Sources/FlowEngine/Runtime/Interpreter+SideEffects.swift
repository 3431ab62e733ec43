import Crypto
import CurlHTTP
import EPayment
import Foundation

extension Interpreter {
    /// How a side effect ended for now.
    enum SideEffectResult<Success> {
        case done(Success)
        case retry(at: Date)
        case failed(String)
    }

    /// Runs one external call of the current step under the durability protocol:
    /// 1. the idempotency key and the request (`intent`) are saved before the first call;
    /// 2. a step re-entered with a key but no outcome (a crash, a lost response, a retry) first asks the
    ///    provider whether that key already took effect (`confirm`), and only calls again, with the same key
    ///    and the same request, when it did not;
    /// 3. failures are retried per the step's policy on durable timers, or end the step.
    ///
    /// - Parameters:
    ///   - intent: the request (``PaymentIntent``); stored with the key and handed back on every attempt, so a
    ///     retry after a crash sends exactly what the first attempt sent.
    ///   - confirm: looks the key up at the provider; `nil` when it did not take effect.
    ///   - call: performs the request with the key.
    func sideEffect<Success>(
        _ step: Step, _ instance: inout FlowInstance, intent makeIntent: () throws -> PaymentIntent,
        confirm: (PaymentIntent, String) async throws -> Success?,
        call: (PaymentIntent, String) async throws -> Success
    ) async throws -> SideEffectResult<Success> {
        guard var record = instance.currentRecord else { return .failed("step \(step.id) was not entered") }
        if let due = record.nextAttemptAt, now < due { return .retry(at: due) }

        let policy = step.retry ?? .standard
        let key: String
        let intent: PaymentIntent
        if let recorded = record.idempotencyKey, let recordedIntent = record.intent {
            key = recorded
            intent = recordedIntent
            if record.attempts > 0 && record.nextAttemptAt == nil && record.unconfirmedSince == nil {
                // Re-entered without a scheduled retry: the run that sent the last attempt stopped before its
                // outcome was saved (a crash, a lost response). Unknown until the provider answers for the key.
                record.unconfirmedSince = now
                instance.updateCurrentRecord { $0.unconfirmedSince = now }
            }
            if record.unconfirmedSince != nil && record.attempts >= policy.maxAttempts {
                // The attempt whose outcome was never recorded counts as unanswered.
                let unanswered = [record.lastUnansweredAt, record.lastAttemptAt ?? record.enteredAt].compactMap { $0 }.max()
                return try await settle(step, &instance, key: key, lastError: record.lastError ?? "the outcome was never recorded",
                                        lastUnansweredAt: unanswered) {
                    try await confirm(intent, key)
                }
            }
            do {
                if let confirmed = try await confirm(intent, key) {
                    instance.log("confirmed", step: step.id, "key \(key) had already taken effect", at: now)
                    return took(effect: confirmed, step, &instance, key: key)
                }
            } catch {
                // The look-up failed: still unknown. Sending again with the same key settles it either way.
            }
            record.attempts += 1
        } else {
            key = Self.idempotencyKey(instance: instance.id, step: step.id, visit: record.visit)
            intent = try makeIntent()
            record.idempotencyKey = key
            record.intent = intent
            record.attempts = 1
        }
        record.nextAttemptAt = nil
        record.lastAttemptAt = now
        record.noEffectConfirmedAt = nil
        instance.updateCurrentRecord { $0 = record }
        instance.log("intent", step: step.id, "attempt \(record.attempts) with key \(key)", at: now)
        try persist(&instance)

        do {
            return took(effect: try await call(intent, key), step, &instance, key: key)
        } catch let error as EPaymentError {
            return try await handle(error, step, &instance, record: record, key: key, confirm: { try await confirm(intent, key) })
        }
    }

    /// How long after a call was sent a look-up that finds nothing (no payment with the reference, no event with the
    /// key) is taken as final: a request that timed out here can still reach the provider for a while.
    static let outcomeSettlesAfter: TimeInterval = 120

    /// Settles a visit whose call may have taken effect and which has no attempt left: only the provider's answer
    /// for the key decides. Found: done. Not found, once ``outcomeSettlesAfter`` has passed since the visit's last
    /// call that got no answer (`lastUnansweredAt`; at once when every call was answered): no effect, and the visit
    /// fails. The look-up failing, or "not found" sooner: unconfirmed, asking again.
    private func settle<Success>(
        _ step: Step, _ instance: inout FlowInstance, key: String, lastError: String, lastUnansweredAt: Date?,
        confirm: () async throws -> Success?
    ) async throws -> SideEffectResult<Success> {
        let policy = step.retry ?? .standard
        let record = instance.currentRecord
        let since = (record?.unconfirmedSince).map { InstanceSummary.time($0) } ?? "now"
        let looked: Success?
        do {
            looked = try await confirm()
        } catch {
            let delay = Self.lookUpDelay(sinceLastSent: now.timeIntervalSince(record?.lastAttemptAt ?? record?.enteredAt ?? now), policy)
            let due = now.adding(delay)
            instance.updateCurrentRecord {
                $0.nextAttemptAt = due
                $0.lastError = "unconfirmed since \(since): the call with Idempotency-Key \(key) may have taken effect and the provider could not be asked (\(error)); evflow asks again in \(delay). Last call error: \(lastError)"
            }
            instance.log("unconfirmed", step: step.id, "key \(key) may have taken effect; looking it up failed: \(error); asking again in \(delay)", at: now)
            return .retry(at: due)
        }
        if let looked {
            instance.log("confirmed", step: step.id, "the call took effect although its response was lost", at: now)
            return took(effect: looked, step, &instance, key: key)
        }
        if let lastSent = lastUnansweredAt, now < lastSent.addingTimeInterval(Self.outcomeSettlesAfter) {
            let final = lastSent.addingTimeInterval(Self.outcomeSettlesAfter)
            instance.updateCurrentRecord {
                $0.nextAttemptAt = final
                $0.lastError = "unconfirmed since \(since): the provider does not know Idempotency-Key \(key) yet, but a call sent at \(InstanceSummary.time(lastSent)) can still land; asking again at \(InstanceSummary.time(final)). Last call error: \(lastError)"
            }
            instance.log("unconfirmed", step: step.id, "key \(key) not found yet; asking again at \(InstanceSummary.time(final))", at: now)
            return .retry(at: final)
        }
        instance.updateCurrentRecord { $0.unconfirmedSince = nil; $0.noEffectConfirmedAt = now }
        return .failed("\(lastError) The provider confirmed that Idempotency-Key \(key) took no effect.")
    }

    /// How long a visit with no attempt left waits before asking the provider again after a failed look-up: a
    /// quarter of the time since the call was last sent, at least 5 s and at most the policy's `maxBackoff`.
    ///
    /// A look-up is a read, so soon after the last send it is repeated every few seconds (what the client's own
    /// retry loop used to do within one call, before the step policy became the only retry layer), and ever more
    /// slowly while an outage lasts, rather than waiting the backoff of an attempt beyond the last (5 minutes for
    /// the shipped flow's money steps) after a single failed read.
    static func lookUpDelay(sinceLastSent elapsed: TimeInterval, _ policy: StepRetryPolicy) -> FlowDuration {
        let quarter = Int64(max(0, min(elapsed, 1e9)) * 250)
        return FlowDuration(milliseconds: min(max(quarter, 5_000), max(policy.maxBackoff.milliseconds, 5_000)))
    }

    /// The call (or its confirmation) took effect: the visit is no longer unconfirmed, and until the next save
    /// succeeds its outcome exists only in memory.
    private func took<Success>(effect: Success, _ step: Step, _ instance: inout FlowInstance, key: String) -> SideEffectResult<Success> {
        instance.updateCurrentRecord { $0.unconfirmedSince = nil }
        unsaved.calls.append(.init(step: step.id, operation: step.kind.name, key: key))
        return .done(effect)
    }

    /// A failed attempt: retried per the step's policy; once no retry is left, the visit fails only when no
    /// attempt can have taken effect or the provider confirms that none did. When that cannot be confirmed (the
    /// look-up fails too) the visit stays unconfirmed and keeps asking, on a durable timer: an unconfirmed effect
    /// is never reported as "not applied".
    private func handle<Success>(
        _ error: EPaymentError, _ step: Step, _ instance: inout FlowInstance, record: StepRecord, key: String,
        confirm: () async throws -> Success?
    ) async throws -> SideEffectResult<Success> {
        let errorClass = StepRetryPolicy.ErrorClass.of(error)
        FlowMetrics.paymentCallFailed(errorClass: errorClass?.rawValue ?? "permanent", operation: error.operation.description)
        let message = error.description
        let uncertain = Self.mayHaveTakenEffect(error)
        instance.updateCurrentRecord { record in
            record.lastError = message
            if uncertain && record.unconfirmedSince == nil { record.unconfirmedSince = now }
        }
        if let due = scheduleRetry(of: error, step, &instance, attempts: record.attempts, message: message) {
            return .retry(at: due)
        }
        guard instance.currentRecord?.unconfirmedSince != nil else {
            instance.updateCurrentRecord { $0.noEffectConfirmedAt = now }
            return .failed(message)
        }
        let unanswered = Self.lastUnansweredSend(after: error, sentAt: record.lastAttemptAt ?? record.enteredAt, before: record.lastUnansweredAt)
        instance.updateCurrentRecord { $0.lastUnansweredAt = unanswered }
        return try await settle(step, &instance, key: key, lastError: message, lastUnansweredAt: unanswered, confirm: confirm)
    }

    /// Schedules the next attempt of the current step after `error` when its policy retries that error class and an
    /// attempt is left: at least the policy's backoff, and at least the provider's `Retry-After`.
    /// - Returns: when the next attempt is due (saved as the record's `nextAttemptAt`), `nil` when no retry follows.
    func scheduleRetry(of error: EPaymentError, _ step: Step, _ instance: inout FlowInstance, attempts: Int, message: String) -> Date? {
        let policy = step.retry ?? .standard
        guard let retried = policy.retryClass(of: error), attempts < policy.maxAttempts else { return nil }
        var delay = policy.delay(beforeAttempt: attempts + 1, using: services.random)
        if let retryAfter = error.retryAfter { delay = max(delay, Self.waitAtLeast(retryAfter)) }
        let due = now.adding(delay)
        instance.updateCurrentRecord { $0.nextAttemptAt = due }
        instance.log("retry", step: step.id, "\(retried.rawValue) error, attempt \(attempts + 1) in \(delay): \(message)", at: now)
        return due
    }

    /// When the visit last sent a call that got no answer, after this attempt failed with `error`: the moment
    /// from which a "not found" becomes final ``outcomeSettlesAfter`` later (`nil`: final at once).
    ///
    /// An answered attempt (a 5xx, a conflict) was processed and cannot land later, but an earlier attempt of the
    /// same visit that got no answer can; the visit's attempts (one request each under the engine) fit in well
    /// under those 120 s. So the moment is this attempt's send when it got no answer, else the earlier one's. A
    /// failed token fetch sent nothing: it keeps the earlier moment.
    /// - Parameters:
    ///   - sentAt: when this attempt was sent.
    ///   - before: the visit's last unanswered send before this attempt.
    static func lastUnansweredSend(after error: EPaymentError, sentAt: Date, before: Date?) -> Date? {
        if error.operation == .accessToken && error.attempts <= 1 { return before }
        let answered = error.httpStatus != nil && error.attempts <= 1
        return answered ? before : sentAt
    }

    /// A provider's `Retry-After` as a step backoff: whole milliseconds, rounded up (`Retry-After: 0.5` waits
    /// 500 ms, not 0), at most a day (a larger value is taken as a day rather than overflowing).
    static func waitAtLeast(_ retryAfter: Duration) -> FlowDuration {
        let (seconds, attoseconds) = retryAfter.components
        guard seconds < 86_400 else { return .seconds(86_400) }
        return FlowDuration(milliseconds: max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }

    /// Whether a failed call may nevertheless have taken effect at the provider: anything sent that did not come
    /// back with a clear refusal (a timeout or lost response, a 5xx, a conflict over the reference or key, a
    /// success whose body could not be read). Never a call that failed fetching its access token: it was not sent.
    static func mayHaveTakenEffect(_ error: EPaymentError) -> Bool {
        // The error describes only the last of several tries (an operator command's client retries in-process):
        // an earlier one may have been sent and landed, whatever the last one says.
        if error.attempts > 1 { return true }
        // The access token could not be fetched: the call itself was never sent.
        if error.operation == .accessToken { return false }
        if let transport = error.transportError { return transport.delivery != .notSent }
        if error.httpStatus == 429 { return false }
        switch error.code {
        case .invalid, .unauthorized, .notFound: return false
        case .retryable: return (error.httpStatus ?? 0) >= 500
        default: return true
        }
    }

    /// Where the ledger and unsaved-outcome reports place an operator's release, which belongs to no step.
    static let operatorCancelStep = "$operator-cancel"

    /// The one key of an operator's release of an instance, so repeating `evflow cancel` is harmless.
    static func operatorCancelKey(_ instance: String) -> String {
        idempotencyKey(instance: instance, step: operatorCancelStep, visit: 1)
    }

    /// A key unique to (instance, step, visit), at most 50 characters as the API requires, and the same on every
    /// attempt and after every restart.
    static func idempotencyKey(instance: String, step: String, visit: Int) -> String {
        let digest = SHA256.hash(data: Array("\(instance)/\(step)/\(visit)".utf8))
        return "evf-" + digest.prefix(20).map { String(format: "%02x", $0) }.joined()
    }
}
