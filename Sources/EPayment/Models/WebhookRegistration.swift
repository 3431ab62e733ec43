/// One registered webhook, as the Webhooks API lists it (spec: `Webhook`): where events go and which ones.
///
/// The listing never carries the secret; only ``RegisterWebhookResponse`` does, once.
public struct WebhookRegistration: Codable, Sendable, Hashable {
    /// The registration's id (a UUID), for ``EPaymentClient/deleteWebhook(id:deadline:)``.
    public var id: String
    /// Where the events are POSTed.
    public var url: String
    /// The event types delivered to ``url``.
    public var events: [WebhookEventType]

    /// Creates a registration (used by simulators and tests).
    public init(id: String, url: String, events: [WebhookEventType]) {
        self.id = id
        self.url = url
        self.events = events
    }
}

/// The body of `POST /webhooks/v1/webhooks` (spec: `RegisterRequest`).
struct RegisterWebhookRequest: Encodable, Sendable {
    var url: String
    var events: [WebhookEventType]
}

/// The answer to registering a webhook, HTTP 201 (spec: `RegisterResponse`): its id and the secret that signs
/// every delivery to it. The API shows the secret only here, so store it at once (mode 0600); it prints as
/// `<redacted>`.
public struct RegisterWebhookResponse: Decodable, Sendable, Hashable {
    /// The new registration's id (a UUID).
    public var id: String
    /// The HMAC key for ``WebhookVerifier``, used as-is (not base64-decoded).
    public var secret: Secret

    /// Creates a response (used by simulators and tests).
    public init(id: String, secret: Secret) {
        self.id = id
        self.secret = secret
    }

    private enum CodingKeys: String, CodingKey { case id, secret }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        secret = Secret(try container.decode(String.self, forKey: .secret))
    }
}

/// The body of `GET /webhooks/v1/webhooks` (spec: `QueryResponse`).
struct WebhookList: Decodable, Sendable {
    var webhooks: [WebhookRegistration]
}
