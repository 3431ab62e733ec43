/// Parses expression text into an ``ExpressionSyntax`` tree.
///
/// Precedence, loosest first: `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`, unary `- !`.
/// Comparisons do not chain (`a < b < c` is an error, not a surprise).
///
/// Parentheses, unary operators and call arguments may nest at most ``maximumDepth`` levels: the parser, the type
/// checker and the evaluator all recurse, and a definition must get an error, not a stack overflow, for
/// `((((...1...))))` 100,000 levels deep. (Binary chains are bounded by the lexer's token limit.)
struct ExpressionParser {
    private let tokens: [ExpressionLexer.Token]
    private var index = 0
    private var depth = 0
    static let maximumDepth = 64

    static func parse(_ text: String) throws(ExpressionError) -> ExpressionSyntax {
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokenize(text))
        if case .end = parser.current.kind {
            throw ExpressionError(offset: 0, message: "empty expression", hint: nil)
        }
        let syntax = try parser.parseBinary(level: 0)
        guard case .end = parser.current.kind else {
            throw ExpressionError(offset: parser.current.offset, message: "unexpected \(parser.describe(parser.current)) after a complete expression", hint: "combine values with an operator such as + or &&")
        }
        return syntax
    }

    private init(tokens: [ExpressionLexer.Token]) {
        self.tokens = tokens
    }

    private var current: ExpressionLexer.Token { tokens[index] }

    private func describe(_ token: ExpressionLexer.Token) -> String {
        switch token.kind {
        case .integer(let value): "number \(value)"
        case .duration(let value): "duration \(value)"
        case .string: "string"
        case .identifier(let name): "'\(name)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "end of expression"
        }
    }

    private static let levels: [[BinaryOperator]] = [
        [.or], [.and], [.equal, .notEqual], [.less, .lessOrEqual, .greater, .greaterOrEqual],
        [.add, .subtract], [.multiply, .divide, .remainder],
    ]

    private func binaryOperator(in level: Int) -> BinaryOperator? {
        guard case .symbol(let symbol) = current.kind, let op = BinaryOperator(rawValue: symbol) else { return nil }
        return Self.levels[level].contains(op) ? op : nil
    }

    private mutating func parseBinary(level: Int) throws(ExpressionError) -> ExpressionSyntax {
        if level == Self.levels.count { return try parseUnary() }
        var lhs = try parseBinary(level: level + 1)
        let nonAssociative = level == 2 || level == 3
        while let op = binaryOperator(in: level) {
            index += 1
            let rhs = try parseBinary(level: level + 1)
            lhs = ExpressionSyntax(.binary(op, lhs, rhs), at: lhs.offset)
            if nonAssociative, binaryOperator(in: level) != nil {
                throw ExpressionError(offset: current.offset, message: "comparisons cannot be chained", hint: "write a < b && b < c")
            }
        }
        return lhs
    }

    /// Counts one level of nesting at the current token; pair with `depth -= 1`.
    private mutating func enter() throws(ExpressionError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw ExpressionError(offset: current.offset, message: "expression nested deeper than \(Self.maximumDepth) levels",
                                  hint: "split it into variables or compute steps")
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionSyntax {
        let offset = current.offset
        if case .symbol(let symbol) = current.kind, let op = UnaryOperator(rawValue: symbol) {
            index += 1
            try enter()
            defer { depth -= 1 }
            let operand = try parseUnary()
            // Fold a negative integer literal so Int64.min can be written.
            if op == .negate, case .integer(let value) = operand.kind {
                return ExpressionSyntax(.integer(-value), at: offset)
            }
            return ExpressionSyntax(.unary(op, operand), at: offset)
        }
        return try parsePrimary()
    }

    private mutating func expect(_ symbol: String, _ context: String) throws(ExpressionError) {
        guard case .symbol(symbol) = current.kind else {
            throw ExpressionError(offset: current.offset, message: "expected '\(symbol)' \(context), found \(describe(current))", hint: nil)
        }
        index += 1
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionSyntax {
        let token = current
        switch token.kind {
        case .integer(let value): index += 1; return ExpressionSyntax(.integer(value), at: token.offset)
        case .duration(let value): index += 1; return ExpressionSyntax(.duration(value), at: token.offset)
        case .string(let value): index += 1; return ExpressionSyntax(.string(value), at: token.offset)
        case .symbol("("):
            index += 1
            try enter()
            defer { depth -= 1 }
            let inner = try parseBinary(level: 0)
            try expect(")", "to close '('")
            return inner
        case .identifier: return try parsePath()
        default:
            throw ExpressionError(offset: token.offset, message: "expected a value, found \(describe(token))", hint: nil)
        }
    }

    private mutating func identifier(_ context: String) throws(ExpressionError) -> String {
        guard case .identifier(let name) = current.kind else {
            throw ExpressionError(offset: current.offset, message: "expected a name \(context), found \(describe(current))", hint: nil)
        }
        index += 1
        return name
    }

    private mutating func parseArguments() throws(ExpressionError) -> [ExpressionSyntax] {
        index += 1  // "("
        try enter()
        defer { depth -= 1 }
        var arguments: [ExpressionSyntax] = []
        if case .symbol(")") = current.kind { index += 1; return arguments }
        while true {
            arguments.append(try parseBinary(level: 0))
            if case .symbol(",") = current.kind { index += 1; continue }
            try expect(")", "to close the argument list")
            return arguments
        }
    }

    private mutating func parsePath() throws(ExpressionError) -> ExpressionSyntax {
        let offset = current.offset
        var path = [try identifier("")]
        while case .symbol(".") = current.kind {
            index += 1
            path.append(try identifier("after '.'"))
        }
        let isCall: Bool = if case .symbol("(") = current.kind { true } else { false }
        let invalid = ExpressionError(
            offset: offset, message: "unknown reference '\(path.joined(separator: "."))'",
            hint: "references are inputs.<name>, vars.<name>, steps.<id>.<output>, signals.<name>.count|sum(field)|last(field), signal.<field>, instance.id")
        if isCall {
            if path.count == 1 {
                return ExpressionSyntax(.call(path[0], try parseArguments()), at: offset)
            }
            guard path.count == 3, path[0] == "signals", path[2] == "sum" || path[2] == "last" else { throw invalid }
            let arguments = try parseArguments()
            guard let first = arguments.first, case .name(let field) = first.kind else {
                throw ExpressionError(offset: offset, message: "\(path[2])() needs a signal field name", hint: "for example signals.\(path[1]).\(path[2])(energyWh)")
            }
            if path[2] == "sum" {
                guard arguments.count == 1 else { throw ExpressionError(offset: offset, message: "sum() takes one field name", hint: nil) }
                return ExpressionSyntax(.reference(.signalSum(path[1], field: field)), at: offset)
            }
            guard arguments.count <= 2 else { throw ExpressionError(offset: offset, message: "last() takes a field name and an optional default", hint: nil) }
            return ExpressionSyntax(.reference(.signalLast(path[1], field: field, fallback: arguments.count == 2 ? arguments[1] : nil)), at: offset)
        }
        switch (path[0], path.count) {
        case ("true", 1): return ExpressionSyntax(.boolean(true), at: offset)
        case ("false", 1): return ExpressionSyntax(.boolean(false), at: offset)
        case (_, 1): return ExpressionSyntax(.name(path[0]), at: offset)
        case ("inputs", 2): return ExpressionSyntax(.reference(.input(path[1])), at: offset)
        case ("vars", 2): return ExpressionSyntax(.reference(.variable(path[1])), at: offset)
        case ("steps", 3): return ExpressionSyntax(.reference(.stepOutput(step: path[1], output: path[2])), at: offset)
        case ("signals", 3) where path[2] == "count": return ExpressionSyntax(.reference(.signalCount(path[1])), at: offset)
        case ("signal", 2): return ExpressionSyntax(.reference(.currentSignal(field: path[1])), at: offset)
        case ("instance", 2) where path[1] == "id": return ExpressionSyntax(.reference(.instanceID), at: offset)
        default: throw invalid
        }
    }
}
