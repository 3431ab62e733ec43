/// A node of a parsed expression: what it is, and where it is in the expression text (for error positions).
///
/// Equality ignores positions, so the capture-bound check can recognise the same expression written twice.
package struct ExpressionSyntax: Sendable, CustomStringConvertible {
    package indirect enum Kind: Sendable, Equatable {
        case integer(Int64)
        case string(String)
        case boolean(Bool)
        case duration(FlowDuration)
        /// A bare name; only meaningful as a rounding mode (`halfUp`).
        case name(String)
        case reference(Reference)
        case unary(UnaryOperator, ExpressionSyntax)
        case binary(BinaryOperator, ExpressionSyntax, ExpressionSyntax)
        case call(String, [ExpressionSyntax])
    }

    package var kind: Kind
    /// The offset of the node's first unicode scalar in the expression text.
    package var offset: Int

    package init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    package var description: String {
        switch kind {
        case .integer(let value): "\(value)"
        case .string(let value): "'\(value)'"
        case .boolean(let value): "\(value)"
        case .duration(let value): value.description
        case .name(let name): name
        case .reference(let reference): reference.description
        case .unary(let op, let operand): "\(op.rawValue)\(operand)"
        case .binary(let op, let lhs, let rhs): "(\(lhs) \(op.rawValue) \(rhs))"
        case .call(let name, let arguments): "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
        }
    }
}

extension ExpressionSyntax: Equatable {
    package static func == (lhs: ExpressionSyntax, rhs: ExpressionSyntax) -> Bool { lhs.kind == rhs.kind }
}

/// Something an expression reads from the running instance.
package indirect enum Reference: Sendable, Equatable, CustomStringConvertible {
    /// `inputs.<name>`
    case input(String)
    /// `vars.<name>`
    case variable(String)
    /// `steps.<id>.<output>`
    case stepOutput(step: String, output: String)
    /// `signals.<name>.count`
    case signalCount(String)
    /// `signals.<name>.sum(<field>)`
    case signalSum(String, field: String)
    /// `signals.<name>.last(<field>)` or `signals.<name>.last(<field>, <default>)`
    case signalLast(String, field: String, fallback: ExpressionSyntax?)
    /// `signal.<field>`: the signal being handled, inside an `awaitSignal` handler.
    case currentSignal(field: String)
    /// `instance.id`: the caller-supplied instance id.
    case instanceID

    package var description: String {
        switch self {
        case .input(let name): "inputs.\(name)"
        case .variable(let name): "vars.\(name)"
        case .stepOutput(let step, let output): "steps.\(step).\(output)"
        case .signalCount(let name): "signals.\(name).count"
        case .signalSum(let name, let field): "signals.\(name).sum(\(field))"
        case .signalLast(let name, let field, let fallback):
            "signals.\(name).last(\(field)\(fallback.map { ", \($0)" } ?? ""))"
        case .currentSignal(let field): "signal.\(field)"
        case .instanceID: "instance.id"
        }
    }
}

package enum UnaryOperator: String, Sendable, Equatable {
    case negate = "-"
    case not = "!"
}

package enum BinaryOperator: String, Sendable, Equatable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "&&", or = "||"
}
