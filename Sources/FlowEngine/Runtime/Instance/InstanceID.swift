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
        if !allowed { return "an instance id may contain only letters, digits, '-' and '_' (got \(printable(id)))" }
        if id.hasPrefix("-") || id.hasPrefix("_") { return "an instance id must start with a letter or digit" }
        return nil
    }

    /// `text` as it may be shown in an error, a log line or a terminal: in double quotes, with quotes, backslashes,
    /// control characters and anything outside printable ASCII written as `\u{...}`, and cut to `limit` characters
    /// (with the original length), so a hostile id can neither forge a line, move the cursor, nor flood the output.
    /// Plain ids come back unchanged, without quotes.
    package static func printable(_ text: String, limit: Int = 64) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7f && $0 != "\"" && $0 != "\\" && $0 != "'" }
        if plain, text.unicodeScalars.count <= limit { return text }
        var escaped = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            if scalar.isASCII, scalar.value >= 0x20, scalar.value < 0x7f, scalar != "\"", scalar != "\\" {
                escaped.unicodeScalars.append(scalar)
            } else {
                escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        let count = text.unicodeScalars.count
        return "\"" + escaped + "\"" + (count > limit ? "... (\(count) characters)" : "")
    }
}
