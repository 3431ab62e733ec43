/// The unit of an order line's quantity (spec: `QuantityUnitEnum`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct QuantityUnit: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// Pieces; the default.
    public static let pcs = QuantityUnit(rawValue: "PCS")
    /// Kilograms.
    public static let kg = QuantityUnit(rawValue: "KG")
    /// Kilometres.
    public static let km = QuantityUnit(rawValue: "KM")
    /// Minutes.
    public static let minute = QuantityUnit(rawValue: "MINUTE")
    /// Litres.
    public static let litre = QuantityUnit(rawValue: "LITRE")
    /// Kilowatt hours, for charging sessions.
    public static let kwh = QuantityUnit(rawValue: "KWH")

    public var description: String { rawValue }
}
