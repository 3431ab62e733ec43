import CurlHTTP
import EPaymentSimulator
import Foundation
import Testing

/// Starting and stopping: the scoped API owns the server's whole lifetime.
@Suite("Server lifecycle")
struct ServerLifecycleTests {
    @Test func aBusyPortIsAnErrorNotAHang() async throws {
        try await withTestSimulator { simulator, _ throws in
            let port = try #require(Int(simulator.baseURL.split(separator: ":").last ?? ""))
            await #expect(throws: (any Error).self) {
                try await withSimulator(configuration: SimulatorConfiguration(port: port), logger: quietLogger) { _ in }
            }
        }
    }

    @Test func theServerIsGoneAfterTheScope() async throws {
        let url = try await withTestSimulator { simulator, api throws in
            #expect(try await api.send(.get, "/_sim/health").status == 200)
            return simulator.baseURL
        }
        try await withHTTPClient { client in
            await #expect(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: url + "/_sim/health", timeout: .seconds(2)))
            }
        }
    }

    @Test func anErrorInTheBodyStillStopsTheServer() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withSimulator(logger: quietLogger) { _ in throw Boom() }
        }
    }
}
