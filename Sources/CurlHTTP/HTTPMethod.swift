/// An HTTP request method.
///
/// A struct rather than an enum so that methods outside the common set can be sent without a breaking change.
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The method token as it goes on the wire, for example `"POST"`.
    public let rawValue: String

    /// Creates a method from its wire token; use the static members for the common ones.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    public static let get = HTTPMethod("GET")
    public static let head = HTTPMethod("HEAD")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let patch = HTTPMethod("PATCH")
    public static let delete = HTTPMethod("DELETE")

    public var description: String { rawValue }
}
