/// `cancel`: release everything not captured (the provider always cancels the whole remainder).
/// Output: `cancelledAmount` (money).
package struct CancelStep: Sendable, Equatable {
    /// The id of the `reserve` step that created the payment.
    package var payment: String
    package var next: String
}
