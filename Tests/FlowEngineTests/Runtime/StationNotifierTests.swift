import CurlHTTP
import EPayment
import FlowEngine
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a failed station callback records (it becomes the step's history entry and last error) never holds the
/// credentials or query of the station URL.
struct StationNotifierTests {
    @Test func aFailedCallbackDoesNotShowTheURLsCredentials() async throws {
        let port = try closedLoopbackPort()
        let url = "http://evuser:hunter2pw@127.0.0.1:\(port)/events?sig=tok3n"
        try await withHTTPClient { http in
            let live = StationNotifier(endpoints: ["station": .init(url: url, secret: Secret("station-secret"))], http: http)
            guard case .failed(let error) = await live.deliver(endpoint: "station", body: Array("{}".utf8), eventID: "e-1", at: Date()) else {
                Issue.record("a closed port did not fail the delivery")
                return
            }
            let recorded = "charging.start not delivered: \(error)"
            #expect(recorded.contains("127.0.0.1:\(port)/events"), "\(recorded)")
            for secret in ["hunter2pw", "evuser", "tok3n"] { #expect(!recorded.contains(secret), "\(recorded)") }
        }
    }

    /// A loopback port nothing listens on.
    func closedLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
