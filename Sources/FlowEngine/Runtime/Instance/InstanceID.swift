/// Checks caller-supplied instance ids, which become file names.
public enum InstanceID {
    /// The longest id accepted; leaves room for the payment reference prefix within ePayment's 64 characters.
    public static let maximumLength = 56

    /// Returns a description of what is wrong with `id`, or `nil` when it is a valid instance id:
    /// 1 to 56 characters, letters, digits, `-` and `_`, starting with a letter or digit.
    public static func problem(with id: String) -> String? {
        if id.isEmpty { return "an instance id cannot be empty" }
        if id.count > maximumLength { return "an instance id is at most \(maximumLength) characters (got \(id.count))" }
        let allowed = id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        if !allowed { return "an instance id may contain only letters, digits, '-' and '_' (got '\(id)')" }
        if id.hasPrefix("-") || id.hasPrefix("_") { return "an instance id must start with a letter or digit" }
        return nil
    }
}
