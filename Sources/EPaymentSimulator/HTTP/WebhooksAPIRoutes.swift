import Foundation
import Hummingbird
import Synchronization

/// The Webhooks API under the real API's paths (`webhooks-openapi.yaml`, facts section 13): register, list and
/// delete the URLs payment events are delivered to, each registration with its own secret.
///
/// Authenticated like the ePayment API (access token, subscription key); the Merchant-Serial-Number is optional,
/// as for partners, and scopes what a caller sees: a merchant's registrations receive only its payments' events.
struct WebhooksAPIRoutes: Sendable {
    let simulator: Simulator
    var responder: OperationResponder { OperationResponder(simulator: simulator) }

    static let collection = "/webhooks/v1/webhooks"

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("/webhooks/v1/webhooks") { request, context in
            await responder.respond(.registerWebhook, method: "POST", pathTemplate: Self.collection, request: request, context: context) {
                bytes throws(Problem) in
                let (api, scope) = try parse(request, bytes)
                let (url, events) = try RegisterWebhookRequestValidator.validate(api.body)
                let outcome = simulator.webhooks.withLock { $0.register(url: url, events: events, msn: scope) }
                switch outcome {
                case .success(let registration):
                    return WireResponse(status: 201, body: Wire.encode(Wire.RegisterWebhookResponse(id: registration.id, secret: registration.secret)))
                case .failure(let limit):
                    throw Problem.validation([.init(
                        name: "events",
                        reason: "At most \(WebhookRegistry.limitPerEventType) webhooks can be registered per event; \(limit.eventType) already has \(WebhookRegistry.limitPerEventType). Delete one first.")])
                }
            }
        }
        router.get("/webhooks/v1/webhooks") { request, context in
            await responder.respond(.listWebhooks, method: "GET", pathTemplate: Self.collection, request: request, context: context) {
                bytes throws(Problem) in
                let (_, scope) = try parse(request, bytes)
                let listed = simulator.webhooks.withLock { $0.visible(to: scope) }
                return WireResponse(status: 200, body: Wire.encode(Wire.WebhookList(
                    webhooks: listed.map { Wire.Webhook(id: $0.id, url: $0.url, events: $0.events) })))
            }
        }
        router.delete("/webhooks/v1/webhooks/:id") { request, context in
            await responder.respond(.deleteWebhook, method: "DELETE", pathTemplate: Self.collection + "/{id}", request: request, context: context) {
                bytes throws(Problem) in
                let (_, scope) = try parse(request, bytes)
                let id = context.parameters.get("id") ?? ""
                guard UUID(uuidString: id) != nil else {
                    throw Problem.validation([.init(name: "id", reason: "The value '\(id.prefix(64))' is not a valid UUID.")])
                }
                guard simulator.webhooks.withLock({ $0.delete(id: id, msn: scope) }) else {
                    throw Problem(status: 404, title: "Not Found", detail: "No webhook with id '\(id)' is registered.", extraDetails: nil)
                }
                return WireResponse(status: 204, body: [])
            }
        }
    }

    /// The credentials and headers, then the registration scope: the MSN, or `nil` for partner access.
    private func parse(_ request: Request, _ bytes: [UInt8]) throws(Problem) -> (APIRequest, String?) {
        let api = try APIRequest.parse(
            request, body: bytes, simulator: simulator, requiresIdempotencyKey: false, requiresMerchantSerialNumber: false)
        return (api, api.msn.isEmpty ? nil : api.msn)
    }
}
