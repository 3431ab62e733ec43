extension DefinitionDecoder {
    /// First pass: step ids and kinds, so that later passes can check transitions and `steps.<id>` references.
    func declareSteps(_ elements: [JSONNode]) {
        var firstSeen: [String: SourcePosition] = [:]
        for (index, element) in elements.enumerated() {
            let path = "$.steps[\(index)]"
            guard case .object = element.kind else { continue }  // reported in the second pass
            guard let idNode = element["id"], case .string(let id) = idNode.kind else { continue }
            guard Self.isIdentifier(id) else {
                report("\(path).id", idNode.position, "step id \"\(id)\" is not a valid name",
                       hint: "ids start with a letter and contain only letters, digits and _, so expressions can say steps.\(id.filter { $0.isLetter || $0.isNumber }).<output>")
                continue
            }
            if id == Self.captureDeadlineAnchor {
                report("\(path).id", idNode.position, "step id \"\(id)\" is reserved",
                       hint: "a deadline's \"since\": \"\(id)\" means the payment's capture deadline, so a step of that name could never be its anchor; rename the step")
                continue
            }
            if let first = firstSeen[id] {
                report("\(path).id", idNode.position, "duplicate step id \"\(id)\" (first used at line \(first.line))", hint: "step ids must be unique")
                continue
            }
            firstSeen[id] = idNode.position
            let kind: String = if let kindNode = element["kind"], case .string(let name) = kindNode.kind { name } else { "" }
            stepKinds[id] = kind
            var outputs = StepKind.outputs(ofKind: kind)
            if kind == "reserve", Self.reserveUserFlow(element)?.returnsRedirectURL == false {
                // The provider sends no link for PUSH_MESSAGE: reading it would fail mid-session.
                outputs[.redirectUrl] = nil
            }
            scope.stepOutputs[id] = Dictionary(uniqueKeysWithValues: outputs.map { ($0.key.rawValue, $0.value) })
        }
    }

    /// A reserve step's `userFlow` as written (absent: the default, PUSH_MESSAGE); `nil` when it is not a known
    /// one, which the second pass reports.
    static func reserveUserFlow(_ element: JSONNode) -> ReserveStep.UserFlow? {
        guard let node = element["userFlow"] else { return .pushMessage }
        guard case .string(let text) = node.kind else { return nil }
        return ReserveStep.UserFlow(rawValue: text)
    }

    /// Fields every step may have, per kind: side effects may retry; waits and side effects may time out.
    private static func commonFields(for kind: String) -> [String] {
        switch kind {
        case "reserve", "capture", "cancel", "refund", "notify", "receipt": ["retry", "timeout", "onTimeout", "onFailure"]
        case "awaitPayment", "awaitSignal": ["timeout", "onTimeout", "onFailure"]
        case "compute", "choice", "wait": ["onFailure"]
        default: []
        }
    }

    /// Second pass: one full step.
    func step(_ node: JSONNode, index: Int, seenIDs: inout Set<String>) -> Step? {
        let path = "$.steps[\(index)]"
        guard case .object = node.kind else {
            report(path, node.position, "expected a step as an object, found \(node.typeName)")
            return nil
        }
        guard let kindNode = node["kind"] else {
            report(path, node.position, "missing required field \"kind\" in a step", hint: "kinds: \(StepKind.names.joined(separator: ", "))")
            return nil
        }
        guard let kind = string(kindNode, "\(path).kind") else { return nil }
        guard let fields = Self.kindFields[kind] else {
            report("\(path).kind", kindNode.position, "unknown step kind \"\(kind)\"",
                   hint: Self.closest(to: kind, in: StepKind.names).map { "did you mean \"\($0)\"?" } ?? "kinds: \(StepKind.names.joined(separator: ", "))")
            return nil
        }
        let allowed = ["id", "kind", "description"] + Self.commonFields(for: kind) + fields.allowed
        guard let members = members(node, path, allowed: allowed, required: ["id"] + fields.required, what: "a \(kind) step") else { return nil }
        guard let id = string(members["id"], "\(path).id"), stepKinds[id] == kind, seenIDs.insert(id).inserted else { return nil }

        var step = Step(id: id, kind: .succeed(SucceedStep(output: [])), jsonPath: path, position: node.position)
        step.onFailure = transition(members["onFailure"], "\(path).onFailure")
        step.onTimeout = transition(members["onTimeout"], "\(path).onTimeout")
        step.timeout = expression(members["timeout"], "\(path).timeout", expect: .duration)
        if let literal = Self.literalDuration(step.timeout), literal.milliseconds <= 0, let timeoutNode = members["timeout"] {
            report("\(path).timeout", timeoutNode.position, "timeout must be positive")
        }
        if let retryNode = members["retry"] { step.retry = retryPolicy(retryNode, "\(path).retry") }
        guard let decoded = stepKind(kind, members, path, step: &step, node: node) else { return nil }
        step.kind = decoded
        return step
    }

    func retryPolicy(_ node: JSONNode, _ path: String) -> StepRetryPolicy? {
        let names = ["maxAttempts", "initialBackoff", "maxBackoff", "multiplier", "jitter", "retryOn"]
        guard let fields = members(node, path, allowed: names, what: "a retry policy") else { return nil }
        var policy = StepRetryPolicy.standard
        if let value = integer(fields["maxAttempts"], "\(path).maxAttempts", in: 1...100) { policy.maxAttempts = Int(value) }
        if let value = duration(fields["initialBackoff"], "\(path).initialBackoff") { policy.initialBackoff = value }
        if let value = duration(fields["maxBackoff"], "\(path).maxBackoff") { policy.maxBackoff = value }
        if let value = integer(fields["multiplier"], "\(path).multiplier", in: 1...10) { policy.multiplier = Int(value) }
        if let jitterNode = fields["jitter"], let text = string(jitterNode, "\(path).jitter") {
            if let jitter = StepRetryPolicy.Jitter(rawValue: text) {
                policy.jitter = jitter
            } else {
                report("\(path).jitter", jitterNode.position, "unknown jitter \"\(text)\"", hint: "one of: none, full, equal")
            }
        }
        if policy.initialBackoff > policy.maxBackoff, let node = fields["initialBackoff"] {
            report("\(path).initialBackoff", node.position, "initialBackoff \(policy.initialBackoff) is longer than maxBackoff \(policy.maxBackoff)")
        }
        if let classesNode = fields["retryOn"] {
            guard case .array(let elements) = classesNode.kind else {
                report("\(path).retryOn", classesNode.position, "expected an array of error classes, found \(classesNode.typeName)")
                return policy
            }
            policy.retryOn = []
            for (index, element) in elements.enumerated() {
                guard let text = string(element, "\(path).retryOn[\(index)]") else { continue }
                if let errorClass = StepRetryPolicy.ErrorClass(rawValue: text) {
                    policy.retryOn.insert(errorClass)
                } else {
                    report("\(path).retryOn[\(index)]", element.position, "unknown error class \"\(text)\"",
                           hint: "one of: \(StepRetryPolicy.ErrorClass.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
        }
        return policy
    }

    /// The `payment` field of a payment step: a `reserve` step id, optional when the flow has exactly one.
    func paymentReference(_ node: JSONNode?, _ path: String, stepNode: JSONNode) -> String? {
        if let node {
            guard let id = transition(node, path) else { return nil }
            guard stepKinds[id] == "reserve" else {
                report(path, node.position, "\"\(id)\" is a \(stepKinds[id] ?? "") step, not a reserve step", hint: "payment names the reserve step that created the payment")
                return nil
            }
            return id
        }
        let reserves = stepKinds.filter { $0.value == "reserve" }.map(\.key).sorted()
        guard reserves.count == 1 else {
            report(path, stepNode.position,
                   reserves.isEmpty ? "this step needs a payment, but the flow has no reserve step" : "several reserve steps (\(reserves.joined(separator: ", "))): say which with \"payment\"")
            return nil
        }
        return reserves[0]
    }
}
