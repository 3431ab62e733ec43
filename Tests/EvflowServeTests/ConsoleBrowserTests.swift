import CurlHTTP
import EPayment
import EPaymentSimulator
import EvflowServer
import EvflowTestSupport
import FlowEngine
import Foundation
import Testing

/// The console in a real browser: headless Chromium, driven by `Tests/Browser/console_test.py` (Python selenium
/// from the virtual environment `make browser-deps` creates), against `evflow serve` on a real port and the
/// simulator. The simulator resets every capture, so a session gets stuck at its capture step; the script finds
/// it, previews and confirms a resume once the outage is over, and watches it succeed; a read-only token cannot
/// cancel; a form without its CSRF token is refused. Screenshots go to `.build/console-screenshots/`.
///
/// Runs when `EVFLOW_BROWSER_PYTHON` names that Python (`make test` sets it); with `EVFLOW_REQUIRE_BROWSER=1`
/// (also set by `make test`) a missing browser is a failure, not a skip.
struct ConsoleBrowserTests {
    static let python = ProcessInfo.processInfo.environment["EVFLOW_BROWSER_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["EVFLOW_REQUIRE_BROWSER"] == "1"
    static let operatorToken = "console-browser-operator-0123456789abcdef"
    static let readOnlyToken = "console-browser-readonly-0123456789abcdef"

    /// A fixed-price session whose capture retries only after an hour: once the provider fails it, the session
    /// waits, unconfirmed, for an operator.
    static let flow = """
        {
          "name": "console-capture", "version": 1,
          "description": "Reserve, wait for approval, capture: the console's browser test.",
          "inputs": { "phoneNumber": { "type": "phoneNumber" }, "price": { "type": "money" } },
          "steps": [
            { "id": "reserve", "kind": "reserve", "amount": "inputs.price", "paymentDescription": "'Console test'",
              "customerPhone": "inputs.phoneNumber", "reference": "'console-' + instance.id", "next": "authorize" },
            { "id": "authorize", "kind": "awaitPayment", "next": "capture", "onFailure": "notAuthorized" },
            { "id": "capture", "kind": "capture", "amount": "steps.authorize.authorizedAmount",
              "retry": { "maxAttempts": 20, "initialBackoff": "1h", "maxBackoff": "2h", "jitter": "none" }, "next": "done" },
            { "id": "done", "kind": "succeed" },
            { "id": "notAuthorized", "kind": "fail", "error": "payment.notAuthorized", "message": "The customer did not approve." }
          ]
        }
        """

    @Test func theBrowserTestRunsWhenMakeTestAsksForIt() {
        if Self.required {
            #expect(Self.python.map { FileManager.default.isExecutableFile(atPath: $0) } == true,
                    "EVFLOW_REQUIRE_BROWSER=1 but EVFLOW_BROWSER_PYTHON (\(Self.python ?? "unset")) is not an executable: run `make browser-deps`")
        }
    }

    @Test(.enabled(if: python != nil, "set EVFLOW_BROWSER_PYTHON to the Python of `make browser-deps` (make test does)"))
    func anOperatorFindsAStuckSessionResumesItAndSeesTheRepairInItsTimeline() async throws {
        let python = try #require(Self.python)
        try await withServeFixture(webhooks: true) { fixture in
            try Self.flow.write(to: fixture.flows.appending(path: "console-capture.json"), atomically: true, encoding: .utf8)
            fixture.simulator.setFault(FaultRule(connectionResetRate: 1), for: .capturePayment)
            let console = ServeFixture.ConsoleSettings(
                apiTokens: APITokens([ServeFixture.token]), readOnlyTokens: APITokens(["auditor=\(Self.readOnlyToken)"]),
                stuckGrace: .zero)
            try await fixture.withServer(operatorTokens: APITokens(["ops-alice=\(Self.operatorToken)"]), console: console) {
                let id = "browser-stuck-1"
                let started = try await fixture.call(.post, "/v1/flows/console-capture/instances", json: """
                    {"id": "\(id)", "input": {"phoneNumber": "4791234567", "price": {"value": 12500, "currency": "NOK"}}}
                    """)
                #expect(started.status == 201, "\(started.text)")
                try await fixture.waitFor(id, timeout: .seconds(30), "stuck at its capture") { instance in
                    instance.status == "waiting" && instance.step == "capture"
                }
                fixture.simulator.setFault(FaultRule(), for: .capturePayment)
                let screenshots = Repository.path(".build/console-screenshots")
                try? FileManager.default.removeItem(at: screenshots)
                let run = try await ChildProcess.run(URL(filePath: python), [
                    Repository.path("Tests/Browser/console_test.py").path, "--base-url", fixture.baseURL,
                    "--token", Self.operatorToken, "--token-name", "ops-alice", "--readonly-token", Self.readOnlyToken,
                    "--instance", id, "--screenshots", screenshots.path,
                ], timeout: .seconds(150))
                #expect(run.status == 0 && !run.timedOut, "\(run)")
                let final = try await fixture.call(.get, "/v1/instances/\(id)").decode(APIInstance.self)
                #expect(final.status == "succeeded", "the resumed session succeeded in the store")
                #expect(final.payment?.captured == 12500 && final.payment?.released == 0, "captured once, nothing cancelled by the forged post")
                let shots = (try? FileManager.default.contentsOfDirectory(atPath: screenshots.path)) ?? []
                #expect(shots.filter { $0.hasSuffix(".png") }.count >= 8, "\(shots)")
            }
        }
    }
}
