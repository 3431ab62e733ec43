import CurlHTTP
import EPaymentSimulator
import FlowTesting
import Foundation
import Testing

/// The built `evflow serve` binary, configured by the environment like in production, stopped with SIGTERM.
@Suite(.serialized)
struct ServeBinaryTests {
    @Test(.timeLimit(.minutes(2)))
    func sigtermParksDurablyAndExitsZero() async throws {
        let binary = try Self.evflowBinary()
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            let environment = [
                "EVFLOW_API_TOKENS": "other-token-0123456789abcdef0123456789,\(ServeFixture.token)",
                "EPAYMENT_BASE_URL": fixture.simulator.baseURL, "EPAYMENT_CLIENT_ID": "bin", "EPAYMENT_CLIENT_SECRET": "bin-secret",
                "EPAYMENT_SUBSCRIPTION_KEY": "bin-key", "EPAYMENT_MSN": "123456", "EPAYMENT_WEBHOOK_SECRET": ServeFixture.webhookSecret,
                "EVFLOW_STATION_URL": fixture.stationURL, "EVFLOW_STATION_SECRET": "station-secret",
            ]
            let arguments = ["serve", "--port", "\(fixture.port)", "--state-dir", fixture.stateDirectory.path, "--flows-dir", fixture.flows.path]

            let first = try Self.launch(binary, arguments, environment)
            try await Self.waitUntilHealthy(fixture)
            #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("bin-1")).status == 201)
            try await fixture.waitFor("bin-1", "authorization") { $0["step"] as? String == "meter" }
            #expect(try await fixture.call(.post, "/v1/instances/bin-1/signals/sessionEnded",
                                           json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#).status == 202)
            first.process.terminate()  // SIGTERM while the session's capture and release are due
            let firstOutput = try await first.finish()
            #expect(first.process.terminationStatus == 0, "\(firstOutput)")
            #expect(first.process.terminationReason == .exit)
            #expect(firstOutput.contains("evflow serve stopped"), "\(firstOutput)")

            let second = try Self.launch(binary, arguments, environment)
            try await Self.waitUntilHealthy(fixture)
            let done = try await fixture.waitFor("bin-1", "success after the restart") { $0["status"] as? String == "succeeded" }
            #expect((done["payment"] as? [String: Any])?["captured"] as? Int == 7971)
            second.process.interrupt()  // Ctrl-C
            let secondOutput = try await second.finish()
            #expect(second.process.terminationStatus == 0, "\(secondOutput)")

            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == 7971)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.aggregate.cancelled == 50_000 - 7971)
            #expect(fixture.station.events == ["charging.start", "charging.completed"], "EVFLOW_STATION_URL is wired")
            #expect(!firstOutput.contains(ServeFixture.token) && !secondOutput.contains(ServeFixture.token), "tokens are never printed")
        }
    }

    struct Launched {
        let process: Process
        let log: URL
        let exited: AsyncStream<Void>

        func finish(timeout: Duration = .seconds(30)) async throws -> String {
            let stopped = await withTaskGroup(of: Bool.self) { group in
                group.addTask { for await _ in exited { return true }; return true }
                group.addTask { try? await Task.sleep(for: timeout); return false }
                defer { group.cancelAll() }
                return await group.next() ?? false
            }
            if !stopped {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            defer { try? FileManager.default.removeItem(at: log) }
            return ((try? String(contentsOf: log, encoding: .utf8)) ?? "") + (stopped ? "" : "\n[did not stop within \(timeout)]")
        }
    }

    static func launch(_ binary: URL, _ arguments: [String], _ environment: [String: String]) throws -> Launched {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            try? handle.close()
            continuation.yield()
            continuation.finish()
        }
        try process.run()
        return Launched(process: process, log: log, exited: stream)
    }

    static func waitUntilHealthy(_ fixture: ServeFixture) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        while clock.now < deadline {
            if let reply = try? await fixture.call(.get, "/healthz", token: nil), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("evflow serve did not become healthy")
        throw CancellationError()
    }

    /// The `evflow` executable built next to this test bundle (`swift build --build-tests` builds it too).
    static func evflowBinary() throws -> URL {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("evflow"),
            root.appendingPathComponent(".build/debug/evflow"),
        ]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "build evflow first")
    }
}
