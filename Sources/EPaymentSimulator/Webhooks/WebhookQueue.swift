import Synchronization

/// The pending deliveries of one receiver: the dispatcher appends, the receiver's worker takes everything
/// pending at once, so that events emitted together can be reordered within their batch.
final class WebhookQueue: Sendable {
    private let pending = Mutex<[WebhookEnvelope]>([])
    private let signal: AsyncStream<Void>.Continuation
    /// Yields whenever something was appended (coalesced), and ends when the queue is closed.
    let signals: AsyncStream<Void>

    init() {
        (signals, signal) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func append(_ envelope: WebhookEnvelope) {
        pending.withLock { $0.append(envelope) }
        signal.yield()
    }

    func takeAll() -> [WebhookEnvelope] {
        pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    func close() { signal.finish() }
}
