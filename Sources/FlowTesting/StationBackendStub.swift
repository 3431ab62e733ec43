import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A stand-in for the charging-station backend: receives `notify` callbacks over HTTP, records them, and can be
/// told to fail the next deliveries, so tests exercise notification retries over real sockets.
public final class StationBackendStub: Sendable {
    /// One callback as received.
    public struct Notification: Sendable, Equatable {
        /// The event name, for example `charging.start`.
        public var event: String
        public var instanceID: String
        /// The `eventId`, stable across retries of one delivery.
        public var eventID: String
        /// The payload as JSON text.
        public var payload: String
        /// Whether the `Evflow-Signature` header was present.
        public var signed: Bool
    }

    private struct State {
        var received: [Notification] = []
        var failuresLeft = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Every accepted notification, in arrival order (failed deliveries are not included).
    public var notifications: [Notification] { state.withLock { $0.received } }

    /// The events received, in order.
    public var events: [String] { notifications.map(\.event) }

    /// Answers the next `count` deliveries with HTTP 503.
    public func failNext(_ count: Int) { state.withLock { $0.failuresLeft = count } }

    /// Serves the stub on 127.0.0.1 with a random port until `body` returns.
    public func serve<Result: Sendable>(_ body: @Sendable (_ url: String) async throws -> Result) async throws -> Result {
        let router = Router()
        router.post("/notifications") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let shouldFail = self.state.withLock { state -> Bool in
                guard state.failuresLeft > 0 else { return false }
                state.failuresLeft -= 1
                return true
            }
            if shouldFail { return Response(status: .serviceUnavailable) }
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
            let payload = (object["payload"]).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            let notification = Notification(
                event: object["event"] as? String ?? "", instanceID: object["instanceId"] as? String ?? "",
                eventID: object["eventId"] as? String ?? "",
                payload: payload.map { String(decoding: $0, as: UTF8.self) } ?? "{}",
                signed: request.headers[.init("Evflow-Signature")!] != nil)
            self.state.withLock { state in
                if !state.received.contains(where: { $0.eventID == notification.eventID }) { state.received.append(notification) }
            }
            return Response(status: .noContent)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "evflow.station-stub")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await body("http://127.0.0.1:\(port)/notifications")
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
