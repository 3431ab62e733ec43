/// The answer to create payment, HTTP 201 (spec: `CreatePaymentResponse`).
public struct CreatePaymentResponse: Codable, Sendable, Hashable {
    /// Where to send the customer: the landing page for redirect flows, the QR link for ``UserFlow/qr``,
    /// absent for ``UserFlow/pushMessage``.
    public var redirectUrl: String?
    /// The payment's reference, as sent.
    public var reference: String

    /// Creates a response (used by simulators and tests).
    public init(reference: String, redirectUrl: String? = nil) {
        self.reference = reference
        self.redirectUrl = redirectUrl
    }
}
