/// One step of a flow: an id, what it does, and where the instance goes next.
package struct Step: Sendable, Equatable {
    package var id: String
    package var kind: StepKind
    /// Retry policy for the step's side effect; `nil` means ``StepRetryPolicy/standard`` for side-effect steps.
    package var retry: StepRetryPolicy?
    /// A duration expression bounding the whole step (all attempts, or the wait).
    package var timeout: Expression?
    /// Where to go when ``timeout`` elapses; `nil` means ``onFailure``.
    package var onTimeout: String?
    /// Where to go when the step fails for good (retries exhausted, a non-retryable error, an evaluation error).
    /// `nil` means the instance ends `failed` with the error, for an operator to inspect and retry.
    package var onFailure: String?
    /// Where the step is written, for runtime errors that point back into the definition.
    package var jsonPath: String
    package var position: SourcePosition

    /// Whether this step ends the instance.
    package var isTerminal: Bool {
        switch kind {
        case .succeed, .fail: true
        default: false
        }
    }

    /// Whether the instance parks here for an outside event or time, which is what makes a cycle safe.
    package var waits: Bool {
        switch kind {
        case .awaitPayment, .awaitSignal, .wait: true
        default: false
        }
    }

    /// Every step this step can go to, with the field that says so, including timeout and failure paths.
    package var transitions: [(field: String, target: String)] {
        var result = kind.transitions
        if let onTimeout { result.append(("onTimeout", onTimeout)) }
        if let onFailure { result.append(("onFailure", onFailure)) }
        return result
    }
}
