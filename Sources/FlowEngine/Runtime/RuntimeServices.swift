import EPayment
import Logging

/// What the interpreter needs from the outside world: the payment provider, the station callbacks, time and
/// randomness. Tests substitute a virtual clock and a simulator-backed client.
package struct RuntimeServices: Sendable {
    package var payments: EPaymentClient
    package var notifier: StationNotifier
    package var clock: any FlowClock
    package var logger: Logger
    /// Picks a number in the range, for retry jitter.
    package var random: @Sendable (ClosedRange<Int64>) -> Int64

    package init(
        payments: EPaymentClient, notifier: StationNotifier, clock: any FlowClock, logger: Logger,
        random: @escaping @Sendable (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }
    ) {
        self.payments = payments
        self.notifier = notifier
        self.clock = clock
        self.logger = logger
        self.random = random
    }
}
