import Foundation

/// One entry of a payment's event log, from `GET /payments/{reference}/events` (spec: `PaymentEvent`).
///
/// The log is the authority for reconciling after a lost response: an event with the idempotency key of an
/// unanswered call shows whether that call took effect.
public struct PaymentEvent: Codable, Sendable, Hashable {
    /// The merchant's reference.
    public var reference: String
    /// The server's id for this operation.
    public var pspReference: String
    /// What happened.
    public var name: PaymentEventName
    /// The amount of this operation.
    public var amount: Amount
    /// When it happened.
    public var timestamp: Date
    /// The `Idempotency-Key` of the call that caused it, when there was one.
    public var idempotencyKey: String?
    /// Whether the operation succeeded.
    public var success: Bool

    /// Creates an event (used by simulators and tests).
    public init(
        reference: String, pspReference: String, name: PaymentEventName, amount: Amount, timestamp: Date,
        idempotencyKey: String? = nil, success: Bool = true
    ) {
        self.reference = reference
        self.pspReference = pspReference
        self.name = name
        self.amount = amount
        self.timestamp = timestamp
        self.idempotencyKey = idempotencyKey
        self.success = success
    }

    enum CodingKeys: String, CodingKey {
        case reference, pspReference, name, amount, timestamp, idempotencyKey, success
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reference = try c.decode(String.self, forKey: .reference)
        pspReference = try c.decode(String.self, forKey: .pspReference)
        name = try c.decode(PaymentEventName.self, forKey: .name)
        amount = try c.decode(Amount.self, forKey: .amount)
        timestamp = try RFC3339.decode(c, .timestamp)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        success = try c.decode(Bool.self, forKey: .success)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reference, forKey: .reference)
        try c.encode(pspReference, forKey: .pspReference)
        try c.encode(name, forKey: .name)
        try c.encode(amount, forKey: .amount)
        try c.encode(RFC3339.string(from: timestamp), forKey: .timestamp)
        // Nullable in the spec: written as null rather than left out.
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(success, forKey: .success)
    }
}
