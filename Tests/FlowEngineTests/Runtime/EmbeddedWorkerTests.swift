import CurlHTTP
import EPayment
import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Logging
import Synchronization
import Testing

/// A backend embedding evflow through the public API only: `FlowRunner(stateDirectory:...)`, `work()`,
/// `paymentUpdated`, signals and `finished`, on the real clock against the simulator over real sockets.
@Suite("Embedded worker")
struct EmbeddedWorkerTests {
    static let flows = EVChargingFlowTests.flows

    @Test(.timeLimit(.minutes(1))) func sessionsRunToTheEndAsSoonAsTheyAreSignalled() async throws {
        // The flow's clock stands still, so the first poll (5 s after the reservation) never comes due: a session
        // can only get past authorization because paymentUpdated woke it.
        try await withEmbeddedRunner(simulator: SimulatorConfiguration(autoApproveAfter: .zero, rateLimitsEnabled: false),
                                     maximumConcurrency: 8) { runner, simulator in
            let sessions = (1...12).map { "embedded-\($0)" }
            try await withThrowingTaskGroup(of: FlowInstance.self) { sessionGroup in
                for (index, id) in sessions.enumerated() {
                    sessionGroup.addTask {
                        try runner.start(flow: "ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
                        try runner.paymentUpdated(instanceID: id, event: "AUTHORIZED", eventID: "\(id)-authorized")
                        #expect(try runner.paymentUpdated(instanceID: id, event: "AUTHORIZED", eventID: "\(id)-authorized") == false)
                        try runner.signal(instanceID: id, name: "meterReading", data: ["energyWh": .integer(1_000)], signalID: "\(id)-r1")
                        try runner.signal(instanceID: id, name: "sessionEnded", data: ["energyWh": .integer(Int64(1_000 * (index + 1)))], signalID: "\(id)-end")
                        return try await runner.finished(id)
                    }
                }
                for try await instance in sessionGroup {
                    #expect(instance.status == .succeeded, "\(instance.id): \(instance.failure?.message ?? "")")
                }
            }
            let ledger = simulator.ledger()
            for (index, id) in sessions.enumerated() {
                let payment = try #require(ledger.payment(reference: "ev-\(id)"))
                let price = Int64(399 * (index + 1))  // (index + 1) kWh at 3.99 NOK
                #expect(payment.aggregate.captured == price)
                #expect(payment.aggregate.cancelled == 50_000 - price)
                #expect(payment.events(named: "CAPTURED").count == 1)
            }
            let work = runner.durableWork
            // Group commit: concurrent sessions share fsyncs, so there can be fewer fsyncs than writes, never none.
            #expect(work.durableWrites > 12 && work.fsyncs >= 1)
        }
    }

    /// The README's embedding example: a configuration with provider settings, metrics on, and a runtime that owns
    /// its HTTP client; one session runs to the end.
    @Test(.timeLimit(.minutes(1))) func aRuntimeBuiltFromSettingsRunsASessionToTheEnd() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-embedded-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        var logger = Logger(label: "evflow.test")
        logger.logLevel = .critical
        try await withSimulator(configuration: SimulatorConfiguration(autoApproveAfter: .zero, rateLimitsEnabled: false), logger: logger) { simulator in
            var configuration = EvflowConfiguration(
                store: .directory(state), definitions: try FlowDefinitionLoader().load(directory: Self.flows),
                payments: .settings(EPaymentConfiguration(
                    baseURL: simulator.baseURL, clientID: "embedded", clientSecret: Secret("embedded-secret"),
                    subscriptionKey: Secret("embedded-key"), merchantSerialNumber: "123456")))
            configuration.metrics = true
            configuration.logger = logger
            let session = try await EvflowRuntime.run(configuration) { runtime in
                let runner = runtime.runner
                let stop = StopFlag()
                return try await withThrowingTaskGroup(of: FlowInstance?.self) { group in
                    group.addTask { await runner.work(pollInterval: .milliseconds(20), while: { !stop.isSet }); return nil }
                    try runner.start(flow: "ev-charging", id: "runtime-1", inputs: EVChargingFlowTests.inputs())
                    try runner.paymentUpdated(instanceID: "runtime-1", event: "AUTHORIZED", eventID: "runtime-1/AUTHORIZED")
                    try runner.signal(instanceID: "runtime-1", name: "sessionEnded", data: ["energyWh": .integer(2_000)], signalID: "end")
                    let session = try await runner.finished("runtime-1")
                    stop.set()
                    runner.wakeWorker()
                    try await group.waitForAll()
                    return session
                }
            }
            #expect(session.status == .succeeded, "\(session.failure?.message ?? "")")
            #expect(simulator.ledger().payment(reference: "ev-runtime-1")?.aggregate.captured == 798)
        }
    }
}

/// Tells the worker loop to stop after its runs in progress.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
