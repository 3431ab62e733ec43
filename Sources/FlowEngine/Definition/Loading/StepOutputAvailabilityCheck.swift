/// Rejects expressions that read `steps.<id>.<output>` where step `<id>` may not have completed: the runtime
/// would otherwise fail with a missing value in the middle of a session, possibly with money reserved.
///
/// Step Y's outputs are available at step S when every path from the start to S takes one of Y's completion
/// transitions (``Step/completionTransitions``); failure and timeout paths record no outputs.
struct StepOutputAvailabilityCheck {
    let steps: [Step]
    let start: String
    let deadlines: [Deadline]
    let decoder: DefinitionDecoder

    func validate() {
        var reachableWithout: [String: Set<String>] = [:]
        func unavailable(_ output: String, at step: String) -> Bool {
            if reachableWithout[output] == nil { reachableWithout[output] = reachable(withoutCompleting: output) }
            return reachableWithout[output]!.contains(step)
        }
        for step in steps {
            for (field, expression) in step.expressions {
                var reported: Set<String> = []
                for reference in expression.syntax.stepOutputReferences where unavailable(reference.step, at: step.id) {
                    guard reported.insert(reference.step).inserted else { continue }
                    let path = "\(step.jsonPath).\(field)"
                    decoder.report(
                        path, decoder.expressionPositions[path] ?? step.position,
                        "steps.\(reference.step).\(reference.output) may be read before step \"\(reference.step)\" has completed",
                        hint: reference.step == step.id
                            ? "a step cannot read its own outputs"
                            : "step \"\(step.id)\" can be reached without \"\(reference.step)\" completing (from the start, or through a failure or timeout path); use a variable with an initial value instead")
                }
            }
        }
        for deadline in deadlines {
            let anchor: String? = if case .stepCompleted(let id) = deadline.since { id } else { nil }
            for reference in deadline.after.syntax.stepOutputReferences where reference.step != anchor && (anchor.map { unavailable(reference.step, at: $0) } ?? true) {
                let path = "\(deadline.jsonPath).after"
                decoder.report(path, decoder.expressionPositions[path] ?? SourcePosition(line: 1, column: 1),
                               "steps.\(reference.step).\(reference.output) may not exist when deadline \"\(deadline.id)\" starts",
                               hint: "a deadline's duration is evaluated when its clock starts (\"since\")")
            }
        }
    }

    private func reachable(withoutCompleting id: String) -> Set<String> {
        StepGraph(steps: steps, start: start, deadlines: deadlines).reachable(withoutCompleting: id)
    }
}
