import EPaymentSimulator
import FlowEngine
import Foundation
import Synchronization
import Testing

/// How many durable writes one EV charging session costs when nothing is shared with another session (one
/// session in flight): the figure behind `flow.fsyncs_per_flow_1`. Each acknowledged input (start and every
/// signal) is one, since it returns only once durable; the engine adds one before each payment call (its intent,
/// which also carries the previous call's outcome) and one at the end. Nothing else may cost a write: a step
/// whose call is idempotent and computed only from saved state (the receipt) needs no write before it.
@Suite("Durable points of one session")
struct DurablePointsTests {
    static let simulator = SimulatorConfiguration(autoApproveAfter: .zero, rateLimitsEnabled: false)

    /// Every input is in before the engine runs (as in `evflow-bench flow`, where the backend sends them at once):
    /// start, AUTHORIZED, a reading and the end are 4 writes; the engine's are reserve, capture and cancel intents
    /// and the end.
    @Test(.timeLimit(.minutes(1))) func aSessionWithItsInputsInCostsOneWritePerInputAndPaymentCallAndTheEnd() async throws {
        try await withEmbeddedRunner(simulator: Self.simulator, worker: false) { runner, simulator in
            // The first start also pins the definition (one write per definition, not per session).
            for (session, id) in ["points-1", "points-2"].enumerated() {
                var writes: [Int] = []
                func count(_ body: () throws -> Void) rethrows {
                    let at = runner.durableWork.durableWrites
                    try body()
                    writes.append(runner.durableWork.durableWrites - at)
                }
                try count { _ = try runner.start(flow: "ev-charging", id: id, inputs: EVChargingFlowTests.inputs(startFee: 490)) }
                try count { _ = try runner.paymentUpdated(instanceID: id, event: "AUTHORIZED", eventID: "\(id)-authorized") }
                try count { _ = try runner.signal(instanceID: id, name: "meterReading", data: ["energyWh": .integer(7_350)], signalID: "\(id)-m1") }
                try count { _ = try runner.signal(instanceID: id, name: "sessionEnded", data: ["energyWh": .integer(12_345)], signalID: "\(id)-end") }
                let before = runner.durableWork.durableWrites
                for _ in 0..<20 where try !runner.instance(id).status.isFinished { await runner.runDue() }
                let engine = runner.durableWork.durableWrites - before
                let instance = try runner.instance(id)
                #expect(instance.status == .succeeded, "\(instance.failure?.message ?? "")")
                #expect(simulator.ledger().payment(reference: "ev-\(id)")?.aggregate.captured == Int64(490 + 4_926))
                #expect(writes == [session == 0 ? 2 : 1, 1, 1, 1], "durable writes of start, AUTHORIZED, the reading and the end")
                #expect(engine == 4, "the engine wrote \(engine) times; expected the reserve, capture and cancel intents and the end")
            }
        }
    }

    /// With a worker loop in the process (as in `serve` and `evflow-bench flow`), an input does not pay an fsync
    /// of its own: it wakes its run and returns once that run's save has synced it too (``Arrival``). The inputs are
    /// sent as the bench sends them, all at once from one thread, so at one session in flight the fsyncs are the
    /// engine's saves: at most 6 (`flow.fsyncs_per_flow_1`'s goal), against 8 or more when every input synced alone.
    @Test(.timeLimit(.minutes(1))) func withAWorkerLoopEachInputRidesOnTheSaveOfTheRunItWakes() async throws {
        try await withEmbeddedRunner(simulator: Self.simulator) { runner, simulator in
            // Long enough that a loaded machine's slow run still carries the input: what is counted is then the design.
            runner.arrivalPatience.withLock { $0 = .seconds(5) }
            for (session, id) in ["riding-1", "riding-2"].enumerated() {
                let before = runner.durableWork
                let sent = ContinuousClock.now
                try await runner.onRunnerThreads {
                    _ = try runner.start(flow: "ev-charging", id: id, inputs: EVChargingFlowTests.inputs(startFee: 490))
                    _ = try runner.paymentUpdated(instanceID: id, event: "AUTHORIZED", eventID: "\(id)-authorized")
                    _ = try runner.signal(instanceID: id, name: "meterReading", data: ["energyWh": .integer(7_350)], signalID: "\(id)-m1")
                    _ = try runner.signal(instanceID: id, name: "sessionEnded", data: ["energyWh": .integer(12_345)], signalID: "\(id)-end")
                }
                // Each input returned with its run's sync, not at the end of its (5 s) patience.
                #expect(ContinuousClock.now - sent < .seconds(4), "the inputs took \(ContinuousClock.now - sent)")
                let instance = try await runner.finished(id)
                let after = runner.durableWork
                #expect(instance.status == .succeeded, "\(instance.failure?.message ?? "")")
                #expect(simulator.ledger().payment(reference: "ev-\(id)")?.aggregate.captured == Int64(490 + 4_926))
                // The first session also pins the definition, with fsyncs of its own.
                guard session == 1 else { continue }
                let writes = after.durableWrites - before.durableWrites
                let fsyncs = after.fsyncs - before.fsyncs
                print("one session with a worker loop: \(writes) durable writes, \(fsyncs) fsyncs")
                #expect(fsyncs <= 6, "\(fsyncs) fsyncs for \(writes) writes: the 4 inputs should ride on the engine's saves")
                #expect(fsyncs <= writes - 4, "each of the 4 inputs should share a sync with a save of its run")
            }
        }
    }
}
