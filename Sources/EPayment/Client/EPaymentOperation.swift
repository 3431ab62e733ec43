/// Which API call an error or log line is about (the spec's operationIds, plus the access token call).
public struct EPaymentOperation: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The operation id.
    public let rawValue: String
    /// Wraps an operation id.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `POST /accesstoken/get`.
    public static let accessToken = EPaymentOperation(rawValue: "accessToken")
    /// `POST /epayment/v1/payments`.
    public static let createPayment = EPaymentOperation(rawValue: "createPayment")
    /// `GET /epayment/v1/payments/{reference}`.
    public static let getPayment = EPaymentOperation(rawValue: "getPayment")
    /// `GET /epayment/v1/payments/{reference}/events`.
    public static let getPaymentEventLog = EPaymentOperation(rawValue: "getPaymentEventLog")
    /// `POST /epayment/v1/payments/{reference}/capture`.
    public static let capturePayment = EPaymentOperation(rawValue: "capturePayment")
    /// `POST /epayment/v1/payments/{reference}/cancel`.
    public static let cancelPayment = EPaymentOperation(rawValue: "cancelPayment")
    /// `POST /epayment/v1/payments/{reference}/refund`.
    public static let refundPayment = EPaymentOperation(rawValue: "refundPayment")
    /// `POST /epayment/v1/test/payments/{reference}/approve` (test environment only).
    public static let forceApprove = EPaymentOperation(rawValue: "forceApprove")
    /// `POST /webhooks/v1/webhooks` (Webhooks API).
    public static let registerWebhook = EPaymentOperation(rawValue: "registerWebhook")
    /// `GET /webhooks/v1/webhooks` (Webhooks API).
    public static let listWebhooks = EPaymentOperation(rawValue: "listWebhooks")
    /// `DELETE /webhooks/v1/webhooks/{id}` (Webhooks API).
    public static let deleteWebhook = EPaymentOperation(rawValue: "deleteWebhook")
    /// `POST /order-management/v2/ecom/receipts/{orderId}` (Order Management API, spec `post-receipt-v2`).
    public static let postReceipt = EPaymentOperation(rawValue: "post-receipt-v2")

    public var description: String { rawValue }
}
