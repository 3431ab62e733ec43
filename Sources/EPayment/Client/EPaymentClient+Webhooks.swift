import CurlHTTP
import Foundation

/// The Webhooks API (`webhooks-openapi.yaml`, facts section 13): where the provider sends payment events.
///
/// Registering returns the registration's own secret, shown only once; every delivery to that URL is signed with
/// it. At most 25 registrations may subscribe to one event type, and a URL is moved by registering the new one
/// before deleting the old one, so no event falls between them.
///
/// ```swift
/// let registered = try await client.registerWebhook(
///     url: "https://evflow.example.com/webhooks/epayment", events: WebhookEventType.ePaymentEvents)
/// // store registered.secret (mode 0600) where the receiver reads it, then delete the old registration
/// ```
extension EPaymentClient {
    /// Registers `url` for `events` (`POST /webhooks/v1/webhooks`).
    ///
    /// The API has no idempotency key for this call, so a request that may have arrived (a timeout after sending)
    /// is not repeated: list the registrations to see whether it took effect.
    /// - Parameters:
    ///   - url: an absolute `https` URL (plain `http` only to a loopback simulator) without credentials.
    ///   - events: at least one event type, each at most once.
    /// - Returns: the registration's id and its secret.
    /// - Throws: ``EPaymentError``; ``EPaymentError/Code/invalid`` before sending for a bad URL or event list, and
    ///   for the server's 400 (for example the limit of 25 registrations per event type).
    public func registerWebhook(
        url: String, events: [WebhookEventType], deadline: Duration? = nil
    ) async throws -> RegisterWebhookResponse {
        let call = try Call(
            operation: .registerWebhook, method: .post, path: Self.webhooksPath, reference: nil, idempotencyKey: nil,
            body: RegisterWebhookRequest(url: url, events: events))
        if let problem = OutboundURL.problem(with: url) {
            throw call.invalid("the webhook URL \(problem); nothing was sent")
        }
        if events.isEmpty { throw call.invalid("register at least one event type; nothing was sent") }
        if Set(events).count != events.count { throw call.invalid("an event type is listed twice; nothing was sent") }
        return try await decode(RegisterWebhookResponse.self, from: perform(call, deadline: deadline), call)
    }

    /// Every webhook registered for this merchant serial number (`GET /webhooks/v1/webhooks`), without secrets.
    public func listWebhooks(deadline: Duration? = nil) async throws -> [WebhookRegistration] {
        let call = try Call(operation: .listWebhooks, method: .get, path: Self.webhooksPath, reference: nil)
        return try await decode(WebhookList.self, from: perform(call, deadline: deadline), call).webhooks
    }

    /// Deletes a registration (`DELETE /webhooks/v1/webhooks/{id}`): no more deliveries go to its URL.
    /// - Parameter id: the registration's UUID, from ``registerWebhook(url:events:deadline:)`` or
    ///   ``listWebhooks(deadline:)``.
    /// - Throws: ``EPaymentError``; ``EPaymentError/Code/notFound`` when no such registration exists.
    public func deleteWebhook(id: String, deadline: Duration? = nil) async throws {
        let call = try Call(
            operation: .deleteWebhook, method: .delete, path: "\(Self.webhooksPath)/\(id)", reference: nil)
        guard UUID(uuidString: id) != nil else {
            throw call.invalid("the webhook id '\(id.prefix(64))' is not a UUID; nothing was sent")
        }
        _ = try await perform(call, deadline: deadline)
    }

    /// The Webhooks API's collection, beside `/epayment/v1` on the same host (facts section 1).
    static let webhooksPath = "/webhooks/v1/webhooks"
}
