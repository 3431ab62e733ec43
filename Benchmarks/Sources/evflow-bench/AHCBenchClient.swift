import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// swift-server's AsyncHTTPClient, the reference, through its async/await API.
struct AHCBenchClient: BenchClient {
    let name = "ahc"
    let baseURL: String
    let client: AsyncHTTPClient.HTTPClient

    /// - Parameter eventLoops: `nil` uses AHC's default, the process-wide singleton group (one thread per core);
    ///   a number gives AHC a group of its own with that many threads.
    init(baseURL: String, maximumConnections: Int, eventLoops: Int?) {
        self.baseURL = baseURL
        var configuration = AsyncHTTPClient.HTTPClient.Configuration()
        // AHC opens at most 8 HTTP/1.1 connections per host by default; allow as many as curl may open so
        // both clients can keep every request of the 64-in-flight phase on its own connection.
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnections
        )
        if let eventLoops {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
            client = AsyncHTTPClient.HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        } else {
            client = AsyncHTTPClient.HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }
    }

    func get(_ path: String) async throws -> [UInt8] {
        let request = HTTPClientRequest(url: baseURL + path)
        let response = try await client.execute(request, timeout: .seconds(30))
        guard response.status.code == 200 else { throw UnexpectedResponse(client: name, status: Int(response.status.code)) }
        let body = try await response.body.collect(upTo: 1 << 20)
        return Array(body.readableBytesView)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }
}
