/// A payment source that can be blocked for `WALLET` payments, Danish and Finnish markets only (spec: `BlockedPaymentSources`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct BlockedPaymentSource: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// Company cards.
    public static let commercialCards = BlockedPaymentSource(rawValue: "COMMERCIAL_CARDS")

    public var description: String { rawValue }
}
