/// A credential (client secret, subscription key, access token, webhook secret) that never prints itself.
///
/// `description`, `debugDescription`, `dump` and string interpolation all show `<redacted>`, so a secret in a
/// configuration, an error or a log line cannot leak by accident. Code in this package reads the value with
/// ``revealed``; keep such reads next to the one place that needs them (a header, an HMAC key).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps a secret value, for example one read from the environment.
    public init(_ value: String) { self.value = value }

    /// The secret itself. Never log or persist it.
    public var revealed: String { value }

    /// Whether the secret is empty, for configuration checks that must not print it.
    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
