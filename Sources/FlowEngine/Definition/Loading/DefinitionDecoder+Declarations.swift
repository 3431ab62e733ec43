extension DefinitionDecoder {
    static let typeNames = ValueType.allCases.map(\.rawValue)

    func valueType(_ node: JSONNode?, _ path: String, allowPhoneNumber: Bool = true) -> ValueType? {
        guard let text = string(node, path), let node else { return nil }
        guard let type = ValueType(rawValue: text), allowPhoneNumber || type != .phoneNumber else {
            let allowed = Self.typeNames.filter { allowPhoneNumber || $0 != "phoneNumber" }
            report(path, node.position, "unknown type \"\(text)\"",
                   hint: Self.closest(to: text, in: allowed).map { "did you mean \"\($0)\"?" } ?? "types: \(allowed.joined(separator: ", "))")
            return nil
        }
        return type
    }

    func inputs(_ node: JSONNode?) -> [InputDeclaration] {
        guard let node else { return [] }
        var result: [InputDeclaration] = []
        for member in namedMembers(node, "$.inputs", what: "inputs") {
            let path = Self.path("$.inputs", member.key)
            guard let fields = members(member.value, path, allowed: ["type", "default", "description"], required: ["type"], what: "an input"),
                let type = valueType(fields["type"], "\(path).type")
            else { continue }
            let defaultValue = fields["default"].flatMap { literal($0, "\(path).default", type: type) }
            let description = string(fields["description"], "\(path).description")
            result.append(InputDeclaration(name: member.key, type: type, defaultValue: defaultValue, description: description))
            scope.inputs[member.key] = type
        }
        return result
    }

    /// A literal value written in JSON: money as `{"value": 35000, "currency": "NOK"}`, durations as `"5s"`.
    func literal(_ node: JSONNode, _ path: String, type: ValueType) -> Value? {
        switch type.kind {
        case .money:
            guard let fields = members(node, path, allowed: ["value", "currency"], required: ["value", "currency"], what: "money") else { return nil }
            let units: Int64?
            if let valueNode = fields["value"], case .number(let text) = valueNode.kind, Int64(text) == nil {
                report("\(path).value", valueNode.position, "bad money: \(text) is not a whole number of minor units",
                       hint: "write minor units as an integer: 10.50 NOK is 1050")
                units = nil
            } else {
                units = integer(fields["value"], "\(path).value", in: 0...Int64.max)
            }
            guard let code = string(fields["currency"], "\(path).currency"), let currencyNode = fields["currency"] else { return nil }
            guard Money.supportedCurrencies.contains(code) else {
                report("\(path).currency", currencyNode.position, "bad currency \"\(code)\"", hint: "the ePayment API accepts NOK, DKK and EUR")
                return nil
            }
            return units.map { .money(Money(minorUnits: $0, currency: code)) }
        case .integer: return integer(node, path).map(Value.integer)
        case .boolean: return bool(node, path).map(Value.boolean)
        case .string: return string(node, path).map(Value.string)
        case .duration: return duration(node, path).map(Value.duration)
        case .phoneNumber:
            guard let text = string(node, path) else { return nil }
            if let problem = InputValidationError.problem(with: .phoneNumber(text)) {
                report(path, node.position, "bad phone number: \(problem)")
                return nil
            }
            return .phoneNumber(text)
        }
    }

    func variables(_ node: JSONNode?) -> [VariableDeclaration] {
        guard let node else { return [] }
        var inputScope = TypeScope()
        inputScope.inputs = scope.inputs
        var result: [VariableDeclaration] = []
        for member in namedMembers(node, "$.variables", what: "variables") {
            let path = Self.path("$.variables", member.key)
            guard let fields = members(member.value, path, allowed: ["type", "initial", "description"], required: ["type"], what: "a variable"),
                let type = valueType(fields["type"], "\(path).type", allowPhoneNumber: false)
            else { continue }
            scope.variables[member.key] = type
            let initial: Expression?
            if let initialNode = fields["initial"] {
                initial = expression(initialNode, "\(path).initial", expect: type, scope: inputScope)
            } else if let zero = Self.zeroSource(for: type) {
                initial = try? Expression(parsing: zero, in: inputScope)
            } else {
                report(path, member.value.position, "money variable \"\(member.key)\" needs an \"initial\" value, which fixes its currency",
                       hint: "for example \"initial\": \"money(0, currency(inputs.maxAmount))\"")
                initial = nil
            }
            if let initial { result.append(VariableDeclaration(name: member.key, type: type, initial: initial)) }
        }
        return result
    }

    private static func zeroSource(for type: ValueType) -> String? {
        switch type.kind {
        case .integer: "0"
        case .boolean: "false"
        case .string: "''"
        case .duration: "0s"
        case .money, .phoneNumber: nil
        }
    }

    func signals(_ node: JSONNode?) -> [SignalDeclaration] {
        guard let node else { return [] }
        var result: [SignalDeclaration] = []
        for member in namedMembers(node, "$.signals", what: "signals") {
            let path = Self.path("$.signals", member.key)
            guard let fields = members(member.value, path, allowed: ["fields", "description"], what: "a signal") else { continue }
            var declared: [SignalDeclaration.Field] = []
            if let fieldsNode = fields["fields"] {
                for field in namedMembers(fieldsNode, "\(path).fields", what: "signal fields") {
                    if let type = valueType(field.value, Self.path("\(path).fields", field.key), allowPhoneNumber: false) {
                        declared.append(SignalDeclaration.Field(name: field.key, type: type))
                    }
                }
            }
            result.append(SignalDeclaration(name: member.key, fields: declared, description: string(fields["description"], "\(path).description")))
            scope.signals[member.key] = Dictionary(declared.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        }
        return result
    }

    func deadlines(_ node: JSONNode?) -> [Deadline] {
        guard let node else { return [] }
        guard case .array(let elements) = node.kind else {
            report("$.deadlines", node.position, "expected an array of deadlines, found \(node.typeName)")
            return []
        }
        var result: [Deadline] = []
        var seen: Set<String> = []
        for (index, element) in elements.enumerated() {
            let path = "$.deadlines[\(index)]"
            guard let fields = members(element, path, allowed: ["id", "description", "after", "before", "since", "during", "goto"],
                                       required: ["id", "during", "goto"], what: "a deadline") else { continue }
            let id = string(fields["id"], "\(path).id")
            if let id, let idNode = fields["id"], !seen.insert(id).inserted {
                report("\(path).id", idNode.position, "duplicate deadline id \"\(id)\"")
            }
            var anchor = Deadline.Anchor.start
            if let sinceNode = fields["since"], let since = string(sinceNode, "\(path).since"), since != "start" {
                if since == Self.captureDeadlineAnchor {
                    anchor = .captureDeadline
                } else if let step = transition(sinceNode, "\(path).since") {
                    anchor = .stepCompleted(step)
                }
            }
            let after = deadlineOffset(fields, path, anchor: anchor, at: element.position)
            var during: Set<String> = []
            if let duringNode = fields["during"] {
                if case .array(let ids) = duringNode.kind, !ids.isEmpty {
                    for (offset, idNode) in ids.enumerated() {
                        if let step = transition(idNode, "\(path).during[\(offset)]") { during.insert(step) }
                    }
                } else {
                    report("\(path).during", duringNode.position, "expected a non-empty array of step ids",
                           hint: "list the steps the deadline may interrupt, so it never interrupts the capture it forces")
                }
            }
            let goto = transition(fields["goto"], "\(path).goto")
            if let id, let after, let goto {
                result.append(Deadline(id: id, after: after, since: anchor, during: during, goto: goto, jsonPath: path))
            }
        }
        return result
    }

    /// `since` naming the provider's capture deadline of the instance's payment (``Deadline/Anchor/captureDeadline``).
    static let captureDeadlineAnchor = "captureDeadline"

    /// A deadline's duration: `after` its anchor, or `before` the capture deadline (and only there: nothing can
    /// happen after the provider has cancelled the payment).
    private func deadlineOffset(_ fields: [String: JSONNode], _ path: String, anchor: Deadline.Anchor, at position: SourcePosition) -> Expression? {
        let field = anchor == .captureDeadline ? "before" : "after"
        let other = anchor == .captureDeadline ? "after" : "before"
        if let wrong = fields[other] {
            let hint = anchor == .captureDeadline
                ? "the provider cancels the payment at its capture deadline, so nothing can be done after it; write \"before\": \"2d\" to act ahead of it"
                : "\"before\" counts back from the capture deadline; use it with \"since\": \"captureDeadline\", or write \"after\""
            report("\(path).\(other)", wrong.position, "a deadline \(anchor == .captureDeadline ? "since captureDeadline" : "since a step or the start") takes \"\(field)\", not \"\(other)\"", hint: hint)
            return nil
        }
        guard fields[field] != nil else {
            report(path, position, "a deadline needs \"\(field)\" (a duration)",
                   hint: anchor == .captureDeadline ? "for example \"before\": \"2d\": two days ahead of the provider's capture deadline" : "for example \"after\": \"12h\"")
            return nil
        }
        return expression(fields[field], "\(path).\(field)", expect: .duration)
    }
}
