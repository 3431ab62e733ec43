/// The Webhooks API's bodies (`webhooks-openapi.yaml`) and the access-token endpoint's Azure AD error body.
extension Wire {
    /// `RegisterResponse`.
    struct RegisterWebhookResponse: Encodable {
        var id: String
        var secret: String
    }

    /// `Webhook`: a registration as listed, without its secret.
    struct Webhook: Encodable {
        var id: String
        var url: String
        var events: [String]
    }

    /// `QueryResponse`.
    struct WebhookList: Encodable {
        var webhooks: [Webhook]
    }

    /// The access-token endpoint's errors, shaped like Azure AD's (ev-charging-facts.md section 3; the official
    /// SDK's `AccessTokenError`), not problem+json.
    struct AccessTokenError: Encodable {
        var error: String
        var error_description: String
        var error_codes: [Int]
        var timestamp: String
        var trace_id: String
        var correlation_id: String
    }
}
