import Foundation

/// Converting plain JSON (what a backend or an operator types) into typed ``Value``s, by the types a
/// definition declares, so callers need not know the state file's `{"type": ...}` encoding.
///
/// Money is `{"value": <minor units>, "currency": "NOK"}`, durations `"12h"`, phone numbers strings of digits,
/// integers JSON integers, booleans `true`/`false`, strings strings.
extension FlowDefinition {
    /// Converts a JSON object of inputs by the declared input types; ``resolveInputs(_:)`` then checks values
    /// (currency, sign, phone format) and fills in defaults.
    /// - Throws: ``InputValidationError`` naming every unknown input and every input with the wrong JSON shape.
    package func inputs(fromJSON data: Data) throws(InputValidationError) -> [String: Value] {
        try inputs(from: try Self.jsonObject(data, flow: name, what: "inputs"))
    }

    /// ``inputs(fromJSON:)`` for a JSON object already parsed (the server parses each request body once).
    package func inputs(from object: [String: PlainJSON]) throws(InputValidationError) -> [String: Value] {
        var values: [String: Value] = [:]
        var problems: [String] = []
        for (key, json) in object.sorted(by: { $0.key < $1.key }) {
            guard let declaration = inputs.first(where: { $0.name == key }) else {
                problems.append("unknown input '\(key)'; flow '\(name)' takes: \(inputs.map(\.name).joined(separator: ", "))")
                continue
            }
            switch Self.value(json, as: declaration.type) {
            case .success(let value): values[key] = value
            case .failure(let problem): problems.append("input '\(key)': \(problem.message)")
            }
        }
        if !problems.isEmpty { throw InputValidationError(flow: name, problems: problems) }
        return values
    }

    /// Converts a signal's JSON payload by the signal's declared field types.
    /// - Throws: ``InputValidationError`` naming the signal and every bad, missing or unknown field.
    package func signalData(_ signal: String, fromJSON data: Data) throws(InputValidationError) -> [String: Value] {
        try signalData(signal, from: try Self.jsonObject(data, flow: name, what: "signal \(signal.prefix(64)) data"))
    }

    /// ``signalData(_:fromJSON:)`` for a JSON object already parsed (the server parses each request body once).
    package func signalData(_ signal: String, from object: [String: PlainJSON]) throws(InputValidationError) -> [String: Value] {
        guard let declaration = self.signal(signal) else {
            throw InputValidationError(flow: name, problems: [
                "flow '\(name)' declares no signal '\(signal.prefix(64))'; it accepts: \(signals.map(\.name).joined(separator: ", "))",
            ])
        }
        var values: [String: Value] = [:]
        var problems: [String] = []
        for field in declaration.fields {
            guard let json = object[field.name] else {
                problems.append("signal \(signal): field '\(field.name)' (\(field.type)) is required")
                continue
            }
            switch Self.value(json, as: field.type) {
            case .success(let value): values[field.name] = value
            case .failure(let problem): problems.append("signal \(signal): field '\(field.name)': \(problem.message)")
            }
        }
        for key in object.keys.sorted() where !declaration.fields.contains(where: { $0.name == key }) {
            problems.append("signal \(signal): unknown field '\(key)'; it takes: \(declaration.fields.map(\.name).joined(separator: ", "))")
        }
        if !problems.isEmpty { throw InputValidationError(flow: name, problems: problems) }
        return values
    }

    struct ShapeProblem: Error {
        var message: String
    }

    private static func jsonObject(_ data: Data, flow: String, what: String) throws(InputValidationError) -> [String: PlainJSON] {
        let parsed: PlainJSON
        do {
            // One linear pass with a depth limit: decoding PlainJSON through JSONDecoder cost size × depth.
            parsed = try PlainJSONParser().parse(data)
        } catch {
            throw InputValidationError(flow: flow, problems: ["\(what) are not valid JSON: \(error)"])
        }
        guard case .object(let object) = parsed else {
            throw InputValidationError(flow: flow, problems: ["\(what) must be a JSON object, for example {\"energyWh\": 5200}, got \(parsed.kind)"])
        }
        return object
    }

    /// One JSON value as `type`, or what is wrong with it.
    static func value(_ json: PlainJSON, as type: ValueType) -> Result<Value, ShapeProblem> {
        func problem(_ text: String) -> Result<Value, ShapeProblem> { .failure(ShapeProblem(message: text)) }
        switch (type.kind, json) {
        case (.integer, .integer(let value)): return .success(.integer(value))
        case (.integer, _): return problem("expected an integer, got \(json.kind)")
        case (.boolean, .boolean(let value)): return .success(.boolean(value))
        case (.boolean, _): return problem("expected true or false, got \(json.kind)")
        case (.string, .string(let text)): return .success(.string(text))
        case (.string, _): return problem("expected a string, got \(json.kind)")
        case (.phoneNumber, .string(let text)): return .success(.phoneNumber(text))
        case (.phoneNumber, _):
            return problem("expected the phone number as a string of digits with the country code, for example \"4791234567\", got \(json.kind)")
        case (.duration, .string(let text)):
            guard let duration = FlowDuration(parsing: text) else {
                return problem("\"\(text)\" is not a duration; write it like \"12h\", \"1h30m\" or \"250ms\"")
            }
            return .success(.duration(duration))
        case (.duration, _): return problem("expected a duration string such as \"12h\", got \(json.kind)")
        case (.money, .object(let object)):
            let example = "{\"value\": 50000, \"currency\": \"NOK\"} (value in minor units: øre, cents)"
            guard case .integer(let units)? = object["value"] else {
                return problem("money needs an integer \"value\" in minor units, as \(example)")
            }
            guard case .string(let currency)? = object["currency"] else { return problem("money needs a \"currency\", as \(example)") }
            let extra = object.keys.filter { $0 != "value" && $0 != "currency" }.sorted()
            if !extra.isEmpty { return problem("unexpected key(s) \(extra.joined(separator: ", ")) in money; use \(example)") }
            return .success(.money(Money(minorUnits: units, currency: currency)))
        case (.money, _):
            return problem("expected money as {\"value\": 50000, \"currency\": \"NOK\"} (value in minor units), got \(json.kind)")
        }
    }
}

/// Any JSON value, decoded without Foundation's number/boolean ambiguity.
package enum PlainJSON: Decodable, Sendable, Equatable {
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case string(String)
    case array([PlainJSON])
    case object([String: PlainJSON])
    case null

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .boolean(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([String: PlainJSON].self) { self = .object(value) }
        else { self = .array(try container.decode([PlainJSON].self)) }
    }

    /// What kind of value this is, for error messages.
    var kind: String {
        switch self {
        case .integer(let value): "the integer \(value)"
        case .number(let value): "the number \(value)"
        case .boolean(let value): "\(value)"
        case .string(let text): "the string \"\(text.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        case .null: "null"
        }
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        }
        return "\(error)"
    }
}
