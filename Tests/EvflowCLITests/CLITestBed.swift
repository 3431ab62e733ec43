import EPayment
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Logging
import Testing

/// A state folder, a flows folder and a simulator on the wall clock, for running `evflow` against.
struct CLITestBed: Sendable {
    let evflow: Evflow
    let simulator: Simulator
    let root: URL

    static var repository: URL { Repository.root }

    /// The inputs of a session: 500.00 NOK reserved, 3.99 NOK/kWh.
    static let sessionInputs = #"{"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "pricePerKWh": {"value": 399, "currency": "NOK"}}"#

    /// Runs `body` with a fresh bed; the simulator approves every payment after `autoApprove`.
    static func with(
        autoApprove: Duration? = .milliseconds(50), _ body: (CLITestBed) async throws -> Void
    ) async throws {
        let root = try TemporaryFolder.make("evflow-cli")
        defer { TemporaryFolder.remove(root) }
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
        try ShippedFlows.evCharging(poll: ShippedFlows.fastPoll, captureAttempts: 1)
    }

    /// The instance's state file, as far as the tests read it (read as a file, as an operator would: no store is
    /// opened on the folder).
    func stateFile(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> StateFile {
        let data = try Data(contentsOf: evflow.stateDirectory.appending(path: "instances/\(id).json"))
        do {
            return try JSONDecoder().decode(StateFile.self, from: data)
        } catch {
            Issue.record("instances/\(id).json does not decode: \(error)\n\(String(decoding: data, as: UTF8.self))", sourceLocation: sourceLocation)
            throw error
        }
    }

    func status(_ id: String) throws -> String? { try stateFile(id).status }

    func payment(_ id: String) throws -> StateFile.Payment {
        try #require(try stateFile(id).payment, "instance \(id) has no payment")
    }

    /// The provider's ledger entry for the instance's payment.
    func ledger(_ id: String) throws -> LedgerPayment {
        let reference = try payment(id).reference
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
    func waitForStep(_ id: String, _ step: String, timeout: Duration = .seconds(15),
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("instance \(id) to reach step \(step)", timeout: timeout, pollingEvery: .milliseconds(300),
                            lastSeen: { (try? stateFile(id))?.currentStep ?? "no step" }, sourceLocation: sourceLocation) {
            if try stateFile(id).currentStep == step { return true }
            _ = try await evflow("run", "--once")
            return try stateFile(id).currentStep == step
        }
    }

    /// Writes a definition file into the bed's folder.
    func writeFile(_ name: String, _ text: String) throws -> URL {
        let url = root.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
