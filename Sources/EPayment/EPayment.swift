/// The Vipps MobilePay ePayment API client.
///
/// - ``EPaymentClient``: the operations (create, get, event log, capture, cancel, refund, force approve) with
///   access tokens, idempotency keys, typed errors (``EPaymentError``) and safe retries built in.
/// - ``EPaymentConfiguration``: credentials from the environment or a 0600 JSON file.
/// - ``WebhookVerifier`` and ``WebhookSigner``: the HMAC-SHA256 webhook signature scheme.
/// - Models such as ``CreatePaymentRequest`` and ``GetPaymentResponse`` follow the v1.7.0 spec.
public enum EPaymentAPI {
    /// The spec version these models and operations follow.
    public static let specificationVersion = "1.7.0"
}
