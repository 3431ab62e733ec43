import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import FlowTesting
import Foundation
import Testing

/// The built `evflow serve` binary, configured by the environment like in production, stopped with SIGTERM.
@Suite(.serialized)
struct ServeBinaryTests {
    @Test(.timeLimit(.minutes(2)))
    func sigtermParksDurablyAndExitsZero() async throws {
        let binary = try BuiltProduct.evflow.url()
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            let environment = Self.environment(fixture)
            let arguments = Self.arguments(fixture)

            let first = try Self.launch(binary, arguments, environment)
            try await Self.waitUntilHealthy(fixture)
            #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("bin-1")).status == 201)
            try await fixture.waitFor("bin-1", "authorization") { $0.step == "meter" }
            #expect(try await fixture.call(.post, "/v1/instances/bin-1/signals/sessionEnded",
                                           json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#).status == 202)
            first.terminate()  // SIGTERM while the session's capture and release are due
            let firstRun = await first.finish(timeout: .seconds(30))
            let firstOutput = firstRun.output
            #expect(firstRun.status == 0, "\(firstRun)")
            #expect(!firstRun.killedBySignal && !firstRun.timedOut)
            #expect(firstOutput.contains("evflow serve stopped"), "\(firstOutput)")

            let second = try Self.launch(binary, arguments, environment)
            try await Self.waitUntilHealthy(fixture)
            let done = try await fixture.waitFor("bin-1", "success after the restart") { $0.status == "succeeded" }
            #expect(done.payment?.captured == 7971)
            second.interrupt()  // Ctrl-C
            let secondRun = await second.finish(timeout: .seconds(30))
            let secondOutput = secondRun.output
            #expect(secondRun.status == 0 && !secondRun.killedBySignal, "\(secondRun)")

            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == 7971)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.aggregate.cancelled == 50_000 - 7971)
            #expect(fixture.station.events == ["charging.start", "charging.completed"], "EVFLOW_STATION_URL is wired")
            #expect(!firstOutput.contains(ServeFixture.token) && !secondOutput.contains(ServeFixture.token), "tokens are never printed")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aFreshServerExportsEveryCounterAtZero() async throws {
        // A process of its own: in the test process every in-process server shares one registry, counted by
        // whichever tests ran before.
        let binary = try BuiltProduct.evflow.url()
        try await withServeFixture(webhooks: false) { fixture in
            let server = try Self.launch(binary, Self.arguments(fixture), Self.environment(fixture))
            try await Self.waitUntilHealthy(fixture)
            let metrics = try await fixture.call(.get, "/metrics", token: nil)
            server.terminate()
            let run = await server.finish(timeout: .seconds(30))
            #expect(metrics.status == 200, "\(metrics.text)")
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            ServerMetricsTests.expectEveryCounterAtZero(metrics.text)
            #expect(run.status == 0 && !run.killedBySignal, "\(run)")
        }
    }

    /// The environment `evflow serve` is configured by, for `fixture`'s simulator and station.
    static func environment(_ fixture: ServeFixture) -> [String: String] {
        [
            "EVFLOW_API_TOKENS": "other-token-0123456789abcdef0123456789,\(ServeFixture.token)",
            "EPAYMENT_BASE_URL": fixture.simulator.baseURL, "EPAYMENT_CLIENT_ID": "bin", "EPAYMENT_CLIENT_SECRET": "bin-secret",
            "EPAYMENT_SUBSCRIPTION_KEY": "bin-key", "EPAYMENT_MSN": "123456", "EPAYMENT_WEBHOOK_SECRET": ServeFixture.webhookSecret,
            "EVFLOW_STATION_URL": fixture.stationURL, "EVFLOW_STATION_SECRET": "station-secret",
        ]
    }

    /// `evflow serve` on `fixture`'s port, state folder and flows.
    static func arguments(_ fixture: ServeFixture) -> [String] {
        ["serve", "--port", "\(fixture.port)", "--state-dir", fixture.stateDirectory.path, "--flows-dir", fixture.flows.path]
    }

    /// Starts the built `evflow` with `environment` over this process's, its stdout and stderr in one log.
    static func launch(_ binary: URL, _ arguments: [String], _ environment: [String: String]) throws -> ChildProcess {
        try ChildProcess(binary, arguments, environment: ChildProcess.environment(adding: environment), mergingStandardError: true)
    }

    static func waitUntilHealthy(_ fixture: ServeFixture, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("evflow serve to become healthy", timeout: .seconds(30), sourceLocation: sourceLocation) {
            (try? await fixture.call(.get, "/healthz", token: nil))?.status == 200
        }
    }
}
