extension DefinitionDecoder {
    /// The top-level `meterValues` mapping (see ``MeterValuesMapping``), checked against the declared signals.
    func meterValues(_ node: JSONNode?, signals: [SignalDeclaration]) -> MeterValuesMapping? {
        guard let node else { return nil }
        let path = "$.meterValues"
        guard let fields = members(node, path, allowed: ["description", "reading", "ended", "energyField"], required: ["reading"],
                                   what: "a meterValues mapping") else { return nil }
        _ = string(fields["description"], "\(path).description")
        var energyField = "energyWh"
        if let fieldNode = fields["energyField"] {
            guard let name = string(fieldNode, "\(path).energyField") else { return nil }
            guard Self.isIdentifier(name) else {
                report("\(path).energyField", fieldNode.position, "\"\(name)\" is not a valid field name",
                       hint: "names start with a letter and contain only letters, digits and _")
                return nil
            }
            energyField = name
        }
        let reading = mappedSignal(fields["reading"], "\(path).reading", energyField: energyField, fieldNode: fields["energyField"], signals: signals)
        let ended = mappedSignal(fields["ended"], "\(path).ended", energyField: energyField, fieldNode: fields["energyField"], signals: signals)
        if let reading, let ended, reading == ended, let endedNode = fields["ended"] {
            report("\(path).ended", endedNode.position, "\"ended\" names the same signal as \"reading\"",
                   hint: "use a signal of its own for the end of the session (sessionEnded), or leave \"ended\" out")
            return nil
        }
        guard let reading, fields["ended"] == nil || ended != nil else { return nil }
        return MeterValuesMapping(reading: reading, ended: ended, energyField: energyField)
    }

    /// A signal named by the mapping: declared, with `energyField` as an integer and no field meter values cannot fill.
    private func mappedSignal(_ node: JSONNode?, _ path: String, energyField: String, fieldNode: JSONNode?, signals: [SignalDeclaration]) -> String? {
        guard let name = string(node, path), let node else { return nil }
        guard let declaration = signals.first(where: { $0.name == name }) else {
            let suggestion = Self.closest(to: name, in: signals.map(\.name))
            report(path, node.position, "meterValues maps to unknown signal \"\(name)\"",
                   hint: suggestion.map { "did you mean \"\($0)\"?" }
                       ?? "declare it under \"signals\": \"\(name)\": { \"fields\": { \"\(energyField)\": \"integer\" } }")
            return nil
        }
        var valid = true
        if let field = declaration.fields.first(where: { $0.name == energyField }) {
            if field.type != .integer {
                report(path, fieldNode?.position ?? node.position, "signal \"\(name)\" declares \(energyField) as \(field.type), not integer",
                       hint: "meter values arrive as whole Wh: declare \"\(energyField)\": \"integer\"")
                valid = false
            }
        } else {
            report(path, node.position, "signal \"\(name)\" has no field \"\(energyField)\" for the energy",
                   hint: "declare \"fields\": { \"\(energyField)\": \"integer\" } on it, or set \"energyField\" to its energy field")
            valid = false
        }
        for field in declaration.fields where field.name != energyField {
            report(path, node.position, "signal \"\(name)\" declares field \"\(field.name)\", which OCPP meter values cannot fill",
                   hint: "map meter values to a signal whose only field is \(energyField)")
            valid = false
        }
        return valid ? name : nil
    }
}
