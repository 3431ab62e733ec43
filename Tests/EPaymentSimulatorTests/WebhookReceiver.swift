import EvflowTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP receiver for webhook deliveries, on port 0, that records what arrives and can refuse the first
/// deliveries to exercise retries.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var path: String
        var host: String
        var headers: [String: String]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    private let received = Mutex<[Delivery]>([])
    private let refusalsLeft: Mutex<Int>

    init(refuseFirst: Int) { refusalsLeft = Mutex(refuseFirst) }

    var deliveries: [Delivery] { received.withLock { $0 } }

    /// Waits (real time, at most `timeout`) until `count` deliveries were acknowledged.
    /// Returns what arrived by then either way: callers check the count and show the deliveries.
    func waitFor(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while deliveries.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return deliveries
    }

    fileprivate func accept(_ delivery: Delivery) -> Bool {
        let refuse = refusalsLeft.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if !refuse { received.withLock { $0.append(delivery) } }
        return !refuse
    }
}

/// Runs `body` with a receiver listening at the returned URL (path `/hooks/vipps?source=sim`).
func withWebhookReceiver<Result: Sendable>(
    refuseFirst: Int = 0,
    _ body: (WebhookReceiver, String) async throws -> Result
) async throws -> Result {
    let receiver = WebhookReceiver(refuseFirst: refuseFirst)
    let router = Router()
    router.post("/hooks/vipps") { request, _ -> Response in
        var request = request
        let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let delivery = WebhookReceiver.Delivery(
            path: request.uri.description, host: request.head.authority ?? headers["host"] ?? "", headers: headers, body: bytes
        )
        return Response(status: receiver.accept(delivery) ? .ok : .serviceUnavailable)
    }
    return try await withLoopbackServer(router, label: "webhook-receiver") { port in
        try await body(receiver, "http://127.0.0.1:\(port)/hooks/vipps?source=sim")
    }
}
