/// Infers the type of an expression against a ``TypeScope``, rejecting anything that could go wrong with money:
/// mixed types, implicit rounding, phone numbers outside `reserve`.
struct TypeChecker {
    let scope: TypeScope

    private enum Checked: Equatable {
        case value(ValueType)
        case roundingMode
    }

    func check(_ syntax: ExpressionSyntax) throws(ExpressionError) -> ValueType {
        try value(syntax)
    }

    private func fail(_ node: ExpressionSyntax, _ message: String, hint: String? = nil) -> ExpressionError {
        ExpressionError(offset: node.offset, message: message, hint: hint)
    }

    /// The type of a node that must be a value (not a rounding mode, not a phone number inside an operation).
    private func value(_ node: ExpressionSyntax) throws(ExpressionError) -> ValueType {
        switch try infer(node) {
        case .value(let type): return type
        case .roundingMode:
            throw fail(node, "a rounding mode is not a value", hint: "rounding modes are the last argument of round() or divRound()")
        }
    }

    /// Like ``value(_:)`` but also rejects phone numbers, for operands of operators and functions.
    private func operand(_ node: ExpressionSyntax) throws(ExpressionError) -> ValueType {
        let type = try value(node)
        if type == .phoneNumber {
            throw fail(node, "a phone number cannot be used in an operation", hint: "phone numbers are only passed to a reserve step's customerPhone")
        }
        return type
    }

    private func lookup(_ table: [String: ValueType]?, _ name: String, _ node: ExpressionSyntax, what: String) throws(ExpressionError) -> ValueType {
        guard let table else { throw fail(node, "unknown \(what)") }
        guard let type = table[name] else {
            let known = table.keys.sorted().joined(separator: ", ")
            throw fail(node, "no \(what) named '\(name)'", hint: known.isEmpty ? "none are declared" : "declared: \(known)")
        }
        return type
    }

    private func infer(_ node: ExpressionSyntax) throws(ExpressionError) -> Checked {
        switch node.kind {
        case .integer: return .value(.integer)
        case .string: return .value(.string)
        case .boolean: return .value(.boolean)
        case .duration: return .value(.duration)
        case .name(let name):
            if RoundingMode(rawValue: name) != nil { return .roundingMode }
            throw fail(node, "unknown name '\(name)'", hint: "did you mean inputs.\(name) or vars.\(name)? Strings are quoted: '\(name)'")
        case .reference(let reference): return .value(try referenceType(reference, node))
        case .unary(let op, let inner):
            let type = try operand(inner)
            switch op {
            case .not where type == .boolean: return .value(.boolean)
            case .negate where [.integer, .money, .duration].contains(type): return .value(type)
            default: throw fail(node, "cannot apply '\(op.rawValue)' to \(type)")
            }
        case .binary(let op, let lhs, let rhs): return .value(try binaryType(op, lhs, rhs, node))
        case .call(let name, let arguments): return try callType(name, arguments, node)
        }
    }

    private func referenceType(_ reference: Reference, _ node: ExpressionSyntax) throws(ExpressionError) -> ValueType {
        switch reference {
        case .input(let name): return try lookup(scope.inputs, name, node, what: "input")
        case .variable(let name): return try lookup(scope.variables, name, node, what: "variable")
        case .stepOutput(let step, let output):
            guard let outputs = scope.stepOutputs[step] else {
                throw fail(node, "no step with id '\(step)'", hint: "step ids: \(scope.stepOutputs.keys.sorted().joined(separator: ", "))")
            }
            return try lookup(outputs, output, node, what: "output of step '\(step)'")
        case .signalCount(let name):
            _ = try signalFields(name, node)
            return .integer
        case .signalSum(let name, let field):
            let type = try lookup(try signalFields(name, node), field, node, what: "field of signal '\(name)'")
            guard [.integer, .money, .duration].contains(type) else { throw fail(node, "cannot sum \(type) field '\(field)'") }
            return type
        case .signalLast(let name, let field, let fallback):
            let type = try lookup(try signalFields(name, node), field, node, what: "field of signal '\(name)'")
            if let fallback {
                let fallbackType = try operand(fallback)
                guard fallbackType == type else { throw fail(fallback, "default is \(fallbackType) but field '\(field)' is \(type)") }
            }
            return type
        case .currentSignal(let field):
            guard let name = scope.currentSignal else {
                throw fail(node, "signal.\(field) is only available in an awaitSignal handler", hint: "use signals.<name>.last(\(field)) elsewhere")
            }
            return try lookup(scope.signals[name], field, node, what: "field of signal '\(name)'")
        case .instanceID: return .string
        }
    }

    private func signalFields(_ name: String, _ node: ExpressionSyntax) throws(ExpressionError) -> [String: ValueType] {
        guard let fields = scope.signals[name] else {
            throw fail(node, "no signal named '\(name)'", hint: "declared signals: \(scope.signals.keys.sorted().joined(separator: ", "))")
        }
        return fields
    }

    private func binaryType(_ op: BinaryOperator, _ lhs: ExpressionSyntax, _ rhs: ExpressionSyntax, _ node: ExpressionSyntax) throws(ExpressionError) -> ValueType {
        if op == .divide {
            throw fail(node, "division must be rounded explicitly", hint: "write round(\(lhs) / \(rhs), halfUp) or divRound(a, b, halfEven); modes: halfUp, halfEven, up, down, floor, ceiling")
        }
        let left = try operand(lhs)
        let right = try operand(rhs)
        let mismatch = fail(node, "cannot apply '\(op.rawValue)' to \(left) and \(right)", hint: Self.hint(op, left, right))
        switch op {
        case .add, .subtract:
            if left == right, [.integer, .money, .duration].contains(left) { return left }
            if op == .add, left == .string, right == .string { return .string }
            throw mismatch
        case .multiply:
            switch (left, right) {
            case (.integer, .integer): return .integer
            case (.money, .integer), (.integer, .money): return .money
            case (.duration, .integer), (.integer, .duration): return .duration
            default: throw mismatch
            }
        case .remainder:
            guard left == .integer, right == .integer else { throw mismatch }
            return .integer
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard left == right, [.integer, .money, .duration].contains(left) else { throw mismatch }
            return .boolean
        case .equal, .notEqual:
            guard left == right else { throw mismatch }
            return .boolean
        case .and, .or:
            guard left == .boolean, right == .boolean else { throw mismatch }
            return .boolean
        case .divide: throw mismatch
        }
    }

    private static func hint(_ op: BinaryOperator, _ left: ValueType, _ right: ValueType) -> String? {
        switch (op, left, right) {
        case (.add, .money, .integer), (.add, .integer, .money), (.subtract, .money, .integer), (.subtract, .integer, .money):
            "make the integer money first: money(n, currency(m))"
        case (.multiply, .money, .money): "multiply money by an integer, for example price * quantity"
        case (.add, .string, _), (.add, _, .string): "convert with string(x) before joining strings"
        default: nil
        }
    }

    private func callType(_ name: String, _ arguments: [ExpressionSyntax], _ node: ExpressionSyntax) throws(ExpressionError) -> Checked {
        func arity(_ count: Int) throws(ExpressionError) {
            guard arguments.count == count else { throw fail(node, "\(name)() takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.count)") }
        }
        func numeric(_ type: ValueType, _ at: ExpressionSyntax) throws(ExpressionError) {
            guard [.integer, .money, .duration].contains(type) else { throw fail(at, "\(name)() needs integers, money or durations, got \(type)") }
        }
        switch name {
        case "min", "max":
            guard arguments.count >= 2 else { throw fail(node, "\(name)() takes at least 2 arguments") }
            let first = try operand(arguments[0])
            try numeric(first, arguments[0])
            for argument in arguments.dropFirst() {
                let type = try operand(argument)
                guard type == first else { throw fail(argument, "\(name)() arguments must have one type: \(first) and \(type)") }
            }
            return .value(first)
        case "abs":
            try arity(1)
            let type = try operand(arguments[0])
            try numeric(type, arguments[0])
            return .value(type)
        case "round":
            try arity(2)
            guard case .binary(.divide, let lhs, let rhs) = arguments[0].kind else {
                throw fail(arguments[0], "round() rounds a division", hint: "write round(a / b, halfUp)")
            }
            return .value(try division(lhs, rhs, mode: arguments[1]))
        case "divRound":
            try arity(3)
            return .value(try division(arguments[0], arguments[1], mode: arguments[2]))
        case "money":
            try arity(2)
            guard try operand(arguments[0]) == .integer else { throw fail(arguments[0], "money() takes minor units as an integer first") }
            guard try operand(arguments[1]) == .string else { throw fail(arguments[1], "money() takes a currency code second, for example 'NOK'") }
            if case .string(let code) = arguments[1].kind, !Money.supportedCurrencies.contains(code) {
                throw fail(arguments[1], "unsupported currency '\(code)'", hint: "the ePayment API accepts NOK, DKK and EUR")
            }
            return .value(.money)
        case "currency", "minorUnits":
            try arity(1)
            guard try operand(arguments[0]) == .money else { throw fail(arguments[0], "\(name)() takes money") }
            return .value(name == "currency" ? .string : .integer)
        case "string":
            try arity(1)
            _ = try operand(arguments[0])
            return .value(.string)
        case "if":
            try arity(3)
            guard try operand(arguments[0]) == .boolean else { throw fail(arguments[0], "if() needs a boolean condition first") }
            let yes = try operand(arguments[1])
            let no = try operand(arguments[2])
            guard yes == no else { throw fail(node, "if() branches must have one type: \(yes) and \(no)") }
            return .value(yes)
        default:
            throw fail(node, "unknown function '\(name)'", hint: "functions: min, max, abs, round, divRound, money, currency, minorUnits, string, if")
        }
    }

    private func division(_ lhs: ExpressionSyntax, _ rhs: ExpressionSyntax, mode: ExpressionSyntax) throws(ExpressionError) -> ValueType {
        let dividend = try operand(lhs)
        guard [.integer, .money, .duration].contains(dividend) else { throw fail(lhs, "cannot divide \(dividend)") }
        // Money divided by money (of one currency, checked when evaluated) is a count: how many units of a price
        // an amount buys, for example the Wh a reservation covers.
        let divisor = try operand(rhs)
        let quotient: ValueType
        switch (dividend.kind, divisor.kind) {
        case (_, .integer): quotient = dividend
        case (.money, .money): quotient = .integer
        default:
            throw fail(rhs, "the divisor must be an integer", hint: "money and durations are divided by integers; money divided by money gives an integer")
        }
        if case .string(let text) = mode.kind, RoundingMode(rawValue: text) != nil { return quotient }
        guard try infer(mode) == .roundingMode else {
            throw fail(mode, "expected a rounding mode", hint: "one of: halfUp, halfEven, up, down, floor, ceiling")
        }
        return quotient
    }
}
