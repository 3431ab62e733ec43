/// The type of a value in a flow definition: of an input, a variable, a step output, a signal field or an
/// expression. A struct rather than an enum so that new types can be added without breaking callers.
public struct ValueType: Sendable, Hashable, Codable, CustomStringConvertible {
    package enum Kind: String, Sendable, CaseIterable {
        case integer, money, boolean, string, duration, phoneNumber
    }

    package let kind: Kind

    package init(_ kind: Kind) {
        self.kind = kind
    }

    /// A whole number, `Int64`; arithmetic on it is checked (overflow is an error, never a wrap).
    public static let integer = ValueType(.integer)
    /// Integer minor units and a currency (see ``Money``).
    public static let money = ValueType(.money)
    public static let boolean = ValueType(.boolean)
    public static let string = ValueType(.string)
    /// Whole milliseconds (see ``FlowDuration``).
    public static let duration = ValueType(.duration)
    /// An MSISDN (10-15 digits). Usable only as the customer of a `reserve` step, so it cannot leak into
    /// notifications or state after the payment is created.
    public static let phoneNumber = ValueType(.phoneNumber)

    /// Every type, in the order the documentation lists them.
    package static let allCases = Kind.allCases.map(ValueType.init)

    /// The type named as in definitions (`"money"`, `"phoneNumber"`), or `nil`.
    public init?(rawValue: String) {
        guard let kind = Kind(rawValue: rawValue) else { return nil }
        self.kind = kind
    }

    /// The name used in definitions.
    public var rawValue: String { kind.rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let type = ValueType(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown value type \"\(name)\"")
        }
        self = type
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A value flowing through a flow instance: an input, a variable, a step output or a signal field.
///
/// Kept an enum (rather than a struct over a private enum) on purpose: the runtime pattern-matches values on every
/// step, and the set of value kinds is part of the definition format, which is versioned with it.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case money(Money)
    case boolean(Bool)
    case string(String)
    case duration(FlowDuration)
    /// A customer's MSISDN, 10-15 digits with the country code (`"4791234567"`).
    case phoneNumber(String)

    public var integerValue: Int64? { if case .integer(let value) = self { value } else { nil } }
    public var moneyValue: Money? { if case .money(let value) = self { value } else { nil } }
    public var booleanValue: Bool? { if case .boolean(let value) = self { value } else { nil } }
    /// The text of a string value (not of a phone number).
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var durationValue: FlowDuration? { if case .duration(let value) = self { value } else { nil } }
    public var phoneNumberValue: String? { if case .phoneNumber(let value) = self { value } else { nil } }

    /// The type of this value.
    public var type: ValueType {
        switch self {
        case .integer: .integer
        case .money: .money
        case .boolean: .boolean
        case .string: .string
        case .duration: .duration
        case .phoneNumber: .phoneNumber
        }
    }

    /// A readable form for logs and the CLI. Phone numbers are masked.
    public var description: String {
        switch self {
        case .integer(let value): "\(value)"
        case .money(let money): money.description
        case .boolean(let value): "\(value)"
        case .string(let value): value
        case .duration(let value): value.description
        case .phoneNumber(let value): "\(String(repeating: "•", count: max(0, value.count - 2)))\(value.suffix(2))"
        }
    }
}
