import Synchronization
import CurlHTTP
import Foundation
import Logging

/// Delivers every payment event to every configured receiver: signed, in order per receiver, retried with
/// exponential backoff on failure, and optionally duplicated or delayed past later events (reordered).
///
/// Runs for as long as the server runs, as a child task of ``SimulatorServer/run(onReady:)``.
struct WebhookDispatcher: Sendable {
    let simulator: Simulator
    let client: HTTPClient

    var configuration: WebhookConfiguration { simulator.configuration.webhooks }

    func run() async {
        let urls = configuration.urls
        guard !urls.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            var continuations: [AsyncStream<WebhookEnvelope>.Continuation] = []
            for url in urls {
                let (stream, continuation) = AsyncStream<WebhookEnvelope>.makeStream(bufferingPolicy: .unbounded)
                continuations.append(continuation)
                group.addTask { await deliverAll(stream, to: url) }
            }
            for await envelope in simulator.outbox {
                for continuation in continuations { continuation.yield(envelope) }
            }
            for continuation in continuations { continuation.finish() }
        }
    }

    private func deliverAll(_ stream: AsyncStream<WebhookEnvelope>, to url: String) async {
        await withTaskGroup(of: Void.self) { delayed in
            for await envelope in stream {
                if simulator.state.withLock({ $0.draw(configuration.reorderRate) }) {
                    // Held back so that the next events overtake it.
                    delayed.addTask {
                        try? await Task.sleep(for: .milliseconds(300))
                        await deliver(envelope, to: url)
                    }
                    continue
                }
                await deliver(envelope, to: url)
                if simulator.state.withLock({ $0.draw(configuration.duplicateRate) }) {
                    await deliver(envelope, to: url)
                }
            }
        }
    }

    /// Sends one event until the receiver acknowledges it with a 2xx or the attempts run out.
    private func deliver(_ envelope: WebhookEnvelope, to url: String) async {
        let signer = WebhookDeliverySigner(secret: configuration.secret)
        var delay = configuration.initialBackoff
        for attempt in 1...max(1, configuration.maximumAttempts) {
            guard !Task.isCancelled else { return }
            var record = WebhookDeliveryRecord(
                url: url, reference: envelope.reference, eventName: envelope.eventName, attempt: attempt,
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
