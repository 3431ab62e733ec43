/// `awaitPayment`: wait until the payment is AUTHORIZED (then `next`) or ends ABORTED, EXPIRED or TERMINATED.
/// Tracked by webhook events and, as a backup, by polling per the provider's polling guidelines.
/// Outputs: `state` (string), `authorizedAmount` (money).
package struct AwaitPaymentStep: Sendable, Equatable {
    /// The id of the `reserve` step that created the payment.
    package var payment: String
    package var next: String
    package var onAborted: String
    package var onExpired: String
    package var onTerminated: String
    /// First poll after creation (guidelines: ~5 s).
    package var pollFirstAfter: FlowDuration
    /// Then poll every (guidelines: ~2 s; slower on 429).
    package var pollInterval: FlowDuration

    package static let defaultPollFirstAfter = FlowDuration.seconds(5)
    package static let defaultPollInterval = FlowDuration.seconds(2)
    /// The customer has 10 minutes to act; waiting a little longer lets the provider report EXPIRED itself.
    package static let defaultTimeout = FlowDuration.seconds(15 * 60)
    package static let minimumTimeout = FlowDuration.seconds(10 * 60)
}
