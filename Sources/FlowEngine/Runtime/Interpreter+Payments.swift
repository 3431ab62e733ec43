import EPayment
import Foundation

extension Interpreter {
    func execute(_ reserve: ReserveStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        let payments = services.payments
        let env = environment(instance)
        let result: SideEffectResult<String> = try await sideEffect(step, &instance, intent: {
            // Not money or not a string: impossible for a validated definition; the empty intent is refused below.
            guard case .money(let amount) = try reserve.amount.evaluate(in: env),
                  case .string(let reference) = try reserve.reference.evaluate(in: env) else { return .release }
            return .reserve(ReserveIntent(amount: amount, reference: PaymentReference.make(from: reference)))
        }, confirm: { intent, _ in
            guard let reference = intent.reservation?.reference else { return nil }
            do {
                return try await payments.getPayment(reference: reference).reference
            } catch let error as EPaymentError where error.code == .notFound {
                return nil
            }
        }, call: { intent, key in
            guard let intent = intent.reservation else {
                throw EPaymentError(.invalid, operation: .createPayment, detail: "reserve intent is incomplete")
            }
            let (amount, reference) = (intent.amount, intent.reference)
            var customer: Customer?
            if let phone = reserve.customerPhone, case .phoneNumber(let number) = try phone.evaluate(in: env) {
                customer = Customer(phoneNumber: number)
            }
            var description: String?
            if case .string(let text) = try reserve.description.evaluate(in: env) { description = text }
            var returnURL: String?
            if let expression = reserve.returnURL, case .string(let url) = try expression.evaluate(in: env) { returnURL = url }
            let request = CreatePaymentRequest(
                amount: Amount(value: amount.minorUnits, currency: Currency(rawValue: amount.currency)),
                reference: reference, userFlow: UserFlow(rawValue: reserve.userFlow.rawValue), customer: customer,
                returnUrl: returnURL, paymentDescription: description)
            return try await payments.createPayment(request, idempotencyKey: key).reference
        })
        switch result {
        case .retry(let due):
            return .park(until: due)
        case .failed(let message):
            return try failStep(step, &instance, code: .createFailed, message: message)
        case .done(let reference):
            guard let amount = instance.currentRecord?.intent?.reservation?.amount else {
                return try failStep(step, &instance, code: .intentMissing, message: "reserve finished without its intent")
            }
            instance.payment = PaymentSummary(reference: reference, state: PaymentState.created.rawValue,
                                              currency: amount.currency, reserved: amount.minorUnits)
            instance.recordOutputs([.reference: .string(reference), .amount: .money(amount)], of: step)
            // The customer's phone number is needed only to create the payment: drop it now.
            instance.inputs = instance.inputs.filter { if case .phoneNumber = $0.value { false } else { true } }
            // A digest from before v2 is an unsalted hash over the inputs, phone number included: replace it now
            // (v2 leaves phone numbers out, so a repeated start still matches).
            if !instance.inputDigest.hasPrefix("v2:") { instance.inputDigest = InputDigest.make(of: instance.inputs).stored }
            instance.log("succeeded", step: step.id, "payment \(reference) created for \(amount)", at: now)
            return .goto(reserve.next)
        }
    }

    func execute(_ awaitStep: AwaitPaymentStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        guard let record = instance.currentRecord else { return .park(until: nil) }
        guard let reference = paymentReference(awaitStep.payment, instance) else {
            return try failStep(step, &instance, code: .noPayment, message: "step \(awaitStep.payment) created no payment")
        }
        // A webhook about this payment wakes the step early; the poll below confirms what it says.
        let notified = instance.pendingSignals.contains { $0.name == PaymentUpdate.signalName }
        instance.pendingSignals.removeAll { $0.name == PaymentUpdate.signalName }
        let due = record.nextAttemptAt ?? record.enteredAt.adding(awaitStep.pollFirstAfter)
        if now < due && !notified { return .park(until: due) }

        let before = instance.payment
        do {
            let payment = try await services.payments.getPayment(reference: reference)
            update(&instance, from: payment.aggregate, state: payment.state)
            switch payment.state {
            case .authorized:
                if instance.payment?.authorizedAt == nil { instance.payment?.authorizedAt = now }
                instance.recordOutputs([
                    .state: .string(payment.state.rawValue),
                    .authorizedAmount: .money(Money(minorUnits: payment.aggregate.authorizedAmount.value,
                                                    currency: payment.aggregate.authorizedAmount.currency.rawValue)),
                ], of: step)
                instance.log("succeeded", step: step.id, "payment \(reference) authorized", at: now)
                return .goto(awaitStep.next)
            case .aborted, .expired, .terminated:
                instance.recordOutputs([.state: .string(payment.state.rawValue)], of: step)
                instance.log("succeeded", step: step.id, "payment \(reference) ended \(payment.state.rawValue)", at: now)
                return .goto(payment.state == PaymentState.aborted ? awaitStep.onAborted : payment.state == PaymentState.expired ? awaitStep.onExpired : awaitStep.onTerminated)
            default:
                break
            }
        } catch let error as EPaymentError {
            FlowMetrics.paymentCallFailed(errorClass: StepRetryPolicy.ErrorClass.of(error)?.rawValue ?? "permanent", operation: "poll")
            instance.updateCurrentRecord { $0.attempts += 1; $0.lastError = error.description }
            instance.log("retry", step: step.id, "polling \(reference) failed: \(error)", at: now)
        }
        let next = now.adding(awaitStep.pollInterval)
        let unchanged = instance.payment == before && instance.currentRecord?.lastError == nil && !notified
        instance.updateCurrentRecord { $0.nextAttemptAt = next }
        return unchanged ? .pollAgain(until: next) : .park(until: next)
    }

    func update(_ instance: inout FlowInstance, from aggregate: Aggregate, state: PaymentState) {
        instance.payment?.apply(aggregate, state: state)
    }

    func paymentReference(_ reserveStep: String, _ instance: FlowInstance) -> String? {
        if case .string(let reference)? = instance.output(.reference, of: reserveStep) { return reference }
        return nil
    }
}

extension PaymentSummary {
    static func describe(_ aggregate: Aggregate) -> String {
        "authorized \(aggregate.authorizedAmount.value), captured \(aggregate.capturedAmount.value), "
            + "cancelled \(aggregate.cancelledAmount.value), refunded \(aggregate.refundedAmount.value) (minor units)"
    }
}
