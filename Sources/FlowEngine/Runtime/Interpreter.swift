import EPayment
import Foundation
import Logging

/// Executes one instance of a pinned definition until it must wait (for a signal, a timer or the customer)
/// or ends. Not shared between tasks: the runner creates one per instance while it holds the instance's lock.
///
/// Durability: the instance is saved (``persist``) before every side effect, with its idempotency key, and
/// again after it, with the result; and whenever the instance parks or finishes. The exceptions are a
/// notification and a receipt, whose repeats are harmless: ``awaitDurability`` makes the inputs they may act on
/// durable first. Pure steps (compute, choice) are replayed deterministically from saved state, so they need no
/// write of their own.
struct Interpreter {
    let definition: FlowDefinition
    let services: RuntimeServices
    /// Saves the instance durably (the runner's store).
    let write: (inout FlowInstance) throws -> Void
    /// Payment calls that returned since the last save: if that save fails, their effect is not recorded.
    let unsaved = UnsavedOutcomes()
    /// Makes every input the run absorbed durable, for a call made without a save before it (a notification, a
    /// receipt): such an input may still be waiting for this run's next save to sync it (``Arrival``).
    var awaitDurability: () throws -> Void = {}
    /// Whether an unchanged poll may skip its save (see ``park(_:step:until:quietly:)``). Not on a store that
    /// workers share: there the saved wake time is what other workers claim by, and a stale one past due would
    /// hand the instance to every worker on every poll.
    var skipsUnchangedPollSaves = true

    /// What a step asks the loop to do next.
    enum Outcome {
        /// Leave the step through this transition.
        case goto(String)
        /// Stay in the step until a signal arrives or `until` (when given) has passed.
        case park(until: Date?)
        /// Poll again at `until`; nothing changed since the last save, so the save may be skipped while the saved
        /// state is fresher than ``Interpreter/pollHeartbeat``.
        case pollAgain(until: Date)
        /// The instance ended (succeed or fail).
        case ended
    }

    var now: Date { services.clock.now }

    /// Saves the instance. A save that fails after a payment call returned (a full disk, say) is reported as
    /// ``FlowError/Code/outcomeNotSaved``: the call may have taken effect, the instance still records only its
    /// intent, and the next run confirms it with the provider by its key before anything else.
    func persist(_ instance: inout FlowInstance) throws {
        do {
            try write(&instance)
            unsaved.calls.removeAll()
        } catch {
            throw reportingUnsavedCalls(error, instance)
        }
    }

    /// ``awaitDurability``, with a failure reported as ``persist`` reports one: a call of this run whose outcome is
    /// not saved yet (a receipt before a notification, say) may have taken effect.
    func makeInputsDurable(_ instance: FlowInstance) throws {
        do {
            try awaitDurability()
        } catch {
            throw reportingUnsavedCalls(error, instance)
        }
    }

    private func reportingUnsavedCalls(_ error: any Error, _ instance: FlowInstance) -> any Error {
        // A shared store refused the save because another worker took the instance over: that worker owns it
        // now and settles any call made here by its Idempotency-Key (the intent saved before the call).
        if let error = error as? StoreError, error.code == .leaseLost { return error }
        guard let call = unsaved.calls.first else { return error }
        return FlowError(.outcomeNotSaved, flow: instance.flow.name, instanceID: instance.id, step: call.step, detail:
            "the \(call.operation) call of step \(call.step) (Idempotency-Key \(call.key)) returned, but saving its outcome failed: \(error). The step may have taken effect; evflow confirms it with the provider by that key on the next run (`evflow resume \(instance.id)` once the cause is fixed), so nothing is charged twice")
    }

    /// Runs the instance as far as it can go now.
    func advance(_ instance: inout FlowInstance) async throws {
        var transitions = 0
        while let stepID = instance.currentStep, !instance.status.isFinished {
            transitions += 1
            if transitions > 10_000 {
                try finishFailed(&instance, code: .noProgress, message: "more than 10,000 transitions without waiting; the definition loops")
                return
            }
            if let reason = instance.cancellationRequest {
                // A create whose outcome is not recorded may still land at the provider (a look-up that finds
                // nothing right after an interrupted call proves nothing): settle it first, by confirming or
                // re-sending it with the same key, so the payment it made is known and can be released.
                if let step = definition.step(stepID), case .reserve = step.kind,
                   let record = instance.currentRecord, record.idempotencyKey != nil {
                    switch try await execute(step, &instance) {
                    case .park(let until), .pollAgain(let until as Date?):
                        try park(&instance, step: step, until: until)
                        return
                    case .ended:
                        try persist(&instance)
                        return
                    case .goto:
                        instance.updateCurrentRecord { if $0.completedAt == nil { $0.completedAt = now } }
                    }
                }
                // Until the release is confirmed the request stays set, so a crash or a failed call is retried
                // (with the same key) on the next run.
                try await cancelByOperator(&instance, reason: reason)
                return
            }
            let settling = callInFlight(instance)
            if !settling, let (deadline, target) = try dueDeadline(of: instance) {
                instance.firedDeadlines.insert(deadline.id)
                instance.log("deadline", step: stepID, "deadline \(deadline.id) passed: going to \(target)", at: now)
                transition(&instance, to: target, completing: false)
                continue
            }
            guard let step = definition.step(stepID) else {
                try finishFailed(&instance, code: .unknownStep, message: "step \(stepID) is not in the pinned definition")
                return
            }
            if instance.currentRecord == nil { enter(step, &instance) }
            if !settling, let target = try timedOut(step, instance) {
                instance.log("timeout", step: step.id, "step timed out: going to \(target)", at: now)
                transition(&instance, to: target, completing: true)
                continue
            }
            let outcome: Outcome
            do {
                outcome = try await execute(step, &instance)
            } catch let error as EvaluationError {
                outcome = try failStep(step, &instance, code: .expressionError, message: error.description)
            }
            switch outcome {
            case .goto(let target):
                transition(&instance, to: target, completing: true)
            case .park(let until):
                try park(&instance, step: step, until: until)
                return
            case .pollAgain(let until):
                try park(&instance, step: step, until: until, quietly: true)
                return
            case .ended:
                try persist(&instance)
                return
            }
        }
    }

    private func execute(_ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        switch step.kind {
        case .reserve(let reserve): try await execute(reserve, step, &instance)
        case .awaitPayment(let wait): try await execute(wait, step, &instance)
        case .awaitSignal(let wait): try execute(wait, step, &instance)
        case .compute(let compute): try execute(compute, &instance)
        case .capture(let capture): try await execute(capture, step, &instance)
        case .cancel(let cancel): try await execute(cancel, step, &instance)
        case .refund(let refund): try await execute(refund, step, &instance)
        case .notify(let notify): try await execute(notify, step, &instance)
        case .receipt(let receipt): try await execute(receipt, step, &instance)
        case .choice(let choice): try execute(choice, &instance)
        case .wait(let wait): try execute(wait, step, &instance)
        case .succeed(let succeed): try execute(succeed, step, &instance)
        case .fail(let fail): try execute(fail, step, &instance)
        }
    }

    /// Whether the current step is a payment step whose call was sent and whose outcome is not recorded yet: a
    /// step timeout or flow deadline must not move the instance past it (the call may still take effect, and a
    /// later visit could then repeat it with a new key), so they wait until it is settled.
    func callInFlight(_ instance: FlowInstance) -> Bool {
        guard let record = instance.currentRecord, record.idempotencyKey != nil, record.attempts > 0,
              let step = definition.step(record.step) else { return false }
        switch step.kind {
        case .reserve, .capture, .cancel, .refund: return true
        default: return false
        }
    }

    // MARK: Moving between steps

    private func enter(_ step: Step, _ instance: inout FlowInstance) {
        let visit = instance.steps.filter { $0.step == step.id }.count + 1
        instance.steps.append(StepRecord(step: step.id, visit: visit, enteredAt: now))
        instance.status = .running
        instance.wakeAt = nil
    }

    private func transition(_ instance: inout FlowInstance, to target: String, completing: Bool) {
        if let stepID = instance.currentStep {
            instance.updateCurrentRecord { record in
                if record.completedAt == nil { record.completedAt = now }
            }
            if completing { instance.anchors[stepID] = now }
        }
        instance.currentStep = target
        instance.wakeAt = nil
        instance.status = .running
    }

    /// How stale a polling step's saved state may get before an unchanged poll is saved anyway: well under the
    /// one-minute grace after which operators' tools call a waiting instance stuck.
    static let pollHeartbeat: TimeInterval = 30

    /// Parks the instance; `quietly` skips the save when only the next poll time changed and the saved state is
    /// recent (a crash then polls once early, which is harmless: polling has no side effect).
    private func park(_ instance: inout FlowInstance, step: Step, until: Date?, quietly: Bool = false) throws {
        var wake = until
        for candidate in [try timeoutDate(step, instance), try nextDeadlineDate(of: instance)].compactMap({ $0 }) {
            wake = min(wake ?? candidate, candidate)
        }
        let wasWaiting = instance.status == .waiting
        instance.status = .waiting
        instance.wakeAt = wake
        if quietly && skipsUnchangedPollSaves && wasWaiting && now.timeIntervalSince(instance.updatedAt) < Self.pollHeartbeat { return }
        try persist(&instance)
    }

    /// Leaves a step that failed: through its `onFailure` transition, or by failing the instance.
    func failStep(_ step: Step, _ instance: inout FlowInstance, code: FailureCode, message: String) throws -> Outcome {
        instance.updateCurrentRecord { $0.lastError = message }
        instance.log("failed", step: step.id, message, at: now)
        if let onFailure = step.onFailure { return .goto(onFailure) }
        try finishFailed(&instance, code: code, message: message)
        return .ended
    }

    func finishFailed(_ instance: inout FlowInstance, code: FailureCode, message: String) throws {
        instance.failure = FlowInstance.Failure(code: code, message: message, step: instance.currentStep)
        finish(&instance, status: .failed)
        instance.log("finished", "failed: \(code): \(message)", at: now)
        try persist(&instance)
    }

    func finish(_ instance: inout FlowInstance, status: InstanceStatus) {
        instance.updateCurrentRecord { if $0.completedAt == nil { $0.completedAt = now } }
        instance.status = status
        instance.currentStep = nil
        instance.wakeAt = nil
        instance.pendingSignals = []
    }

    // MARK: Timeouts and deadlines

    private func timeoutDate(_ step: Step, _ instance: FlowInstance) throws -> Date? {
        guard let record = instance.currentRecord else { return nil }
        var timeout: FlowDuration?
        if let expression = step.timeout, case .duration(let duration) = try expression.evaluate(in: environment(instance)) {
            timeout = duration
        } else if case .awaitPayment = step.kind {
            timeout = AwaitPaymentStep.defaultTimeout
        }
        return timeout.map { record.enteredAt.adding($0) }
    }

    private func timedOut(_ step: Step, _ instance: FlowInstance) throws -> String? {
        guard let due = try timeoutDate(step, instance), now >= due else { return nil }
        return step.onTimeout ?? step.onFailure
    }

    private func deadlineDates(of instance: FlowInstance) throws -> [(Deadline, Date)] {
        guard let stepID = instance.currentStep else { return [] }
        return try definition.deadlines.compactMap { deadline in
            guard !instance.firedDeadlines.contains(deadline.id), deadline.during.contains(stepID) else { return nil }
            let anchorName: String
            switch deadline.since {
            case .start: anchorName = "start"
            case .stepCompleted(let step): anchorName = step
            case .captureDeadline:
                guard let payment = instance.payment, let due = services.captureWindows.deadline(of: payment, startedAt: instance.createdAt),
                      case .duration(let before) = try deadline.after.evaluate(in: environment(instance)) else { return nil }
                return (deadline, due.addingTimeInterval(-Double(before.milliseconds) / 1000))
            }
            guard let anchor = instance.anchors[anchorName],
                  case .duration(let after) = try deadline.after.evaluate(in: environment(instance)) else { return nil }
            return (deadline, anchor.adding(after))
        }
    }

    private func dueDeadline(of instance: FlowInstance) throws -> (Deadline, String)? {
        try deadlineDates(of: instance).first { $0.1 <= now }.map { ($0.0, $0.0.goto) }
    }

    private func nextDeadlineDate(of instance: FlowInstance) throws -> Date? {
        try deadlineDates(of: instance).map(\.1).min()
    }

    // MARK: Expressions

    func environment(_ instance: FlowInstance, signal: [String: Value]? = nil) -> Environment {
        Environment(
            instanceID: instance.id, inputs: instance.inputs, variables: instance.variables,
            stepOutputs: instance.stepOutputs, signals: instance.consumedSignals, currentSignal: signal)
    }

    /// Applies assignments in order; each sees the variables assigned before it.
    func assign(_ assignments: [Assignment], _ instance: inout FlowInstance, signal: [String: Value]? = nil) throws {
        for assignment in assignments {
            instance.variables[assignment.variable] = try assignment.value.evaluate(in: environment(instance, signal: signal))
        }
    }
}

/// Payment calls of one run that returned and whose outcome is not saved yet (see ``Interpreter/persist(_:)``).
/// One per interpreter, which one task owns.
final class UnsavedOutcomes {
    struct Call {
        var step: String
        var operation: String
        var key: String
    }
    var calls: [Call] = []
}
