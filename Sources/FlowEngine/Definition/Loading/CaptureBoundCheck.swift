/// Proves statically that no capture can exceed the reservation.
///
/// A capture amount is bounded when it is the reservation itself (`steps.<reserve>.amount`, the authorized amount
/// of an `awaitPayment` on that payment, or the reserve step's own amount expression when that reads only inputs),
/// `min(..., bound)`, `max` of bounded values, `if(c, bounded, bounded)`; or when every way into the capture step is
/// a `choice` branch whose condition includes `amount <= bound` (or `<`, or the mirrored `bound >= amount`).
/// Anything else is a validation error. The runtime still checks every capture against authorized minus captured.
struct CaptureBoundCheck {
    let steps: [Step]
    let deadlines: [Deadline]
    let decoder: DefinitionDecoder

    func validate() {
        for step in steps {
            guard case .capture(let capture) = step.kind, capture.amount.source != "<invalid>" else { continue }
            let bounds = self.bounds(of: capture.payment)
            if isBounded(capture.amount.syntax, by: bounds) || isGuarded(step.id, amount: capture.amount.syntax, by: bounds) { continue }
            let path = "\(step.jsonPath).amount"
            decoder.report(
                path, decoder.expressionPositions[path] ?? step.position,
                "capture amount `\(capture.amount.source)` is not provably bounded by the reservation of \"\(capture.payment)\"",
                hint: "cap it: min(\(capture.amount.source), steps.\(capture.payment).amount), or reach this step only through a choice branch with \"if\": \"\(capture.amount.source) <= steps.\(capture.payment).amount\"")
        }
    }

    /// Expressions that evaluate to (at most) the reserved amount of `payment`.
    private func bounds(of payment: String) -> [ExpressionSyntax] {
        var result = [ExpressionSyntax(.reference(.stepOutput(step: payment, output: "amount")), at: 0)]
        for step in steps {
            switch step.kind {
            case .awaitPayment(let wait) where wait.payment == payment:
                result.append(ExpressionSyntax(.reference(.stepOutput(step: step.id, output: "authorizedAmount")), at: 0))
            case .reserve(let reserve) where step.id == payment && Self.readsOnlyInputs(reserve.amount.syntax):
                result.append(reserve.amount.syntax)
            default: break
            }
        }
        return result
    }

    /// Inputs never change during an instance, so an expression over inputs alone means the same at reserve time
    /// and at capture time.
    private static func readsOnlyInputs(_ node: ExpressionSyntax) -> Bool {
        switch node.kind {
        case .integer, .string, .boolean, .duration, .name, .reference(.input), .reference(.instanceID): true
        case .reference: false
        case .unary(_, let inner): readsOnlyInputs(inner)
        case .binary(_, let lhs, let rhs): readsOnlyInputs(lhs) && readsOnlyInputs(rhs)
        case .call(_, let arguments): arguments.allSatisfy(readsOnlyInputs)
        }
    }

    private func isBounded(_ node: ExpressionSyntax, by bounds: [ExpressionSyntax]) -> Bool {
        if bounds.contains(node) { return true }
        switch node.kind {
        case .call("min", let arguments): return arguments.contains { isBounded($0, by: bounds) }
        case .call("max", let arguments): return arguments.allSatisfy { isBounded($0, by: bounds) }
        case .call("if", let arguments) where arguments.count == 3:
            return isBounded(arguments[1], by: bounds) && isBounded(arguments[2], by: bounds)
        default: return false
        }
    }

    /// Whether every edge into the step is a choice branch whose condition implies `amount <= bound`.
    private func isGuarded(_ id: String, amount: ExpressionSyntax, by bounds: [ExpressionSyntax]) -> Bool {
        var incoming = 0
        for step in steps {
            for transition in step.transitions where transition.target == id {
                incoming += 1
                guard case .choice(let choice) = step.kind, transition.field.hasPrefix("choices[") else { return false }
                let guarded = choice.branches.contains { branch in
                    branch.next == id && Self.conjuncts(branch.condition.syntax).contains { Self.implies($0, amount, bounds) }
                }
                // Every branch into the capture must carry the guard, not just one of them.
                let allGuarded = choice.branches.filter { $0.next == id }.allSatisfy { branch in
                    Self.conjuncts(branch.condition.syntax).contains { Self.implies($0, amount, bounds) }
                }
                if !guarded || !allGuarded { return false }
            }
        }
        if deadlines.contains(where: { $0.goto == id }) { return false }
        return incoming > 0
    }

    private static func conjuncts(_ node: ExpressionSyntax) -> [ExpressionSyntax] {
        if case .binary(.and, let lhs, let rhs) = node.kind { return conjuncts(lhs) + conjuncts(rhs) }
        return [node]
    }

    private static func implies(_ condition: ExpressionSyntax, _ amount: ExpressionSyntax, _ bounds: [ExpressionSyntax]) -> Bool {
        switch condition.kind {
        case .binary(.lessOrEqual, let lhs, let rhs), .binary(.less, let lhs, let rhs):
            return lhs == amount && bounds.contains(rhs)
        case .binary(.greaterOrEqual, let lhs, let rhs), .binary(.greater, let lhs, let rhs):
            return rhs == amount && bounds.contains(lhs)
        default:
            return false
        }
    }
}
