import CurlHTTP
import Testing

@Suite("HTTPClient against a live server")
struct HTTPClientTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let response = try await client.execute(HTTPRequest(url: server.url("/hello")))
                #expect(response.status == 200)
                #expect(response.bodyText == "hello")
                #expect(response.headers["content-length"] == "5")
                #expect(response.headers["Content-Length"] == "5")
                #expect(response.httpVersion == "HTTP/1.1")
            }
        }
    }

    @Test(arguments: [HTTPMethod.post, .put, .delete, .patch])
    func methodsSendTheirBody(method: HTTPMethod) async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let body = Array("{\"amount\":1500,\"method\":\"\(method)\"}".utf8)
                let response = try await client.execute(HTTPRequest(
                    method: method, url: server.url("/echo"),
                    headers: ["Content-Type": "application/json"], body: body
                ))
                #expect(response.status == 200)
                #expect(response.headers["x-echo-method"] == method.rawValue)
                #expect(response.headers["x-echo-content-type"] == "application/json")
                #expect(response.body == body)
            }
        }
    }

    @Test func postWithoutBodySendsEmptyBody() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let response = try await client.execute(HTTPRequest(method: .post, url: server.url("/echo")))
                #expect(response.status == 200)
                #expect(response.headers["x-echo-method"] == "POST")
                #expect(response.headers["x-echo-body-length"] == "0")
            }
        }
    }

    @Test func repeatedHeadersAreKeptBothWays() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                var headers = HTTPHeaders()
                headers.add(name: "X-Trace", value: "one")
                headers.add(name: "x-trace", value: "two")
                headers.add(name: "Idempotency-Key", value: "key-123")
                let echoed = try await client.execute(HTTPRequest(url: server.url("/echo"), headers: headers))
                #expect(echoed.headers["x-echo-x-trace"] == "one,two")
                #expect(echoed.headers["x-echo-idempotency-key"] == "key-123")

                let cookies = try await client.execute(HTTPRequest(url: server.url("/cookies")))
                #expect(cookies.status == 201)
                #expect(cookies.headers.values(for: "SET-COOKIE") == ["a=1", "b=2"])
            }
        }
    }

    @Test func fiveMegabyteBodiesBothWays() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let size = 5 * 1024 * 1024
                let upload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let echoed = try await client.execute(HTTPRequest(method: .put, url: server.url("/echo"), body: upload))
                #expect(echoed.status == 200)
                #expect(echoed.body.count == size)
                #expect(echoed.body == upload)

                let download = try await client.execute(HTTPRequest(url: server.url("/bytes?size=\(size)")))
                #expect(download.body.count == size)
                #expect(download.body.allSatisfy { $0 == UInt8(ascii: "x") })
            }
        }
    }

    @Test func thousandConcurrentRequestsAllComplete() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                    for index in 0..<1000 {
                        group.addTask {
                            let response = try await client.execute(HTTPRequest(
                                method: .post, url: server.url("/echo"), body: Array("request-\(index)".utf8)))
                            return (index, response.bodyText)
                        }
                    }
                    var bodies: [Int: String] = [:]
                    for try await (index, body) in group { bodies[index] = body }
                    return bodies
                }
                #expect(bodies.count == 1000)
                #expect((0..<1000).allSatisfy { bodies[$0] == "request-\($0)" })
                #expect(client.activeTransferCount == 0)
            }
        }
    }

    @Test func keepAliveReusesConnections() async throws {
        try await withTestServer { server in
            try await withHTTPClient { client in
                for _ in 0..<50 {
                    let response = try await client.execute(HTTPRequest(url: server.url("/hello")))
                    #expect(response.status == 200)
                }
                #expect(server.connections.requestCount == 50)
                #expect(server.connections.connectionCount <= 2)
            }
        }
    }
}
