/// An API operation of the simulator, named by the spec's operationId; faults are configured per operation.
///
/// A struct over a string so that operations can be added without breaking callers.
public struct SimulatedOperation: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// `POST /epayment/v1/payments`
    public static let createPayment = SimulatedOperation(rawValue: "createPayment")
    /// `GET /epayment/v1/payments/{reference}`
    public static let getPayment = SimulatedOperation(rawValue: "getPayment")
    /// `GET /epayment/v1/payments/{reference}/events`
    public static let getPaymentEventLog = SimulatedOperation(rawValue: "getPaymentEventLog")
    /// `POST /epayment/v1/payments/{reference}/capture`
    public static let capturePayment = SimulatedOperation(rawValue: "capturePayment")
    /// `POST /epayment/v1/payments/{reference}/cancel`
    public static let cancelPayment = SimulatedOperation(rawValue: "cancelPayment")
    /// `POST /epayment/v1/payments/{reference}/refund`
    public static let refundPayment = SimulatedOperation(rawValue: "refundPayment")
    /// `POST /epayment/v1/test/payments/{reference}/approve`
    public static let forceApprove = SimulatedOperation(rawValue: "forceApprove")
    /// `POST /order-management/v2/ecom/receipts/{orderId}` (Order Management API, operationId `post-receipt-v2`)
    public static let postReceipt = SimulatedOperation(rawValue: "post-receipt-v2")
    /// `POST /accesstoken/get`
    public static let accessToken = SimulatedOperation(rawValue: "accessToken")
    /// `POST /webhooks/v1/webhooks` (Webhooks API)
    public static let registerWebhook = SimulatedOperation(rawValue: "registerWebhook")
    /// `GET /webhooks/v1/webhooks` (Webhooks API)
    public static let listWebhooks = SimulatedOperation(rawValue: "listWebhooks")
    /// `DELETE /webhooks/v1/webhooks/{id}` (Webhooks API)
    public static let deleteWebhook = SimulatedOperation(rawValue: "deleteWebhook")

    /// Every operation the simulator serves.
    public static let all: [SimulatedOperation] = [
        .createPayment, .getPayment, .getPaymentEventLog, .capturePayment, .cancelPayment, .refundPayment,
        .forceApprove, .accessToken, .registerWebhook, .listWebhooks, .deleteWebhook, .postReceipt,
    ]

    /// A request no route serves; never in ``all`` (no fault can be set for it).
    static let unknownRoute = SimulatedOperation(rawValue: "unknownRoute")

    /// Whether the operation counts against the modification rate limit (5 per minute per reference).
    var isModification: Bool {
        self == .createPayment || self == .capturePayment || self == .cancelPayment || self == .refundPayment
    }

    public var description: String { rawValue }
}
