import CurlHTTP
import EvflowTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("HTTPClient failures say what happened and whether the request was sent")
struct HTTPClientFailureTests {
    @Test func totalTimeoutAfterSendingMayHaveBeenApplied() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let error = try await #require(throws: HTTPClientError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/slow?ms=3000"), timeout: .milliseconds(200)))
                }
                #expect(error.code == .timeout)
                #expect(error.delivery == .maybeSent)
                #expect(!error.isSafeToRetry)
            }
        }
    }

    @Test func connectTimeoutWasNeverSent() async throws {
        // A listener that never accepts, with its backlog filled: further SYNs are dropped, so connects hang.
        let server = try RawSocketServer(backlog: 0, handler: nil)
        defer { server.stop() }
        var fillers: [Int32] = []
        defer { fillers.forEach { close($0) } }
        for _ in 0..<8 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var flags = fcntl(fd, F_GETFL)
            flags |= O_NONBLOCK
            _ = fcntl(fd, F_SETFL, flags)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(server.port).bigEndian
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(fd)
        }
        try await withHTTPClient { client in
            let error = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(
                    url: "http://127.0.0.1:\(server.port)/", timeout: .seconds(5), connectTimeout: .milliseconds(300)))
            }
            #expect(error.code == .connectTimeout)
            #expect(error.delivery == .notSent)
        }
    }

    @Test func connectionRefusedWasNeverSent() async throws {
        let server = try RawSocketServer(handler: nil)
        let port = server.port
        server.stop()
        try await withHTTPClient { client in
            let error = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(method: .post, url: "http://127.0.0.1:\(port)/payments", body: [1]))
            }
            #expect(error.code == .connectionRefused)
            #expect(error.delivery == .notSent)
            #expect(error.isSafeToRetry)
            #expect(error.description.contains("POST http://127.0.0.1:\(port)/payments"))
        }
    }

    @Test func serverClosingMidResponseMayHaveApplied() async throws {
        let server = try RawSocketServer { fd in
            RawSocketServer.readRequestHead(fd)
            RawSocketServer.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly ten b")
            close(fd)
        }
        defer { server.stop() }
        try await withHTTPClient { client in
            let error = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/capture"))
            }
            #expect(error.code == .connectionClosed)
            #expect(error.delivery == .maybeSent)
        }
    }

    @Test func serverClosingWithoutAnswerMayHaveApplied() async throws {
        // The "applied but response lost" case: the server read the request, then the connection dropped.
        let server = try RawSocketServer { fd in
            RawSocketServer.readRequestHead(fd)
            close(fd)
        }
        defer { server.stop() }
        try await withHTTPClient { client in
            let error = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/capture"))
            }
            #expect(error.code == .connectionClosed)
            #expect(error.delivery == .maybeSent)
        }
    }

    @Test func cancellationAbortsTheTransferPromptly() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let started = ContinuousClock.now
                let task = Task {
                    try await client.execute(HTTPRequest(url: server.url("/slow?ms=120000")))
                }
                try await waitUntil("the request to reach the server", pollingEvery: .milliseconds(10)) { server.connections.requestCount >= 1 }
                task.cancel()
                let result = await task.result
                let error = try #require(throws: HTTPClientError.self) { try result.get() }
                #expect(error.code == .cancelled)
                #expect(error.delivery == .maybeSent)
                // The server would have answered after 120 s; the client gave up long before (the bound is loose on
                // purpose: on a loaded 2-core CI machine a prompt abort has still taken seconds).
                #expect(ContinuousClock.now - started < .seconds(60))
                #expect(client.activeTransferCount == 0)
            }
        }
    }

    @Test func cancelledBeforeStartingIsNeverSent() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let task = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try await client.execute(HTTPRequest(method: .post, url: server.url("/echo")))
                }
                let error = try await #require(throws: HTTPClientError.self) { try await task.value }
                #expect(error.code == .cancelled)
                #expect(error.delivery == .notSent)
                #expect(server.connections.requestCount == 0)
            }
        }
    }

    @Test func oversizedResponseIsRefused() async throws {
        try await withTestServer { server in
            let configuration = HTTPClient.Configuration(maximumResponseSize: 1000)
            try await withHTTPClient(configuration: configuration) { client in
                let small = try await client.execute(HTTPRequest(url: server.url("/bytes?size=1000")))
                #expect(small.body.count == 1000)
                let error = try await #require(throws: HTTPClientError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/bytes?size=100000")))
                }
                #expect(error.code == .responseTooLarge)
            }
        }
    }

    @Test func unsupportedSchemeIsAnInvalidRequest() async throws {
        try await withHTTPClient { client in
            let error = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: "ftp://127.0.0.1/file"))
            }
            #expect(error.code == .invalidRequest)
            #expect(error.delivery == .notSent)
        }
    }

    @Test func shutdownFailsInFlightRequestsAndRefusesNewOnes() async throws {
        try await withTestServer { server in
            let client = HTTPClient()
            let inFlight = Task { try await client.execute(HTTPRequest(url: server.url("/slow?ms=10000"))) }
            try await waitUntil("the request to reach the server", pollingEvery: .milliseconds(10)) { server.connections.requestCount >= 1 }
            await client.shutdown()
            let error = try await #require(throws: HTTPClientError.self) { try await inFlight.value }
            #expect(error.code == .clientShutDown)
            let later = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: server.url("/hello")))
            }
            #expect(later.code == .clientShutDown)
            #expect(later.delivery == .notSent)
            #expect(client.activeTransferCount == 0)
            await client.shutdown()
        }
    }
}
