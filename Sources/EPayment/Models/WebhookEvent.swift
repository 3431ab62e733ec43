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

    private enum CodingKeys: String, CodingKey {
        case msn
    }

    /// Decodes the event-log fields through ``PaymentEvent`` (one definition of their formats), plus `msn`.
    public init(from decoder: any Decoder) throws {
        let event = try PaymentEvent(from: decoder)
        self.init(
            msn: try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .msn),
            reference: event.reference, pspReference: event.pspReference, name: event.name, amount: event.amount,
            timestamp: event.timestamp, idempotencyKey: event.idempotencyKey, success: event.success)
    }

    public func encode(to encoder: any Encoder) throws {
        try paymentEvent.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(msn, forKey: .msn)
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
