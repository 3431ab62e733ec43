/// An error body from the access-token endpoint, which answers in Azure AD's shape rather than problem+json
/// (ev-charging-facts.md section 3; the official SDK's `AccessTokenError`).
///
/// Decide on the HTTP status (``EPaymentError/code``); ``error`` and ``errorCodes`` say which credential is wrong,
/// and ``traceID`` and ``correlationID`` are what Vipps MobilePay support asks for.
public struct AccessTokenError: Codable, Sendable, Hashable {
    /// The OAuth error code, for example `invalid_client` or `unauthorized_client`.
    public var error: String
    /// What is wrong, for example `AADSTS7000215: Invalid client secret provided. ...`.
    public var errorDescription: String?
    /// Azure AD's numeric error codes, for example `[7000215]`.
    public var errorCodes: [Int]?
    /// When the server saw the request, as the server wrote it.
    public var timestamp: String?
    /// The server's trace id.
    public var traceID: String?
    /// The server's correlation id.
    public var correlationID: String?

    /// Creates an error body (used by simulators and tests).
    public init(
        error: String, errorDescription: String? = nil, errorCodes: [Int]? = nil, timestamp: String? = nil,
        traceID: String? = nil, correlationID: String? = nil
    ) {
        self.error = error
        self.errorDescription = errorDescription
        self.errorCodes = errorCodes
        self.timestamp = timestamp
        self.traceID = traceID
        self.correlationID = correlationID
    }

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
        case errorCodes = "error_codes"
        case timestamp
        case traceID = "trace_id"
        case correlationID = "correlation_id"
    }
}
