import Foundation

/// The body of an `epayments.payment.*.v1` webhook delivery (spec: `WebhookEvent`): a ``PaymentEvent`` plus
/// the merchant serial number.
///
/// Decode it only after ``WebhookVerifier`` accepted the delivery's signature.
public struct WebhookEvent: Codable, Sendable, Hashable {
    /// The merchant serial number the payment belongs to.
    public var msn: String
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
        msn: String, reference: String, pspReference: String, name: PaymentEventName, amount: Amount,
        timestamp: Date, idempotencyKey: String? = nil, success: Bool = true
    ) {
        self.msn = msn
        self.reference = reference
        self.pspReference = pspReference
        self.name = name
        self.amount = amount
        self.timestamp = timestamp
        self.idempotencyKey = idempotencyKey
        self.success = success
    }

    /// The same event in event-log form.
    public var paymentEvent: PaymentEvent {
        PaymentEvent(
            reference: reference, pspReference: pspReference, name: name, amount: amount, timestamp: timestamp,
            idempotencyKey: idempotencyKey, success: success)
    }

    /// The webhook event type this delivery was registered under, for example `epayments.payment.captured.v1`.
    public var eventType: String { name.webhookEventType }

    enum CodingKeys: String, CodingKey {
        case msn, reference, pspReference, name, amount, timestamp, idempotencyKey, success
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        msn = try c.decode(String.self, forKey: .msn)
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
        try c.encode(msn, forKey: .msn)
        try c.encode(reference, forKey: .reference)
        try c.encode(pspReference, forKey: .pspReference)
        try c.encode(name, forKey: .name)
        try c.encode(amount, forKey: .amount)
        try c.encode(RFC3339.string(from: timestamp), forKey: .timestamp)
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(success, forKey: .success)
    }
}

extension PaymentEventName {
    /// The webhook event type for this event, for example `epayments.payment.captured.v1`.
    public var webhookEventType: String { "epayments.payment.\(rawValue.lowercased()).v1" }

    /// The event name for a webhook event type such as `epayments.payment.authorized.v1`, or `nil` when
    /// `eventType` is not an ePayment payment event.
    public init?(webhookEventType eventType: String) {
        let parts = eventType.split(separator: ".")
        guard parts.count == 4, parts[0] == "epayments", parts[1] == "payment", parts[3] == "v1" else { return nil }
        self.init(rawValue: parts[2].uppercased())
    }
}
