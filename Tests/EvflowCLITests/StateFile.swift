/// The fields of an instance's state file (`instances/<id>.json`) the CLI tests read, decoded from the file the
/// built `evflow` wrote.
struct StateFile: Decodable {
    struct Payment: Decodable {
        var reference: String
        var captured: Int?
    }

    struct Failure: Decodable {
        var code: String
    }

    struct HistoryEntry: Decodable {
        var event: String
    }

    struct Step: Decodable {
        var step: String
        var idempotencyKey: String?
    }

    var status: String
    var currentStep: String?
    var wakeAt: String?
    var payment: Payment?
    var failure: Failure?
    var cancellationRequest: String?
    var history: [HistoryEntry]
    var steps: [Step]
    /// The inputs as stored, for checking what is not kept (the phone number).
    var inputs: [String: JSONValue]?
}

/// Any JSON value, for fields whose shape does not matter to a test, only their text.
enum JSONValue: Decodable, CustomStringConvertible {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let string = try? container.decode(String.self) { self = .string(string) }
        else if let array = try? container.decode([JSONValue].self) { self = .array(array) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .number(let number): "\(number)"
        case .bool(let bool): "\(bool)"
        case .null: "null"
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
