/// The payment an instance created and, while the customer has yet to approve it, the link that leads there:
/// what a landing page redirects the customer's browser to, or what a charger shows as a QR code.
public struct PaymentLink: Sendable, Hashable {
    /// The payment's reference.
    public let reference: String
    /// The create response's `redirectUrl` while the payment is `CREATED`; `nil` for `PUSH_MESSAGE` payments, and
    /// once the payment is authorized or has ended (the link can do nothing more then).
    public let redirectURL: String?

    package init(reference: String, redirectURL: String?) {
        self.reference = reference
        self.redirectURL = redirectURL
    }
}

extension FlowInstance {
    /// The instance's payment with its link while it awaits approval; `nil` before a reserve step created one.
    ///
    /// The link stays in the reserve step's output (`steps.<id>.redirectUrl`) for the instance's life, so a
    /// `notify` can send it at any point; views (the API, `evflow show`) offer it only while it is of use.
    public var paymentLink: PaymentLink? {
        guard let payment else { return nil }
        guard payment.state == "CREATED" else { return PaymentLink(reference: payment.reference, redirectURL: nil) }
        let created = stepOutputs.values.first { $0[StepOutputKey.reference.rawValue] == .string(payment.reference) }
        guard case .string(let link)? = created?[StepOutputKey.redirectUrl.rawValue] else {
            return PaymentLink(reference: payment.reference, redirectURL: nil)
        }
        return PaymentLink(reference: payment.reference, redirectURL: link)
    }
}
