/// Which money steps an input or variable feeds, for refusing a correction (`evflow resume --set`) once money that
/// depends on it has moved.
extension FlowDefinition {
    /// The reserve, capture, refund and receipt steps whose expressions read `name`, directly or through the
    /// variables computed from it (their initial values and every assignment to them), in document order.
    package func moneySteps(reading name: ValueName) -> [Step] {
        steps.filter { step in
            switch step.kind {
            case .reserve, .capture, .refund, .receipt:
                return step.expressions.contains { reads($0.expression.syntax, name) }
            default:
                return false
            }
        }
    }

    /// The variables whose values are computed from `name` (directly or through other variables), sorted.
    package func variables(computedFrom name: ValueName) -> [String] {
        variables.map(\.name).filter { variable in
            let own = ValueName(.variables, variable)
            return own != name && closure(of: [own]).contains(name)
        }.sorted()
    }

    /// Whether `syntax` reads `name`, directly or through variables.
    private func reads(_ syntax: ExpressionSyntax, _ name: ValueName) -> Bool {
        closure(of: syntax.valueReferences).contains(name)
    }

    /// The names in `start` and everything the variables among them are computed from.
    private func closure(of start: Set<ValueName>) -> Set<ValueName> {
        var sources: [String: Set<ValueName>] = [:]
        for variable in variables { sources[variable.name, default: []].formUnion(variable.initial.syntax.valueReferences) }
        for step in steps {
            var assignments: [Assignment] = []
            switch step.kind {
            case .compute(let compute): assignments = compute.assign
            case .awaitSignal(let wait): assignments = wait.handlers.flatMap(\.assign)
            default: break
            }
            for assignment in assignments { sources[assignment.variable, default: []].formUnion(assignment.value.syntax.valueReferences) }
        }
        var seen = Set<ValueName>()
        var pending = Array(start)
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            if next.scope == .variables { pending += sources[next.name] ?? [] }
        }
        return seen
    }
}

/// An input or variable of a flow, as `--set` names it: `inputs.pricePerKWh`, `variables.cost`.
package struct ValueName: Hashable, Sendable, CustomStringConvertible {
    package enum Scope: String, Sendable {
        case inputs, variables
    }

    package var scope: Scope
    package var name: String

    package init(_ scope: Scope, _ name: String) {
        self.scope = scope
        self.name = name
    }

    package var description: String { "\(scope.rawValue).\(name)" }
}

extension ExpressionSyntax {
    /// Every `inputs.<name>` and `vars.<name>` this expression reads.
    package var valueReferences: Set<ValueName> {
        switch kind {
        case .reference(.input(let name)): [ValueName(.inputs, name)]
        case .reference(.variable(let name)): [ValueName(.variables, name)]
        case .reference(.signalLast(_, _, let fallback?)): fallback.valueReferences
        case .integer, .string, .boolean, .duration, .name, .reference: []
        case .unary(_, let inner): inner.valueReferences
        case .binary(_, let lhs, let rhs): lhs.valueReferences.union(rhs.valueReferences)
        case .call(_, let arguments): arguments.reduce(into: Set<ValueName>()) { $0.formUnion($1.valueReferences) }
        }
    }
}
