import Crypto
import Foundation

/// The three signature headers of one webhook delivery, as ``WebhookSigner`` produces them.
public struct WebhookSignature: Sendable, Hashable {
    /// `x-ms-date`: when the delivery was signed, RFC 1123.
    public var date: String
    /// `x-ms-content-sha256`: base64 of the SHA-256 of the raw body.
    public var contentSHA256: String
    /// `Authorization`: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...`.
    public var authorization: String

    /// The headers to send with the body, in order (`Host` is the request's own).
    public var headers: [(name: String, value: String)] {
        [("x-ms-date", date), ("x-ms-content-sha256", contentSHA256), ("Authorization", authorization)]
    }
}

/// The HMAC-SHA256 scheme of the Webhooks API, shared by ``WebhookSigner`` and ``WebhookVerifier``.
///
/// Source: vippsas/webhooks-api `request-authentication.md` (epayment-facts.md section 13).
enum WebhookSignatureScheme {
    static let authorizationPrefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="

    static func contentHash(of body: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: body)) }

    static func stringToSign(method: String, pathAndQuery: String, date: String, host: String, contentHash: String)
        -> String
    {
        "\(method)\n\(pathAndQuery)\n\(date);\(host);\(contentHash)"
    }

    /// The key is the UTF-8 bytes of the secret string as given, not base64-decoded (a common mistake).
    static func key(_ secret: Secret) -> SymmetricKey { SymmetricKey(data: Array(secret.revealed.utf8)) }

    static func signature(of stringToSign: String, secret: Secret) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key(secret)))
    }

    /// Compares without an early exit, so timing does not reveal how many leading bytes matched.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
