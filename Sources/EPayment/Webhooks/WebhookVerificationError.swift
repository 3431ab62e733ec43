/// Why a webhook delivery was rejected. Answer such a delivery with 401 (the sender retries with backoff);
/// never act on its body.
public struct WebhookVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, as a set that may grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case missingHeader, malformedAuthorization, contentHashMismatch, signatureMismatch, malformedDate
            case staleDate, malformedBody
        }
        fileprivate let base: Base

        /// A signature header (`x-ms-date`, `x-ms-content-sha256`, `Authorization`, `Host`) is absent.
        public static let missingHeader = Code(base: .missingHeader)
        /// `Authorization` is not `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...`.
        public static let malformedAuthorization = Code(base: .malformedAuthorization)
        /// The body does not match `x-ms-content-sha256`: it was altered or truncated on the way.
        public static let contentHashMismatch = Code(base: .contentHashMismatch)
        /// The HMAC does not match: a wrong secret, or a signed part (path, host, date, hash) was altered.
        public static let signatureMismatch = Code(base: .signatureMismatch)
        /// `x-ms-date` is not a date.
        public static let malformedDate = Code(base: .malformedDate)
        /// `x-ms-date` is outside the accepted window: possibly a replay, or a clock is wrong.
        public static let staleDate = Code(base: .staleDate)
        /// The signature is valid but the body is not an ePayment webhook event.
        public static let malformedBody = Code(base: .malformedBody)

        public var description: String { base.rawValue }
    }

    /// The reason.
    public var code: Code
    /// What exactly was found, without any secret.
    public var detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String {
        let action: String
        switch code.base {
        case .signatureMismatch:
            action = "check that the configured webhook secret is the one returned when this webhook was registered, "
                + "and that the path and Host seen here match what the sender used (proxies may rewrite them)"
        case .staleDate:
            action = "check this host's clock (NTP); a correct clock means the delivery is a replay"
        case .contentHashMismatch:
            action = "make sure the raw body bytes are verified before any parsing or re-encoding"
        default:
            action = "reject the delivery with 401; the sender will retry"
        }
        return "webhook delivery rejected (\(code)): \(detail); \(action)"
    }
}
