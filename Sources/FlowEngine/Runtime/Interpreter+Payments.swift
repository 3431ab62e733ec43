import EPayment
import Foundation
import Logging

extension Interpreter {
    func execute(_ reserve: ReserveStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        let payments = services.payments
        let env = environment(instance)
        let result: SideEffectResult<CreatedPayment> = try await sideEffect(step, &instance, intent: {
            // Not money or not a string: impossible for a validated definition; the empty intent is refused below.
            guard case .money(let amount) = try reserve.amount.evaluate(in: env),
                  case .string(let reference) = try reserve.reference.evaluate(in: env) else { return .release }
            return .reserve(ReserveIntent(amount: amount, reference: PaymentReference.make(from: reference)))
        }, confirm: { intent, _ in
            guard let reference = intent.reservation?.reference else { return nil }
            do {
                // The payment carries the create response's link too, so a create whose answer was lost loses no link.
                let payment = try await payments.getPayment(reference: reference)
                return CreatedPayment(reference: payment.reference, redirectURL: payment.redirectUrl)
            } catch let error as EPaymentError where error.code == .notFound {
                return nil
            }
        }, call: { intent, key in
            guard let intent = intent.reservation else {
                throw EPaymentError(.invalid, operation: .createPayment, detail: "reserve intent is incomplete")
            }
            let request = try createRequest(reserve, amount: intent.amount, reference: intent.reference, in: env)
            let created = try await payments.createPayment(request, idempotencyKey: key)
            return CreatedPayment(reference: created.reference, redirectURL: created.redirectUrl)
        })
        switch result {
        case .retry(let due):
            return .park(until: due)
        case .failed(let message):
            return try failStep(step, &instance, code: .createFailed, message: message)
        case .done(let created):
            let reference = created.reference
            guard let amount = instance.currentRecord?.intent?.reservation?.amount else {
                return try failStep(step, &instance, code: .intentMissing, message: "reserve finished without its intent")
            }
            instance.payment = PaymentSummary(reference: reference, state: PaymentState.created.rawValue,
                                              currency: amount.currency, reserved: amount.minorUnits)
            var outputs: [StepOutputKey: Value] = [.reference: .string(reference), .amount: .money(amount)]
            if reserve.userFlow.returnsRedirectURL, let link = created.redirectURL { outputs[.redirectUrl] = .string(link) }
            instance.recordOutputs(outputs, of: step)
            // The customer's phone number is needed only to create the payment: drop it now.
            instance.inputs = instance.inputs.filter { if case .phoneNumber = $0.value { false } else { true } }
            // A digest from before v2 is an unsalted hash over the inputs, phone number included: replace it now
            // (v2 leaves phone numbers out, so a repeated start still matches).
            if !instance.inputDigest.hasPrefix("v2:") { instance.inputDigest = InputDigest.make(of: instance.inputs).stored }
            instance.log("succeeded", step: step.id, "payment \(reference) created for \(amount)", at: now)
            // The link leads to the customer's payment: debug level only (see StepOutputKey.redirectUrl).
            if let link = created.redirectURL {
                services.logger.debug("payment link", metadata: ["instance": "\(instance.id)", "reference": "\(reference)", "redirectUrl": "\(link)"])
            }
            return .goto(reserve.next)
        }
    }

    /// The create request for `reserve`, from the amount and reference its intent fixed.
    private func createRequest(_ reserve: ReserveStep, amount: Money, reference: String, in env: Environment) throws -> CreatePaymentRequest {
        var customer: Customer?
        if let phone = reserve.customerPhone, case .phoneNumber(let number) = try phone.evaluate(in: env) {
            customer = Customer(phoneNumber: number)
        }
        var description: String?
        if case .string(let text) = try reserve.description.evaluate(in: env) { description = text }
        var returnURL: String?
        if let expression = reserve.returnURL, case .string(let url) = try expression.evaluate(in: env) { returnURL = url }
        return CreatePaymentRequest(
            amount: Amount(value: amount.minorUnits, currency: Currency(rawValue: amount.currency)),
            reference: reference, userFlow: UserFlow(rawValue: reserve.userFlow.rawValue), customer: customer,
            returnUrl: returnURL, paymentDescription: description,
            customerInteraction: reserve.customerInteraction.map { CustomerInteraction(rawValue: $0.rawValue) },
            qrFormat: reserve.qrFormat.map { QRFormat(format: QRFormat.Format(rawValue: $0.format.rawValue), size: $0.size) })
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
                if instance.payment?.authorizedAt == nil {
                    // The provider's capture window runs from the real authorization, which a poll only sees later
                    // (after a worker outage, days later). It cannot precede the payment's creation, so the window is
                    // counted from when the reserve step that created it was entered: early, never late.
                    let created = instance.steps.last { $0.step == awaitStep.payment }?.enteredAt ?? instance.createdAt
                    instance.payment?.authorizedAt = min(created, now)
                }
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

/// What a reserve step's create (or its confirmation by reference) learnt about the payment.
struct CreatedPayment: Sendable {
    var reference: String
    /// The create response's link; `nil` for `PUSH_MESSAGE`.
    var redirectURL: String?
}

extension PaymentSummary {
    static func describe(_ aggregate: Aggregate) -> String {
        "authorized \(aggregate.authorizedAmount.value), captured \(aggregate.capturedAmount.value), "
            + "cancelled \(aggregate.cancelledAmount.value), refunded \(aggregate.refundedAmount.value) (minor units)"
    }
}
