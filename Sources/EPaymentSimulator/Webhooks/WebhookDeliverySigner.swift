import Crypto
import Foundation

/// Signs webhook deliveries the way the Vipps MobilePay Webhooks API does (facts section 13, WH-auth):
/// `x-ms-content-sha256` = base64(SHA-256(body)); string-to-sign =
/// `"POST\n" + pathAndQuery + "\n" + x-ms-date + ";" + host + ";" + contentHash`; signature =
/// base64(HMAC-SHA256(key: the secret's UTF-8 bytes as-is, data: string-to-sign)).
///
/// Deliberately independent of EPayment's `WebhookSigner`: the tests check that the client's verifier accepts
/// what this signer sends, so a misreading of the scheme on either side shows up as a failing test.
struct WebhookDeliverySigner: Sendable {
    let secret: String

    init(secret: String) { self.secret = secret }

    /// The headers to send with `body` to `url`, dated `date`.
    /// - Returns: `nil` when `url` has no host.
    func headers(body: [UInt8], url: String, date: Date) -> [(String, String)]? {
        guard let components = URLComponents(string: url), let hostName = components.host else { return nil }
        let host = components.port.map { "\(hostName):\($0)" } ?? hostName
        var pathAndQuery = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { pathAndQuery += "?\(query)" }
        let msDate = Self.httpDate(date)
        let contentHash = Data(SHA256.hash(data: body)).base64EncodedString()
        let stringToSign = "POST\n\(pathAndQuery)\n\(msDate);\(host);\(contentHash)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let signature = Data(mac).base64EncodedString()
        return [
            ("Host", host),
            ("x-ms-date", msDate),
            ("x-ms-content-sha256", contentHash),
            ("Authorization", "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=\(signature)"),
        ]
    }

    /// An RFC 1123 date, for example `Thu, 05 Oct 2023 10:38:04 GMT`.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
