import Hummingbird
import Logging
import NIOCore

/// Serves `router` on 127.0.0.1 at a port the kernel picks, until `body` returns: the one way the test stubs (a
/// fake ePayment API, a webhook receiver, the curl client's test routes) run a real HTTP server.
///
/// The server's own log is silenced below `critical`: cancelling it at the end of a test makes Hummingbird log an
/// error that is expected here.
/// - Parameter body: gets the bound port.
package func withLoopbackServer<Builder: HTTPResponderBuilder, Result: Sendable>(
    _ router: Builder, label: String = "evflow.test-stub", _ body: (_ port: Int) async throws -> Result
) async throws -> Result where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: label)
    logger.logLevel = .critical
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portContinuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The server stopped before it listened: its error says why.
            try await group.waitForAll()
            throw CancellationError()
        }
        defer { group.cancelAll() }
        return try await body(port)
    }
}
