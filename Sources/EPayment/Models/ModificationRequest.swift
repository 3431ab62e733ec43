/// The body of capture and refund (spec: `CaptureModificationRequest`, `RefundModificationRequest`).
///
/// A retry must send this identical body with the same idempotency key, or the server reports an
/// idempotency conflict.
public struct ModificationRequest: Codable, Sendable, Hashable {
    /// How much to capture or refund.
    public var modificationAmount: Amount

    /// Creates a capture or refund body.
    public init(modificationAmount: Amount) { self.modificationAmount = modificationAmount }
}

/// The optional body of cancel (spec: `CancelModificationRequest`).
public struct CancelModificationRequest: Codable, Sendable, Hashable {
    /// When true, cancel only if the payment is not yet authorized; an authorized reservation is left intact.
    public var cancelTransactionOnly: Bool?

    /// Creates a cancel body.
    public init(cancelTransactionOnly: Bool? = nil) { self.cancelTransactionOnly = cancelTransactionOnly }
}

/// The optional body of force approve, test environment only (spec: `ForceApprove`).
public struct ForceApproveRequest: Codable, Sendable, Hashable {
    /// The customer who approves (a test user).
    public var customer: Customer?
    /// The `token` query value of the create response's `redirectUrl`.
    public var token: String?

    /// Creates a force-approve body.
    public init(customer: Customer? = nil, token: String? = nil) {
        self.customer = customer
        self.token = token
    }
}
