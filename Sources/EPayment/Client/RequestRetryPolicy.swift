/// How ``EPaymentClient`` retries one failed request in process, within a single call: capped exponential
/// backoff with full jitter, `Retry-After` honoured, bounded by the caller's deadline.
///
/// Only failures that are safe to repeat are retried: 429, 5xx, transport failures, and "maybe applied" ones
/// (every POST carries the caller's idempotency key, and a retry reuses that key and the identical body).
/// Other 4xx are never retried; a 401 gets exactly one retry with a fresh access token.
///
/// This is the retry layer for a program that calls the client directly: ``standard`` is the client's default.
/// Under the flow engine it is switched off: a `FlowRunner` sends through a copy of its client with
/// ``noRetries``, and the durable retry policy of the step (`retry` in a flow definition) owns every retry. A
/// step retry is saved before it is sent, reuses the step's recorded Idempotency-Key, waits on a durable timer
/// (honouring `Retry-After`) and shows as an attempt in the instance's step record, so nothing retries while
/// the instance is locked, retries survive a restart, and a flow test runs the same client as production.
public struct RequestRetryPolicy: Sendable, Hashable {
    /// The most attempts per call, the first included; `1` disables retries.
    public var maximumAttempts: Int
    /// The backoff ceiling before the first retry; it doubles for each further retry.
    public var initialBackoff: Duration
    /// The largest backoff ceiling.
    public var maximumBackoff: Duration
    /// How long a call may take, retries included, when the caller passes no deadline.
    public var defaultDeadline: Duration

    /// Creates a policy.
    public init(
        maximumAttempts: Int = 5, initialBackoff: Duration = .milliseconds(250), maximumBackoff: Duration = .seconds(8),
        defaultDeadline: Duration = .seconds(60)
    ) {
        precondition(maximumAttempts >= 1, "maximumAttempts must be at least 1")
        self.maximumAttempts = maximumAttempts
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.defaultDeadline = defaultDeadline
    }

    /// Five attempts, backoff from 250 ms up to 8 s, 60 s per call.
    public static let standard = RequestRetryPolicy()

    /// One attempt only (still with the single 401 token refresh), for callers that retry themselves: what the
    /// flow engine sends through, its steps' durable retry policies doing the retrying.
    public static let noRetries = RequestRetryPolicy(maximumAttempts: 1)

    /// The ceiling for retry number `retry` (1 for the first retry): `min(maximumBackoff, initialBackoff * 2^(retry-1))`.
    /// Full jitter then picks a delay uniformly in `0...ceiling`.
    public func backoffCeiling(forRetry retry: Int) -> Duration {
        var ceiling = initialBackoff
        for _ in 1..<max(retry, 1) {
            ceiling *= 2
            if ceiling >= maximumBackoff { return maximumBackoff }
        }
        return min(ceiling, maximumBackoff)
    }

    /// Full jitter from the system random source: uniform in `0...ceiling`.
    public static let systemJitter: @Sendable (Duration) -> Duration = { ceiling in
        let nanoseconds = max(Int64(0), ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000)
        return .nanoseconds(Int64.random(in: 0...nanoseconds))
    }
}
