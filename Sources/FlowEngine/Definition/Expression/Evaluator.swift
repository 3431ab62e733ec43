/// Evaluates a type-checked ``ExpressionSyntax`` tree. All integer and money arithmetic is checked: an overflow is
/// an ``EvaluationError``, never a wrap.
struct Evaluator {
    let environment: Environment
    let source: String

    func fail(_ code: EvaluationError.Code, _ node: ExpressionSyntax, _ message: String) -> EvaluationError {
        EvaluationError(code: code, expression: source, offset: node.offset, message: message)
    }

    private func checked(_ result: (partialValue: Int64, overflow: Bool), _ node: ExpressionSyntax) throws(EvaluationError) -> Int64 {
        if result.overflow { throw fail(.overflow, node, "integer overflow in \(node)") }
        return result.partialValue
    }

    private func sameCurrency(_ lhs: Money, _ rhs: Money, _ node: ExpressionSyntax) throws(EvaluationError) {
        guard lhs.currency == rhs.currency else {
            throw fail(.currencyMismatch, node, "cannot combine \(lhs.currency) and \(rhs.currency) in \(node)")
        }
    }

    func evaluate(_ node: ExpressionSyntax) throws(EvaluationError) -> Value {
        switch node.kind {
        case .integer(let value): return .integer(value)
        case .string(let value): return .string(value)
        case .boolean(let value): return .boolean(value)
        case .duration(let value): return .duration(value)
        case .name(let name): throw fail(.typeMismatch, node, "'\(name)' is not a value")
        case .reference(let reference): return try resolve(reference, node)
        case .unary(let op, let inner):
            switch (op, try evaluate(inner)) {
            case (.not, .boolean(let value)): return .boolean(!value)
            case (.negate, .integer(let value)): return .integer(try checked((0 as Int64).subtractingReportingOverflow(value), node))
            case (.negate, .money(let value)):
                return .money(Money(minorUnits: try checked((0 as Int64).subtractingReportingOverflow(value.minorUnits), node), currency: value.currency))
            case (.negate, .duration(let value)):
                return .duration(FlowDuration(milliseconds: try checked((0 as Int64).subtractingReportingOverflow(value.milliseconds), node)))
            default: throw fail(.typeMismatch, node, "cannot apply \(op.rawValue)")
            }
        case .binary(.and, let lhs, let rhs):
            // Short-circuit, so a guard like `signals.meter.count > 0 && ...` protects the right side.
            guard case .boolean(let left) = try evaluate(lhs) else { throw fail(.typeMismatch, lhs, "expected a boolean") }
            if !left { return .boolean(false) }
            return try evaluate(rhs)
        case .binary(.or, let lhs, let rhs):
            guard case .boolean(let left) = try evaluate(lhs) else { throw fail(.typeMismatch, lhs, "expected a boolean") }
            if left { return .boolean(true) }
            return try evaluate(rhs)
        case .binary(let op, let lhs, let rhs):
            return try binary(op, try evaluate(lhs), try evaluate(rhs), node)
        case .call(let name, let arguments):
            return try call(name, arguments, node)
        }
    }

    func binary(_ op: BinaryOperator, _ left: Value, _ right: Value, _ node: ExpressionSyntax) throws(EvaluationError) -> Value {
        switch (op, left, right) {
        case (.add, .integer(let a), .integer(let b)): return .integer(try checked(a.addingReportingOverflow(b), node))
        case (.subtract, .integer(let a), .integer(let b)): return .integer(try checked(a.subtractingReportingOverflow(b), node))
        case (.multiply, .integer(let a), .integer(let b)): return .integer(try checked(a.multipliedReportingOverflow(by: b), node))
        case (.remainder, .integer(let a), .integer(let b)):
            if b == 0 { throw fail(.divisionByZero, node, "remainder by zero in \(node)") }
            return .integer(try checked(a.remainderReportingOverflow(dividingBy: b), node))
        case (.add, .money(let a), .money(let b)):
            try sameCurrency(a, b, node)
            return .money(Money(minorUnits: try checked(a.minorUnits.addingReportingOverflow(b.minorUnits), node), currency: a.currency))
        case (.subtract, .money(let a), .money(let b)):
            try sameCurrency(a, b, node)
            return .money(Money(minorUnits: try checked(a.minorUnits.subtractingReportingOverflow(b.minorUnits), node), currency: a.currency))
        case (.multiply, .money(let a), .integer(let b)), (.multiply, .integer(let b), .money(let a)):
            return .money(Money(minorUnits: try checked(a.minorUnits.multipliedReportingOverflow(by: b), node), currency: a.currency))
        case (.add, .duration(let a), .duration(let b)):
            return .duration(FlowDuration(milliseconds: try checked(a.milliseconds.addingReportingOverflow(b.milliseconds), node)))
        case (.subtract, .duration(let a), .duration(let b)):
            return .duration(FlowDuration(milliseconds: try checked(a.milliseconds.subtractingReportingOverflow(b.milliseconds), node)))
        case (.multiply, .duration(let a), .integer(let b)), (.multiply, .integer(let b), .duration(let a)):
            return .duration(FlowDuration(milliseconds: try checked(a.milliseconds.multipliedReportingOverflow(by: b), node)))
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.equal, _, _): return .boolean(left == right)
        case (.notEqual, _, _): return .boolean(left != right)
        case (.less, _, _), (.lessOrEqual, _, _), (.greater, _, _), (.greaterOrEqual, _, _):
            let (a, b) = try comparable(left, right, node)
            switch op {
            case .less: return .boolean(a < b)
            case .lessOrEqual: return .boolean(a <= b)
            case .greater: return .boolean(a > b)
            default: return .boolean(a >= b)
            }
        default: throw fail(.typeMismatch, node, "cannot apply \(op.rawValue) to \(left.type) and \(right.type)")
        }
    }

    /// Two ordered values as integers, checking money currencies.
    private func comparable(_ left: Value, _ right: Value, _ node: ExpressionSyntax) throws(EvaluationError) -> (Int64, Int64) {
        switch (left, right) {
        case (.integer(let a), .integer(let b)): return (a, b)
        case (.duration(let a), .duration(let b)): return (a.milliseconds, b.milliseconds)
        case (.money(let a), .money(let b)):
            try sameCurrency(a, b, node)
            return (a.minorUnits, b.minorUnits)
        default: throw fail(.typeMismatch, node, "cannot compare \(left.type) and \(right.type)")
        }
    }
}
