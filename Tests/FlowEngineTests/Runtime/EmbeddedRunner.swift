import CurlHTTP
import EPayment
import EPaymentSimulator
import FlowEngine
import Foundation
import Logging

/// A runner as a backend embeds it (`FlowRunner(stateDirectory:definitions:payments:)`, public API only) on the
/// flows in `flows`, against a simulator over real sockets, with a worker (`work()`) running while `body` runs
/// unless `worker` is `false`. The flow's clock stands still, so the first poll of a payment (5 s after its
/// reservation) never comes due: what gets a session past authorization is what the test does.
func withEmbeddedRunner(
    flows: URL = EVChargingFlowTests.flows, simulator configuration: SimulatorConfiguration, maximumConcurrency: Int = 4,
    worker: Bool = true, _ body: @Sendable (FlowRunner, Simulator) async throws -> Void
) async throws {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-embedded-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: state) }
    var logger = Logger(label: "evflow.test")
    logger.logLevel = .critical
    let definitions = try FlowDefinitionLoader().load(directory: flows)
    try await withSimulator(configuration: configuration, logger: logger) { simulator in
        try await withHTTPClient { http in
            let settings = EPaymentConfiguration(
                baseURL: simulator.baseURL, clientID: "embedded", clientSecret: Secret("embedded-secret"),
                subscriptionKey: Secret("embedded-key"), merchantSerialNumber: "123456")
            let payments = EPaymentClient(configuration: settings, httpClient: http, logger: logger)
            let runner = try FlowRunner(stateDirectory: state, definitions: definitions, payments: payments,
                                        clock: ManualFlowClock(startingAt: Date()), logger: logger, maximumConcurrency: maximumConcurrency)
            let stop = StopFlag()
            try await withThrowingDiscardingTaskGroup { group in
                if worker { group.addTask { await runner.work(while: { !stop.isSet }) } }
                defer {
                    stop.set()
                    runner.wakeWorker()
                }
                try await body(runner, simulator)
            }
        }
    }
}
