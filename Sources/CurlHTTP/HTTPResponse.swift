/// A complete HTTP response: any status code is a response, not an error.
///
/// ``HTTPClient`` throws only when no complete response arrived; deciding what a 4xx or 5xx means is the
/// caller's business.
public struct HTTPResponse: Sendable, Hashable {
    /// The status code, for example 200.
    public var status: Int
    /// The response header fields of the final response (interim 1xx responses are dropped).
    public var headers: HTTPHeaders
    /// The response body bytes.
    public var body: [UInt8]
    /// The protocol version that carried the response, for example `"HTTP/1.1"` or `"HTTP/2"`.
    public var httpVersion: String

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [], httpVersion: String = "HTTP/1.1") {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }

    /// The body decoded as UTF-8, for messages and logs.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
