import EPayment

extension PaymentSummary {
    /// Takes the provider's figures and state, as a response or a read of the payment reported them.
    mutating func apply(_ aggregate: Aggregate, state: PaymentState) {
        self.state = state.rawValue
        authorized = aggregate.authorizedAmount.value
        captured = aggregate.capturedAmount.value
        cancelled = aggregate.cancelledAmount.value
        refunded = aggregate.refundedAmount.value
    }

    /// The summary of a payment the instance did not record itself (adopted from the provider).
    init(adopting payment: GetPaymentResponse) {
        self.init(reference: payment.reference, state: payment.state.rawValue,
                  currency: payment.amount.currency.rawValue, reserved: payment.amount.value)
        apply(payment.aggregate, state: payment.state)
    }
}
