/// The type of a value in a flow definition: of an input, a variable, a step output, a signal field or an
/// expression.
public enum ValueType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A whole number, `Int64`; arithmetic on it is checked (overflow is an error, never a wrap).
    case integer
    /// Integer minor units and a currency (see ``Money``).
    case money
    case boolean
    case string
    /// Whole milliseconds (see ``FlowDuration``).
    case duration
    /// An MSISDN (10-15 digits). Usable only as the customer of a `reserve` step, so it cannot leak into
    /// notifications or state after the payment is created.
    case phoneNumber

    public var description: String { rawValue }
}

/// A value flowing through a flow instance: an input, a variable, a step output or a signal field.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case money(Money)
    case boolean(Bool)
    case string(String)
    case duration(FlowDuration)
    case phoneNumber(String)

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
