import EPayment

extension EPaymentClient {
    /// The payment as it is now, when its event log shows a successful event made with `idempotencyKey` (of kind
    /// `event`; any kind when `nil`): how a call whose answer was lost is settled, instead of sending it again
    /// blindly. `nil` when the log shows none.
    /// - Throws: what reading the event log or the payment threw; the call's outcome is then still unknown.
    func paymentIfApplied(reference: String, idempotencyKey: String, event: PaymentEventName? = nil) async throws -> GetPaymentResponse? {
        let events = try await getEventLog(reference: reference)
        guard events.contains(where: { $0.idempotencyKey == idempotencyKey && $0.success && (event == nil || $0.name == event) }) else {
            return nil
        }
        return try await getPayment(reference: reference)
    }
}

extension ModificationResponse {
    /// The answer a capture, cancel or refund would have given, from the payment read after the event log
    /// confirmed it (``EPaymentClient/paymentIfApplied(reference:idempotencyKey:event:)``).
    init(confirmedBy payment: GetPaymentResponse) {
        self.init(reference: payment.reference, state: payment.state, amount: payment.amount,
                  aggregate: payment.aggregate, pspReference: payment.pspReference)
    }
}
