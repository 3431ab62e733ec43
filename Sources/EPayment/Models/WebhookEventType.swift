/// A Webhooks API event type, for example `epayments.payment.authorized.v1`: what a registration subscribes to.
///
/// A struct over a string rather than an enum: the Webhooks API serves other APIs' events too, and a listing
/// may name types this version does not know. Compare against the static members.
public struct WebhookEventType: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The event type exactly as the API spells it.
    public let rawValue: String

    /// Wraps any event type, including ones this version does not know.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// The event type a payment event is delivered under: `CAPTURED` is `epayments.payment.captured.v1`.
    public init(_ name: PaymentEventName) { self.rawValue = name.webhookEventType }

    /// `epayments.payment.created.v1`.
    public static let paymentCreated = WebhookEventType(.created)
    /// `epayments.payment.aborted.v1`.
    public static let paymentAborted = WebhookEventType(.aborted)
    /// `epayments.payment.expired.v1`.
    public static let paymentExpired = WebhookEventType(.expired)
    /// `epayments.payment.cancelled.v1`.
    public static let paymentCancelled = WebhookEventType(.cancelled)
    /// `epayments.payment.captured.v1`.
    public static let paymentCaptured = WebhookEventType(.captured)
    /// `epayments.payment.refunded.v1`.
    public static let paymentRefunded = WebhookEventType(.refunded)
    /// `epayments.payment.authorized.v1`.
    public static let paymentAuthorized = WebhookEventType(.authorized)
    /// `epayments.payment.terminated.v1`.
    public static let paymentTerminated = WebhookEventType(.terminated)

    /// Every ePayment event type (ev-charging-facts.md section 3), in the order the spec's events table lists them:
    /// what `evflow webhooks register` subscribes to unless told otherwise.
    public static let ePaymentEvents: [WebhookEventType] = [
        .paymentCreated, .paymentAborted, .paymentExpired, .paymentCancelled, .paymentCaptured, .paymentRefunded,
        .paymentAuthorized, .paymentTerminated,
    ]

    /// Whether this is one of ``ePaymentEvents``.
    public var isEPaymentEvent: Bool { Self.ePaymentEvents.contains(self) }

    public var description: String { rawValue }
}
