import EPaymentSimulator
import FlowEngine

extension ScenarioDecoder {
    static let eventActions = ["signal", "customer", "fault", "stationFails", "meterValues"]

    func events(_ node: JSONNode, definition: FlowDefinition?) -> [FlowScenario.Event] {
        guard case .array(let elements) = node.kind else {
            report("$.timeline", node, "expected an array of events, found \(node.typeName)")
            return []
        }
        var events: [FlowScenario.Event] = []
        var previous = FlowDuration(milliseconds: 0)
        for (index, element) in elements.enumerated() {
            let path = "$.timeline[\(index)]"
            guard let fields = members(element, path, allowed: ["at", "signal", "data", "id", "customer", "fault", "stationFails", "meterValues"],
                                       required: ["at"], what: "a timeline event") else { continue }
            guard let at = duration(fields["at"], "\(path).at") else { continue }
            if at < previous {
                report("\(path).at", fields["at"], "events must be in time order: \(at) comes after \(previous)")
            }
            previous = max(previous, at)
            let given = Self.eventActions.filter { fields[$0] != nil }
            if given.count > 1 {
                report(path, element, "one action per event, found \(given.joined(separator: " and "))", hint: "split it into two events at the same time")
                continue
            }
            if given.first != "signal" {
                for extra in ["data", "id"] where fields[extra] != nil {
                    report("\(path).\(extra)", fields[extra], "\"\(extra)\" belongs to a signal event")
                }
            }
            let action: FlowScenario.Event.Action?
            switch given.first {
            case "signal": action = signal(fields, path, definition: definition)
            case "customer":
                let names = FlowScenario.CustomerAction.allCases.map(\.rawValue)
                if let text = string(fields["customer"], "\(path).customer") {
                    action = FlowScenario.CustomerAction(rawValue: text).map { .customer($0) }
                    if action == nil {
                        report("\(path).customer", fields["customer"], "unknown customer action \"\(text)\"", hint: "use one of: \(names.joined(separator: ", "))")
                    }
                } else { action = nil }
            case "fault": action = fault(fields["fault"]!, "\(path).fault")
            case "meterValues": action = meterValues(fields["meterValues"]!, "\(path).meterValues", definition: definition)
            case "stationFails":
                action = integer(fields["stationFails"], "\(path).stationFails", in: 0...1000).map { .stationFails(Int($0)) }
            default: action = .advance
            }
            if let action { events.append(.init(at: at, action: action, path: path)) }
        }
        return events
    }

    /// An OCPP message, checked now as the engine will read it, so a scenario never fails for a typo in one.
    private func meterValues(_ node: JSONNode, _ path: String, definition: FlowDefinition?) -> FlowScenario.Event.Action? {
        let text = String(decoding: node.canonicalBytes, as: UTF8.self)
        do {
            _ = try MeterValuesMessage.reading(fromJSON: text)
        } catch {
            report(path + error.field.dropFirst(), node, "not an OCPP message evflow can bill from: \(error.detail)")
            return nil
        }
        if let definition, definition.meterValues == nil {
            report(path, node, "flow \"\(definition.name)\" declares no \"meterValues\" mapping, so it takes no OCPP meter values",
                   hint: "add \"meterValues\": { \"reading\": ..., \"ended\": ... } to the flow, or send its signals")
            return nil
        }
        return .meterValues(text)
    }

    private func signal(_ fields: [String: JSONNode], _ path: String, definition: FlowDefinition?) -> FlowScenario.Event.Action? {
        guard let name = string(fields["signal"], "\(path).signal") else { return nil }
        let id = fields["id"].flatMap { string($0, "\(path).id") }
        guard let definition else { return nil }
        guard let declaration = definition.signal(name) else {
            let names = definition.signals.map(\.name)
            report("\(path).signal", fields["signal"], "flow \"\(definition.name)\" declares no signal \"\(name)\"",
                   hint: closest(name, in: names).map { "did you mean \"\($0)\"?" } ?? "its signals: \(names.joined(separator: ", "))")
            return nil
        }
        var data: [String: Value] = [:]
        let dataNode = fields["data"]
        if let dataNode {
            guard case .object(let members) = dataNode.kind else {
                report("\(path).data", dataNode, "expected an object of signal fields, found \(dataNode.typeName)")
                return nil
            }
            for member in members {
                guard let field = declaration.fields.first(where: { $0.name == member.key }) else {
                    report("\(path).data.\(member.key)", member.value, "signal \"\(name)\" has no field \"\(member.key)\"",
                           hint: "its fields: \(declaration.fields.map(\.name).joined(separator: ", "))")
                    continue
                }
                if let value = literal(member.value, "\(path).data.\(member.key)", type: field.type) { data[member.key] = value }
            }
        }
        for field in declaration.fields where dataNode?[field.name] == nil {
            report("\(path).data", dataNode ?? fields["signal"], "signal \"\(name)\" needs field \"\(field.name)\" (\(field.type))")
        }
        return .signal(name: name, data: data, id: id)
    }

    /// `{"operation": "capturePayment", "fault": "serverError", "times": 1}`, or `{"operation": ..., "clear": true}`.
    private func fault(_ node: JSONNode, _ path: String) -> FlowScenario.Event.Action? {
        guard case .object(let members) = node.kind else {
            report(path, node, "expected an object, found \(node.typeName)")
            return nil
        }
        guard let operationNode = node["operation"], let name = string(operationNode, "\(path).operation") else {
            report(path, node, "a fault event needs \"operation\"")
            return nil
        }
        guard let operation = operation(name, "\(path).operation", operationNode) else { return nil }
        if let clear = node["clear"] {
            if members.count > 2 { report(path, node, "\"clear\" takes no other fault fields") }
            return bool(clear, "\(path).clear") == true ? .fault(operation, nil) : nil
        }
        let rest = JSONNode(kind: .object(members.filter { $0.key != "operation" }), position: node.position)
        return faultRule(rest, path).map { .fault(operation, $0) }
    }

    // MARK: Expectations

    static let expectationFields = ["status", "failure", "paymentState", "reserved", "captured", "released", "refunded", "held",
                                    "captures", "payments", "steps", "stepsInclude", "stepsExclude", "notifications", "receipt"]

    func expectations(_ node: JSONNode, definition: FlowDefinition?) -> FlowScenario.Expectations? {
        guard let fields = members(node, "$.expect", allowed: Self.expectationFields, what: "expectations") else { return nil }
        if fields.isEmpty { report("$.expect", node, "expect at least one thing", hint: "for example \"status\": \"succeeded\"") }
        var expect = FlowScenario.Expectations()
        if let node = fields["status"], let status = string(node, "$.expect.status") {
            let statuses = ["succeeded", "failed", "waiting", "running"]
            if statuses.contains(status) { expect.status = status } else {
                report("$.expect.status", node, "unknown status \"\(status)\"", hint: "use one of: \(statuses.joined(separator: ", "))")
            }
        }
        expect.failure = fields["failure"].flatMap { string($0, "$.expect.failure") }
        expect.paymentState = fields["paymentState"].flatMap { string($0, "$.expect.paymentState") }
        expect.reserved = fields["reserved"].flatMap { minorUnits($0, "$.expect.reserved") }
        expect.captured = fields["captured"].flatMap { minorUnits($0, "$.expect.captured") }
        expect.released = fields["released"].flatMap { minorUnits($0, "$.expect.released") }
        expect.refunded = fields["refunded"].flatMap { minorUnits($0, "$.expect.refunded") }
        expect.held = fields["held"].flatMap { minorUnits($0, "$.expect.held") }
        expect.captures = fields["captures"].flatMap { integer($0, "$.expect.captures", in: 0...1000) }.map(Int.init)
        expect.payments = fields["payments"].flatMap { integer($0, "$.expect.payments", in: 0...1000) }.map(Int.init)
        let stepIDs = definition.map { $0.steps.map(\.id) }
        expect.steps = fields["steps"].flatMap { stringList($0, "$.expect.steps", known: stepIDs, what: "step") }
        expect.stepsInclude = fields["stepsInclude"].flatMap { stringList($0, "$.expect.stepsInclude", known: stepIDs, what: "step") }
        expect.stepsExclude = fields["stepsExclude"].flatMap { stringList($0, "$.expect.stepsExclude", known: stepIDs, what: "step") }
        let events = definition.map { definition in
            definition.steps.compactMap { step -> String? in if case .notify(let notify) = step.kind { notify.event } else { nil } }
        }
        expect.notifications = fields["notifications"].flatMap { stringList($0, "$.expect.notifications", known: events, what: "notification event") }
        expect.receipt = fields["receipt"].flatMap { receiptExpectation($0, "$.expect.receipt") }
        return expect
    }

    private func receiptExpectation(_ node: JSONNode, _ path: String) -> FlowScenario.ReceiptExpectation? {
        if case .bool(false) = node.kind { return FlowScenario.ReceiptExpectation.none }
        guard let fields = members(node, path, allowed: ["lines", "total", "tax"], what: "a receipt expectation (or false for none)") else { return nil }
        return .sent(lines: fields["lines"].flatMap { stringList($0, "\(path).lines", known: nil, what: "line") },
                     total: fields["total"].flatMap { minorUnits($0, "\(path).total") },
                     tax: fields["tax"].flatMap { minorUnits($0, "\(path).tax") })
    }

    /// Money in an expectation: minor units (`4788`) or `{"value": 4788, "currency": "NOK"}`.
    private func minorUnits(_ node: JSONNode, _ path: String) -> Int64? {
        if case .object = node.kind { return literal(node, path, type: .money)?.moneyValue?.minorUnits }
        return integer(node, path, in: 0...Int64.max)
    }

    private func stringList(_ node: JSONNode, _ path: String, known: [String]?, what: String) -> [String]? {
        guard case .array(let elements) = node.kind else {
            report(path, node, "expected an array of strings, found \(node.typeName)")
            return nil
        }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard let text = string(element, "\(path)[\(index)]") else { continue }
            if let known, !known.contains(text) {
                report("\(path)[\(index)]", element, "the flow has no \(what) \"\(text)\"",
                       hint: closest(text, in: known).map { "did you mean \"\($0)\"?" } ?? "known: \(Array(Set(known)).sorted().joined(separator: ", "))")
            }
            result.append(text)
        }
        return result
    }
}
