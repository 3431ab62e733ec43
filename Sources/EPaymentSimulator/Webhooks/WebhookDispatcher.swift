import Synchronization
import CurlHTTP
import Foundation
import Logging

/// Delivers every payment event to every registration subscribed to it: signed with that registration's secret,
/// in order per registration (the real API holds a later notification until the earlier one is acknowledged),
/// retried with exponential backoff on failure, and optionally duplicated or reordered. A registration deleted
/// meanwhile gets nothing more.
///
/// Runs for as long as the server runs, as a child task of ``SimulatorServer/run(onReady:)``.
struct WebhookDispatcher: Sendable {
    let simulator: Simulator
    let client: HTTPClient

    var configuration: WebhookConfiguration { simulator.configuration.webhooks }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            // One queue and one worker per registration, started by its first event.
            var queues: [String: WebhookQueue] = [:]
            for await envelope in simulator.outbox {
                for target in envelope.targets {
                    let queue: WebhookQueue
                    if let existing = queues[target.id] {
                        queue = existing
                    } else {
                        queue = WebhookQueue()
                        queues[target.id] = queue
                        group.addTask { await deliverAll(queue, to: target) }
                    }
                    queue.append(envelope)
                }
            }
            for queue in queues.values { queue.close() }
        }
    }

    /// Delivers a receiver's events one at a time, in order, except that with ``WebhookConfiguration/reorderRate``
    /// adjacent events of a batch swap places; a lone event then waits briefly for a companion to swap with.
    private func deliverAll(_ queue: WebhookQueue, to target: WebhookRegistry.Target) async {
        let reorderRate = configuration.reorderRate
        for await _ in queue.signals {
            while true {
                var batch = queue.takeAll()
                guard !batch.isEmpty else { break }
                if reorderRate > 0, batch.count == 1, draw(reorderRate) {
                    try? await Task.sleep(for: .milliseconds(100))
                    batch += queue.takeAll()
                    if batch.count >= 2 { batch.swapAt(0, 1) }
                } else if reorderRate > 0 {
                    for index in stride(from: 0, to: batch.count - 1, by: 2) where draw(reorderRate) {
                        batch.swapAt(index, index + 1)
                    }
                }
                for envelope in batch {
                    await deliver(envelope, to: target)
                    if draw(configuration.duplicateRate) { await deliver(envelope, to: target) }
                }
            }
        }
    }

    private func draw(_ probability: Double) -> Bool {
        simulator.state.withLock { $0.draw(probability) }
    }

    /// Sends one event until the receiver acknowledges it with a 2xx or the attempts run out.
    private func deliver(_ envelope: WebhookEnvelope, to target: WebhookRegistry.Target) async {
        let url = target.url
        let signer = WebhookDeliverySigner(secret: target.secret)
        var delay = configuration.initialBackoff
        for attempt in 1...max(1, configuration.maximumAttempts) {
            guard !Task.isCancelled, simulator.webhooks.withLock({ $0.contains(id: target.id) }) else { return }
            var record = WebhookDeliveryRecord(
                webhookId: target.id, url: url, reference: envelope.reference, eventName: envelope.eventName, attempt: attempt,
                status: nil, error: nil, delivered: false
            )
            var headers = HTTPHeaders([("Content-Type", "application/json")])
            for (name, value) in signer.headers(body: envelope.body, url: url, date: Date()) ?? [] {
                headers.add(name: name, value: value)
            }
            do {
                let response = try await client.execute(
                    HTTPRequest(method: .post, url: url, headers: headers, body: envelope.body, timeout: .seconds(10))
                )
                record.status = response.status
                record.delivered = (200..<300).contains(response.status)
            } catch {
                record.error = "\(error)"
            }
            simulator.deliveryLog.withLock { $0.append(record) }
            if record.delivered { return }
            simulator.logger.debug(
                "webhook delivery failed; retrying",
                metadata: ["url": "\(url)", "attempt": "\(attempt)", "event": "\(envelope.eventName)"]
            )
            if attempt < configuration.maximumAttempts {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maximumBackoff)
            }
        }
        simulator.logger.warning(
            "webhook dropped after \(configuration.maximumAttempts) attempts",
            metadata: ["url": "\(url)", "event": "\(envelope.eventName)", "reference": "\(envelope.reference)"]
        )
    }
}
