import CurlHTTP

/// A failed ePayment call, classified so a caller can decide: retry, wait, reconcile, or stop and ask an operator.
///
/// ```swift
/// do {
///     _ = try await client.capture(reference: ref, amount: owed, idempotencyKey: key)
/// } catch let error as EPaymentError where error.code == .maybeApplied {
///     // Retry later with the same key and amount, or read the event log for `key`.
/// }
/// ```
public struct EPaymentError: Error, Sendable, CustomStringConvertible {
    /// The class of failure, as a set that may grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case retryable, maybeApplied, conflict, invalid, unauthorized, notFound, unexpectedResponse
        }
        fileprivate let base: Base

        /// Not applied and worth retrying later: 429, 5xx, a request that never left this host, or a read
        /// (GET) that got no complete answer.
        public static let retryable = Code(base: .retryable)
        /// The request may have been applied (timeout or reset after sending). Retry only with the same
        /// idempotency key and body, or reconcile through the event log.
        public static let maybeApplied = Code(base: .maybeApplied)
        /// 409, or an idempotency conflict: the key was used with a different body, or the reference exists.
        public static let conflict = Code(base: .conflict)
        /// The server (400, other 4xx) or the client (before sending) rejected the request; retrying the same
        /// request cannot succeed.
        public static let invalid = Code(base: .invalid)
        /// 401 or 403: credentials, subscription key or MSN are wrong or lack access.
        public static let unauthorized = Code(base: .unauthorized)
        /// 404: no payment with this reference for this MSN.
        public static let notFound = Code(base: .notFound)
        /// A success status with a body that does not match the spec; the operation was applied.
        public static let unexpectedResponse = Code(base: .unexpectedResponse)

        public var description: String { base.rawValue }
    }

    /// The class of failure.
    public var code: Code
    /// The call that failed.
    public var operation: EPaymentOperation
    /// The payment reference, when the call had one.
    public var reference: String?
    /// The idempotency key the call carried; a retry must reuse it.
    public var idempotencyKey: String?
    /// The HTTP status, when a response arrived.
    public var httpStatus: Int?
    /// The decoded problem+json body, when the server sent one.
    public var problem: Problem?
    /// The access-token endpoint's Azure AD error body, when it sent one instead of a problem.
    public var accessTokenError: AccessTokenError?
    /// The transport failure, when no response arrived.
    public var transportError: HTTPClientError?
    /// How long the server asked to wait (`Retry-After`), when it did.
    public var retryAfter: Duration?
    /// How many attempts were made, counting retries.
    public var attempts: Int
    /// What happened, in words (never containing a secret).
    public var detail: String

    package init(
        _ code: Code, operation: EPaymentOperation, reference: String? = nil, idempotencyKey: String? = nil,
        httpStatus: Int? = nil, problem: Problem? = nil, transportError: HTTPClientError? = nil,
        retryAfter: Duration? = nil, attempts: Int = 1, detail: String
    ) {
        self.code = code
        self.operation = operation
        self.reference = reference
        self.idempotencyKey = idempotencyKey
        self.httpStatus = httpStatus
        self.problem = problem
        self.transportError = transportError
        self.retryAfter = retryAfter
        self.attempts = attempts
        self.detail = detail
    }

    /// The problem's title, for example `"Capture amount too high"`.
    public var title: String? { problem?.title }
    /// The server's trace id, to quote to Vipps MobilePay support.
    public var traceId: String? { problem?.traceId ?? accessTokenError?.traceID }
    /// The domain error code from `extraDetails` (`ErrorCode`), for example `"6080"`.
    public var errorCode: String? { problem?.errorCode }
    /// Field validation failures and error codes from the problem.
    public var extraDetails: [ExtraDetail] { problem?.extraDetails ?? [] }

    /// Whether repeating the same call (same key, same body) later may succeed without risk of a double effect.
    public var isRetryable: Bool { code == .retryable || code == .maybeApplied }

    public var description: String {
        let api = operation == .postReceipt ? "Order Management" : "ePayment"
        var parts = ["\(api) \(operation) failed (\(code))"]
        if let reference { parts.append("reference \(reference)") }
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        var text = parts.joined(separator: ", ") + ": \(detail)"
        if let problem {
            text += "; server says '\(problem.title)'"
            if let d = problem.detail, !d.isEmpty { text += ": \(d)" }
            let extras = problem.extraDetails ?? []
            if !extras.isEmpty { text += " [" + extras.map { "\($0.name): \($0.reason)" }.joined(separator: "; ") + "]" }
            if let traceId = problem.traceId { text += " (traceId \(traceId))" }
        }
        if let tokenError = accessTokenError {
            text += "; server says '\(tokenError.error)'"
            if let d = tokenError.errorDescription, !d.isEmpty { text += ": \(d)" }
            let ids = [tokenError.traceID.map { "trace_id \($0)" }, tokenError.correlationID.map { "correlation_id \($0)" }]
            if !ids.compactMap({ $0 }).isEmpty { text += " (" + ids.compactMap { $0 }.joined(separator: ", ") + ")" }
        }
        if let transportError { text += "; transport: \(transportError.code): \(transportError.detail)" }
        if attempts > 1 { text += "; after \(attempts) attempts" }
        return text + ". " + advice
    }

    /// What an operator should do next.
    private var advice: String {
        let key = idempotencyKey.map { " with the same Idempotency-Key \($0)" } ?? ""
        switch code.base {
        case .retryable:
            return "Nothing was applied; retry later\(key)."
        case .maybeApplied where idempotencyKey == nil:
            return "It may have been applied: list what exists (for webhooks, the registrations) before sending it again."
        case .maybeApplied:
            return "It may have been applied: retry\(key) and the same body, or check the payment's event log for that key."
        case .conflict where operation == .postReceipt:
            return "The order already has a different receipt: compare it with this one (GET /order-management/v2/ecom/{orderId}); a receipt cannot be replaced by sending another."
        case .conflict:
            return "Another request already used this reference or key: check the payment before using a new key."
        case .invalid:
            return "Fix the request (see the details above); retrying it unchanged will fail again."
        case .unauthorized:
            return "Check client id, client secret, subscription key and merchant serial number for this environment."
        case .notFound where operation == .deleteWebhook:
            return "No webhook with this id is registered for this merchant serial number: list the registrations."
        case .notFound:
            return "Check the reference and that it belongs to this merchant serial number and environment."
        case .unexpectedResponse:
            return "The call succeeded but its answer could not be read: get the payment to see its state."
        }
    }
}
