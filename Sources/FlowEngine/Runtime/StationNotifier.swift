import Crypto
import CurlHTTP
import EPayment
import Foundation

/// Delivers `notify` steps to the charging-station backend: a signed JSON POST per event.
///
/// The body is `{"event", "eventId", "instanceId", "flow", "payload"}`. The `eventId` (also sent as
/// `Idempotency-Key`) is the same on every retry, so the backend can ignore duplicates. The signature header is
/// `Evflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
package struct StationNotifier: Sendable {
    /// Where one named endpoint lives and the secret its deliveries are signed with. There is no unsigned
    /// endpoint: a backend could not tell an unsigned callback ("charging may start") from a forged one.
    package struct Endpoint: Sendable {
        package var url: String
        package var secret: Secret
        package init(url: String, secret: Secret) {
            self.url = url
            self.secret = secret
        }

        /// What is wrong with `url` as a station endpoint, or `nil`: an absolute http(s) URL without credentials,
        /// `https` unless the host is loopback (the signature proves who sent a callback, not that nobody read it).
        package static func problem(with url: String) -> String? { OutboundURL.problem(with: url) }
    }

    package enum Delivery: Sendable {
        case delivered(status: Int)
        case rejected(status: Int, body: String)
        case failed(HTTPClientError)
        case notConfigured
    }

    let endpoints: [String: Endpoint]
    let http: HTTPClient?
    let timeout: Duration

    package init(endpoints: [String: Endpoint], http: HTTPClient?, timeout: Duration = .seconds(10)) {
        self.endpoints = endpoints
        self.http = http
        self.timeout = timeout
    }

    /// A notifier with no endpoints: notify steps are recorded as skipped.
    package static let disabled = StationNotifier(endpoints: [:], http: nil)

    /// Whether a delivery to `name` would be sent (an endpoint is configured), so the caller knows that something
    /// outside evflow is about to act.
    package func sends(to name: String) -> Bool { endpoints[name] != nil && http != nil }

    package func deliver(endpoint name: String, body: [UInt8], eventID: String, at now: Date) async -> Delivery {
        guard let endpoint = endpoints[name], let http else { return .notConfigured }
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Idempotency-Key": eventID]
        let timestamp = String(Int64(now.timeIntervalSince1970))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(endpoint.secret.revealed.utf8)))
        headers.add(name: "Evflow-Signature", value: "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined())
        do {
            let response = try await http.execute(HTTPRequest(method: .post, url: endpoint.url, headers: headers, body: body, timeout: timeout))
            return (200..<300).contains(response.status) ? .delivered(status: response.status)
                : .rejected(status: response.status, body: String(response.bodyText.prefix(200)))
        } catch let error as HTTPClientError {
            return .failed(error)
        } catch {
            return .failed(HTTPClientError(code: .other, delivery: .maybeSent, method: "POST", url: endpoint.url, detail: "\(error)"))
        }
    }
}
