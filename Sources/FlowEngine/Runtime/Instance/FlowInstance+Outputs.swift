extension FlowInstance {
    /// Records what `step` produced when it completed, readable as `steps.<id>.<output>` (and replacing what an
    /// earlier visit recorded). Only outputs the step's kind declares, with the declared types: the loader checked
    /// every expression against those declarations (``StepKind/outputs(ofKind:)``).
    mutating func recordOutputs(_ outputs: [StepOutputKey: Value], of step: Step) {
        assert(outputs.allSatisfy { step.kind.outputs[$0.key] == $0.value.type },
               "step \(step.id) (\(step.kind.name)) records \(outputs.map { "\($0.key.rawValue): \($0.value.type)" }.sorted()), but its kind declares \(step.kind.outputs.map { "\($0.key.rawValue): \($0.value)" }.sorted())")
        stepOutputs[step.id] = Dictionary(uniqueKeysWithValues: outputs.map { ($0.key.rawValue, $0.value) })
    }

    /// The output `key` that step `step` recorded, if it has.
    package func output(_ key: StepOutputKey, of step: String) -> Value? {
        stepOutputs[step]?[key.rawValue]
    }
}
