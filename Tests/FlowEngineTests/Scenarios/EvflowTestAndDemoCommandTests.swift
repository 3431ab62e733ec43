import EvflowTestSupport
import Foundation
import Testing

/// `evflow test` and `evflow demo` as users run them: the built binary, its output and its exit code.
@Suite("evflow test and demo (built binary)")
struct EvflowTestAndDemoCommandTests {
    static var flows: URL { ScenarioRunnerTests.flows }

    /// What `evflow test --json` prints, as far as these tests read it.
    struct TestReport: Decodable {
        var passed: Int
        var failed: Int
    }

    @Test func testCommandFailsOnABrokenScenarioAndSaysWhy() async throws {
        let folder = try TemporaryFolder.make("evflow-cli")
        defer { TemporaryFolder.remove(folder) }
        try ScenarioRunnerTests.brokenScenario().write(to: folder.appending(path: "ev-broken.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Self.flows.appending(path: "tests/fixed-price-capture-in-full.json"),
                                         to: folder.appending(path: "fixed-price.json"))
        let run = try await BuiltProduct.evflow.run(["test", folder.path, "--flows-dir", Self.flows.path])
        #expect(run.status == 1, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let broken = try #require(lines.first { $0.hasPrefix("✘ ev-broken") })
        #expect(broken.contains("captured: expected 5427 (54.27 NOK), actual 5426 (54.26 NOK)"))
        #expect(broken.contains("steps: expected [reserve,"))
        #expect(lines.contains { $0.hasPrefix("✔ fixed-price-capture-in-full") })
        #expect(lines.last == "1 passed, 1 failed")

        let filtered = try await BuiltProduct.evflow.run(["test", folder.path, "--flows-dir", Self.flows.path, "--filter", "fixed", "--json"])
        #expect(filtered.status == 0)
        let report = try JSONDecoder().decode(TestReport.self, from: Data(filtered.stdout.utf8))
        #expect(report.passed == 1 && report.failed == 0)
    }

    @Test func testCommandRejectsAMalformedScenarioWithExitCode2() async throws {
        let folder = try TemporaryFolder.make("evflow-cli")
        defer { TemporaryFolder.remove(folder) }
        let file = folder.appending(path: "bad.json")
        try #"{ "name": "bad", "flow": "ev-charging", "expect": { "status": "done" } }"#.write(to: file, atomically: true, encoding: .utf8)
        let run = try await BuiltProduct.evflow.run(["test", file.path, "--flows-dir", Self.flows.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.json:1:63: $.expect.status: unknown status \"done\""))
        #expect(run.stderr.contains("bad.json:1:1: $.input: input 'pricePerKWh' (money) is required"))
        #expect(run.stderr.contains("3 problems in 1 flow-test file"))  // status, phoneNumber, pricePerKWh
        #expect(run.stdout.isEmpty)
    }

    @Test func demoRunsOneSessionAndShowsTheMoney() async throws {
        let state = try TemporaryFolder.make("evflow-cli")
        defer { TemporaryFolder.remove(state) }
        let run = try await BuiltProduct.evflow.run(["demo", "--flows-dir", Self.flows.path, "--state-dir", state.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("reserved   500.00 NOK"))
        #expect(run.stdout.contains("captured    79.71 NOK"))
        #expect(run.stdout.contains("released   420.29 NOK"))
        #expect(run.stdout.contains("provider          CAPTURED    79.71 NOK"))
        #expect(run.stdout.contains("Ledger verdict: ✔ captured exactly once"))
        // The session ends with a receipt in the simulator's ledger whose lines add up to the capture.
        #expect(run.stdout.contains("Receipt (Order Management API, in the simulator's ledger as "))
        #expect(run.stdout.contains("  Energy 18.75 KWH × 3.99 NOK     74.81 NOK   excl. VAT 59.85 NOK, VAT 14.96 NOK"), "\(run.stdout)")
        #expect(run.stdout.contains("  Start fee 1 PCS × 4.90 NOK       4.90 NOK   excl. VAT 3.92 NOK, VAT 0.98 NOK"), "\(run.stdout)")
        #expect(run.stdout.contains("  total                           79.71 NOK   VAT 15.94 NOK; the lines add up to the capture"), "\(run.stdout)")
        let instances = try FileManager.default.contentsOfDirectory(atPath: state.appending(path: "instances").path)
        #expect(instances.contains { $0.hasPrefix("demo-") && $0.hasSuffix(".json") })
    }

    /// The landing-page and QR journeys: the timeline shows the link handed to the customer, who follows it.
    @Test(arguments: [("landing-page", "ev-charging-landing-page", "landing page      redirects the customer's browser to http://127.0.0.1:"),
                      ("qr", "ev-charging-qr", "charger screen    shows a QR code of http://127.0.0.1:")])
    func demoShowsTheLinkOfEachJourney(_ journey: String, _ flow: String, _ linkLine: String) async throws {
        let run = try await BuiltProduct.evflow.run(["demo", "--journey", journey, "--flows-dir", Self.flows.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("flow          \(flow) v1"), "\(run.stdout)")
        let link = try #require(run.stdout.split(separator: "\n").first { $0.contains(linkLine) }, "\(run.stdout)")
        #expect(link.contains("/_sim/landing?token="))
        #expect(run.stdout.contains("customer          opens the link and approves in the app"))
        #expect(run.stdout.contains("captured    79.71 NOK"))
        #expect(run.stdout.contains("Ledger verdict: ✔ captured exactly once"))
        #expect(run.stdout.contains("Station received: charging.awaitingApproval, charging.start"))
    }
}
