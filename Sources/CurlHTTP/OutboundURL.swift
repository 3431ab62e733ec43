import Foundation

/// A URL evflow is configured to call (the ePayment API root, a station backend), checked before it is used, and
/// the one way any URL is shown in an error, a history entry or a log line.
///
/// Credentials inside a URL (`https://user:pass@host`) and its query (which may carry tokens) must never be
/// printed; plain `http` sends everything, the payment provider's access token included, in the clear, so it is
/// only for the loopback interface (a local simulator or station stub).
package struct OutboundURL: Sendable, Hashable {
    /// `http` or `https`, lowercased.
    package let scheme: String
    /// The host, lowercased, without IPv6 brackets.
    package let host: String
    /// Whether the URL carries a user name or password before its host.
    package let hasCredentials: Bool

    /// Parses `text`; `nil` when it is not an absolute http(s) URL with a host.
    package init?(_ text: String) {
        // Characters curl and Foundation may read differently (a backslash before '@' can move the host) are refused.
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7f || $0 == "\\" }),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme
        self.host = host
        self.hasCredentials = components.user != nil || components.password != nil || Self.authority(of: text).contains("@")
    }

    /// Whether the host is this machine's loopback interface: `localhost`, `127.0.0.0/8` or `::1`.
    package var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// What is wrong with `text` as a URL evflow will send requests (and secrets) to, or `nil` when it is fine:
    /// an absolute http(s) URL, without credentials, `https` unless the host is loopback. Never quotes credentials.
    package static func problem(with text: String) -> String? {
        guard let url = OutboundURL(text) else {
            return "'\(redacted(text))' is not an absolute http(s) URL with a host"
        }
        if url.hasCredentials {
            return "'\(redacted(text))' has credentials before its host; remove them (user names and passwords do not belong in a URL; secrets come from their own variables)"
        }
        if url.scheme == "http", !url.isLoopback {
            return "'\(redacted(text))' uses plain http to \(url.host), which would send secrets unencrypted; use https (plain http is allowed only for loopback: localhost, 127.0.0.1, ::1)"
        }
        return nil
    }

    /// `text` with any credentials replaced by `***` and without query or fragment, for errors, history and logs.
    package static func redacted(_ text: String) -> String {
        // Credentials are cut first, up to the last '@' before the path: a '?' or '#' inside them must not hide them.
        var text = Substring(text)
        if let start = text.range(of: "://")?.upperBound {
            let authorityEnd = text[start...].firstIndex(of: "/") ?? text.endIndex
            if let at = text[start..<authorityEnd].lastIndex(of: "@") { text = Substring(text[..<start] + "***" + text[at...]) }
        } else if let at = text.lastIndex(of: "@") {
            text = Substring("***" + text[at...])
        }
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        return String(text)
    }

    /// The part between `://` and the path, where credentials would be.
    private static func authority(of text: String) -> Substring {
        guard let start = text.range(of: "://")?.upperBound else { return "" }
        let rest = text[start...]
        return rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex)]
    }
}
