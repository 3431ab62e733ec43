import EPayment

/// How `evflow serve` listens, whom it trusts, and how long one client may hold it.
public struct ServerConfiguration: Sendable {
    /// The address to bind (default loopback; `0.0.0.0` to accept remote backends behind a proxy).
    public var host: String
    /// The port to bind; 0 picks a free one (reported through `onReady`).
    public var port: Int
    /// Bearer tokens accepted on `/v1`.
    public var apiTokens: APITokens
    /// `EVFLOW_OPERATOR_TOKENS`: when set, only these may cancel or refund (`/v1/instances/{id}/cancel`,
    /// `/refund`), and the ``apiTokens`` a station backend holds get 403 there; `nil` lets the API tokens do it.
    public var operatorTokens: APITokens?
    /// The ePayment webhook secret (`EPAYMENT_WEBHOOK_SECRET`); without it every webhook is refused with 401.
    public var webhookSecret: Secret?
    /// `EPAYMENT_WEBHOOK_SECRET_FILE`, when ``webhookSecret`` was read from it: the server re-reads the file
    /// when it changes (as `evflow webhooks register` rewrites it) and accepts the previous secret for ten more
    /// minutes, so a new registration needs no restart.
    public var webhookSecretFile: String?
    /// How far a webhook's `x-ms-date` may be from now.
    public var webhookClockSkew: Duration
    /// Largest request body accepted on any route; larger ones get 413.
    public var maximumBodySize: Int
    /// The worker's longest sleep: how often it looks for signals written by other processes (the CLI).
    public var pollInterval: Duration
    /// How long one client may hold the server: header, body and idle timeouts, the connection limit and the
    /// shutdown deadline.
    public var connectionLimits: ConnectionLimits
    /// Our merchant serial number (`EPAYMENT_MSN`): a webhook about another merchant's payment is acknowledged
    /// and dropped. `nil` accepts every merchant (an embedding that serves several).
    public var merchantSerialNumber: String?
    /// `EVFLOW_METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <token>`; when `nil` (the
    /// default) it is open, like `/healthz`, for a scraper on a trusted network.
    public var metricsToken: Secret?
    /// `EVFLOW_PUBLIC_URL`: the scheme, host and path prefix the provider calls, when a proxy in front of the
    /// server changes them; webhook signatures are verified against it. `nil` verifies against the request as
    /// received.
    public var publicURL: PublicURL?
    /// `EVFLOW_CONSOLE_READONLY_TOKENS`: tokens that may sign in to `/console` to look, and change nothing; `nil`
    /// for none. (API and operator tokens sign in too, with their rights.)
    public var consoleReadOnlyTokens: APITokens?
    /// How late a timer, or how long a running instance without a worker, may be before the console calls it
    /// stuck (as `evflow list --grace`).
    public var consoleStuckGrace: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 8080, apiTokens: APITokens, webhookSecret: Secret?,
        webhookClockSkew: Duration = .seconds(300), maximumBodySize: Int = 64 * 1024, pollInterval: Duration = .milliseconds(200),
        connectionLimits: ConnectionLimits = ConnectionLimits(),
        merchantSerialNumber: String? = nil, metricsToken: Secret? = nil, publicURL: PublicURL? = nil,
        webhookSecretFile: String? = nil, operatorTokens: APITokens? = nil,
        consoleReadOnlyTokens: APITokens? = nil, consoleStuckGrace: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.apiTokens = apiTokens
        self.webhookSecret = webhookSecret
        self.webhookClockSkew = webhookClockSkew
        self.maximumBodySize = maximumBodySize
        self.pollInterval = pollInterval
        self.connectionLimits = connectionLimits
        self.merchantSerialNumber = merchantSerialNumber
        self.metricsToken = metricsToken
        self.publicURL = publicURL
        self.webhookSecretFile = webhookSecretFile
        self.operatorTokens = operatorTokens
        self.consoleReadOnlyTokens = consoleReadOnlyTokens
        self.consoleStuckGrace = consoleStuckGrace
    }
}
