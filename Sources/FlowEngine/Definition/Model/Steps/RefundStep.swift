/// `refund`: return `amount` of what was captured. The runtime checks it against captured minus refunded.
/// Output: `refundedAmount` (money).
package struct RefundStep: Sendable, Equatable {
    /// The id of the `reserve` step that created the payment.
    package var payment: String
    /// Money expression.
    package var amount: Expression
    package var next: String
}
