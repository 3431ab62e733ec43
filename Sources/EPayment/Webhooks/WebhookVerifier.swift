import Foundation

/// Verifies webhook deliveries (HMAC-SHA256 over method, path, date, host and body hash) before anything acts
/// on them, and decodes the `epayments.payment.*.v1` event.
///
/// ```swift
/// let verifier = WebhookVerifier(secret: configuration.webhookSecret)
/// let event = try verifier.verifiedEvent(
///     body: rawBody, pathAndQuery: request.uri.description, host: request.head.authority,
///     header: { request.headers[values: HTTPField.Name($0)!].first })
/// ```
public struct WebhookVerifier: Sendable {
    private let secret: Secret
    /// How far `x-ms-date` may be from now, either way.
    public let allowedClockSkew: Duration

    /// Creates a verifier.
    /// - Parameters:
    ///   - secret: the secret returned when the webhook was registered.
    ///   - allowedClockSkew: how old (or how far in the future) a delivery's date may be; default 5 minutes.
    ///     Older deliveries are rejected as possible replays.
    public init(secret: Secret, allowedClockSkew: Duration = .seconds(300)) {
        self.secret = secret
        self.allowedClockSkew = allowedClockSkew
    }

    /// Checks a delivery's signature and date.
    /// - Parameters:
    ///   - body: the raw body bytes as received, before any parsing.
    ///   - pathAndQuery: the request target as received, for example `/webhooks/vipps?x=1`.
    ///   - host: the `Host` (HTTP/2 `:authority`) as received; `nil` to read the `Host` header via `header`.
    ///   - method: the request method; deliveries are `POST`.
    ///   - now: the current time, injectable for tests.
    ///   - header: looks a header up by name, case-insensitively.
    /// - Throws: ``WebhookVerificationError`` naming what did not match.
    public func verify(
        body: [UInt8], pathAndQuery: String, host: String? = nil, method: String = "POST", now: Date = Date(),
        header: (String) -> String?
    ) throws(WebhookVerificationError) {
        func required(_ name: String) throws(WebhookVerificationError) -> String {
            guard let value = header(name), !value.isEmpty else {
                throw WebhookVerificationError(.missingHeader, "the \(name) header is missing")
            }
            return value
        }
        let dateText = try required("x-ms-date")
        let claimedHash = try required("x-ms-content-sha256")
        let authorization = try required("Authorization")
        let hostText: String
        if let host, !host.isEmpty { hostText = host } else { hostText = try required("Host") }

        let prefix = WebhookSignatureScheme.authorizationPrefix
        guard authorization.hasPrefix(prefix),
            let claimedSignature = Data(base64Encoded: String(authorization.dropFirst(prefix.count)))
        else {
            throw WebhookVerificationError(
                .malformedAuthorization, "Authorization is not 'HMAC-SHA256 SignedHeaders=...&Signature=<base64>'")
        }

        let actualHash = WebhookSignatureScheme.contentHash(of: body)
        guard let claimedHashBytes = Data(base64Encoded: claimedHash),
            WebhookSignatureScheme.constantTimeEquals(Array(claimedHashBytes), actualHash)
        else {
            throw WebhookVerificationError(
                .contentHashMismatch, "the SHA-256 of the \(body.count)-byte body does not match x-ms-content-sha256")
        }

        let toSign = WebhookSignatureScheme.stringToSign(
            method: method, pathAndQuery: pathAndQuery, date: dateText, host: hostText, contentHash: claimedHash)
        let expected = WebhookSignatureScheme.signature(of: toSign, secret: secret)
        guard WebhookSignatureScheme.constantTimeEquals(Array(claimedSignature), expected) else {
            throw WebhookVerificationError(
                .signatureMismatch, "the HMAC over \(method) \(pathAndQuery), host \(hostText) does not match")
        }

        // Checked after the signature, so an attacker cannot learn anything from which check failed first.
        guard let date = HTTPDate.date(from: dateText) else {
            throw WebhookVerificationError(.malformedDate, "x-ms-date '\(dateText)' is not an RFC 1123 date")
        }
        let skew = abs(now.timeIntervalSince(date))
        let allowed = Double(allowedClockSkew.components.seconds)
            + Double(allowedClockSkew.components.attoseconds) / 1e18
        guard skew <= allowed else {
            throw WebhookVerificationError(
                .staleDate, "x-ms-date '\(dateText)' is \(Int(skew)) s from now; at most \(Int(allowed)) s is accepted")
        }
    }

    /// Verifies a delivery (see ``verify(body:pathAndQuery:host:method:now:header:)``) and decodes its event.
    /// - Throws: ``WebhookVerificationError``; ``WebhookVerificationError/Code/malformedBody`` when the signed
    ///   body is not a `WebhookEvent`.
    public func verifiedEvent(
        body: [UInt8], pathAndQuery: String, host: String? = nil, method: String = "POST", now: Date = Date(),
        header: (String) -> String?
    ) throws(WebhookVerificationError) -> WebhookEvent {
        try verify(body: body, pathAndQuery: pathAndQuery, host: host, method: method, now: now, header: header)
        do {
            return try JSONDecoder().decode(WebhookEvent.self, from: Data(body))
        } catch {
            throw WebhookVerificationError(.malformedBody, "the body is not an ePayment webhook event: \(error)")
        }
    }
}
