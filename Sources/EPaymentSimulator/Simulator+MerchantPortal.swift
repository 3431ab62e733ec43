import Foundation
import Synchronization

/// What a merchant's staff do by hand in the merchant portal, outside any integration: a capture or a cancel
/// without the integration's Idempotency-Key. The provider's event log shows them like any other (with the
/// event's own pspReference), which is how `evflow mark-done` finds the evidence for a step done by hand.
extension Simulator {
    /// Captures `amount` minor units of an authorized payment by hand, as the merchant portal does.
    /// - Parameters:
    ///   - idempotencyKey: the key the portal's request carried; `nil` (the default) for none.
    /// - Returns: the `CAPTURED` event recorded, with its pspReference.
    /// - Throws: ``SimulatorError`` when there is no such payment or the provider would refuse the capture
    ///   (not authorized, above what is authorized, already cancelled).
    @discardableResult
    public func captureInPortal(reference: String, amount: Int64, idempotencyKey: String? = nil, msn: String? = nil) throws -> LedgerEvent {
        try portalAction(reference: reference, msn: msn, action: "capture") { (payment: inout PaymentRecord, now: Date, psp: String) throws(Problem) -> LedgerEvent in
            try payment.capture(amount, at: now, psp: psp, key: idempotencyKey)
        }
    }

    /// Cancels the uncaptured remainder of a payment by hand, as the merchant portal does.
    /// - Returns: the `CANCELLED` (or, before authorization, `TERMINATED`) event recorded.
    /// - Throws: ``SimulatorError`` when there is no such payment or nothing is left to cancel.
    @discardableResult
    public func cancelInPortal(reference: String, idempotencyKey: String? = nil, msn: String? = nil) throws -> LedgerEvent {
        try portalAction(reference: reference, msn: msn, action: "cancel") { (payment: inout PaymentRecord, now: Date, psp: String) throws(Problem) -> LedgerEvent in
            guard let event = try payment.cancel(transactionOnly: false, at: now, psp: psp, key: idempotencyKey) else {
                throw Problem.domain(.cancelInvalidState, detail: "Payment '\(payment.reference)' has nothing to cancel.")
            }
            return event
        }
    }

    private func portalAction(
        reference: String, msn: String?, action: String,
        _ change: (inout PaymentRecord, Date, String) throws(Problem) -> LedgerEvent
    ) throws -> LedgerEvent {
        let now = clock.now
        return try state.withLock { state in
            let key = try state.key(reference: reference, msn: msn)
            state.advanceTime(key: key, now: now, emit: emit)
            guard var payment = state.payments[key] else { throw SimulatorError.paymentNotFound(reference) }
            let psp = state.nextPspReference()
            let event: LedgerEvent
            do {
                event = try change(&payment, now, psp)
            } catch let problem as Problem {
                throw SimulatorError.portalActionRefused(reference, action: action, detail: problem.detail)
            }
            state.payments[key] = payment
            state.pending.remove(key)
            emit(payment, event)
            return event
        }
    }
}
