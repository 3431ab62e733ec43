import Foundation

/// One value an operator corrects before an instance runs on (`evflow resume --set inputs.pricePerKWh=4.55 NOK`),
/// parsed and typed by the instance's pinned definition.
package struct ValueCorrection: Sendable, Equatable {
    /// The input or variable corrected.
    package var target: ValueName
    /// The new value, of the declared type.
    package var value: Value

    package init(target: ValueName, value: Value) {
        self.target = target
        self.value = value
    }

    /// Parses `inputs.<name>=<value>` or `variables.<name>=<value>` (also `vars.<name>`). The value is read by the
    /// declared type: money as `4.55 NOK` (a decimal with at most two decimals, never a binary floating point) or
    /// `{"value": 455, "currency": "NOK"}`; integers, booleans and JSON as themselves; durations like `12h`; strings
    /// as typed.
    /// - Throws: ``FlowError`` `.invalidInput` naming the field: no `=`, an unknown name, a value of another type.
    package static func parse(_ assignment: String, for definition: FlowDefinition, instanceID: String? = nil) throws(FlowError) -> ValueCorrection {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw FlowError(.invalidInput, flow: definition.name, instanceID: instanceID, detail:
                "--set '\(assignment.prefix(80))' has no '=': write inputs.<name>=<value> or variables.<name>=<value>, for example inputs.pricePerKWh=4.55 NOK")
        }
        let path = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        let (target, type) = try declared(path, in: definition, instanceID: instanceID)
        // Text types take the text as typed (a phone number is not the JSON integer it looks like); a JSON string
        // ("…") is unquoted. Other types are read as JSON, or as text (money as "4.55 NOK").
        let parsed = try? PlainJSONParser().parse(Array(text.utf8))
        let json: PlainJSON
        switch (type.kind, parsed) {
        case (.string, .string?), (.phoneNumber, .string?), (.duration, .string?): json = parsed ?? .string(text)
        case (.string, _), (.phoneNumber, _), (.duration, _): json = .string(text)
        default: json = parsed ?? .string(text)
        }
        return try make(target, type: type, json: json, definition: definition, instanceID: instanceID)
    }

    /// A correction from JSON (the API's `{"set": {"inputs.pricePerKWh": {"value": 455, "currency": "NOK"}}}`);
    /// money may also be the string `"4.55 NOK"`.
    /// - Throws: ``FlowError`` `.invalidInput` naming the field.
    package static func make(_ path: String, json: PlainJSON, for definition: FlowDefinition, instanceID: String? = nil) throws(FlowError) -> ValueCorrection {
        let (target, type) = try declared(path, in: definition, instanceID: instanceID)
        return try make(target, type: type, json: json, definition: definition, instanceID: instanceID)
    }

    private static func make(_ target: ValueName, type: ValueType, json: PlainJSON, definition: FlowDefinition, instanceID: String?) throws(FlowError) -> ValueCorrection {
        func refuse(_ problem: String) -> FlowError {
            FlowError(.invalidInput, flow: definition.name, instanceID: instanceID, detail: "\(target) (\(type)): \(problem)")
        }
        let value: Value
        if type == .money, case .string(let text) = json {
            value = .money(try decimalMoney(text, refuse: refuse))
        } else {
            switch FlowDefinition.value(json, as: type) {
            case .success(let parsed): value = parsed
            case .failure(let problem):
                throw refuse(type == .money ? "\(problem.message), or as 4.55 NOK" : problem.message)
            }
        }
        if let problem = InputValidationError.problem(with: value) { throw refuse(problem) }
        if case .string(let text) = value {
            try InputLimits.check(text, field: target.description, limit: InputLimits.text, flow: definition.name, instanceID: instanceID)
        }
        return ValueCorrection(target: target, value: value)
    }

    /// `4.55 NOK` as 455 minor units, by integer arithmetic: a value with more decimals than the currency's two
    /// minor digits is refused, never rounded.
    private static func decimalMoney(_ text: String, refuse: (String) -> FlowError) throws(FlowError) -> Money {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        let example = "write money as 4.55 NOK or {\"value\": 455, \"currency\": \"NOK\"} (value in minor units)"
        guard parts.count == 2 else { throw refuse("'\(text.prefix(40))' is not money; \(example)") }
        let number = parts[0]
        let currency = String(parts[1]).uppercased()
        let pieces = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = pieces[0]
        let fraction = pieces.count > 1 ? pieces[1] : ""
        let digits: (Substring) -> Bool = { $0.allSatisfy { ("0"..."9").contains($0) } }
        guard !whole.isEmpty, digits(whole), digits(fraction), pieces.count == 1 || !fraction.isEmpty else {
            throw refuse("'\(number.prefix(40))' is not a decimal amount; \(example)")
        }
        guard fraction.count <= 2 else {
            throw refuse("'\(number)' has more decimals than the 2 minor digits of \(currency); evflow never rounds a price you give it")
        }
        guard whole.count <= 15, let units = Int64(whole), let cents = Int64(String(fraction).padding(toLength: 2, withPad: "0", startingAt: 0)) else {
            throw refuse("'\(number.prefix(40))' is too large")
        }
        return Money(minorUnits: units * 100 + cents, currency: currency)
    }

    private static func declared(_ path: String, in definition: FlowDefinition, instanceID: String?) throws(FlowError) -> (ValueName, ValueType) {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        func refuse(_ detail: String) -> FlowError { FlowError(.invalidInput, flow: definition.name, instanceID: instanceID, detail: detail) }
        guard parts.count == 2 else {
            throw refuse("--set names inputs.<name> or variables.<name>, not '\(path.prefix(80))'")
        }
        switch parts[0] {
        case "inputs":
            guard let input = definition.inputs.first(where: { $0.name == parts[1] }) else {
                throw refuse("unknown input '\(parts[1].prefix(64))'; flow '\(definition.name)' takes: \(definition.inputs.map(\.name).joined(separator: ", "))")
            }
            return (ValueName(.inputs, input.name), input.type)
        case "variables", "vars":
            guard let variable = definition.variables.first(where: { $0.name == parts[1] }) else {
                throw refuse("unknown variable '\(parts[1].prefix(64))'; flow '\(definition.name)' has: \(definition.variables.map(\.name).joined(separator: ", "))")
            }
            return (ValueName(.variables, variable.name), variable.type)
        default:
            throw refuse("--set names inputs.<name> or variables.<name>, not '\(path.prefix(80))'")
        }
    }

    /// The value as the timeline shows it: a phone number never.
    package static func shown(_ value: Value?) -> String {
        switch value {
        case nil: "(unset)"
        case .phoneNumber?: "(a phone number, not shown)"
        case let value?: value.description
        }
    }
}
