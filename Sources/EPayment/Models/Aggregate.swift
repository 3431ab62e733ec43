/// The running totals of a payment (spec: `Aggregate`): the only place captures, cancels and refunds show,
/// because ``PaymentState`` stays ``PaymentState/authorized`` after approval.
///
/// Invariants the server keeps: `captured + cancelled <= authorized` and `refunded <= captured`.
public struct Aggregate: Codable, Sendable, Hashable {
    /// What the customer approved.
    public var authorizedAmount: Amount
    /// What was released back to the customer without being captured.
    public var cancelledAmount: Amount
    /// What was charged.
    public var capturedAmount: Amount
    /// What was paid back after capture.
    public var refundedAmount: Amount

    /// Creates totals.
    public init(authorizedAmount: Amount, cancelledAmount: Amount, capturedAmount: Amount, refundedAmount: Amount) {
        self.authorizedAmount = authorizedAmount
        self.cancelledAmount = cancelledAmount
        self.capturedAmount = capturedAmount
        self.refundedAmount = refundedAmount
    }

    /// All four totals zero in `currency`, as for a payment nobody has approved yet.
    public static func zero(_ currency: Currency) -> Aggregate {
        let zero = Amount(value: 0, currency: currency)
        return Aggregate(authorizedAmount: zero, cancelledAmount: zero, capturedAmount: zero, refundedAmount: zero)
    }

    /// The authorized amount not yet captured or cancelled: what can still be captured, in minor units.
    public var remainingCapturable: Int64 {
        authorizedAmount.value - capturedAmount.value - cancelledAmount.value
    }
}
