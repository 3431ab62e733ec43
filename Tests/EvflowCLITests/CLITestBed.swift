import EPayment
import EPaymentSimulator
import Foundation
import Logging
import Testing

/// A state folder, a flows folder and a simulator on the wall clock, for running `evflow` against.
struct CLITestBed: Sendable {
    let evflow: Evflow
    let simulator: Simulator
    let root: URL

    static let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The inputs of a session: 500.00 NOK reserved, 3.99 NOK/kWh.
    static let sessionInputs = #"{"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "pricePerKWh": {"value": 399, "currency": "NOK"}}"#

    /// Runs `body` with a fresh bed; the simulator approves every payment after `autoApprove`.
    static func with(
        autoApprove: Duration? = .milliseconds(50), _ body: (CLITestBed) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let flows = root.appending(path: "flows")
        try FileManager.default.createDirectory(at: flows, withIntermediateDirectories: true)
        try fastEVFlow().write(to: flows.appending(path: "ev-charging.json"), atomically: true, encoding: .utf8)
        var logger = Logger(label: "evflow.cli-test")
        logger.logLevel = .critical
        try await withSimulator(configuration: SimulatorConfiguration(autoApproveAfter: autoApprove, rateLimitsEnabled: false),
                                clock: .system(), logger: logger) { simulator in
            let evflow = Evflow(stateDirectory: root.appending(path: "state"), flowsDirectory: flows, simulatorURL: simulator.baseURL)
            try await body(CLITestBed(evflow: evflow, simulator: simulator, root: root))
        }
    }

    /// The shipped EV flow, polling the payment after 1 s instead of 5 s (so tests wait less) and giving up
    /// on a failing capture after one attempt (so an operator has something to retry).
    static func fastEVFlow() throws -> String {
        var text = try String(contentsOf: repository.appending(path: "flows/ev-charging.json"), encoding: .utf8)
        let poll = #""poll": { "firstAfter": "5s", "every": "2s" }"#
        try #require(text.contains(poll), "flows/ev-charging.json changed its poll settings; update CLITestBed")
        text = text.replacingOccurrences(of: poll, with: #""poll": { "firstAfter": "1s", "every": "1s" }"#)
        let capture = try #require(text.range(of: #""id": "capture""#))
        let attempts = try #require(text.range(of: #""maxAttempts": 10"#, range: capture.upperBound..<text.endIndex))
        text.replaceSubrange(attempts, with: #""maxAttempts": 1"#)
        return text
    }

    /// The instance's state file, as JSON.
    func stateFile(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: evflow.stateDirectory.appending(path: "instances/\(id).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func status(_ id: String) throws -> String? { try stateFile(id)["status"] as? String }

    func payment(_ id: String) throws -> [String: Any] {
        try #require(try stateFile(id)["payment"] as? [String: Any], "instance \(id) has no payment")
    }

    /// The provider's ledger entry for the instance's payment.
    func ledger(_ id: String) throws -> LedgerPayment {
        let reference = try #require(try payment(id)["reference"] as? String)
        return try #require(simulator.payment(reference: reference))
    }

    /// Starts a session and runs the worker until it meters: reserved, authorized, charging.
    func startCharging(_ id: String) async throws {
        let started = try await evflow("start", "ev-charging", "--id", id, "--input", Self.sessionInputs)
        #expect(started.status == 0, "\(started)")
        _ = try await evflow("run", "--once")
        try await waitForStep(id, "meter")
    }

    /// Runs `evflow run --once` until the instance reaches `step` (or `timeout` passes).
    func waitForStep(_ id: String, _ step: String, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while try stateFile(id)["currentStep"] as? String != step {
            guard ContinuousClock.now < deadline else {
                Issue.record("instance \(id) did not reach step \(step): \(try stateFile(id)["currentStep"] ?? "nil")")
                return
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await evflow("run", "--once")
        }
    }

    /// Writes a definition file into the bed's folder.
    func writeFile(_ name: String, _ text: String) throws -> URL {
        let url = root.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
