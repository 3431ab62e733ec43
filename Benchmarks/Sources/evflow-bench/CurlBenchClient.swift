import CurlHTTP

/// evflow's libcurl client.
struct CurlBenchClient: BenchClient {
    let name = "curl"
    let baseURL: String
    let client: CurlHTTP.HTTPClient

    init(baseURL: String, maximumConnections: Int) {
        self.baseURL = baseURL
        var configuration = CurlHTTP.HTTPClient.Configuration()
        configuration.maximumConnectionsPerHost = maximumConnections
        configuration.maximumIdleConnections = maximumConnections
        client = CurlHTTP.HTTPClient(configuration: configuration)
    }

    func get(_ path: String) async throws -> [UInt8] {
        let response = try await client.execute(HTTPRequest(url: baseURL + path))
        guard response.status == 200 else { throw UnexpectedResponse(client: name, status: response.status) }
        return response.body
    }

    func shutdown() async throws {
        await client.shutdown()
    }
}
