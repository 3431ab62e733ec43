/// How the customer pays (spec: `PaymentMethodType`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct PaymentMethodType: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// A card in the Vipps or MobilePay app.
    public static let wallet = PaymentMethodType(rawValue: "WALLET")
    /// A free-standing card payment; requires `UserFlow.webRedirect`.
    public static let card = PaymentMethodType(rawValue: "CARD")

    public var description: String { rawValue }
}
