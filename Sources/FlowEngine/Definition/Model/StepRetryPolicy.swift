/// How a step retries a failed side effect (a payment call, a notification): how often, how long to wait, and
/// for which kinds of error; `retry` in a flow definition, ``standard`` when a side-effect step states none.
///
/// Under the engine this is the only retry layer for payment calls: the runner's `EPaymentClient` makes one
/// attempt per call (`RequestRetryPolicy.noRetries`, enforced in ``RuntimeServices``), and every retry is a
/// durable step attempt: saved before it is sent, with the step's recorded Idempotency-Key and request, after a
/// backoff on a durable timer (at least the provider's `Retry-After`), counted in the step record's `attempts`.
/// So no retry loop runs while an instance is locked, a retry survives a crash, the policy a flow author declares
/// is the whole truth about retries, and a flow test runs exactly what production runs. A failed access-token
/// fetch is `retryable` (or `rateLimited`) for the step: the payment call itself was never sent.
package struct StepRetryPolicy: Sendable, Equatable {
    /// A class of failure the runtime assigns to an error; a policy retries only the classes it lists.
    package enum ErrorClass: String, Sendable, CaseIterable {
        /// Transient and certainly not applied: connection refused, 5xx before processing, "Order processing",
        /// a failed access-token fetch, a read (GET) without a complete answer.
        case retryable
        /// Maybe applied: a timeout or lost response after the request was sent. Retried with the same
        /// Idempotency-Key, so the provider applies it at most once.
        case maybeApplied
        /// HTTP 429: retried after the provider's Retry-After or the backoff, whichever is longer.
        case rateLimited
        /// HTTP 409 conflicts (a concurrent operation on the same payment).
        case conflict
        /// One attempt got no answer within the HTTP timeout. A payment call that timed out is also
        /// ``maybeApplied`` (``retryable`` when it was a read or never sent): a policy listing either retries it.
        case timeout
    }

    /// How randomness spreads the backoff, so that many instances retrying at once do not stampede.
    package enum Jitter: String, Sendable, CaseIterable {
        /// Exactly the computed backoff.
        case none
        /// Uniform in 0...backoff ("full jitter").
        case full
        /// backoff/2 plus uniform in 0...backoff/2.
        case equal
    }

    /// Total attempts including the first; 1 means never retry.
    package var maxAttempts: Int
    package var initialBackoff: FlowDuration
    package var maxBackoff: FlowDuration
    /// Integer growth factor of the backoff per attempt (no floating point).
    package var multiplier: Int
    package var jitter: Jitter
    package var retryOn: Set<ErrorClass>

    /// The policy used when a side-effect step states none: 5 attempts, 1 s doubling to 30 s, full jitter,
    /// retrying everything that is safe to retry with an idempotency key. Unchanged when the client's own loop
    /// (5 tries per call) was switched off under the engine: each attempt is now one request, and under the fault
    /// campaign's rates (5xx 3 %, 429 2 %, bursts, SIGKILLs) no step used more than 3 of its 5 (issue 14).
    package static let standard = StepRetryPolicy(
        maxAttempts: 5, initialBackoff: .seconds(1), maxBackoff: .seconds(30), multiplier: 2, jitter: .full,
        retryOn: [.retryable, .maybeApplied, .rateLimited, .timeout])

    /// The backoff before attempt `attempt` (2 is the first retry), before jitter: initial × multiplier^(attempt-2),
    /// capped at `maxBackoff`.
    package func backoff(beforeAttempt attempt: Int) -> FlowDuration {
        var delay = initialBackoff.milliseconds
        var step = 2
        while step < attempt, delay < maxBackoff.milliseconds {
            let (next, overflow) = delay.multipliedReportingOverflow(by: Int64(multiplier))
            delay = overflow ? maxBackoff.milliseconds : next
            step += 1
        }
        return FlowDuration(milliseconds: min(delay, maxBackoff.milliseconds))
    }

    /// The backoff with jitter applied, drawing from `random` (injected so tests are deterministic).
    package func delay(beforeAttempt attempt: Int, using random: (ClosedRange<Int64>) -> Int64) -> FlowDuration {
        let base = backoff(beforeAttempt: attempt).milliseconds
        switch jitter {
        case .none: return FlowDuration(milliseconds: base)
        case .full: return FlowDuration(milliseconds: random(0...base))
        case .equal: return FlowDuration(milliseconds: base / 2 + random(0...(base - base / 2)))
        }
    }
}
