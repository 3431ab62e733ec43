import CurlHTTP
import Foundation

/// evflow's address as the payment provider calls it (`EVFLOW_PUBLIC_URL`): scheme, host, optional port and
/// path prefix, for example `https://pay.example.com/evflow`.
///
/// Behind a TLS-terminating proxy the host and path that reach `evflow serve` are not the ones the provider signed
/// (ev-charging-facts.md section 3): the proxy forwards `https://pay.example.com/evflow/webhooks/epayment` as
/// `POST /webhooks/epayment` with its own `Host`. The webhook receiver then verifies against this URL's host and
/// prefix plus the path and query it received, and `evflow webhooks register` registers ``webhookURL``.
public struct PublicURL: Sendable, Hashable, CustomStringConvertible {
    /// The environment variable `evflow serve` and `evflow webhooks register` read.
    public static let variable = "EVFLOW_PUBLIC_URL"

    /// `https` (or `http` to a loopback host, for local tests).
    public let scheme: String
    /// The host and, when the URL names one, the port, as the provider sends it in `Host`.
    public let authority: String
    /// The path the proxy strips before forwarding, without a trailing slash; empty when there is none.
    public let pathPrefix: String

    /// Parses and checks a public URL.
    /// - Throws: ``PublicURLError`` naming what is wrong: not an absolute URL, plain http to another host,
    ///   credentials, a query or a fragment.
    public init(_ text: String) throws(PublicURLError) {
        if let problem = OutboundURL.problem(with: text) { throw PublicURLError(detail: "\(Self.variable): \(problem)") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.percentEncodedHost, !host.isEmpty
        else { throw PublicURLError(detail: "\(Self.variable): '\(OutboundURL.redacted(text))' is not an absolute URL") }
        guard components.percentEncodedQuery == nil, components.fragment == nil else {
            throw PublicURLError(detail: "\(Self.variable): '\(OutboundURL.redacted(text))' has a query or fragment; give scheme, host and an optional path prefix only")
        }
        self.scheme = scheme
        // As a client writes `Host` (RFC 9110 §7.2): the host in lower case, the port only when it is not the
        // scheme's default, so `https://Pay.example.com:443` verifies what the provider signed for pay.example.com.
        let defaultPort = scheme == "https" ? 443 : 80
        let port = components.port.flatMap { $0 == defaultPort ? nil : $0 }
        self.authority = port.map { "\(host.lowercased()):\($0)" } ?? host.lowercased()
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.pathPrefix = prefix
    }

    /// `EVFLOW_PUBLIC_URL` from `environment`, or `nil` when it is unset (then webhooks are verified against the
    /// `Host` and path they arrive with).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(PublicURLError) -> PublicURL? {
        guard let text = environment[variable], !text.isEmpty else { return nil }
        return try PublicURL(text)
    }

    /// The webhook receiver's path on `evflow serve` (`POST /webhooks/epayment`).
    public static let webhookPath = "/webhooks/epayment"

    /// The public URL of the ePayment webhook receiver: what to register with the Webhooks API.
    public var webhookURL: String { "\(scheme)://\(authority)\(pathPrefix)\(Self.webhookPath)" }

    /// The path and query the provider signed, for a request that reached evflow as `received` (its path and
    /// query after the proxy stripped ``pathPrefix``).
    func signedPathAndQuery(received: String) -> String { pathPrefix + received }

    public var description: String { "\(scheme)://\(authority)\(pathPrefix)" }
}

/// `EVFLOW_PUBLIC_URL` is not a URL the receiver can verify against; the message says what to change.
public struct PublicURLError: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { detail }
}
