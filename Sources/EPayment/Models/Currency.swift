/// An ISO 4217 currency the ePayment API accepts (spec: `Currency`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct Currency: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// Norwegian krone; minor unit øre, minimum payment 100 øre.
    public static let nok = Currency(rawValue: "NOK")
    /// Danish krone; minor unit øre.
    public static let dkk = Currency(rawValue: "DKK")
    /// Euro; minor unit cent.
    public static let eur = Currency(rawValue: "EUR")

    public var description: String { rawValue }
}
