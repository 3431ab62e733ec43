extension Step {
    /// Every expression of the step with its field path relative to the step (`"amount"`,
    /// `"on.meterReading.assign.cost"`, `"choices[0].if"`), for checks that look into expressions.
    package var expressions: [(field: String, expression: Expression)] {
        var result: [(field: String, expression: Expression)] = []
        if let timeout { result.append(("timeout", timeout)) }
        func assignments(_ prefix: String, _ list: [Assignment]) {
            result += list.map { (DefinitionDecoder.path(prefix, $0.variable), $0.value) }
        }
        switch kind {
        case .reserve(let step):
            result += [("amount", step.amount), ("paymentDescription", step.description)]
            if let phone = step.customerPhone { result.append(("customerPhone", phone)) }
            if let url = step.returnURL { result.append(("returnUrl", url)) }
            result.append(("reference", step.reference))
        case .awaitSignal(let step):
            for handler in step.handlers { assignments("on.\(handler.signal).assign", handler.assign) }
            result += step.until.enumerated().map { ("until[\($0.offset)].if", $0.element.condition) }
        case .compute(let step): assignments("assign", step.assign)
        case .capture(let step): result.append(("amount", step.amount))
        case .refund(let step): result.append(("amount", step.amount))
        case .notify(let step): result += step.payload.map { (DefinitionDecoder.path("payload", $0.name), $0.value) }
        case .receipt(let step):
            result += [("energyWh", step.energyWh), ("pricePerKWh", step.pricePerKWh), ("vatRate", step.vatRate),
                       ("energyLineName", step.energyLineName), ("startFeeLineName", step.startFeeLineName)]
            if let fee = step.startFee { result.append(("startFee", fee)) }
        case .choice(let step): result += step.branches.enumerated().map { ("choices[\($0.offset)].if", $0.element.condition) }
        case .wait(let step): result.append(("duration", step.duration))
        case .succeed(let step): assignments("output", step.output)
        case .awaitPayment, .cancel, .fail: break
        }
        return result
    }

    /// The transitions taken when the step completes with its outputs recorded: the kind's own transitions, and
    /// for `awaitSignal` also the timeout (which records `endedBy: "timeout"`). Failure paths record no outputs.
    package var completionTransitions: [(field: String, target: String)] {
        var result = kind.transitions
        if case .awaitSignal = kind, let onTimeout { result.append(("onTimeout", onTimeout)) }
        return result
    }
}

extension ExpressionSyntax {
    /// Every `steps.<id>.<output>` this expression reads.
    package var stepOutputReferences: [(step: String, output: String)] {
        switch kind {
        case .reference(.stepOutput(let step, let output)): [(step, output)]
        case .reference(.signalLast(_, _, let fallback?)): fallback.stepOutputReferences
        case .integer, .string, .boolean, .duration, .name, .reference: []
        case .unary(_, let inner): inner.stepOutputReferences
        case .binary(_, let lhs, let rhs): lhs.stepOutputReferences + rhs.stepOutputReferences
        case .call(_, let arguments): arguments.flatMap(\.stepOutputReferences)
        }
    }
}
