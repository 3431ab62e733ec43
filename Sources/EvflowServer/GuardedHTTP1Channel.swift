import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 channel with a ``ConnectionGuard`` in front of the HTTP codec and a
/// ``RequestPhaseObserver`` behind it, so every connection is bounded by ``ConnectionLimits``.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let limits: ConnectionLimits
    let connections: OpenConnections

    /// The server builder for `Application(server:)`: one connection count shared by all connections.
    static func server(limits: ConnectionLimits) -> HTTPServerBuilder {
        let connections = OpenConnections()
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                base: HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [RequestPhaseObserver()])),
                limits: limits, connections: connections)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            let connectionGuard = ConnectionGuard(limits: limits, connections: connections)
            try channel.pipeline.syncOperations.addHandler(connectionGuard, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
