import Logging

/// An async HTTP client over libcurl: one curl multi handle driven by one dedicated thread.
///
/// Thousands of requests can be in flight without a thread each; connections are kept alive and reused.
/// Create one per process (or per configuration) and share it: it is `Sendable`. Its lifetime is explicit:
/// use ``withHTTPClient(configuration:logger:_:)`` or call ``shutdown()`` before the last reference goes away.
///
/// ```swift
/// try await withHTTPClient { client in
///     let response = try await client.execute(HTTPRequest(url: "http://127.0.0.1:8080/healthz"))
///     print(response.status)
/// }
/// ```
public final class HTTPClient: Sendable {
    /// The settings this client was created with.
    public let configuration: Configuration
    let loop: TransferLoop

    /// Starts the client's transfer thread.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "evflow.http")) {
        self.configuration = configuration
        self.loop = TransferLoop(configuration: configuration, logger: logger)
    }

    /// Sends `request` and returns the complete response, whatever its status code.
    ///
    /// Cancelling the calling task aborts the transfer promptly and frees its handle.
    ///
    /// Like every keep-alive client, libcurl resends a request once, on a fresh connection, when a reused
    /// connection turns out to be closed before any byte of the response arrived (the server may have closed
    /// the idle connection just as it was reused). For a POST that may reach the server twice: send
    /// non-idempotent requests with an idempotency key, as every ePayment call does.
    /// - Throws: ``HTTPClientError`` when no complete response arrived; its ``HTTPClientError/delivery`` says
    ///   whether the request may have reached the server.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await loop.execute(request)
    }

    /// Aborts requests still in flight (they fail with ``HTTPClientError/Code/clientShutDown``), stops the
    /// transfer thread and frees every curl handle. Calling it twice is harmless.
    public func shutdown() async {
        await loop.shutdown()
    }

    /// The number of transfers the client currently owns, for tests that check nothing leaks.
    package var activeTransferCount: Int { loop.activeTransferCount }
}

/// Runs `body` with a new client and shuts the client down afterwards, also when `body` throws.
public func withHTTPClient<Result>(
    configuration: HTTPClient.Configuration = HTTPClient.Configuration(),
    logger: Logger = Logger(label: "evflow.http"),
    _ body: (HTTPClient) async throws -> Result
) async throws -> Result {
    let client = HTTPClient(configuration: configuration, logger: logger)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}
