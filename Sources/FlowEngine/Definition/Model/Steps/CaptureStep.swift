/// `capture`: capture `amount` of the reserved payment. The validator proves statically that the amount cannot
/// exceed the reservation; the runtime checks it again against authorized minus already captured before calling.
/// Outputs: `capturedAmount` (money), `skipped` (boolean).
package struct CaptureStep: Sendable, Equatable {
    /// The id of the `reserve` step that created the payment.
    package var payment: String
    /// Money expression.
    package var amount: Expression
    /// When the amount is zero, record `skipped` and go to `next` without calling the provider (default true).
    package var skipIfZero: Bool
    package var next: String
}
