/// How the customer is brought to the payment confirmation screen (spec: `CreatePaymentRequest.userFlow`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct UserFlow: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// A push message to the app; requires `customer`.
    public static let pushMessage = UserFlow(rawValue: "PUSH_MESSAGE")
    /// App-to-app switch; discouraged by the spec in favour of `webRedirect`.
    public static let nativeRedirect = UserFlow(rawValue: "NATIVE_REDIRECT")
    /// Browser flow; requires `returnUrl`.
    public static let webRedirect = UserFlow(rawValue: "WEB_REDIRECT")
    /// The response carries a QR code link, for example on a charger's display.
    public static let qr = UserFlow(rawValue: "QR")

    public var description: String { rawValue }
}
