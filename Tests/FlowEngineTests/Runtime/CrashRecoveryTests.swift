import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import Foundation
import Testing

/// The worker is SIGKILLed at each durable boundary of the EV flow in turn (just before and just after each
/// save of the instance file), restarted, and must still capture exactly once, the right amount, and release
/// the rest.
@Suite("Crash recovery at every durable boundary")
struct CrashRecoveryTests {
    @Test func killedAtEveryBoundaryCapturesExactlyOnceAndReleasesTheRest() async throws {
        let binary = try BuiltProduct.evflow.url()
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let configuration = SimulatorConfiguration(autoApproveAfter: .milliseconds(50), rateLimitsEnabled: false)
        try await withSimulator(configuration: configuration) { simulator in
            var covered: [String] = []
            // "journaled": killed once the save is durable in the store's journal but before its file is renamed
            // into place; the restarted worker's store replays it.
            for moment in ["after", "before", "journaled"] {
                for save in 1...60 {
                    let id = "crash-\(moment)-\(save)"
                    let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-crash-\(UUID().uuidString)")
                    defer { try? FileManager.default.removeItem(at: state) }
                    let environment = try await Self.startEndedSession(id, binary: binary, flows: flows, state: state, simulator: simulator)
                    let flowsArgument = ["--flows-dir", flows.path]

                    var crashing = environment
                    crashing["EVFLOW_CRASH_AT"] = "\(moment):\(save)"
                    let first = try await ChildProcess.run(binary, ["run", "--exit-when-done", "--quiet"] + flowsArgument, environment: ChildProcess.environment(adding: crashing))
                    if !first.killedBySignal {
                        // No save number `save`: every boundary of this moment has been covered.
                        #expect(first.status == 0, "worker failed: \(first.output)")
                        break
                    }
                    if moment == "journaled" {
                        // The killed save is in the journal and not in the file: opening the store writes it.
                        let reopened = try FileInstanceStore(stateDirectory: state)
                        #expect(reopened.journalReplay?.applied == ["instances/\(id).json"], "journaled:\(save): \(String(describing: reopened.journalReplay))")
                    }
                    let second = try await ChildProcess.run(binary, ["run", "--exit-when-done", "--quiet"] + flowsArgument, environment: ChildProcess.environment(adding: environment))
                    #expect(second.status == 0, "restarted worker failed after a crash \(moment) save \(save): \(second.output)")

                    let instance = try FileInstanceStore(stateDirectory: state).load(id)
                    #expect(instance.status == .succeeded, "crash \(moment) save \(save): \(instance.status) \(instance.failure?.message ?? "")")
                    let payment = try #require(simulator.ledger().payment(reference: "ev-\(id)"), "crash \(moment) save \(save): no payment")
                    #expect(payment.aggregate.captured == 4_788, "crash \(moment) save \(save)")
                    #expect(payment.aggregate.cancelled == 50_000 - 4_788, "crash \(moment) save \(save)")
                    #expect(payment.events(named: "CAPTURED").count == 1, "crash \(moment) save \(save): captured more than once")
                    #expect(payment.events(named: "CREATED").count == 1, "crash \(moment) save \(save)")
                    // A receipt whose call was cut off is sent again, identical: still one receipt, adding up.
                    #expect(payment.receipt?.total == 4_788, "crash \(moment) save \(save): receipt \(String(describing: payment.receipt))")
                    covered.append("\(moment):\(save)")
                }
            }
            print("crash boundaries covered (\(covered.count)): \(covered.joined(separator: " "))")
            // The EV flow saves at least at: reserve intent (with the absorbed signal), authorization parked,
            // capture intent, cancel intent, finished. Each is covered before and after.
            #expect(covered.filter { $0.hasPrefix("after:") }.count >= 5, "covered: \(covered)")
            #expect(covered.filter { $0.hasPrefix("before:") }.count >= 5, "covered: \(covered)")
            #expect(covered.filter { $0.hasPrefix("journaled:") }.count >= 5, "covered: \(covered)")
        }
    }

    /// A save that fails after a payment call returned (a full disk) is reported as such: the step may have
    /// taken effect, it is confirmed with the provider on the next run, and the worker exits non-zero. Every save
    /// of the EV flow is failed in turn (`EVFLOW_CRASH_AT=full:N`); the session must still capture exactly once.
    @Test func aFullDiskAfterAPaymentCallIsReportedAndConfirmedOnTheNextRun() async throws {
        let binary = try BuiltProduct.evflow.url()
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let configuration = SimulatorConfiguration(autoApproveAfter: .milliseconds(50), rateLimitsEnabled: false)
        try await withSimulator(configuration: configuration) { simulator in
            var reported: [Int] = []
            for save in 1...12 {
                let id = "full-\(save)"
                let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-full-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: state) }
                let environment = try await Self.startEndedSession(id, binary: binary, flows: flows, state: state, simulator: simulator)
                let flowsArgument = ["--flows-dir", flows.path]
                var failing = environment
                failing["EVFLOW_CRASH_AT"] = "full:\(save)"
                let run = try await ChildProcess.run(binary, ["run", "--exit-when-done", "--quiet"] + flowsArgument, environment: ChildProcess.environment(adding: failing))
                guard run.output.contains("ENOSPC") else {
                    #expect(run.status == 0, "worker failed: \(run.output)")
                    break  // no save number `save`: every save has been failed once
                }
                if run.output.contains("outcomeNotSaved") {
                    reported.append(save)
                    #expect(run.status == 4, "full:\(save): \(run.output)")
                    #expect(run.output.contains("may have taken effect"), "full:\(save): \(run.output)")
                }
                // The same worker retried after the failed save and finished the session.
                let instance = try FileInstanceStore(stateDirectory: state).load(id)
                #expect(instance.status == .succeeded, "full:\(save): \(instance.status) \(instance.failure?.message ?? "")")
                let payment = try #require(simulator.ledger().payment(reference: "ev-\(id)"), "full:\(save): no payment")
                #expect(payment.aggregate.captured == 4_788, "full:\(save)")
                #expect(payment.events(named: "CAPTURED").count == 1, "full:\(save): captured more than once")
                #expect(payment.events(named: "CREATED").count == 1, "full:\(save)")
            }
            print("saves after a payment call reported as outcomeNotSaved: \(reported)")
            // At least the saves after the create, the capture and the release call.
            #expect(reported.count >= 3, "reported: \(reported)")
        }
    }

    /// Starts an EV session with the built `evflow` in a state folder of its own and signals that it ended at
    /// 12 kWh, as both tests need before their worker runs.
    /// - Returns: the environment the CLI needs for that folder and the simulator.
    static func startEndedSession(_ id: String, binary: URL, flows: URL, state: URL, simulator: Simulator) async throws -> [String: String] {
        let environment = [
            "EVFLOW_STATE_DIR": state.path, "EPAYMENT_BASE_URL": simulator.baseURL, "EPAYMENT_CLIENT_ID": "crash-test",
            "EPAYMENT_CLIENT_SECRET": "crash-secret", "EPAYMENT_SUBSCRIPTION_KEY": "crash-key", "EPAYMENT_MSN": "123456",
        ]
        let flowsArgument = ["--flows-dir", flows.path]
        let started = try await ChildProcess.run(binary, ["start", "ev-charging", "--id", id, "--input", Self.input] + flowsArgument, environment: ChildProcess.environment(adding: environment))
        try #require(started.status == 0, "start failed: \(started.output)")
        let signalled = try await ChildProcess.run(
            binary, ["signal", id, "sessionEnded", "--data", #"{"energyWh": 12000}"#, "--signal-id", "end"] + flowsArgument,
            environment: ChildProcess.environment(adding: environment))
        try #require(signalled.status == 0, "signal failed: \(signalled.output)")
        return environment
    }

    static let input = #"{"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "pricePerKWh": {"value": 399, "currency": "NOK"}}"#
}
