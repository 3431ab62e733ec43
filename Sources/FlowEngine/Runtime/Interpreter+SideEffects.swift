import Crypto
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
    ///   - intent: the request in values; stored with the key and handed back on every attempt, so a retry
    ///     after a crash sends exactly what the first attempt sent.
    ///   - confirm: looks the key up at the provider; `nil` when it did not take effect.
    ///   - call: performs the request with the key.
    func sideEffect<Success>(
        _ step: Step, _ instance: inout FlowInstance, intent makeIntent: () throws -> [String: Value],
        confirm: ([String: Value], String) async throws -> Success?,
        call: ([String: Value], String) async throws -> Success
    ) async throws -> SideEffectResult<Success> {
        guard var record = instance.currentRecord else { return .failed("step \(step.id) was not entered") }
        if let due = record.nextAttemptAt, now < due { return .retry(at: due) }

        let key: String
        let intent: [String: Value]
        if let recorded = record.idempotencyKey, let recordedIntent = record.intent {
            key = recorded
            intent = recordedIntent
            if let confirmed = try? await confirm(intent, key) {
                instance.log("confirmed", step: step.id, "key \(key) had already taken effect", at: now)
                return .done(confirmed)
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
        instance.updateCurrentRecord { $0 = record }
        instance.log("intent", step: step.id, "attempt \(record.attempts) with key \(key)", at: now)
        try persist(&instance)

        do {
            return .done(try await call(intent, key))
        } catch let error as EPaymentError {
            return try await handle(error, step, &instance, record: record, retry: { try await confirm(intent, key) })
        }
    }

    private func handle<Success>(
        _ error: EPaymentError, _ step: Step, _ instance: inout FlowInstance, record: StepRecord,
        retry confirm: () async throws -> Success?
    ) async throws -> SideEffectResult<Success> {
        let policy = step.retry ?? .standard
        let errorClass = RetryPolicy.ErrorClass.of(error)
        FlowMetrics.paymentCallFailed(errorClass: errorClass?.rawValue ?? "permanent", operation: error.operation.description)
        let message = error.description
        instance.updateCurrentRecord { $0.lastError = message }
        if let errorClass, policy.retryOn.contains(errorClass), record.attempts < policy.maxAttempts {
            var delay = policy.delay(beforeAttempt: record.attempts + 1, using: services.random)
            if let retryAfter = error.retryAfter {
                delay = max(delay, FlowDuration(milliseconds: Int64(retryAfter.components.seconds) * 1000))
            }
            let due = now.adding(delay)
            instance.updateCurrentRecord { $0.nextAttemptAt = due }
            instance.log("retry", step: step.id, "\(errorClass.rawValue) error, attempt \(record.attempts + 1) in \(delay): \(message)", at: now)
            return .retry(at: due)
        }
        if errorClass == .maybeApplied || errorClass == .timeout, let confirmed = try? await confirm() {
            instance.log("confirmed", step: step.id, "the call took effect although its response was lost", at: now)
            return .done(confirmed)
        }
        return .failed(message)
    }

    /// A key unique to (instance, step, visit), at most 50 characters as the API requires, and the same on every
    /// attempt and after every restart.
    static func idempotencyKey(instance: String, step: String, visit: Int) -> String {
        let digest = SHA256.hash(data: Array("\(instance)/\(step)/\(visit)".utf8))
        return "evf-" + digest.prefix(20).map { String(format: "%02x", $0) }.joined()
    }
}
