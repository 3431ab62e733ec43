import Foundation

/// Collects every problem with a request, field by field, into the `extraDetails` of one 400 response.
struct FieldValidator {
    private(set) var details: [Problem.ExtraDetail] = []

    static let currencies = ["NOK", "DKK", "EUR"]
    /// Smallest payment per currency in minor units (spec `Amount`: NOK 100 øre, DKK 1 øre, EUR 1 cent).
    static let minimumAmount: [String: Int64] = ["NOK": 100, "DKK": 1, "EUR": 1]

    mutating func fail(_ name: String, _ reason: String) {
        details.append(.init(name: name, reason: reason))
    }

    /// Throws the collected details as a 400, if any.
    func finish() throws(Problem) {
        if !details.isEmpty { throw Problem.validation(details) }
    }

    /// An object-valued field; reports a missing required one or a wrong type.
    mutating func object(_ value: JSONValue?, _ name: String, required: Bool) -> [String: JSONValue]? {
        guard let value, value != .null else {
            if required { fail(name, "The \(name) field is required.") }
            return nil
        }
        guard let object = value.object else {
            fail(name, "Must be an object, got \(value.typeName).")
            return nil
        }
        return object
    }

    /// A string field with optional length bounds and pattern.
    mutating func string(
        _ value: JSONValue?, _ name: String, required: Bool, length: ClosedRange<Int>? = nil, pattern: String? = nil,
        allowed: [String]? = nil
    ) -> String? {
        guard let value, value != .null else {
            if required { fail(name, "The \(name) field is required.") }
            return nil
        }
        guard let text = value.string else {
            fail(name, "Must be a string, got \(value.typeName).")
            return nil
        }
        if let length, !length.contains(text.count) {
            fail(name, "Must be between \(length.lowerBound) and \(length.upperBound) characters long, got \(text.count).")
            return nil
        }
        if let pattern, text.range(of: pattern, options: .regularExpression) == nil {
            fail(name, "Must match the pattern \(pattern).")
            return nil
        }
        if let allowed, !allowed.contains(text) {
            fail(name, "Must be one of \(allowed.joined(separator: ", ")), got '\(text)'.")
            return nil
        }
        return text
    }

    /// An integer field within `range`.
    mutating func integer(_ value: JSONValue?, _ name: String, required: Bool, range: ClosedRange<Int64>) -> Int64? {
        guard let value, value != .null else {
            if required { fail(name, "The \(name) field is required.") }
            return nil
        }
        guard case .integer(let number) = value else {
            fail(name, "Must be an integer, got \(value.typeName == "number" ? "a fraction" : value.typeName).")
            return nil
        }
        guard range.contains(number) else {
            fail(name, "Must be between \(range.lowerBound) and \(range.upperBound), got \(number).")
            return nil
        }
        return number
    }

    /// An `Amount` object: currency NOK/DKK/EUR and an integer value in minor units, 0...65,000,000.
    mutating func amount(_ value: JSONValue?, _ name: String) -> Money? {
        guard let object = object(value, name, required: true) else { return nil }
        let currency = string(object["currency"], "\(name).currency", required: true, allowed: Self.currencies)
        let number = integer(object["value"], "\(name).value", required: true, range: 0...65_000_000)
        guard let currency, let number else { return nil }
        return Money(currency: currency, value: number)
    }

    /// A `Customer` object: exactly one of phoneNumber (10 to 15 digits), personalQr or customerToken.
    mutating func customer(_ value: JSONValue?, _ name: String, required: Bool) {
        guard let customer = object(value, name, required: required) else { return }
        let present = ["phoneNumber", "personalQr", "customerToken"].filter { customer[$0] != nil && customer[$0] != .null }
        if present.count != 1 {
            fail(name, "Specify exactly one of phoneNumber, personalQr or customerToken.")
        }
        _ = string(customer["phoneNumber"], "\(name).phoneNumber", required: false, length: 10...15, pattern: #"^\d{10,15}$"#)
        _ = string(customer["personalQr"], "\(name).personalQr", required: false, length: 5...255)
        _ = string(customer["customerToken"], "\(name).customerToken", required: false)
    }

    /// The merchant's payment reference (spec `Reference`).
    mutating func reference(_ value: JSONValue?, _ name: String) -> String? {
        string(value, name, required: true, length: 8...64, pattern: #"^[a-zA-Z0-9-]{8,64}$"#)
    }

    /// Parses an RFC 3339 timestamp, with or without fractional seconds and with `Z` or an offset.
    static func date(_ text: String) -> Date? {
        let pattern = #"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-](2[0-3]|[01][0-9]):[0-5][0-9])$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else { return nil }
        let normalized = text.uppercased()
        if let date = try? Date(normalized, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(normalized, strategy: Date.ISO8601FormatStyle())
    }
}
