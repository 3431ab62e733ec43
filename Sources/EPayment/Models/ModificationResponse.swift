/// The answer to capture, cancel and refund, HTTP 200 (spec: `ModificationResponse`).
///
/// The spec labels this response `application/problem+json`; the client decodes it by status code, not by
/// content type.
public struct ModificationResponse: Codable, Sendable, Hashable {
    /// The amount requested at creation.
    public var amount: Amount
    /// The payment's state after the operation.
    public var state: PaymentState
    /// The running totals after the operation.
    public var aggregate: Aggregate
    /// The server's id for this operation.
    public var pspReference: String
    /// The merchant's reference.
    public var reference: String

    /// Creates a response (used by simulators and tests).
    public init(reference: String, state: PaymentState, amount: Amount, aggregate: Aggregate, pspReference: String) {
        self.reference = reference
        self.state = state
        self.amount = amount
        self.aggregate = aggregate
        self.pspReference = pspReference
    }
}
