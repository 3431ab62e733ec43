extension HTTPClient {
    /// Settings that apply to every request a client sends; timeouts can be overridden per request.
    public struct Configuration: Sendable {
        /// How long establishing a connection (TCP and TLS) may take.
        public var connectTimeout: Duration
        /// How long a whole request may take, from start to the last byte of the response.
        public var timeout: Duration
        /// The largest response body accepted; a larger one fails with ``HTTPClientError/Code/responseTooLarge``.
        public var maximumResponseSize: Int
        /// A PEM file of CA certificates to trust instead of the system bundle, for private CAs in tests.
        public var caFile: String?
        /// How many connections may be open to one host at once; further requests wait for a free connection.
        public var maximumConnectionsPerHost: Int
        /// How many idle connections are kept for reuse.
        public var maximumIdleConnections: Int
        /// The `User-Agent` sent when a request sets none.
        public var userAgent: String

        public init(
            connectTimeout: Duration = .seconds(10),
            timeout: Duration = .seconds(30),
            maximumResponseSize: Int = 16 * 1024 * 1024,
            caFile: String? = nil,
            maximumConnectionsPerHost: Int = 256,
            maximumIdleConnections: Int = 256,
            userAgent: String = "evflow"
        ) {
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.maximumResponseSize = maximumResponseSize
            self.caFile = caFile
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.maximumIdleConnections = maximumIdleConnections
            self.userAgent = userAgent
        }
    }
}
