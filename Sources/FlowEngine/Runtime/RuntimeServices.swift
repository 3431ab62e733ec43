import EPayment
import Logging

/// What the interpreter needs from the outside world: the payment provider, the station callbacks, time and
/// randomness. Tests substitute a virtual clock and a simulator-backed client.
package struct RuntimeServices: Sendable {
    /// The request retry policy of every payment client the engine sends through: one attempt per call.
    ///
    /// Retries under the engine belong to the step's durable policy (``StepRetryPolicy``, `retry` in a flow
    /// definition): each retry is a step attempt, saved before it is sent, with the step's recorded
    /// Idempotency-Key, after a durable backoff that honours `Retry-After`. The client's own in-process loop
    /// (`RequestRetryPolicy.standard`, up to 5 tries in 60 s) would run inside a step attempt while the instance
    /// is locked, invisible in the step record, and multiply the attempts the flow declares; so ``init`` switches
    /// it off for whatever client it is given (the CLI's, `evflow serve`'s, a flow test bed's, an embedding
    /// backend's), and production and flow tests send exactly the same way. The client keeps its single
    /// immediate re-send after a 401 with a fresh access token, which is no retry of a failure of the provider.
    package static let paymentRequestRetryPolicy = RequestRetryPolicy.noRetries

    /// The request retry policy of the calls an operator's command makes itself (`evflow reconcile`, and the
    /// release and look-ups `evflow cancel` or the API's cancel make for an instance that already ended; a running
    /// instance's cancellation is a step of its own and retries durably): no step runs them, so no durable policy
    /// would retry them, and a command that rides out a transient 5xx (with the same Idempotency-Key) serves
    /// someone at a terminal better than one that fails and must be typed again. These tries run while the
    /// command holds the instance's lock (up to the policy's 60 s), which only delays that instance's worker.
    package static let operatorRequestRetryPolicy = RequestRetryPolicy.standard

    /// The payment client of steps, always with ``paymentRequestRetryPolicy``.
    package private(set) var payments: EPaymentClient
    /// The payment client of operator commands, with ``operatorRequestRetryPolicy``.
    package private(set) var operatorPayments: EPaymentClient
    package var notifier: StationNotifier
    package var clock: any FlowClock
    package var logger: Logger
    /// Picks a number in the range, for retry jitter.
    package var random: @Sendable (ClosedRange<Int64>) -> Int64
    /// The provider's capture windows, for deadlines `since` the capture deadline and the near-deadline warning.
    package var captureWindows: CaptureWindows = .provider

    /// - Parameter payments: any client; the services keep a copy that makes one attempt per call
    ///   (``paymentRequestRetryPolicy``), sharing its access-token cache.
    package init(
        payments: EPaymentClient, notifier: StationNotifier, clock: any FlowClock, logger: Logger,
        random: @escaping @Sendable (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }
    ) {
        self.payments = payments.retrying(Self.paymentRequestRetryPolicy)
        self.operatorPayments = payments.retrying(Self.operatorRequestRetryPolicy)
        self.notifier = notifier
        self.clock = clock
        self.logger = logger
        self.random = random
    }
}
