/// `reserve`: create an ePayment payment for `amount`; the customer approves it in the app.
/// Outputs: `reference` (string), `amount` (money), and `redirectUrl` (string) for every `userFlow` but
/// `PUSH_MESSAGE`: where the customer's browser goes (`WEB_REDIRECT`, `NATIVE_REDIRECT`) or what the charger shows
/// as a QR code (`QR`).
package struct ReserveStep: Sendable, Equatable {
    /// The ePayment `userFlow`.
    package enum UserFlow: String, Sendable, CaseIterable {
        case pushMessage = "PUSH_MESSAGE"
        case webRedirect = "WEB_REDIRECT"
        case nativeRedirect = "NATIVE_REDIRECT"
        case qr = "QR"

        /// Whether the provider answers the create with a `redirectUrl` (spec: `CreatePaymentResponse`).
        package var returnsRedirectURL: Bool { self != .pushMessage }
    }

    /// The ePayment `customerInteraction`: a charger is a physical setting, so its sessions are customer present.
    package enum CustomerInteraction: String, Sendable, CaseIterable {
        case customerPresent = "CUSTOMER_PRESENT"
        case customerNotPresent = "CUSTOMER_NOT_PRESENT"
    }

    /// The ePayment `qrFormat`, for `userFlow: QR` only: what the create response's `redirectUrl` links to.
    package struct QRFormat: Sendable, Equatable {
        package enum Format: String, Sendable, CaseIterable {
            /// The URL the QR code encodes, for a charger that renders the code itself.
            case targetURL = "TEXT/TARGETURL"
            /// A link to an SVG image (the provider's default).
            case svg = "IMAGE/SVG+XML"
            /// A link to a PNG image of `size` pixels.
            case png = "IMAGE/PNG"
        }

        package var format: Format
        /// Edge length in pixels, PNG only (100-2000).
        package var size: Int?
    }

    /// Money expression: the maximum to reserve.
    package var amount: Expression
    /// String expression: the payment description shown in the app (3-100 characters).
    package var description: Expression
    package var userFlow: UserFlow
    /// Phone-number expression; required for `PUSH_MESSAGE` and only allowed there. Not kept after the payment is
    /// created.
    package var customerPhone: Expression?
    /// String expression; required for `WEB_REDIRECT` and `NATIVE_REDIRECT`.
    package var returnURL: Expression?
    /// Sent when set; the provider's default is `CUSTOMER_NOT_PRESENT`.
    package var customerInteraction: CustomerInteraction?
    /// Sent when set; `QR` only.
    package var qrFormat: QRFormat?
    /// String expression deriving the payment reference (`^[a-zA-Z0-9-]{8,64}$`), deterministic so a retried
    /// create after a crash uses the same reference. Defaults to `'evflow-' + instance.id`.
    package var reference: Expression
    package var next: String
}
