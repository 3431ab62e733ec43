/// The state of a payment (spec: `State`). Money movements after authorization are tracked in `Aggregate`, not here.
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct PaymentState: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// The customer has not acted yet.
    public static let created = PaymentState(rawValue: "CREATED")
    /// The customer cancelled before approving; final.
    public static let aborted = PaymentState(rawValue: "ABORTED")
    /// The customer did not act in time; final.
    public static let expired = PaymentState(rawValue: "EXPIRED")
    /// The customer approved; final, and stays so after captures, cancels and refunds.
    public static let authorized = PaymentState(rawValue: "AUTHORIZED")
    /// The merchant cancelled before authorization; final.
    public static let terminated = PaymentState(rawValue: "TERMINATED")

    public var description: String { rawValue }
}
