/// The values an expression can read while an instance runs. The runtime builds one from the instance state
/// before evaluating an expression; evaluation never reads anything else (no clock, no randomness), so it is
/// deterministic and can be replayed after a crash.
package struct Environment: Sendable {
    package var instanceID: String
    package var inputs: [String: Value]
    package var variables: [String: Value]
    /// Step id → output name → value, for steps that have completed.
    package var stepOutputs: [String: [String: Value]]
    /// Signal name → payloads received so far, in arrival order (each payload: field → value).
    package var signals: [String: [[String: Value]]]
    /// The payload of the signal being handled, inside an `awaitSignal` handler.
    package var currentSignal: [String: Value]?

    package init(
        instanceID: String, inputs: [String: Value] = [:], variables: [String: Value] = [:],
        stepOutputs: [String: [String: Value]] = [:], signals: [String: [[String: Value]]] = [:],
        currentSignal: [String: Value]? = nil
    ) {
        self.instanceID = instanceID
        self.inputs = inputs
        self.variables = variables
        self.stepOutputs = stepOutputs
        self.signals = signals
        self.currentSignal = currentSignal
    }
}
