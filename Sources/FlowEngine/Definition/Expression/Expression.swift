/// A compiled, type-checked expression from a flow definition, ready to evaluate against a running instance.
///
/// Expressions are parsed and type-checked once, when the definition is loaded; a definition that loads has no
/// expression syntax or type errors left. Evaluation can still fail on values (overflow, division by zero, mixed
/// currencies), with an ``EvaluationError``.
package struct Expression: Sendable, Equatable, CustomStringConvertible {
    /// The text as written in the definition.
    package var source: String
    /// The parsed tree.
    package var syntax: ExpressionSyntax
    /// The statically checked result type.
    package var type: ValueType

    /// Parses and type-checks `source` in `scope`. Throws the first problem with its offset in `source`.
    init(parsing source: String, in scope: TypeScope) throws(ExpressionError) {
        self.source = source
        syntax = try ExpressionParser.parse(source)
        type = try TypeChecker(scope: scope).check(syntax)
    }

    /// Wraps an already checked tree (for expressions written as JSON numbers or booleans).
    init(source: String, syntax: ExpressionSyntax, type: ValueType) {
        self.source = source
        self.syntax = syntax
        self.type = type
    }

    /// Compiles an expression outside a definition (tests, tools); throws a message with the offset on error.
    package static func compile(_ source: String, in scope: TypeScope) throws -> Expression {
        do {
            return try Expression(parsing: source, in: scope)
        } catch {
            throw ExpressionCompileError(source: source, offset: error.offset, message: error.message, hint: error.hint)
        }
    }

    /// Evaluates the expression. Deterministic: the same environment always gives the same value or error.
    package func evaluate(in environment: Environment) throws(EvaluationError) -> Value {
        try Evaluator(environment: environment, source: source).evaluate(syntax)
    }

    package var description: String { source }

    package static func == (lhs: Expression, rhs: Expression) -> Bool { lhs.source == rhs.source && lhs.syntax == rhs.syntax }
}

/// A standalone expression failed to parse or type-check (see ``Expression/compile(_:in:)``).
package struct ExpressionCompileError: Error, Sendable, Equatable, CustomStringConvertible {
    package var source: String
    package var offset: Int
    package var message: String
    package var hint: String?

    package var description: String {
        "`\(source)` at offset \(offset): \(message)\(hint.map { " (\($0))" } ?? "")"
    }
}
