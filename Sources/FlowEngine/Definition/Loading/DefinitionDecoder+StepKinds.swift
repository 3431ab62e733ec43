extension DefinitionDecoder {
    /// Kind-specific fields: (allowed, required).
    static let kindFields: [String: (allowed: [String], required: [String])] = [
        "reserve": (["amount", "paymentDescription", "userFlow", "customerPhone", "returnUrl", "customerInteraction", "qrFormat", "reference", "next"], ["amount", "paymentDescription", "next"]),
        "awaitPayment": (["payment", "next", "onAborted", "onExpired", "onTerminated", "poll"], ["next"]),
        "awaitSignal": (["on", "until"], ["on", "timeout", "onTimeout"]),
        "compute": (["assign", "next"], ["assign", "next"]),
        "capture": (["payment", "amount", "skipIfZero", "next"], ["amount", "next"]),
        "cancel": (["payment", "next"], ["next"]),
        "refund": (["payment", "amount", "next"], ["amount", "next"]),
        "notify": (["event", "endpoint", "payload", "next"], ["event", "next"]),
        "receipt": (["payment", "energyWh", "pricePerKWh", "startFee", "vatRate", "energyLineName", "startFeeLineName", "next"],
                    ["energyWh", "pricePerKWh", "vatRate", "next"]),
        "choice": (["choices", "default"], ["choices", "default"]),
        "wait": (["duration", "next"], ["duration", "next"]),
        "succeed": (["output"], []),
        "fail": (["error", "message"], ["error"]),
    ]

    func stepKind(_ kind: String, _ fields: [String: JSONNode], _ path: String, step: inout Step, node: JSONNode) -> StepKind? {
        func next(_ name: String = "next") -> String? { transition(fields[name], "\(path).\(name)") }
        func payment() -> String? { paymentReference(fields["payment"], "\(path).payment", stepNode: node) }
        switch kind {
        case "reserve": return reserve(fields, path, node: node).map(StepKind.reserve)
        case "awaitPayment": return awaitPayment(fields, path, step: &step, node: node).map(StepKind.awaitPayment)
        case "awaitSignal": return awaitSignal(fields, path, step: step).map(StepKind.awaitSignal)
        case "compute":
            let assign = assignments(fields["assign"], "\(path).assign")
            guard let next = next() else { return nil }
            return .compute(ComputeStep(assign: assign, next: next))
        case "capture":
            let amount = required(fields["amount"], "\(path).amount", expect: .money)
            let skip = bool(fields["skipIfZero"], "\(path).skipIfZero") ?? true
            guard let payment = payment(), let next = next() else { return nil }
            return .capture(CaptureStep(payment: payment, amount: amount, skipIfZero: skip, next: next))
        case "cancel":
            guard let payment = payment(), let next = next() else { return nil }
            return .cancel(CancelStep(payment: payment, next: next))
        case "refund":
            let amount = required(fields["amount"], "\(path).amount", expect: .money)
            guard let payment = payment(), let next = next() else { return nil }
            return .refund(RefundStep(payment: payment, amount: amount, next: next))
        case "notify":
            let event = string(fields["event"], "\(path).event")
            let endpoint = string(fields["endpoint"], "\(path).endpoint") ?? "station"
            var payload: [(name: String, value: Expression)] = []
            if let payloadNode = fields["payload"] {
                for member in namedMembers(payloadNode, "\(path).payload", what: "a payload") {
                    if let value = expression(member.value, Self.path("\(path).payload", member.key), expect: nil) {
                        payload.append((member.key, value))
                    }
                }
            }
            guard let event, let next = next() else { return nil }
            return .notify(NotifyStep(event: event, endpoint: endpoint, payload: payload, next: next))
        case "receipt":
            return receipt(fields, path, payment: payment(), next: next()).map(StepKind.receipt)
        case "choice":
            let branches = branches(fields["choices"], "\(path).choices")
            if let choicesNode = fields["choices"], case .array(let elements) = choicesNode.kind, elements.isEmpty {
                report("\(path).choices", choicesNode.position, "a choice needs at least one branch")
            }
            guard let defaultNext = next("default") else { return nil }
            return .choice(ChoiceStep(branches: branches, defaultNext: defaultNext))
        case "wait":
            let duration = required(fields["duration"], "\(path).duration", expect: .duration)
            if let literal = Self.literalDuration(duration), literal.milliseconds < 0, let durationNode = fields["duration"] {
                report("\(path).duration", durationNode.position, "a wait cannot be negative")
            }
            guard let next = next() else { return nil }
            return .wait(WaitStep(duration: duration, next: next))
        case "succeed":
            return .succeed(SucceedStep(output: outputs(fields["output"], "\(path).output")))
        case "fail":
            guard let error = string(fields["error"], "\(path).error") else { return nil }
            return .fail(FailStep(error: error, message: string(fields["message"], "\(path).message")))
        default:
            return nil
        }
    }

    /// `succeed.output`: named expressions of any type but phone numbers.
    private func outputs(_ node: JSONNode?, _ path: String) -> [Assignment] {
        guard let node else { return [] }
        return namedMembers(node, path, what: "outputs").compactMap { member in
            expression(member.value, Self.path(path, member.key), expect: nil).map { Assignment(variable: member.key, value: $0) }
        }
    }

    static func isValidReference(_ text: String) -> Bool {
        (8...64).contains(text.unicodeScalars.count)
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
