extension FlowDefinition {
    /// Checks the inputs a caller supplies to start an instance and fills in defaults.
    ///
    /// - Returns: every declared input, supplied or defaulted.
    /// - Throws: ``InputValidationError`` listing every missing, unknown or mistyped input and bad money.
    public func resolveInputs(_ supplied: [String: Value]) throws(InputValidationError) -> [String: Value] {
        var problems: [String] = []
        var resolved: [String: Value] = [:]
        for declaration in inputs {
            guard let value = supplied[declaration.name] ?? declaration.defaultValue else {
                problems.append("input '\(declaration.name)' (\(declaration.type)) is required")
                continue
            }
            guard value.type == declaration.type else {
                problems.append("input '\(declaration.name)' must be \(declaration.type), got \(value.type)")
                continue
            }
            if let problem = InputValidationError.problem(with: value) {
                problems.append("input '\(declaration.name)': \(problem)")
                continue
            }
            resolved[declaration.name] = value
        }
        let known = Set(inputs.map(\.name))
        for name in supplied.keys.sorted() where !known.contains(name) {
            problems.append("unknown input '\(name)'; flow '\(self.name)' takes: \(inputs.map(\.name).joined(separator: ", "))")
        }
        if !problems.isEmpty { throw InputValidationError(flow: name, problems: problems) }
        return resolved
    }
}

/// The inputs supplied to start an instance do not match the flow's declared inputs.
public struct InputValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The flow's name.
    public var flow: String
    /// One line per problem.
    public var problems: [String]

    public var description: String {
        "invalid inputs for flow '\(flow)':\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }

    /// What is wrong with a value regardless of where it is used (bad currency, negative money, bad phone number).
    static func problem(with value: Value) -> String? {
        switch value {
        case .money(let money):
            if !Money.supportedCurrencies.contains(money.currency) {
                return "unsupported currency '\(money.currency)' (use NOK, DKK or EUR)"
            }
            if money.minorUnits < 0 { return "money cannot be negative" }
            return nil
        case .phoneNumber(let number):
            let isValid = (10...15).contains(number.count) && number.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
            return isValid ? nil : "a phone number is 10-15 digits with the country code, for example 4791234567"
        case .duration(let duration):
            return duration.milliseconds < 0 ? "a duration cannot be negative" : nil
        default:
            return nil
        }
    }
}
