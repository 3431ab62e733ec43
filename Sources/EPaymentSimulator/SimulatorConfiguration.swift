/// How a simulator behaves: where it listens, which credentials it accepts, how the customer and time behave,
/// rate limits, webhooks and injected faults. Every field has a default that suits tests.
public struct SimulatorConfiguration: Sendable {
    /// The API keys the simulator accepts. `nil` accepts any non-empty values.
    public struct Credentials: Sendable, Hashable {
        public var clientId: String
        public var clientSecret: String
        public var subscriptionKey: String

        public init(clientId: String, clientSecret: String, subscriptionKey: String) {
            self.clientId = clientId
            self.clientSecret = clientSecret
            self.subscriptionKey = subscriptionKey
        }
    }

    /// The address to bind; loopback by default.
    public var host: String
    /// The port to bind; 0 picks a free one (read it from ``Simulator/baseURL``).
    public var port: Int
    /// Accepted credentials; `nil` accepts any.
    public var credentials: Credentials?
    /// How long an access token is valid (simulator clock). The real test environment issues 1-hour tokens.
    public var accessTokenLifetime: Duration
    /// How long the customer has to act before a payment EXPIRES, unless it sets `expiresAt` (facts section 17).
    public var paymentExpiry: Duration
    /// When set, every new payment is approved by the customer this long after creation (simulator clock): for demos.
    public var autoApproveAfter: Duration?
    /// Enforce the documented limits (5 modifications, 120 reads per minute per reference). On by default.
    public var rateLimitsEnabled: Bool
    /// Modifications (create, capture, cancel, refund) allowed per minute per reference and MSN.
    public var modificationsPerMinute: Int
    /// Reads (get payment, event log) allowed per minute per reference and subscription key.
    public var readsPerMinute: Int
    /// Where and how webhooks are delivered.
    public var webhooks: WebhookConfiguration
    /// Faults injected from the start.
    public var faults: FaultConfiguration
    /// Seed for fault draws, webhook duplication and reordering, so runs are reproducible.
    public var seed: UInt64
    /// Keep a copy of every API response (operation, status, body) for spec conformance checks.
    public var recordsResponses: Bool
    /// Keep a line for every API request that reached the simulator (operation, path, Idempotency-Key, the fault
    /// injected, the status): to count how often a client sent a call and with which key.
    public var recordsRequests: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        credentials: Credentials? = nil,
        accessTokenLifetime: Duration = .seconds(3600),
        paymentExpiry: Duration = .seconds(600),
        autoApproveAfter: Duration? = nil,
        rateLimitsEnabled: Bool = true,
        modificationsPerMinute: Int = 5,
        readsPerMinute: Int = 120,
        webhooks: WebhookConfiguration = WebhookConfiguration(),
        faults: FaultConfiguration = FaultConfiguration(),
        seed: UInt64 = 0x5EED,
        recordsResponses: Bool = false,
        recordsRequests: Bool = false
    ) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.accessTokenLifetime = accessTokenLifetime
        self.paymentExpiry = paymentExpiry
        self.autoApproveAfter = autoApproveAfter
        self.rateLimitsEnabled = rateLimitsEnabled
        self.modificationsPerMinute = modificationsPerMinute
        self.readsPerMinute = readsPerMinute
        self.webhooks = webhooks
        self.faults = faults
        self.seed = seed
        self.recordsResponses = recordsResponses
        self.recordsRequests = recordsRequests
    }
}

/// Webhook delivery settings (facts section 13). Events go to the registrations of the Webhooks API
/// (`/webhooks/v1/webhooks`), each signed with its registration's secret; `urls` are registered at start.
public struct WebhookConfiguration: Sendable, Hashable {
    /// Receivers registered when the simulator starts, for every ePayment event type and every merchant, in
    /// order per receiver; the Webhooks API lists them and can delete them.
    public var urls: [String]
    /// The HMAC key of the `urls` registrations, as-is (the real API hands one out per registration, as the
    /// simulator's Webhooks API does).
    public var secret: String
    /// Attempts per delivery before it is dropped (the real API retries for up to 7 days).
    public var maximumAttempts: Int
    /// The delay before the first retry; doubled after every failure up to ``maximumBackoff``.
    public var initialBackoff: Duration
    /// The longest delay between attempts.
    public var maximumBackoff: Duration
    /// Probability (0...1) that a delivered event is delivered a second time.
    public var duplicateRate: Double
    /// Probability (0...1) that an event is held back and delivered after the next one for the same receiver.
    public var reorderRate: Double

    public init(
        urls: [String] = [],
        secret: String = "simulator-webhook-secret",
        maximumAttempts: Int = 8,
        initialBackoff: Duration = .milliseconds(200),
        maximumBackoff: Duration = .seconds(30),
        duplicateRate: Double = 0,
        reorderRate: Double = 0
    ) {
        self.urls = urls
        self.secret = secret
        self.maximumAttempts = maximumAttempts
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.duplicateRate = duplicateRate
        self.reorderRate = reorderRate
    }
}
