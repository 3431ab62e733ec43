import EPaymentSimulator
import FlowEngine
import Foundation

/// Turns a flow-test file into a ``FlowScenario``, collecting every problem with its JSON path and position
/// rather than stopping at the first. Checks the scenario against its flow too: inputs and signal data are typed
/// by the definition, step ids and notification events must exist in it.
final class ScenarioDecoder {
    let file: String
    let definitions: [String: FlowDefinition]
    private(set) var issues: [ScenarioFileError.Issue] = []

    init(file: String, definitions: [String: FlowDefinition]) {
        self.file = file
        self.definitions = definitions
    }

    func report(_ path: String, _ node: JSONNode?, _ message: String, hint: String? = nil) {
        let position = node?.position ?? SourcePosition(line: 1, column: 1)
        issues.append(.init(file: file, jsonPath: path, line: position.line, column: position.column, message: message, hint: hint))
    }

    static let topLevelFields = ["$schema", "name", "description", "flow", "instanceId", "input", "provider", "station",
                                 "timeline", "runFor", "expect"]

    func decode(_ root: JSONNode) -> FlowScenario? {
        guard let fields = members(root, "$", allowed: Self.topLevelFields, required: ["name", "flow", "expect"], what: "a scenario") else {
            return nil
        }
        let name = string(fields["name"], "$.name")
        if let name, let node = fields["name"], InstanceID.problem(with: "test-" + name) != nil {
            report("$.name", node, "a scenario name may contain only letters, digits, '-' and '_' (got \"\(name)\")")
        }
        let description = string(fields["description"], "$.description")
        let flowName = string(fields["flow"], "$.flow")
        var definition: FlowDefinition?
        if let flowName, let node = fields["flow"] {
            definition = definitions[flowName]
            if definition == nil {
                report("$.flow", node, "no flow named \"\(flowName)\" in the flows folder",
                       hint: closest(flowName, in: Array(definitions.keys)).map { "did you mean \"\($0)\"?" }
                           ?? "known flows: \(definitions.keys.sorted().joined(separator: ", "))")
            }
        }
        var instanceID = name.map { "test-" + $0 } ?? "test"
        if let node = fields["instanceId"], let id = string(node, "$.instanceId") {
            if let problem = InstanceID.problem(with: id) { report("$.instanceId", node, problem) } else { instanceID = id }
        }
        let inputs = definition.map { self.inputs(fields["input"], root: root, for: $0) } ?? [:]
        var timeline: [FlowScenario.Event] = []
        var faults: [SimulatedOperation: FaultRule] = [:]
        if let provider = fields["provider"] {
            decodeProvider(provider, faults: &faults, timeline: &timeline)
        }
        var stationFailures = 0
        if let station = fields["station"],
           let stationFields = members(station, "$.station", allowed: ["failNotifications"], what: "the station's behaviour") {
            stationFailures = Int(integer(stationFields["failNotifications"], "$.station.failNotifications", in: 0...1000) ?? 0)
        }
        if let node = fields["timeline"] {
            timeline += events(node, definition: definition)
        }
        // The customer's script and the timeline merge by time; at equal times the customer acts first.
        timeline = timeline.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var runFor = FlowDuration(milliseconds: 2 * 86_400_000)
        if let node = fields["runFor"], let duration = duration(node, "$.runFor") { runFor = duration }
        if let last = timeline.last, last.at > runFor, let node = fields["runFor"] {
            report("$.runFor", node, "runFor (\(runFor)) ends before the last timeline event (\(last.at))")
        }
        let expectations = fields["expect"].flatMap { self.expectations($0, definition: definition) }
        guard issues.isEmpty, let name, let flowName, let expectations else { return nil }
        return FlowScenario(
            name: name, description: description, file: file, flow: flowName, instanceID: instanceID, inputs: inputs,
            faults: faults, stationFailures: stationFailures, timeline: timeline, runFor: runFor, expectations: expectations)
    }

    // MARK: Input and provider

    private func inputs(_ given: JSONNode?, root: JSONNode, for definition: FlowDefinition) -> [String: Value] {
        // Without "input", required inputs are still missing: report them at the scenario's opening brace.
        let node = given ?? JSONNode(kind: .object([]), position: root.position)
        guard case .object(let members) = node.kind else {
            report("$.input", node, "expected an object of input values, found \(node.typeName)")
            return [:]
        }
        var values: [String: Value] = [:]
        let issuesBefore = issues.count
        for member in members {
            let path = "$.input.\(member.key)"
            guard let declaration = definition.inputs.first(where: { $0.name == member.key }) else {
                let names = definition.inputs.map(\.name)
                report(path, member.value, "flow \"\(definition.name)\" has no input \"\(member.key)\"",
                       hint: closest(member.key, in: names).map { "did you mean \"\($0)\"?" } ?? "its inputs: \(names.joined(separator: ", "))")
                continue
            }
            if let value = literal(member.value, path, type: declaration.type) { values[member.key] = value }
        }
        guard issues.count == issuesBefore else { return values }
        do {
            _ = try definition.resolveInputs(values)
        } catch {
            for problem in error.problems { report("$.input", node, problem) }
        }
        return values
    }

    private func decodeProvider(_ node: JSONNode, faults: inout [SimulatedOperation: FaultRule], timeline: inout [FlowScenario.Event]) {
        guard let fields = members(node, "$.provider", allowed: ["customer", "faults"], what: "the provider's behaviour") else { return }
        if let customer = fields["customer"],
           let script = members(customer, "$.provider.customer", allowed: ["action", "after"], required: ["action"], what: "the customer's script") {
            let actions = ["approve", "reject", "ignore"]
            if let text = string(script["action"], "$.provider.customer.action") {
                let after = script["after"].flatMap { duration($0, "$.provider.customer.after") } ?? FlowDuration(milliseconds: 0)
                if let action = FlowScenario.CustomerAction(rawValue: text) {
                    timeline.append(.init(at: after, action: .customer(action), path: "$.provider.customer"))
                } else if text != "ignore" {
                    report("$.provider.customer.action", script["action"], "unknown customer action \"\(text)\"",
                           hint: "use one of: \(actions.joined(separator: ", ")) (ignore lets the payment expire)")
                }
            }
        }
        if let node = fields["faults"] {
            guard case .object(let members) = node.kind else {
                return report("$.provider.faults", node, "expected an object keyed by operation, found \(node.typeName)")
            }
            for member in members {
                let path = "$.provider.faults.\(member.key)"
                if let operation = operation(member.key, path, member.value), let rule = faultRule(member.value, path) {
                    faults[operation] = rule
                }
            }
        }
    }

    func operation(_ name: String, _ path: String, _ node: JSONNode) -> SimulatedOperation? {
        let known = SimulatedOperation.all.map(\.rawValue)
        guard known.contains(name) else {
            report(path, node, "unknown provider operation \"\(name)\"",
                   hint: closest(name, in: known).map { "did you mean \"\($0)\"?" } ?? "operations: \(known.joined(separator: ", "))")
            return nil
        }
        return SimulatedOperation(rawValue: name)
    }

    static let faultKinds = ["serverError", "tooManyRequests", "responseLost", "connectionReset"]

    /// `{"fault": "tooManyRequests", "retryAfter": "30s", "times": 2}`: deterministic, the next `times` calls fail.
    func faultRule(_ node: JSONNode, _ path: String) -> FaultRule? {
        guard let fields = members(node, path, allowed: ["fault", "times", "retryAfter", "latency"], required: ["fault"], what: "a fault") else {
            return nil
        }
        let times = Int(integer(fields["times"], "\(path).times", in: 1...1000) ?? 1)
        var rule = FaultRule(times: times)
        if let latency = fields["latency"].flatMap({ duration($0, "\(path).latency") }) { rule.latencyMilliseconds = Int(latency.milliseconds) }
        if let retryAfter = fields["retryAfter"].flatMap({ duration($0, "\(path).retryAfter") }) {
            rule.retryAfterSeconds = Int(retryAfter.milliseconds / 1000)
        }
        guard let kind = string(fields["fault"], "\(path).fault") else { return nil }
        switch kind {
        case "serverError": rule.serverErrorRate = 1
        case "tooManyRequests": rule.tooManyRequestsRate = 1
        case "responseLost": rule.responseLostRate = 1
        case "connectionReset": rule.connectionResetRate = 1
        default:
            report("\(path).fault", fields["fault"], "unknown fault \"\(kind)\"",
                   hint: closest(kind, in: Self.faultKinds).map { "did you mean \"\($0)\"?" } ?? "faults: \(Self.faultKinds.joined(separator: ", "))")
            return nil
        }
        if fields["retryAfter"] != nil && kind != "tooManyRequests" {
            report("\(path).retryAfter", fields["retryAfter"], "retryAfter applies only to the tooManyRequests fault")
        }
        return rule
    }
}
