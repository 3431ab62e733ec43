/// Whether the customer is physically present at the point of sale (spec: `customerInteraction`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct CustomerInteraction: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// The customer is at the point of sale, for example at the charger.
    public static let customerPresent = CustomerInteraction(rawValue: "CUSTOMER_PRESENT")
    /// The default.
    public static let customerNotPresent = CustomerInteraction(rawValue: "CUSTOMER_NOT_PRESENT")

    public var description: String { rawValue }
}
