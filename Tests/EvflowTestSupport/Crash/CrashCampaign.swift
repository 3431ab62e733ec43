import EPaymentSimulator
import FlowEngine
import Foundation
import Testing

/// The engine's crash tests, on any ``ChildStore``: the worker is SIGKILLed at each durable boundary of the EV flow
/// in turn (just before and just after each save), or each save fails as on a full disk, and the restarted worker
/// must still capture exactly once, the right amount, and release the rest.
package enum CrashCampaign {
    /// Kills the worker at every boundary (`EVFLOW_CRASH_AT=after:N`, `before:N`) and restarts it.
    package static func killedAtEveryBoundary(on store: ChildStore) async throws {
        let binary = try BuiltProduct.evflow.url()
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let configuration = SimulatorConfiguration(autoApproveAfter: .milliseconds(50), rateLimitsEnabled: false)
        try await withSimulator(configuration: configuration) { simulator in
            var covered: [String] = []
            // "journaled" (stores with a group-commit journal): killed once the save is durable in the journal but
            // before its file is renamed into place; reopening the store replays it.
            for moment in ["after", "before"] + (store.journalReplayed == nil ? [] : ["journaled"]) {
                for save in 1...60 {
                    let id = "crash-\(moment)-\(save)"
                    let storage = try store.make()
                    defer { storage.remove() }
                    let environment = try await startEndedSession(id, binary: binary, flows: flows, storage: storage, simulator: simulator)
                    let flowsArgument = ["--flows-dir", flows.path]

                    var crashing = environment
                    crashing["EVFLOW_CRASH_AT"] = "\(moment):\(save)"
                    let first = try await ChildProcess.run(binary, ["run", "--exit-when-done", "--quiet"] + flowsArgument, environment: ChildProcess.environment(adding: crashing))
                    if !first.killedBySignal {
                        // No save number `save`: every boundary of this moment has been covered.
                        #expect(first.status == 0, "worker failed: \(first.output)")
                        break
                    }
                    if moment == "journaled", let replayed = store.journalReplayed {
                        // The killed save is in the journal and not in the file: opening the store writes it.
                        let applied = try replayed(storage)
                        #expect(applied == ["instances/\(id).json"], "journaled:\(save): \(String(describing: applied))")
                    }
                    let second = try await ChildProcess.run(binary, ["run", "--exit-when-done", "--quiet"] + flowsArgument, environment: ChildProcess.environment(adding: environment))
                    #expect(second.status == 0, "restarted worker failed after a crash \(moment) save \(save): \(second.output)")

                    let instance = try storage.open().load(id)
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
            print("crash boundaries covered on the \(store.name) (\(covered.count)): \(covered.joined(separator: " "))")
            // The EV flow saves at least at: reserve intent (with the absorbed signal), authorization parked,
            // capture intent, cancel intent, finished. Each is covered before and after.
            #expect(covered.filter { $0.hasPrefix("after:") }.count >= 5, "covered: \(covered)")
            #expect(covered.filter { $0.hasPrefix("before:") }.count >= 5, "covered: \(covered)")
            if store.journalReplayed != nil {
                #expect(covered.filter { $0.hasPrefix("journaled:") }.count >= 5, "covered: \(covered)")
            }
        }
    }

    /// Fails every save of the EV flow in turn (`EVFLOW_CRASH_AT=full:N`): one after a payment call is reported as
    /// such (the step may have taken effect, it is confirmed on the next run, the worker exits non-zero), and the
    /// session still captures exactly once.
    package static func failedSaveAfterAPaymentCall(on store: ChildStore) async throws {
        let binary = try BuiltProduct.evflow.url()
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let configuration = SimulatorConfiguration(autoApproveAfter: .milliseconds(50), rateLimitsEnabled: false)
        try await withSimulator(configuration: configuration) { simulator in
            var reported: [Int] = []
            for save in 1...12 {
                let id = "full-\(save)"
                let storage = try store.make()
                defer { storage.remove() }
                let environment = try await startEndedSession(id, binary: binary, flows: flows, storage: storage, simulator: simulator)
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
                let instance = try storage.open().load(id)
                #expect(instance.status == .succeeded, "full:\(save): \(instance.status) \(instance.failure?.message ?? "")")
                let payment = try #require(simulator.ledger().payment(reference: "ev-\(id)"), "full:\(save): no payment")
                #expect(payment.aggregate.captured == 4_788, "full:\(save)")
                #expect(payment.events(named: "CAPTURED").count == 1, "full:\(save): captured more than once")
                #expect(payment.events(named: "CREATED").count == 1, "full:\(save)")
            }
            print("saves after a payment call reported as outcomeNotSaved on the \(store.name): \(reported)")
            // At least the saves after the create, the capture and the release call.
            #expect(reported.count >= 3, "reported: \(reported)")
        }
    }

    /// Starts an EV session with the built `evflow` on storage of its own and signals that it ended at 12 kWh, as
    /// both campaigns need before their worker runs.
    /// - Returns: the environment the CLI needs for that storage and the simulator.
    package static func startEndedSession(_ id: String, binary: URL, flows: URL, storage: ChildStore.Storage, simulator: Simulator) async throws -> [String: String] {
        let environment = storage.environment.merging([
            "EPAYMENT_BASE_URL": simulator.baseURL, "EPAYMENT_CLIENT_ID": "crash-test",
            "EPAYMENT_CLIENT_SECRET": "crash-secret", "EPAYMENT_SUBSCRIPTION_KEY": "crash-key", "EPAYMENT_MSN": "123456",
        ]) { $1 }
        let flowsArgument = ["--flows-dir", flows.path]
        let started = try await ChildProcess.run(binary, ["start", "ev-charging", "--id", id, "--input", input] + flowsArgument, environment: ChildProcess.environment(adding: environment))
        try #require(started.status == 0, "start failed: \(started.output)")
        let signalled = try await ChildProcess.run(
            binary, ["signal", id, "sessionEnded", "--data", #"{"energyWh": 12000}"#, "--signal-id", "end"] + flowsArgument,
            environment: ChildProcess.environment(adding: environment))
        try #require(signalled.status == 0, "signal failed: \(signalled.output)")
        return environment
    }

    package static let input = #"{"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "pricePerKWh": {"value": 399, "currency": "NOK"}}"#
}
