import NIOCore
import Synchronization

/// The first handler of every connection, on raw bytes: it enforces ``ConnectionLimits`` so that no client can
/// hold `evflow serve` (each connection costs a file descriptor and a task, and every open request delays
/// shutdown).
///
/// - Beyond ``ConnectionLimits/maximumConnections`` a connection is answered 503 at once and closed.
/// - A connection with no request in progress is closed after ``ConnectionLimits/idleTimeout`` of silence.
/// - From a request's first byte its head must be complete within ``ConnectionLimits/headerTimeout`` (408).
/// - A response that says `Connection: close`, or is sent before its request's body was read, closes the
///   connection once written (a half-read body cannot be skipped safely).
///
/// The body deadline is the route's (``JSONBody``); ``RequestPhaseObserver``, after the HTTP codec, reports
/// heads and response ends here.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Between requests: waiting for a first byte.
        case idle
        /// A request's head is arriving.
        case head
        /// At least one request is being read or answered.
        case busy
        /// Refused or closing: input is dropped.
        case closing
    }

    private let limits: ConnectionLimits
    private let connections: OpenConnections
    private var phase = Phase.idle
    private var counted = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// Requests whose head arrived and whose response has not ended.
    private var requestsInFlight = 0

    init(limits: ConnectionLimits, connections: OpenConnections) {
        self.limits = limits
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { opened(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        if counted {
            counted = false
            connections.closed()
        }
        phase = .closing
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .closing: return
        case .idle:
            phase = .head
            arm(limits.headerTimeout, context) { [unowned self] context in
                self.refuse(context, status: "408 Request Timeout", code: "headerTimeout",
                            detail: "the request head (request line and headers) did not arrive within \(self.limits.headerTimeout)")
            }
        case .head, .busy: break
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if phase == .closing, case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Reported by RequestPhaseObserver

    /// A request's head was decoded: from now on its route (and the body deadline) bounds it.
    func headReceived() {
        requestsInFlight += 1
        guard phase != .closing else { return }
        phase = .busy
        cancelTimer()
    }

    /// A response ended; `close` when the connection must not be reused.
    func responseEnded(close: Bool) {
        requestsInFlight = max(0, requestsInFlight - 1)
        guard let context, phase != .closing else { return }
        if close {
            phase = .closing
            cancelTimer()
            context.flush()
            context.close(promise: nil)
            return
        }
        guard requestsInFlight == 0 else { return }
        phase = .idle
        armIdle(context)
    }

    // MARK: Internals

    private func opened(_ context: ChannelHandlerContext) {
        guard !counted, phase != .closing else { return }
        counted = connections.open(limit: limits.maximumConnections)
        guard counted else {
            refuse(context, status: "503 Service Unavailable", code: "tooManyConnections", retryAfter: true,
                   detail: "the server has \(limits.maximumConnections) open connections, its limit (EVFLOW_MAX_CONNECTIONS); retry shortly or reuse a connection")
            return
        }
        armIdle(context)
    }

    private func armIdle(_ context: ChannelHandlerContext) {
        arm(limits.idleTimeout, context) { context in context.close(promise: nil) }
    }

    private func arm(_ delay: Duration, _ context: ChannelHandlerContext, _ action: @escaping (ChannelHandlerContext) -> Void) {
        cancelTimer()
        let components = delay.components
        let nanoseconds = components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
        let loopBound = NIOLoopBound((context: context, action: action), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            loopBound.value.action(loopBound.value.context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    /// Answers with a problem and closes: output first, then (once the client has closed, or after a second)
    /// the rest, so the answer is not lost to a reset caused by request bytes still unread.
    private func refuse(_ context: ChannelHandlerContext, status: String, code: String, retryAfter: Bool = false, detail: String) {
        phase = .closing
        let body = #"{"code":"\#(code)","detail":"\#(detail)","status":\#(status.prefix(3)),"title":"\#(status.dropFirst(4))"}"#
        var head = "HTTP/1.1 \(status)\r\nContent-Type: application/problem+json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        if retryAfter { head += "Retry-After: 1\r\n" }
        let buffer = context.channel.allocator.buffer(string: head + "\r\n" + body)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.close(mode: .output, promise: nil)
        arm(.seconds(1), context) { context in context.close(promise: nil) }
    }
}

/// How many connections are open, shared by every connection of one server.
final class OpenConnections: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts a new connection; `false` when `limit` connections are open (a refused connection does not
    /// count: a flood of them cannot keep a freed slot from the next client).
    func open(limit: Int) -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Every connection ``open(limit:)`` accepted ends here.
    func closed() { count.subtract(1, ordering: .relaxed) }
}
