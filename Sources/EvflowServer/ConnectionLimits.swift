/// How long one client may hold `evflow serve`, and how many may at once, so that no client (slow, stalled or
/// hostile) can keep the server or its shutdown waiting.
///
/// `evflow serve` reads them from `EVFLOW_HEADER_TIMEOUT`, `EVFLOW_BODY_TIMEOUT`, `EVFLOW_IDLE_TIMEOUT`,
/// `EVFLOW_MAX_CONNECTIONS` and `EVFLOW_SHUTDOWN_TIMEOUT` (README, "Serving").
public struct ConnectionLimits: Sendable, Equatable {
    /// From a request's first byte until its head (request line and headers) is complete; then 408 and close.
    public var headerTimeout: Duration
    /// From the head until the whole body has arrived; then 408 and close.
    public var bodyTimeout: Duration
    /// A connection with no request in progress is closed after this long without a byte.
    public var idleTimeout: Duration
    /// Open connections beyond this many are answered 503 at once and closed.
    public var maximumConnections: Int
    /// After SIGTERM: how long requests and steps in flight may take to finish before they are cancelled (a
    /// cancelled step parks: the state folder already holds what it needs to confirm it with the provider on
    /// restart) and the process exits.
    public var shutdownTimeout: Duration

    public init(
        headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60),
        maximumConnections: Int = 256, shutdownTimeout: Duration = .seconds(10)
    ) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.shutdownTimeout = shutdownTimeout
    }
}
