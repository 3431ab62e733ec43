/// The money of an instance's payment as last confirmed by the provider, in minor units.
public struct PaymentSummary: Codable, Sendable, Equatable {
    /// The ePayment reference.
    public var reference: String
    /// The payment's state (`CREATED`, `AUTHORIZED`, ...), as last seen.
    public var state: String
    public var currency: String
    /// The amount asked for when the payment was created.
    public var reserved: Int64
    public var authorized: Int64 = 0
    public var captured: Int64 = 0
    public var cancelled: Int64 = 0
    public var refunded: Int64 = 0

    public init(reference: String, state: String, currency: String, reserved: Int64) {
        self.reference = reference
        self.state = state
        self.currency = currency
        self.reserved = reserved
    }

    /// Authorized money neither captured nor released: what the customer still has held.
    public var held: Int64 { max(0, authorized - captured - cancelled) }
}
