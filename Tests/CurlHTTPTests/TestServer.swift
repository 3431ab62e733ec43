import EvflowTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A request context that remembers which client connection each request arrived on.
struct ConnectionTrackingContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String
    var maxUploadSize: Int { 16 * 1024 * 1024 }

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.description ?? "unknown"
    }
}

/// A live Hummingbird server on 127.0.0.1 with a random port, with routes for exercising the client.
struct TestServer: Sendable {
    let port: Int
    let connections: ConnectionLog

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

/// The distinct client connections the server has seen.
final class ConnectionLog: Sendable {
    private let addresses = Mutex<Set<String>>([])
    private let requests = Mutex(0)

    func record(_ address: String) {
        addresses.withLock { _ = $0.insert(address) }
        requests.withLock { $0 += 1 }
    }

    var connectionCount: Int { addresses.withLock { $0.count } }
    var requestCount: Int { requests.withLock { $0 } }
}

/// Runs `body` with a live test server and stops the server afterwards.
func withTestServer<Result: Sendable>(_ body: @Sendable (TestServer) async throws -> Result) async throws -> Result {
    let connections = ConnectionLog()
    let router = Router(context: ConnectionTrackingContext.self)
    router.middlewares.add(ConnectionRecorder(log: connections))
    router.get("/hello") { _, _ in "hello" }
    router.on("/echo", method: .post, use: echo)
    router.on("/echo", method: .put, use: echo)
    router.on("/echo", method: .delete, use: echo)
    router.on("/echo", method: .patch, use: echo)
    router.get("/echo", use: echo)
    router.get("/bytes") { request, _ -> Response in
        let size = Int(request.uri.queryParameters["size"] ?? "0") ?? 0
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: size)))
    }
    router.get("/slow") { request, _ -> String in
        let milliseconds = Int(request.uri.queryParameters["ms"] ?? "0") ?? 0
        try await Task.sleep(for: .milliseconds(milliseconds))
        return "slept"
    }
    router.get("/cookies") { _, _ -> Response in
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: "a=1"))
        headers.append(HTTPField(name: .setCookie, value: "b=2"))
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "two cookies")))
    }

    return try await withLoopbackServer(router, label: "test-server") { port in
        try await body(TestServer(port: port, connections: connections))
    }
}

/// Echoes the method, selected request headers and the body back.
@Sendable private func echo(_ request: Request, _ context: ConnectionTrackingContext) async throws -> Response {
    let body = try await request.body.collect(upTo: context.maxUploadSize)
    var headers = HTTPFields()
    headers[HTTPField.Name("x-echo-method")!] = request.method.rawValue
    for name in ["x-trace", "content-type", "idempotency-key"] {
        let values = request.headers[values: HTTPField.Name(name)!]
        if !values.isEmpty { headers[HTTPField.Name("x-echo-\(name)")!] = values.joined(separator: ",") }
    }
    headers[HTTPField.Name("x-echo-body-length")!] = String(body.readableBytes)
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
}

private struct ConnectionRecorder: RouterMiddleware {
    let log: ConnectionLog

    func handle(
        _ request: Request, context: ConnectionTrackingContext,
        next: (Request, ConnectionTrackingContext) async throws -> Response
    ) async throws -> Response {
        log.record(context.remoteAddress)
        return try await next(request, context)
    }
}
