extension Evaluator {
    func resolve(_ reference: Reference, _ node: ExpressionSyntax) throws(EvaluationError) -> Value {
        func missing(_ what: String) -> EvaluationError { fail(.missingValue, node, "\(what) has no value yet") }
        switch reference {
        case .input(let name):
            guard let value = environment.inputs[name] else { throw missing("inputs.\(name)") }
            return value
        case .variable(let name):
            guard let value = environment.variables[name] else { throw missing("vars.\(name)") }
            return value
        case .stepOutput(let step, let output):
            guard let value = environment.stepOutputs[step]?[output] else {
                throw missing("steps.\(step).\(output) (has step '\(step)' run?)")
            }
            return value
        case .signalCount(let name):
            return .integer(Int64(environment.signals[name]?.count ?? 0))
        case .signalSum(let name, let field):
            let payloads = environment.signals[name] ?? []
            var total: Value?
            for payload in payloads {
                guard let value = payload[field] else { throw missing("field '\(field)' of a '\(name)' signal") }
                total = try total.map { (sum) throws(EvaluationError) in try binary(.add, sum, value, node) } ?? value
            }
            // An empty sum is zero; money needs a currency, which only a received signal can supply.
            if let total { return total }
            throw fail(.noSignal, node, "no '\(name)' signal received yet, so there is nothing to sum; guard with signals.\(name).count > 0")
        case .signalLast(let name, let field, let fallback):
            if let payload = environment.signals[name]?.last {
                guard let value = payload[field] else { throw missing("field '\(field)' of the last '\(name)' signal") }
                return value
            }
            if let fallback { return try evaluate(fallback) }
            throw fail(.noSignal, node, "no '\(name)' signal received yet; give last() a default: last(\(field), <default>)")
        case .currentSignal(let field):
            guard let value = environment.currentSignal?[field] else { throw missing("signal.\(field)") }
            return value
        case .instanceID:
            return .string(environment.instanceID)
        }
    }

    func call(_ name: String, _ arguments: [ExpressionSyntax], _ node: ExpressionSyntax) throws(EvaluationError) -> Value {
        switch name {
        case "min", "max":
            var best = try evaluate(arguments[0])
            for argument in arguments.dropFirst() {
                let value = try evaluate(argument)
                let (candidate, current) = try comparableValues(value, best, node)
                if name == "min" ? candidate < current : candidate > current { best = value }
            }
            return best
        case "abs":
            let value = try evaluate(arguments[0])
            let (magnitude, _) = try comparableValues(value, value, node)
            if magnitude >= 0 { return value }
            return try evaluate(ExpressionSyntax(.unary(.negate, arguments[0]), at: node.offset))
        case "round":
            guard case .binary(.divide, let lhs, let rhs) = arguments[0].kind else { throw fail(.typeMismatch, node, "round() needs a division") }
            return try divide(lhs, rhs, mode: arguments[1], node)
        case "divRound":
            return try divide(arguments[0], arguments[1], mode: arguments[2], node)
        case "money":
            guard case .integer(let units) = try evaluate(arguments[0]), case .string(let code) = try evaluate(arguments[1]) else {
                throw fail(.typeMismatch, node, "money() takes an integer and a currency code")
            }
            guard Money.supportedCurrencies.contains(code) else { throw fail(.unsupportedCurrency, node, "unsupported currency '\(code)'") }
            return .money(Money(minorUnits: units, currency: code))
        case "currency", "minorUnits":
            guard case .money(let money) = try evaluate(arguments[0]) else { throw fail(.typeMismatch, node, "\(name)() takes money") }
            return name == "currency" ? .string(money.currency) : .integer(money.minorUnits)
        case "string":
            return .string(try evaluate(arguments[0]).description)
        case "if":
            guard case .boolean(let condition) = try evaluate(arguments[0]) else { throw fail(.typeMismatch, node, "if() needs a boolean") }
            return try evaluate(condition ? arguments[1] : arguments[2])
        default:
            throw fail(.typeMismatch, node, "unknown function '\(name)'")
        }
    }

    private func comparableValues(_ left: Value, _ right: Value, _ node: ExpressionSyntax) throws(EvaluationError) -> (Int64, Int64) {
        switch (left, right) {
        case (.integer(let a), .integer(let b)): return (a, b)
        case (.duration(let a), .duration(let b)): return (a.milliseconds, b.milliseconds)
        case (.money(let a), .money(let b)):
            guard a.currency == b.currency else { throw fail(.currencyMismatch, node, "cannot compare \(a.currency) and \(b.currency)") }
            return (a.minorUnits, b.minorUnits)
        default: throw fail(.typeMismatch, node, "cannot compare \(left.type) and \(right.type)")
        }
    }

    private func divide(_ lhs: ExpressionSyntax, _ rhs: ExpressionSyntax, mode: ExpressionSyntax, _ node: ExpressionSyntax) throws(EvaluationError) -> Value {
        let modeName: String
        switch mode.kind {
        case .name(let name), .string(let name): modeName = name
        default: throw fail(.typeMismatch, mode, "expected a rounding mode")
        }
        guard let rounding = RoundingMode(rawValue: modeName) else { throw fail(.typeMismatch, mode, "unknown rounding mode '\(modeName)'") }
        let divisor: Int64
        var divisorCurrency: String?
        switch try evaluate(rhs) {
        case .integer(let value): divisor = value
        case .money(let money):
            divisor = money.minorUnits
            divisorCurrency = money.currency
        default: throw fail(.typeMismatch, rhs, "the divisor must be an integer or money")
        }
        if divisor == 0 { throw fail(.divisionByZero, rhs, "division by zero: \(rhs) is 0") }
        func quotient(_ dividend: Int64) throws(EvaluationError) -> Int64 {
            guard let result = rounding.divide(dividend, by: divisor) else { throw fail(.overflow, node, "integer overflow in \(node)") }
            return result
        }
        let dividend = try evaluate(lhs)
        if let divisorCurrency {
            // Money by money: a count, in one currency only.
            guard case .money(let money) = dividend else { throw fail(.typeMismatch, lhs, "only money can be divided by money") }
            guard money.currency == divisorCurrency else {
                throw fail(.currencyMismatch, node, "cannot divide \(money.currency) by \(divisorCurrency) in \(node)")
            }
            return .integer(try quotient(money.minorUnits))
        }
        switch dividend {
        case .integer(let value): return .integer(try quotient(value))
        case .money(let money): return .money(Money(minorUnits: try quotient(money.minorUnits), currency: money.currency))
        case .duration(let duration): return .duration(FlowDuration(milliseconds: try quotient(duration.milliseconds)))
        default: throw fail(.typeMismatch, lhs, "cannot divide this value")
        }
    }
}
