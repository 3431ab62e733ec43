extension DefinitionDecoder {
    func awaitPayment(_ fields: [String: JSONNode], _ path: String, step: inout Step, node: JSONNode) -> AwaitPaymentStep? {
        let payment = paymentReference(fields["payment"], "\(path).payment", stepNode: node)
        let next = transition(fields["next"], "\(path).next")
        // Outcomes without their own transition go to onFailure; with neither, the flow would not say where an
        // aborted payment goes, which is exactly the case that must not be forgotten.
        func outcome(_ name: String, _ state: String) -> String? {
            if let node = fields[name] { return transition(node, "\(path).\(name)") }
            if let failure = step.onFailure { return failure }
            report(path, node.position, "awaitPayment does not say where a \(state) payment goes", hint: "set \"\(name)\" or \"onFailure\"")
            return nil
        }
        let aborted = outcome("onAborted", "ABORTED")
        let expired = outcome("onExpired", "EXPIRED")
        let terminated = outcome("onTerminated", "TERMINATED")
        var first = AwaitPaymentStep.defaultPollFirstAfter
        var every = AwaitPaymentStep.defaultPollInterval
        if let pollNode = fields["poll"], let poll = members(pollNode, "\(path).poll", allowed: ["firstAfter", "every"], what: "a polling schedule") {
            first = duration(poll["firstAfter"], "\(path).poll.firstAfter") ?? first
            every = duration(poll["every"], "\(path).poll.every") ?? every
            if every < .seconds(1), let everyNode = poll["every"] {
                report("\(path).poll.every", everyNode.position, "polling every \(every) is too fast",
                       hint: "the polling guidelines say ~5 s after create, then every ~2 s; GET payment is limited to 120 per minute")
            }
        }
        if let timeout = Self.literalDuration(step.timeout), timeout < AwaitPaymentStep.minimumTimeout, let timeoutNode = fields["timeout"] {
            report("\(path).timeout", timeoutNode.position, "a payment wait shorter than 10m gives up before the customer's time is over",
                   hint: "the customer has 10 minutes to approve; the provider reports EXPIRED after that")
        }
        if step.timeout == nil { step.timeout = try? Expression(parsing: AwaitPaymentStep.defaultTimeout.description, in: scope) }
        if step.onTimeout == nil { step.onTimeout = expired }
        guard let payment, let next, let aborted, let expired, let terminated else { return nil }
        return AwaitPaymentStep(payment: payment, next: next, onAborted: aborted, onExpired: expired, onTerminated: terminated,
                                pollFirstAfter: first, pollInterval: every)
    }

    func awaitSignal(_ fields: [String: JSONNode], _ path: String, step: Step) -> AwaitSignalStep? {
        var handlers: [AwaitSignalStep.Handler] = []
        if let onNode = fields["on"] {
            for member in namedMembers(onNode, "\(path).on", what: "signal handlers") {
                let handlerPath = Self.path("\(path).on", member.key)
                guard scope.signals[member.key] != nil else {
                    report(handlerPath, member.keyPosition, "no signal named \"\(member.key)\"",
                           hint: "declare it under \"signals\"; declared: \(scope.signals.keys.sorted().joined(separator: ", "))")
                    continue
                }
                guard let handler = members(member.value, handlerPath, allowed: ["assign", "next"], what: "a signal handler") else { continue }
                var handlerScope = scope
                handlerScope.currentSignal = member.key
                let assign = assignments(handler["assign"], "\(handlerPath).assign", scope: handlerScope)
                let next = transition(handler["next"], "\(handlerPath).next")
                handlers.append(AwaitSignalStep.Handler(signal: member.key, assign: assign, next: next))
            }
            if case .object(let list) = onNode.kind, list.isEmpty {
                report("\(path).on", onNode.position, "an awaitSignal step needs at least one signal handler")
            }
        }
        let until = branches(fields["until"], "\(path).until")
        guard step.timeout != nil, step.onTimeout != nil else { return nil }
        return AwaitSignalStep(handlers: handlers, until: until)
    }
}
