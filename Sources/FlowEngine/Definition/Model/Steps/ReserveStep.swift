/// `reserve`: create an ePayment payment for `amount`; the customer approves it in the app.
/// Outputs: `reference` (string), `amount` (money).
package struct ReserveStep: Sendable, Equatable {
    /// The ePayment `userFlow`.
    package enum UserFlow: String, Sendable, CaseIterable {
        case pushMessage = "PUSH_MESSAGE"
        case webRedirect = "WEB_REDIRECT"
        case nativeRedirect = "NATIVE_REDIRECT"
        case qr = "QR"
    }

    /// Money expression: the maximum to reserve.
    package var amount: Expression
    /// String expression: the payment description shown in the app (3-100 characters).
    package var description: Expression
    package var userFlow: UserFlow
    /// Phone-number expression; required for `PUSH_MESSAGE`. Not kept after the payment is created.
    package var customerPhone: Expression?
    /// String expression; required for `WEB_REDIRECT` and `NATIVE_REDIRECT`.
    package var returnURL: Expression?
    /// String expression deriving the payment reference (`^[a-zA-Z0-9-]{8,64}$`), deterministic so a retried
    /// create after a crash uses the same reference. Defaults to `'evflow-' + instance.id`.
    package var reference: Expression
    package var next: String
}
