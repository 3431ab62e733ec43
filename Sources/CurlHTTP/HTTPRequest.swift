/// One HTTP request for ``HTTPClient/execute(_:)``.
///
/// The body is plain bytes, so callers encode JSON (or anything else) themselves and control exactly what is
/// sent, which matters when a retried payment call must carry an identical body.
public struct HTTPRequest: Sendable, Hashable {
    /// The method, for example ``HTTPMethod/post``.
    public var method: HTTPMethod
    /// The absolute URL, for example `"http://127.0.0.1:8080/epayment/v1/payments"`.
    public var url: String
    /// Request header fields, sent in order.
    public var headers: HTTPHeaders
    /// The request body, or `nil` for none.
    public var body: [UInt8]?
    /// Overrides the client's ``HTTPClient/Configuration/timeout`` for this request.
    public var timeout: Duration?
    /// Overrides the client's ``HTTPClient/Configuration/connectTimeout`` for this request.
    public var connectTimeout: Duration?

    /// Creates a request; timeouts left `nil` use the client's configuration.
    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: HTTPHeaders = [:],
        body: [UInt8]? = nil,
        timeout: Duration? = nil,
        connectTimeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}
