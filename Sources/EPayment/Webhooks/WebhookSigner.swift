import Foundation

/// Signs webhook deliveries the way the Webhooks API does, so the simulator and tests can send deliveries
/// that ``WebhookVerifier`` (and any real receiver) accepts.
///
/// ```swift
/// let signer = WebhookSigner(secret: Secret("the-webhook-secret"))
/// let signature = signer.sign(body: body, pathAndQuery: "/webhooks/vipps", host: "127.0.0.1:8080", date: Date())
/// for (name, value) in signature.headers { request.headers.add(name: name, value: value) }
/// ```
public struct WebhookSigner: Sendable {
    private let secret: Secret

    /// Creates a signer with the secret returned when the webhook was registered.
    public init(secret: Secret) { self.secret = secret }

    /// Signs one delivery.
    /// - Parameters:
    ///   - body: the exact bytes that will be sent.
    ///   - pathAndQuery: the request target, for example `/webhooks/vipps?merchant=1`.
    ///   - host: the `Host` header exactly as it will be sent, with the port when it is not the scheme's default.
    ///   - date: the signing time, written into `x-ms-date`.
    ///   - method: always `POST` for real deliveries.
    public func sign(body: [UInt8], pathAndQuery: String, host: String, date: Date, method: String = "POST")
        -> WebhookSignature
    {
        let dateText = HTTPDate.string(from: date)
        let hash = Data(WebhookSignatureScheme.contentHash(of: body)).base64EncodedString()
        let toSign = WebhookSignatureScheme.stringToSign(
            method: method, pathAndQuery: pathAndQuery, date: dateText, host: host, contentHash: hash)
        let signature = Data(WebhookSignatureScheme.signature(of: toSign, secret: secret)).base64EncodedString()
        return WebhookSignature(
            date: dateText, contentSHA256: hash,
            authorization: WebhookSignatureScheme.authorizationPrefix + signature)
    }
}
