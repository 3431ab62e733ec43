import Foundation

/// `GET /v1/instances/{id}` as the tests read it (`docs/api.yaml`, schema `Instance`).
struct APIInstance: Decodable, Sendable {
    struct Payment: Decodable, Sendable {
        var reference: String
        var state: String
        var reserved: Int
        var captured: Int
        var released: Int
        var held: Int
    }

    struct Failure: Decodable, Sendable {
        var code: String
        var message: String
    }

    var id: String
    var status: String
    var step: String?
    var payment: Payment?
    var failure: Failure?
    var output: [String: JSONValue]?
}

/// An `application/problem+json` body (RFC 9457) as the API sends it.
struct APIProblemBody: Decodable, Sendable {
    var status: Int
    var title: String
    var detail: String
    var code: String?
    var problems: [String]?
}

/// `POST /webhooks/epayment`'s answer.
struct WebhookReceipt: Decodable, Sendable {
    var outcome: String
    var instance: String?
}

/// `POST /v1/instances/{id}/signals/{name}`'s answer.
struct SignalReceipt: Decodable, Sendable {
    var instance: String
    var signal: String
    var signalId: String?
    var accepted: Bool
}

/// `GET /v1/instances`.
struct APIInstanceList: Decodable, Sendable {
    struct Row: Decodable, Sendable {
        var id: String
        var status: String
        var step: String?
    }

    var instances: [Row]
}

/// Any JSON value, where only its text matters to a test.
enum JSONValue: Decodable, Sendable, Equatable, CustomStringConvertible {
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
        case .number(let number): number == number.rounded() ? "\(Int64(number))" : "\(number)"
        case .bool(let bool): "\(bool)"
        case .null: "null"
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
