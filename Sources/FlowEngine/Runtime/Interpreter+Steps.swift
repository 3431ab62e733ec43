import EPayment
import Foundation

extension Interpreter {
    func execute(_ wait: AwaitSignalStep, _ step: Step, _ instance: inout FlowInstance) throws -> Outcome {
        if let target = try firstTrue(wait.until, instance) {
            instance.recordOutputs([.endedBy: .string("until")], of: step)
            return .goto(target)
        }
        while let index = instance.pendingSignals.firstIndex(where: { wait.handler(for: $0.name) != nil }) {
            let signal = instance.pendingSignals.remove(at: index)
            guard let handler = wait.handler(for: signal.name) else { continue }
            try assign(handler.assign, &instance, signal: signal.data)
            instance.consumedSignals[signal.name, default: []].append(signal.data)
            instance.log("signal", step: step.id, "\(signal.name) \(signal.id) used", at: now)
            if let target = handler.next {
                instance.recordOutputs([.endedBy: .string(signal.name)], of: step)
                return .goto(target)
            }
            if let target = try firstTrue(wait.until, instance) {
                instance.recordOutputs([.endedBy: .string("until")], of: step)
                return .goto(target)
            }
        }
        return .park(until: nil)
    }

    func execute(_ compute: ComputeStep, _ instance: inout FlowInstance) throws -> Outcome {
        try assign(compute.assign, &instance)
        return .goto(compute.next)
    }

    func execute(_ choice: ChoiceStep, _ instance: inout FlowInstance) throws -> Outcome {
        .goto(try firstTrue(choice.branches, instance) ?? choice.defaultNext)
    }

    func execute(_ wait: WaitStep, _ step: Step, _ instance: inout FlowInstance) throws -> Outcome {
        guard let record = instance.currentRecord, case .duration(let duration) = try wait.duration.evaluate(in: environment(instance)) else {
            return .park(until: nil)
        }
        let due = record.enteredAt.adding(duration)
        return now >= due ? .goto(wait.next) : .park(until: due)
    }

    func execute(_ succeed: SucceedStep, _ step: Step, _ instance: inout FlowInstance) throws -> Outcome {
        var output: [String: Value] = [:]
        for assignment in succeed.output {
            output[assignment.variable] = try assignment.value.evaluate(in: environment(instance))
        }
        instance.output = output
        finish(&instance, status: .succeeded)
        instance.log("finished", step: step.id, "succeeded", at: now)
        return .ended
    }

    func execute(_ fail: FailStep, _ step: Step, _ instance: inout FlowInstance) throws -> Outcome {
        instance.failure = FlowInstance.Failure(code: FailureCode(rawValue: fail.error), message: fail.message ?? fail.error, step: step.id)
        finish(&instance, status: .failed)
        instance.log("finished", step: step.id, "failed: \(fail.error)", at: now)
        return .ended
    }

    private func firstTrue(_ branches: [Branch], _ instance: FlowInstance) throws -> String? {
        let env = environment(instance)
        for branch in branches {
            if case .boolean(true) = try branch.condition.evaluate(in: env) { return branch.next }
        }
        return nil
    }

    /// An operator's `evflow cancel`: release whatever the customer still has reserved, then end as failed.
    func cancelByOperator(_ instance: inout FlowInstance, reason: String) async throws {
        instance.log("cancelling", step: instance.currentStep, "operator: \(reason)", at: now)
        if let payment = instance.payment, payment.state == "CREATED" || (payment.state == "AUTHORIZED" && payment.held > 0) {
            let key = Self.operatorCancelKey(instance.id)
            try persist(&instance)
            do {
                let response = try await services.payments.cancel(reference: payment.reference, idempotencyKey: key)
                unsaved.calls.append(.init(step: Self.operatorCancelStep, operation: "cancel", key: key))
                update(&instance, from: response.aggregate, state: response.state)
                instance.moneyLedger.record(MoneyLedger.Movement(
                    kind: .release, step: Self.operatorCancelStep, visit: 1, idempotencyKey: key,
                    amount: max(0, response.aggregate.cancelledAmount.value - payment.cancelled),
                    currency: payment.currency, confirmedAt: now, override: nil))
                instance.log("succeeded", step: nil, "released the reservation: \(PaymentSummary.describe(response.aggregate))", at: now)
            } catch {
                // Refused outright (the customer aborted, the payment expired): the local figures are stale. When
                // the provider's say nothing is held any more, there is nothing to release.
                if let refused = error as? EPaymentError, !Self.mayHaveTakenEffect(refused),
                   let current = try? await services.payments.getPayment(reference: payment.reference) {
                    update(&instance, from: current.aggregate, state: current.state)
                    if let now = instance.payment, !Self.holdsMoney(now) {
                        instance.log("succeeded", step: nil, "nothing left to release: payment \(payment.reference) is \(now.state) (\(PaymentSummary.describe(current.aggregate)))", at: self.now)
                        try finishFailed(&instance, code: .operatorCancelled, message: reason)
                        return
                    }
                }
                // Stay at this point: the next run tries the release again with the same key.
                instance.log("retry", step: instance.currentStep, "releasing the reservation failed: \(error)", at: now)
                instance.status = .waiting
                instance.wakeAt = now.addingTimeInterval(5)
                try persist(&instance)
                return
            }
        }
        try finishFailed(&instance, code: .operatorCancelled, message: reason)
    }

    /// Whether the customer still has money reserved on the payment: created and awaiting approval, or authorized
    /// with some neither captured nor released.
    static func holdsMoney(_ payment: PaymentSummary) -> Bool {
        payment.state == PaymentState.created.rawValue || (payment.state == PaymentState.authorized.rawValue && payment.held > 0)
    }
}
