extension DefinitionDecoder {
    static let topLevelFields = ["$schema", "name", "version", "description", "inputs", "variables", "signals", "start", "deadlines", "steps", "meterValues"]

    /// Decodes and validates a whole definition. Returns `nil` when any issue was reported.
    func decode(_ root: JSONNode, canonicalBytes: [UInt8]) -> FlowDefinition? {
        guard let fields = members(root, "$", allowed: Self.topLevelFields, required: ["name", "version", "steps"], what: "a flow definition") else {
            return nil
        }
        let name = string(fields["name"], "$.name")
        if let name, let nameNode = fields["name"], !Self.isFlowName(name) {
            report("$.name", nameNode.position, "flow name \"\(name)\" is not valid", hint: "lower-case letters, digits and hyphens, starting with a letter: ev-charging")
        }
        let version = integer(fields["version"], "$.version", in: 1...Int64(Int32.max))
        let description = string(fields["description"], "$.description") ?? ""
        let inputs = inputs(fields["inputs"])
        let variables = variables(fields["variables"])
        let signals = signals(fields["signals"])
        let meterValues = meterValues(fields["meterValues"], signals: signals)

        var steps: [Step] = []
        if let stepsNode = fields["steps"] {
            if case .array(let elements) = stepsNode.kind, !elements.isEmpty {
                declareSteps(elements)
                var seen: Set<String> = []
                for (index, element) in elements.enumerated() {
                    if let step = step(element, index: index, seenIDs: &seen) { steps.append(step) } else { graphIncomplete = true }
                }
            } else {
                report("$.steps", stepsNode.position, "expected a non-empty array of steps, found \(stepsNode.typeName)")
            }
        }
        let deadlines = deadlines(fields["deadlines"])
        var start = steps.first?.id
        if let startNode = fields["start"] { start = transition(startNode, "$.start") }

        // Graph checks need every step; with steps missing they would report consequences, not causes.
        if let start, !graphIncomplete {
            GraphValidator(steps: steps, start: start, deadlines: deadlines, decoder: self).validate()
            CaptureBoundCheck(steps: steps, deadlines: deadlines, decoder: self).validate()
            StepOutputAvailabilityCheck(steps: steps, start: start, deadlines: deadlines, decoder: self).validate()
            PaymentOrderCheck(graph: StepGraph(steps: steps, start: start, deadlines: deadlines), decoder: self).validate()
        }
        guard issues.isEmpty, let name, let version, let start else { return nil }
        return FlowDefinition(
            name: name, version: Int(version), description: description, inputs: inputs, variables: variables, signals: signals,
            steps: steps, start: start, deadlines: deadlines, canonicalBytes: canonicalBytes, file: file, meterValues: meterValues)
    }

    static func isFlowName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first), text.count <= 64 else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
