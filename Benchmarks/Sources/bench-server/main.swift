// A minimal keep-alive HTTP/1.1 server for the HTTP client benchmark.
//
// It runs as its own process, on one event-loop thread, so that it never shares a thread pool with the
// clients under test and costs both of them the same. Every request gets the same pre-encoded 200 response
// with a body of `--body-size` bytes (default 100). `GET /connections` answers with the number of
// connections accepted so far, so the benchmark can check that both clients reuse connections.
//
// It prints `port <number>` on standard output once it listens, and exits when standard input closes, so it
// never outlives the benchmark that started it.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

let arguments = CommandLine.arguments
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else {
        return value
    }
    return parsed
}

let bodySize = option("--body-size", default: 100)
let port = option("--port", default: 0)
let threads = option("--threads", default: 1)
/// How many connections the server has accepted, shared by every connection's handler.
final class ConnectionCounter: Sendable {
    let value = Atomic<Int>(0)
}
let connectionCount = ConnectionCounter()

/// Answers every request on one connection; the response head and body are encoded once per connection.
final class BenchHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let body: ByteBuffer
    private let connections: ConnectionCounter
    private var path = ""
    private var keepAlive = true

    init(allocator: ByteBufferAllocator, bodySize: Int, connections: ConnectionCounter) {
        body = allocator.buffer(repeating: UInt8(ascii: "x"), count: bodySize)
        self.connections = connections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            var payload = body
            if path == "/connections" {
                payload = context.channel.allocator.buffer(string: String(connections.value.load(ordering: .relaxed)))
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/octet-stream")
            headers.add(name: "Content-Length", value: String(payload.readableBytes))
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
            if keepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { [bodySize, connectionCount] channel in
        connectionCount.value.wrappingAdd(1, ordering: .relaxed)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(
                BenchHandler(allocator: channel.allocator, bodySize: bodySize, connections: connectionCount)
            )
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()

print("port \(channel.localAddress?.port ?? 0)")
fflush(nil)  // all streams; `stdout` itself is not concurrency-safe to name in Swift 6

// Exit when the parent closes our standard input (or dies).
while readLine(strippingNewline: true) != nil {}
try? channel.close().wait()
try? group.syncShutdownGracefully()
