import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import FlowTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// No single client can hold or slow the built `evflow serve`: half-sent requests, stalled bodies, idle or
/// surplus connections, deeply nested JSON and huge ids, all over real sockets. The limits come from the
/// environment (`EVFLOW_*_TIMEOUT`, `EVFLOW_MAX_CONNECTIONS`) as in production, set small here.
@Suite(.serialized)
struct HostileClientTests {
    @Test(.timeLimit(.minutes(2)))
    func halfSentRequestsDoNotHoldShutdown() async throws {
        // Long header and body timeouts: only the shutdown deadline can end these requests.
        try await withServe(["EVFLOW_SHUTDOWN_TIMEOUT": "2", "EVFLOW_HEADER_TIMEOUT": "600", "EVFLOW_BODY_TIMEOUT": "600"]) { fixture, server in
            var held: [RawConnection] = []
            for index in 0..<5 {
                let connection = try RawConnection(port: fixture.port)
                let start = "POST /v1/flows/ev-charging/instances HTTP/1.1\r\nHost: evflow\r\nAuthorization: Bearer \(ServeFixture.token)\r\n"
                if index < 2 {
                    connection.send(start)  // the head never ends
                } else {
                    connection.send(start + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\": \"half-\(index)\"")
                }
                held.append(connection)
            }
            try await Task.sleep(for: .milliseconds(500))
            server.terminate()
            let output = await server.finish(timeout: .seconds(20))
            #expect(!output.killedBySignal && !output.timedOut, "\(output)")
            #expect(output.status == 0, "\(output)")
            #expect(!output.timedOut, "SIGTERM with five half-sent requests: \(output)")
            _ = held
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func deeplyNestedBodyIsRefusedFastAndHealthzStaysPrompt() async throws {
        try await withServe([:]) { fixture, _ in
            // 15 chains 500 levels deep (15 KB): under JSONSerialization's own limit of 512, and each chain
            // cost seconds of CPU in a Decodable-based conversion.
            let chain = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
            let body = #"{"id": "deep-1", "input": {"phoneNumber": ["# + Array(repeating: chain, count: 15).joined(separator: ",") + "]}}"
            #expect(body.utf8.count > 15_000)
            let clock = ContinuousClock()
            async let refused = fixture.call(.post, "/v1/flows/ev-charging/instances", json: body)
            try await Task.sleep(for: .milliseconds(100))
            let healthStart = clock.now
            let health = try await fixture.call(.get, "/healthz", token: nil)
            let healthTook = clock.now - healthStart
            let reply = try await refused
            #expect(health.status == 200)
            #expect(healthTook < .seconds(5), "/healthz took \(healthTook) beside a nested body")
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.header("Content-Type") == "application/problem+json")
            #expect(reply.text.contains("32") && reply.text.contains("nested"), "names the depth limit: \(reply.text)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func connectionsBeyondTheLimitAreRefusedWhileOthersWork() async throws {
        try await withServe(["EVFLOW_MAX_CONNECTIONS": "3", "EVFLOW_IDLE_TIMEOUT": "600"]) { fixture, _ in
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try RawConnection(port: fixture.port)
                connection.send("GET /healthz HTTP/1.1\r\nHost: evflow\r\n\r\n")
                let answer = await connection.read(timeout: .seconds(10)) { $0.contains("\"status\":\"ok\"") }
                #expect(answer.text.hasPrefix("HTTP/1.1 200"), "within the limit: \(answer.text)")
                held.append(connection)  // kept open (keep-alive)
            }
            let surplus = try RawConnection(port: fixture.port)
            surplus.send("GET /healthz HTTP/1.1\r\nHost: evflow\r\n\r\n")
            let refused = await surplus.readUntilClosed(timeout: .seconds(10))
            #expect(refused.text.hasPrefix("HTTP/1.1 503"), "beyond the limit: \(refused.text)")
            #expect(refused.text.contains("EVFLOW_MAX_CONNECTIONS") || refused.text.contains("connections"), "\(refused.text)")
            #expect(refused.closed, "the surplus connection is closed")

            held.removeFirst().close()
            try await Task.sleep(for: .milliseconds(300))
            let next = try RawConnection(port: fixture.port)
            next.send("GET /healthz HTTP/1.1\r\nHost: evflow\r\nConnection: close\r\n\r\n")
            let served = await next.readUntilClosed(timeout: .seconds(10))
            #expect(served.text.hasPrefix("HTTP/1.1 200"), "a freed slot is used again: \(served.text)")
            _ = held
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func hugeSignalIDIsRefusedNamingTheLimit() async throws {
        try await withServe([:]) { fixture, _ in
            #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("long-id-1")).status == 201)
            let signalID = String(repeating: "r", count: 60_000)
            let reply = try await fixture.call(.post, "/v1/instances/long-id-1/signals/meterReading",
                                               json: #"{"signalId": "\#(signalID)", "data": {"energyWh": 10}}"#)
            #expect(reply.status == 400, "\(reply.text.prefix(300))")
            #expect(reply.text.contains("signalId") && reply.text.contains("128"), "\(reply.text.prefix(300))")
            #expect(reply.text.utf8.count < 2_000, "the error does not echo the id")
            let cancel = try await fixture.call(.post, "/v1/instances/long-id-1/cancel",
                                                json: #"{"reason": "\#(String(repeating: "x", count: 5_000))"}"#)
            #expect(cancel.status == 400, "\(cancel.text.prefix(300))")
            #expect(cancel.text.contains("reason") && cancel.text.contains("1000"), "\(cancel.text.prefix(300))")
            let stateFile = fixture.stateDirectory.appendingPathComponent("instances/long-id-1.json")
            let size = try FileManager.default.attributesOfItem(atPath: stateFile.path)[.size] as? Int ?? 0
            #expect(size < 20_000, "the instance file stays small: \(size) bytes")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func idleConnectionsAreClosed() async throws {
        try await withServe(["EVFLOW_IDLE_TIMEOUT": "1"]) { fixture, _ in
            let silent = try RawConnection(port: fixture.port)
            let keepAlive = try RawConnection(port: fixture.port)
            keepAlive.send("GET /healthz HTTP/1.1\r\nHost: evflow\r\n\r\n")
            let answer = await keepAlive.read(timeout: .seconds(10)) { $0.contains("\"status\":\"ok\"") }
            #expect(answer.text.hasPrefix("HTTP/1.1 200"))
            #expect(await silent.readUntilClosed(timeout: .seconds(15)).closed, "a connection that never sends is closed")
            #expect(await keepAlive.readUntilClosed(timeout: .seconds(15)).closed, "an idle keep-alive connection is closed")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func slowHeadersAndBodiesGet408() async throws {
        try await withServe(["EVFLOW_HEADER_TIMEOUT": "1", "EVFLOW_BODY_TIMEOUT": "1", "EVFLOW_IDLE_TIMEOUT": "600"]) { fixture, _ in
            let slowHead = try RawConnection(port: fixture.port)
            slowHead.send("GET /healthz HTTP/1.1\r\nHost: ev")
            let head = await slowHead.readUntilClosed(timeout: .seconds(15))
            #expect(head.text.hasPrefix("HTTP/1.1 408"), "\(head.text)")
            #expect(head.closed)

            // A body trickled a byte at a time: each byte is activity, only a deadline for the body ends it.
            let slowBody = try RawConnection(port: fixture.port)
            slowBody.send("POST /v1/flows/ev-charging/instances HTTP/1.1\r\nHost: evflow\r\nAuthorization: Bearer \(ServeFixture.token)\r\n"
                          + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(15))
            var text = ""
            var closed = false
            while clock.now < deadline, !closed {
                slowBody.send(" ")
                let part = await slowBody.read(timeout: .milliseconds(300)) { _ in false }
                text += part.text
                closed = part.closed
            }
            #expect(text.hasPrefix("HTTP/1.1 408"), "\(text)")
            #expect(text.contains("application/problem+json") && text.contains("body"), "\(text)")
            #expect(closed, "the connection is closed after the 408")
        }
    }

    // MARK: Running the built server

    /// Runs the built `evflow serve` with the fixture's environment plus `extra`, healthy before `body`; stops it
    /// with SIGTERM afterwards unless `body` did.
    private func withServe(_ extra: [String: String],
                           _ body: @Sendable (ServeFixture, ChildProcess) async throws -> Void) async throws {
        let binary = try BuiltProduct.evflow.url()
        try await withServeFixture(webhooks: false) { fixture in
            let environment = [
                "EVFLOW_API_TOKENS": ServeFixture.token,
                "EPAYMENT_BASE_URL": fixture.simulator.baseURL, "EPAYMENT_CLIENT_ID": "hostile", "EPAYMENT_CLIENT_SECRET": "hostile-secret",
                "EPAYMENT_SUBSCRIPTION_KEY": "hostile-key", "EPAYMENT_MSN": "123456",
            ].merging(extra) { _, new in new }
            let arguments = ["serve", "--port", "\(fixture.port)", "--state-dir", fixture.stateDirectory.path, "--flows-dir", fixture.flows.path]
            let server = try ServeBinaryTests.launch(binary, arguments, environment)
            do {
                try await Self.waitUntilServing(fixture.port)
                try await body(fixture, server)
            } catch {
                server.terminate()
                _ = await server.finish(timeout: .seconds(30))
                throw error
            }
            if server.isRunning {
                server.terminate()
                _ = await server.finish(timeout: .seconds(30))
            }
        }
    }

    /// Waits for `/healthz` over one-shot connections (`Connection: close`), so no pooled client connection
    /// counts against the server's connection limit afterwards.
    private static func waitUntilServing(_ port: Int) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        while clock.now < deadline {
            if let connection = try? RawConnection(port: port) {
                connection.send("GET /healthz HTTP/1.1\r\nHost: evflow\r\nConnection: close\r\n\r\n")
                let reply = await connection.readUntilClosed(timeout: .seconds(5))
                connection.close()
                if reply.text.hasPrefix("HTTP/1.1 200") {
                    try await Task.sleep(for: .milliseconds(200))  // the server notices the close
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("evflow serve did not become healthy")
        throw CancellationError()
    }
}
