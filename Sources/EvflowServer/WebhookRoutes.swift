import Crypto
import EPayment
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Synchronization

/// `POST /webhooks/epayment`: the provider's payment events, authenticated by their HMAC signature only.
///
/// A verified event about a payment an instance is waiting on (AUTHORIZED, ABORTED, EXPIRED, TERMINATED) is
/// stored as the instance's `$payment` signal, which wakes its `awaitPayment` step; the step then confirms the
/// state by polling, so a forged-but-signed or reordered event can never move money by itself. Events the
/// instance caused itself (CREATED, CAPTURED, CANCELLED, REFUNDED) are acknowledged and dropped: the instance
/// already has their outcome. Polling stays the fallback when webhooks are late or lost (facts §18).
struct WebhookRoutes {
    let runtime: ServerRuntime
    let secrets: WebhookSecrets?
    let limit: JSONBody.Limit
    let seen: RecentKeys
    /// Our merchant serial number; events about another merchant's payments are acknowledged and dropped.
    var merchantSerialNumber: String? = nil
    /// Where the provider calls us (`EVFLOW_PUBLIC_URL`): the host and path prefix its signature covers.
    var publicURL: PublicURL? = nil

    /// What happened to a delivery, in the response and the `evflow_webhooks_total` metric.
    struct Receipt: Encodable, Sendable {
        /// `delivered`, `duplicate`, `ignored` (not about a waiting instance), `unknownReference`,
        /// `foreignMerchant` (another merchant serial number) or `unreadable` (signed, but not an ePayment event).
        var outcome: String
        var instance: String?
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("webhooks/epayment") { request, context in try await receive(request, context) }  // PublicURL.webhookPath
    }

    private func receive(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await JSONBody.bytes(request, limit: limit)
        guard let secrets else {
            count("unconfigured")
            throw APIProblem(status: 401, title: "Unauthorized", detail: "webhooks are refused: neither EPAYMENT_WEBHOOK_SECRET nor EPAYMENT_WEBHOOK_SECRET_FILE is set on this server (register one with `evflow webhooks register`)", code: "webhookSecretMissing")
        }
        // Behind a proxy the provider signed the public host and path, not the ones that reach us.
        let received = request.uri.description
        let pathAndQuery = publicURL?.signedPathAndQuery(received: received) ?? received
        let host = publicURL?.authority ?? request.head.authority
        do {
            // The date check reads the runtime's clock, like everything else the server decides by time.
            try secrets.verify(body: body, pathAndQuery: pathAndQuery, host: host, now: runtime.clock.now) { name in
                HTTPField.Name(name).flatMap { request.headers[$0] }
            }
        } catch {
            count("rejected")
            context.logger.warning("webhook rejected", metadata: ["code": "\(error.code)", "detail": "\(error.detail)"])
            throw APIProblem(status: 401, title: "Unauthorized", detail: error.description, code: "webhook.\(error.code)")
        }
        let event: WebhookEvent
        do {
            event = try JSONDecoder().decode(WebhookEvent.self, from: Data(body))
        } catch {
            // Signed by the provider, so sending it again cannot help, and a non-2xx would hold back this payment's
            // later webhooks for days (facts section 3): acknowledged; polling confirms the payment.
            count("unreadable")
            context.logger.warning("signed webhook is not an ePayment event; acknowledged and dropped", metadata: ["bytes": "\(body.count)"])
            return try JSONBody.response(.ok, Receipt(outcome: "unreadable"))
        }
        // A partner key or a shared webhook secret may sign events for other merchants: those are not ours to act on,
        // even if a reference happens to match one of our instances. 2xx, so the sender does not retry it.
        if let ours = merchantSerialNumber, event.msn != ours {
            count("foreignMerchant")
            context.logger.notice("webhook for another merchant serial number ignored", metadata: [
                "msn": "\(InstanceID.printable(event.msn))", "event": "\(event.name.rawValue)"])
            return try JSONBody.response(.ok, Receipt(outcome: "foreignMerchant"))
        }
        let receipt = try await route(event)
        count(receipt.outcome)
        context.logger.debug("webhook", metadata: ["reference": "\(event.reference)", "event": "\(event.name.rawValue)", "outcome": "\(receipt.outcome)"])
        return try JSONBody.response(.ok, receipt)
    }

    private func route(_ event: WebhookEvent) async throws -> Receipt {
        let key = "\(event.reference)/\(event.pspReference)/\(event.name.rawValue)"
        guard !seen.contains(key) else { return Receipt(outcome: "duplicate") }
        defer { seen.insert(key) }
        var known = runtime.references.instance(for: event.reference)
        if known == nil {
            // Another server sharing the store may have created the payment: ask the store's index.
            let store = runtime.store, reference = event.reference
            known = try await runtime.runner.onRunnerThreads { try store.instanceID(paymentReference: reference) }
            if let known { runtime.references.record(reference: reference, instance: known) }
        }
        guard let id = known else {
            // Partner webhooks fire for every merchant's payments; not ours (or an instance already removed).
            return Receipt(outcome: "unknownReference")
        }
        let wakes: Set<PaymentEventName> = [.authorized, .aborted, .expired, .terminated]
        guard wakes.contains(event.name) else { return Receipt(outcome: "ignored", instance: id) }
        let digest = SHA256.hash(data: Array(key.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        do {
            let runner = runtime.runner
            let accepted = try await runner.onRunnerThreads {
                try runner.paymentUpdated(instanceID: id, event: event.name.rawValue, eventID: "webhook-\(digest)")
            }
            guard accepted else { return Receipt(outcome: "duplicate", instance: id) }
        } catch let error as FlowError where error.code == .finished || error.code == .unknownInstance {
            return Receipt(outcome: "ignored", instance: id)
        }
        return Receipt(outcome: "delivered", instance: id)
    }

    private func count(_ outcome: String) {
        Counter(label: MetricCatalog.webhooksLabel, dimensions: [("outcome", outcome)]).increment()
    }
}

/// The most recent keys seen, bounded, for cheap duplicate detection before touching the state folder (the
/// instance's signal ids are the durable guard).
final class RecentKeys: Sendable {
    private struct State {
        var keys: Set<String> = []
        var order: [String] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 100_000) { self.capacity = capacity }

    func contains(_ key: String) -> Bool { state.withLock { $0.keys.contains(key) } }

    /// Inserts `key`; `false` when it was already there.
    @discardableResult
    func insert(_ key: String) -> Bool {
        state.withLock { state in
            guard state.keys.insert(key).inserted else { return false }
            state.order.append(key)
            if state.order.count > capacity {
                let dropped = state.order.prefix(capacity / 2)
                state.keys.subtract(dropped)
                state.order.removeFirst(dropped.count)
            }
            return true
        }
    }
}
