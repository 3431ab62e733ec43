/// Fault rules per operation, set at start (``SimulatorConfiguration/faults``, `--fault`) and changed at run time
/// (``Simulator/setFault(_:for:)``, `PUT /_sim/faults`).
public struct FaultConfiguration: Sendable, Hashable, Codable {
    /// Rules by operation; ``SimulatedOperation/rawValue`` keys, or `"*"` for every operation without its own rule.
    public var rules: [String: FaultRule]

    public init(rules: [SimulatedOperation: FaultRule] = [:]) {
        self.rules = Dictionary(uniqueKeysWithValues: rules.map { ($0.key.rawValue, $0.value) })
    }

    /// The rule for `operation`, falling back to the wildcard rule.
    public func rule(for operation: SimulatedOperation) -> FaultRule? {
        rules[operation.rawValue] ?? rules["*"]
    }

    /// Parses a command-line specification: `OPERATION:KEY=VALUE[,KEY=VALUE...]`.
    ///
    /// OPERATION is an operationId (`capturePayment`, ...) or `*`. Keys: `latency` (milliseconds), `5xx`,
    /// `429`, `reset`, `lost` (probabilities 0...1), `retry-after` (seconds), `times` (count).
    /// Example: `capturePayment:lost=1,times=1`.
    /// - Throws: ``SimulatorError`` naming the part that is wrong.
    public static func parse(_ specification: String) throws -> (SimulatedOperation?, FaultRule) {
        let parts = specification.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw SimulatorError.invalidFaultSpecification("'\(specification)': expected OPERATION:KEY=VALUE[,KEY=VALUE...]")
        }
        let operation: SimulatedOperation?
        if parts[0] == "*" {
            operation = nil
        } else {
            guard SimulatedOperation.all.contains(SimulatedOperation(rawValue: parts[0])) else {
                let known = SimulatedOperation.all.map(\.rawValue).joined(separator: ", ")
                throw SimulatorError.invalidFaultSpecification("unknown operation '\(parts[0])'; use * or one of \(known)")
            }
            operation = SimulatedOperation(rawValue: parts[0])
        }
        var rule = FaultRule()
        for setting in parts[1].split(separator: ",") {
            let pair = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else {
                throw SimulatorError.invalidFaultSpecification("'\(setting)' in '\(specification)': expected KEY=VALUE")
            }
            let (key, value) = (pair[0], pair[1])
            func number() throws -> Double {
                guard let number = Double(value) else {
                    throw SimulatorError.invalidFaultSpecification("'\(key)=\(value)': the value is not a number")
                }
                return number
            }
            switch key {
            case "latency": rule.latencyMilliseconds = Int(try number())
            case "5xx", "error": rule.serverErrorRate = try number()
            case "429", "throttle": rule.tooManyRequestsRate = try number()
            case "retry-after": rule.retryAfterSeconds = Int(try number())
            case "reset": rule.connectionResetRate = try number()
            case "lost": rule.responseLostRate = try number()
            case "times": rule.times = Int(try number())
            default:
                throw SimulatorError.invalidFaultSpecification(
                    "unknown key '\(key)' in '\(specification)'; use latency, 5xx, 429, retry-after, reset, lost or times"
                )
            }
        }
        if let problem = rule.problems.first {
            throw SimulatorError.invalidFaultSpecification("'\(specification)': \(problem)")
        }
        return (operation, rule)
    }
}
