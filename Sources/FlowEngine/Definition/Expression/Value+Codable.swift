/// Values are stored in instance state files, so their JSON form is meant to be read by people:
/// `{"type": "money", "value": 1050, "currency": "NOK"}`, `{"type": "duration", "value": "5s"}`,
/// `{"type": "integer", "value": 42}`.
extension Value: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, value, currency
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(ValueType.self, forKey: .type)
        switch type.kind {
        case .integer: self = .integer(try container.decode(Int64.self, forKey: .value))
        case .money:
            self = .money(Money(minorUnits: try container.decode(Int64.self, forKey: .value), currency: try container.decode(String.self, forKey: .currency)))
        case .boolean: self = .boolean(try container.decode(Bool.self, forKey: .value))
        case .string: self = .string(try container.decode(String.self, forKey: .value))
        case .duration: self = .duration(try container.decode(FlowDuration.self, forKey: .value))
        case .phoneNumber: self = .phoneNumber(try container.decode(String.self, forKey: .value))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .integer(let value): try container.encode(value, forKey: .value)
        case .money(let money):
            try container.encode(money.minorUnits, forKey: .value)
            try container.encode(money.currency, forKey: .currency)
        case .boolean(let value): try container.encode(value, forKey: .value)
        case .string(let value), .phoneNumber(let value): try container.encode(value, forKey: .value)
        case .duration(let value): try container.encode(value, forKey: .value)
        }
    }
}

/// A duration is stored as it is written in definitions: `"1h30m"`.
extension FlowDuration: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if text.hasPrefix("-"), let positive = FlowDuration(parsing: String(text.dropFirst())) {
            self = FlowDuration(milliseconds: -positive.milliseconds)
            return
        }
        guard let duration = FlowDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad duration \"\(text)\": use 250ms, 5s, 10m, 12h, 1d or 1h30m")
        }
        self = duration
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
