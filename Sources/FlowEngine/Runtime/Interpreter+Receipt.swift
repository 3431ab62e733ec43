import EPayment
import Foundation

/// `receipt` steps: the Order Management receipt for what the instance captured.
///
/// Durable like the payment steps, at one write less: the receipt (``ReceiptIntent``) is computed once, from the
/// saved figures when the step is first entered, and saved with the first attempt's outcome (a success, or the
/// retry it schedules); every later attempt sends exactly that receipt, and a crash before it was saved computes
/// the same one again from the same saved state.
/// No look-up is needed to settle an attempt whose answer was lost: the endpoint takes a repeat of an identical
/// receipt as done (its order id is the receipt's identity), so the step simply sends it again.
extension Interpreter {
    func execute(_ receipt: ReceiptStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        guard let reference = paymentReference(receipt.payment, instance) else {
            return try failStep(step, &instance, code: .noPayment, message: "step \(receipt.payment) created no payment")
        }
        guard var record = instance.currentRecord else { return .park(until: nil) }
        if let due = record.nextAttemptAt, now < due { return .park(until: due) }

        let intent: ReceiptIntent
        if case .receipt(let recorded)? = record.intent {
            intent = recorded
        } else {
            let captured = instance.knownCaptured
            guard captured > 0, let currency = instance.payment?.currency else {
                instance.recordOutputs([.receiptId: .string(""), .skipped: .boolean(true)], of: step)
                instance.log("skipped", step: step.id, "nothing was captured on \(reference): no receipt", at: now)
                return .goto(receipt.next)
            }
            do {
                intent = try makeReceipt(receipt, instance, reference: reference, captured: Money(minorUnits: captured, currency: currency))
            } catch let error as ReceiptComputationError {
                return try failStep(step, &instance, code: .receiptFailed, message: "cannot make the receipt for \(reference): \(error)")
            }
            record.intent = .receipt(intent)
        }
        record.attempts += 1
        record.lastAttemptAt = now
        record.nextAttemptAt = nil
        instance.updateCurrentRecord { $0 = record }
        instance.log("intent", step: step.id, "receipt attempt \(record.attempts) for \(reference): \(Self.describe(intent))", at: now)
        // No save of its own before the call (one fsync less per session): the intent is saved with the step's
        // outcome by the instance's next save. A crash before that save reruns the step from the previous save,
        // which holds everything the receipt is computed from (the captured amount, the flow's values), so it
        // computes and sends the same receipt, and the endpoint takes the identical repeat as done. A retry after
        // a failed call is parked, and so saved, with this intent, which every later attempt sends.

        // Nor may the receipt act on an input that is not yet durable (see ``Arrival``).
        try makeInputsDurable(instance)
        do {
            let id = try await services.payments.postReceipt(Self.receipt(intent), orderID: reference)
            unsaved.calls.append(.init(step: step.id, operation: "receipt", key: reference))
            instance.updateCurrentRecord { $0.lastError = nil }
            instance.recordOutputs([.receiptId: .string(id), .skipped: .boolean(false)], of: step)
            instance.log("succeeded", step: step.id, "receipt \(id) accepted for \(reference): \(Self.describe(intent))", at: now)
            return .goto(receipt.next)
        } catch let error as EPaymentError {
            FlowMetrics.paymentCallFailed(errorClass: StepRetryPolicy.ErrorClass.of(error)?.rawValue ?? "permanent", operation: error.operation.description)
            instance.updateCurrentRecord { $0.lastError = error.description }
            // Sent again identical: a repeat of a receipt that did land is answered like the first.
            guard let due = scheduleRetry(of: error, step, &instance, attempts: record.attempts, message: error.description) else {
                return try failStep(step, &instance, code: .receiptFailed, message: error.description)
            }
            return .park(until: due)
        }
    }

    private func makeReceipt(_ receipt: ReceiptStep, _ instance: FlowInstance, reference: String, captured: Money) throws -> ReceiptIntent {
        let env = environment(instance)
        guard case .integer(let energy) = try receipt.energyWh.evaluate(in: env),
              case .money(let price) = try receipt.pricePerKWh.evaluate(in: env),
              case .integer(let rate) = try receipt.vatRate.evaluate(in: env),
              case .string(let energyName) = try receipt.energyLineName.evaluate(in: env),
              case .string(let feeName) = try receipt.startFeeLineName.evaluate(in: env) else {
            throw ReceiptComputationError(description: "a receipt field did not evaluate to its type")
        }
        var fee: Money?
        if let expression = receipt.startFee, case .money(let money) = try expression.evaluate(in: env) { fee = money }
        return try ReceiptIntent.chargingSession(
            orderID: reference, captured: captured, energyWh: energy, pricePerKWh: price, startFee: fee, vatRate: rate,
            energyLineName: energyName, startFeeLineName: feeName)
    }

    /// The receipt as the Order Management API takes it.
    static func receipt(_ intent: ReceiptIntent) -> Receipt {
        Receipt(
            orderLines: intent.lines.map { line in
                OrderLine(
                    name: line.name, id: line.id, totalAmount: line.totalAmount,
                    totalAmountExcludingTax: line.totalAmountExcludingTax, totalTaxAmount: line.totalTaxAmount,
                    taxRate: Int(line.taxRate),
                    unitInfo: UnitInfo(unitPrice: line.unitPrice, quantity: line.quantity, quantityUnit: QuantityUnit(rawValue: line.quantityUnit)))
            },
            bottomLine: BottomLine(currency: Currency(rawValue: intent.currency)))
    }

    /// One line for the timeline: `Energy 12.345 KWH 49.26 NOK + Start fee 1 PCS 5.00 NOK = 54.26 NOK, VAT 10.85 NOK`.
    static func describe(_ intent: ReceiptIntent) -> String {
        let money = { (units: Int64) in Money(minorUnits: units, currency: intent.currency).description }
        return intent.lines.map { "\($0.name) \($0.quantity) \($0.quantityUnit) \(money($0.totalAmount))" }.joined(separator: " + ")
            + " = \(money(intent.total)), VAT \(money(intent.totalTax))"
    }
}
