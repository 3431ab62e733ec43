import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// `LISTEN`s on the store's wake-up channel and calls `wake` with each notified instance id: how a start, a
/// signal or a webhook received by any node reaches the worker that should run the instance, without waiting
/// for the poll. Lives entirely on postgres-nio's event loop (connect, listen, reconnect a second after the
/// connection drops), so it never holds a thread; the worker's periodic poll covers whatever is missed while
/// it reconnects.
final class WakeUpListener: WakeUpSubscription {
    private let connections: PostgresConnections
    private let channel: String
    private let wake: @Sendable (String) -> Void
    private let state = Mutex<(connection: PostgresConnection?, cancelled: Bool)>((nil, false))

    init(connections: PostgresConnections, channel: String, wake: @escaping @Sendable (String) -> Void) {
        self.connections = connections
        self.channel = channel
        self.wake = wake
    }

    func start() {
        guard !state.withLock({ $0.cancelled }) else { return }
        let channel = self.channel, wake = self.wake
        // Bounded as the store's statements are: a server that accepts and never finishes the start-up, or never
        // answers the LISTEN, would otherwise leave this listener waiting for ever, and every wake-up to the poll.
        let opening = connections.connect().flatMap { connection -> EventLoopFuture<PostgresConnection> in
            connection.addListener(channel: channel) { _, notification in wake(notification.payload) }
            return connection.query(PostgresQuery(unsafeSQL: "LISTEN \"\(channel)\""), logger: connection.logger).map { _ in connection }
                .flatMapErrorThrowing { error in
                    connection.close().whenComplete { _ in _ = connection }
                    throw error
                }
        }
        let listening = PostgresConnections.withinAnswerGrace(opening, what: "the wake-up listener's connection and LISTEN")
        listening.whenComplete { [weak self] result in
            guard let self else {
                // The listener went away while it connected: nobody would ever close this connection.
                if case .success(let connection) = result { connection.close().whenComplete { _ in _ = connection } }
                return
            }
            switch result {
            case .success(let connection):
                let keep = self.state.withLock { state -> Bool in
                    guard !state.cancelled else { return false }
                    state.connection = connection
                    return true
                }
                guard keep else {
                    connection.close().whenComplete { _ in _ = connection }
                    return
                }
                connection.closeFuture.whenComplete { [weak self] _ in self?.restartSoon(on: connection.eventLoop) }
            case .failure:
                self.restartSoon(on: nil)
            }
        }
    }

    private func restartSoon(on loop: (any EventLoop)?) {
        guard !state.withLock({ state in
            state.connection = nil
            return state.cancelled
        }) else { return }
        let loop = loop ?? MultiThreadedEventLoopGroup.singleton.any()
        loop.scheduleTask(in: .seconds(1)) { [weak self] in self?.start() }
    }

    func cancel() {
        let connection = state.withLock { state in
            state.cancelled = true
            defer { state.connection = nil }
            return state.connection
        }
        connection?.close().whenComplete { _ in _ = connection }
    }
}
