import Foundation

/// Why a request produced no complete response, and whether it may have reached the server.
///
/// The payment layer decides retries from ``delivery``: a request that was ``Delivery/notSent`` can be sent
/// again freely, while one that ``Delivery/maybeSent`` may have been applied and must only be retried with the
/// same idempotency key and body.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a closed set that can grow without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidRequest
            case hostNotFound
            case connectionRefused
            case connectTimeout
            case tlsFailure
            case timeout
            case connectionClosed
            case sendFailed
            case receiveFailed
            case responseTooLarge
            case cancelled
            case clientShutDown
            case other
        }

        fileprivate let base: Base

        /// The URL or request could not be used (malformed URL, unsupported scheme, bad option).
        public static let invalidRequest = Code(base: .invalidRequest)
        /// The host name did not resolve.
        public static let hostNotFound = Code(base: .hostNotFound)
        /// Nothing accepted the connection.
        public static let connectionRefused = Code(base: .connectionRefused)
        /// The connection was not established within the connect timeout.
        public static let connectTimeout = Code(base: .connectTimeout)
        /// The TLS handshake or certificate verification failed.
        public static let tlsFailure = Code(base: .tlsFailure)
        /// The whole request did not finish within its total timeout.
        public static let timeout = Code(base: .timeout)
        /// The server closed the connection before a complete response arrived.
        public static let connectionClosed = Code(base: .connectionClosed)
        /// Sending the request failed part way.
        public static let sendFailed = Code(base: .sendFailed)
        /// Receiving the response failed part way.
        public static let receiveFailed = Code(base: .receiveFailed)
        /// The response body exceeded ``HTTPClient/Configuration/maximumResponseSize``.
        public static let responseTooLarge = Code(base: .responseTooLarge)
        /// The calling task was cancelled and the transfer was aborted.
        public static let cancelled = Code(base: .cancelled)
        /// The client was shut down before the request finished.
        public static let clientShutDown = Code(base: .clientShutDown)
        /// Any other transport failure; ``HTTPClientError/detail`` has libcurl's words.
        public static let other = Code(base: .other)

        public var description: String { base.rawValue }
    }

    /// Whether the server may have received (and acted on) the request.
    public enum Delivery: String, Sendable, Hashable {
        /// The request certainly did not reach the server: sending it again cannot apply it twice.
        case notSent
        /// The request may have reached the server: only retry an operation that is idempotent (same key, same body).
        case maybeSent
    }

    /// What went wrong.
    public var code: Code
    /// Whether the request may have reached the server.
    public var delivery: Delivery
    /// The method of the request, for context in logs.
    public var method: String
    /// The URL of the request without credentials (`user:pass@` becomes `***@`), query or fragment, which may
    /// carry secrets.
    public var url: String
    /// libcurl's result code, when libcurl reported the failure.
    public var curlCode: Int?
    /// libcurl's own explanation, or ours.
    public var detail: String

    package init(code: Code, delivery: Delivery, method: String, url: String, curlCode: Int? = nil, detail: String) {
        self.code = code
        self.delivery = delivery
        self.method = method
        self.url = OutboundURL.redacted(url)
        self.curlCode = curlCode
        // libcurl's words or a caller's may quote the URL; only its redacted form is kept.
        self.detail = url.isEmpty ? detail : detail.replacingOccurrences(of: url, with: self.url)
    }

    /// True when the request certainly never reached the server, so repeating it is always safe.
    public var isSafeToRetry: Bool { delivery == .notSent }

    public var description: String {
        let sent = delivery == .notSent ? "the request was not sent" : "the request may have reached the server"
        let curl = curlCode.map { " (curl \($0))" } ?? ""
        return "\(method) \(url) failed: \(code)\(curl): \(detail); \(sent)"
    }
}
