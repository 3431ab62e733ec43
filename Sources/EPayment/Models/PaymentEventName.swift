/// What happened to a payment, in the event log and in webhooks (spec: `PaymentEventName`).
///
/// A struct over a string rather than an enum: the server may add values, and an unknown value must decode
/// (and round-trip) instead of failing the whole response. Compare against the static members.
public struct PaymentEventName: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value exactly as it appears in the JSON.
    public let rawValue: String

    /// Wraps any value, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// The payment was created.
    public static let created = PaymentEventName(rawValue: "CREATED")
    /// The customer aborted.
    public static let aborted = PaymentEventName(rawValue: "ABORTED")
    /// The customer did not act in time.
    public static let expired = PaymentEventName(rawValue: "EXPIRED")
    /// The merchant cancelled (the remainder of) the reservation.
    public static let cancelled = PaymentEventName(rawValue: "CANCELLED")
    /// An amount was captured.
    public static let captured = PaymentEventName(rawValue: "CAPTURED")
    /// An amount was refunded.
    public static let refunded = PaymentEventName(rawValue: "REFUNDED")
    /// The customer approved the payment.
    public static let authorized = PaymentEventName(rawValue: "AUTHORIZED")
    /// The merchant cancelled before authorization.
    public static let terminated = PaymentEventName(rawValue: "TERMINATED")

    public var description: String { rawValue }
}
