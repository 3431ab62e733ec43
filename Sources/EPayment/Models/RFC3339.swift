import Foundation

/// RFC 3339 timestamps as the ePayment API writes them (`2024-12-31T00:00:00Z`, optional fraction and offset).
///
/// Models encode their dates through this themselves, so they produce spec JSON with any `JSONEncoder`,
/// whatever its date strategy (the simulator and the engine use plain encoders).
package enum RFC3339 {
    /// Formats `date` in UTC, with milliseconds only when it has a fraction.
    package static func string(from date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
        return whole
            ? date.formatted(Date.ISO8601FormatStyle())
            : date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Parses a timestamp with or without a fraction and with `Z` or a numeric offset; `nil` when malformed.
    package static func date(from string: String) -> Date? {
        // The spec's pattern allows lower-case `t` and `z`; the format style does not.
        let normalized = string.uppercased()
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(normalized) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(normalized)
    }

    /// Decodes a timestamp string for `key`, with a decoding error naming the key when it is malformed.
    static func decode<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = date(from: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "'\(text)' is not an RFC 3339 timestamp")
        }
        return date
    }

    /// Decodes an optional timestamp string for `key` (absent or `null` is `nil`).
    static func decodeIfPresent<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date? {
        guard container.contains(key), try container.decodeNil(forKey: key) == false else { return nil }
        return try decode(container, key)
    }
}
