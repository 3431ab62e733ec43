extension DefinitionDecoder {
    /// Compiles the expression at `node` in `scope` (default: the decoder's scope), reporting syntax and type
    /// errors at the line and column of the offending token. `expect` is the type the field needs; `nil` accepts
    /// any type except a phone number.
    func expression(_ node: JSONNode?, _ path: String, expect: ValueType?, scope: TypeScope? = nil) -> Expression? {
        guard let node else { return nil }
        expressionPositions[path] = node.position
        let compiled: Expression
        switch node.kind {
        case .string(let source):
            do {
                compiled = try Expression(parsing: source, in: scope ?? self.scope)
            } catch {
                report(path, node.position(ofScalarAt: error.offset), "in expression `\(source)`: \(error.message)", hint: error.hint)
                return nil
            }
        case .number(let text):
            guard let value = Int64(text) else {
                report(path, node.position, "expected an integer, found \(text)", hint: "no floating point: money is integer minor units, durations are strings like \"5s\"")
                return nil
            }
            compiled = Expression(source: text, syntax: ExpressionSyntax(.integer(value), at: 0), type: .integer)
        case .bool(let value):
            compiled = Expression(source: "\(value)", syntax: ExpressionSyntax(.boolean(value), at: 0), type: .boolean)
        default:
            report(path, node.position, "expected an expression (a string), found \(node.typeName)")
            return nil
        }
        if let expect, compiled.type != expect {
            report(path, node.position, "expected \(expect), but `\(compiled.source)` is \(compiled.type)", hint: Self.conversionHint(from: compiled.type, to: expect))
            return nil
        }
        if expect == nil, compiled.type == .phoneNumber {
            report(path, node.position, "a phone number cannot be used here", hint: "phone numbers are only passed to a reserve step's customerPhone, and are not kept after the payment is created")
            return nil
        }
        return compiled
    }

    private static func conversionHint(from actual: ValueType, to expected: ValueType) -> String? {
        switch (actual.kind, expected.kind) {
        case (.integer, .money): "make money from minor units: money(n, 'NOK'), or use an input of type money"
        case (.money, .integer): "minorUnits(m) gives the integer minor units"
        case (.string, .duration): "durations are written without quotes inside expressions: 5s, 10m"
        case (.integer, .duration): "durations have units: 30s, 5m, 12h"
        case (_, .string): "convert with string(x)"
        default: nil
        }
    }

    /// Like ``expression(_:_:expect:scope:)`` for a field that must be there; after an error (already reported) it
    /// returns a placeholder of the right type, so the step still joins the graph and graph checks still run.
    func required(_ node: JSONNode?, _ path: String, expect: ValueType, scope: TypeScope? = nil) -> Expression {
        if let compiled = expression(node, path, expect: expect, scope: scope) { return compiled }
        let placeholder: ExpressionSyntax.Kind = switch expect.kind {
        case .integer: .integer(0)
        case .boolean: .boolean(false)
        case .duration: .duration(FlowDuration(milliseconds: 0))
        case .money: .call("money", [ExpressionSyntax(.integer(0), at: 0), ExpressionSyntax(.string("NOK"), at: 0)])
        case .string, .phoneNumber: .string("")
        }
        return Expression(source: "<invalid>", syntax: ExpressionSyntax(placeholder, at: 0), type: expect)
    }

    /// The duration of a literal duration expression (`"5s"`), for static range checks.
    static func literalDuration(_ expression: Expression?) -> FlowDuration? {
        guard let expression, case .duration(let duration) = expression.syntax.kind else { return nil }
        return duration
    }

    /// Assignments `{ "var": "expr", ... }` in document order, each checked against the variable's type.
    func assignments(_ node: JSONNode?, _ path: String, scope: TypeScope? = nil) -> [Assignment] {
        guard let node else { return [] }
        var result: [Assignment] = []
        for member in namedMembers(node, path, what: "assignments") {
            let memberPath = Self.path(path, member.key)
            guard let type = self.scope.variables[member.key] else {
                report(memberPath, member.keyPosition, "assignment to undeclared variable \"\(member.key)\"",
                       hint: "declare it under \"variables\" with a type; declared: \(self.scope.variables.keys.sorted().joined(separator: ", "))")
                continue
            }
            result.append(Assignment(variable: member.key, value: required(member.value, memberPath, expect: type, scope: scope)))
        }
        return result
    }

    /// `[{ "if": condition, "next": step }, ...]` as used by `choice` and `awaitSignal.until`.
    func branches(_ node: JSONNode?, _ path: String) -> [Branch] {
        guard let node else { return [] }
        guard case .array(let elements) = node.kind else {
            report(path, node.position, "expected an array of { \"if\": ..., \"next\": ... }, found \(node.typeName)")
            return []
        }
        var result: [Branch] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path)[\(index)]"
            guard let fields = members(element, elementPath, allowed: ["if", "next"], required: ["if", "next"], what: "a branch") else { continue }
            let condition = required(fields["if"], "\(elementPath).if", expect: .boolean)
            if let next = transition(fields["next"], "\(elementPath).next") { result.append(Branch(condition: condition, next: next)) }
        }
        return result
    }
}
