import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Tells the connection's ``ConnectionGuard`` when a request head has arrived and when a response has ended,
/// which only the decoded HTTP parts show. Placed after Hummingbird's HTTP codec; passes every part on unchanged.
final class RequestPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var connectionGuard: ConnectionGuard?
    /// Request bodies read to their end, and responses ended: a response for a request whose body is still
    /// arriving means the connection cannot be reused.
    private var requestsRead = 0
    private var responsesEnded = 0
    private var closeAfterResponse = false

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connectionGuard?.headReceived()
        case .body: break
        case .end: requestsRead += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(let head):
            closeAfterResponse = head.headerFields[.connection]?.lowercased() == "close"
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            responsesEnded += 1
            let close = closeAfterResponse || requestsRead < responsesEnded
            context.write(data, promise: promise)
            connectionGuard?.responseEnded(close: close)
        }
    }
}
