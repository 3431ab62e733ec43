import CurlHTTP
import EPayment
import FlowEngine
import Foundation
import Logging

/// evflow embedded as a library, running the unchanged `flows/ev-charging.json` against the simulator, driven
/// the way a charging backend drives it: per session `start`, the webhook's `paymentUpdated(AUTHORIZED)`, a
/// `meterReading` and a `sessionEnded` signal, then `finished`. Every session's outcome and captured amount
/// are checked.
///
/// Each measurement gets a fresh runner on a fresh state folder, so no level inherits another's files.
struct FlowSession: Sendable {
    /// The session's inputs and readings (the DBOS peer uses the same): 500.00 NOK reserved, 3.99 NOK/kWh,
    /// 4.90 NOK start fee, 7,350 Wh then 12,345 Wh: 490 + round(399 × 12,345 / 1,000) = 5,416 captured, the
    /// remaining 44,584 released.
    static let maxAmount: Int64 = 50_000
    static let pricePerKWh: Int64 = 399
    static let startFee: Int64 = 490
    static let meterWh: Int64 = 7_350
    static let finalWh: Int64 = 12_345
    static let expectedCapture: Int64 = startFee + (pricePerKWh * finalWh + 500) / 1_000

    static let inputs: [String: Value] = [
        "phoneNumber": .phoneNumber("4791234567"),
        "maxAmount": .money(Money(minorUnits: maxAmount, currency: "NOK")),
        "pricePerKWh": .money(Money(minorUnits: pricePerKWh, currency: "NOK")),
        "startFee": .money(Money(minorUnits: startFee, currency: "NOK")),
    ]

    /// What one measurement returns: the closed loop's figures and the store's durable work per flow.
    struct Measurement: Sendable {
        var load: FlowLoad.Result
        var durableWritesPerFlow: Double
        var fsyncsPerFlow: Double
        /// Mean size of the finished instance files, for the floor's write size.
        var instanceFileBytes: Int?
    }

    let definitions: [String: FlowDefinition]
    let payments: EPaymentClient
    let stateRoot: URL
    let maximumConcurrency: Int?
    let logger: Logger

    init(flowsDirectory: URL, baseURL: String, http: HTTPClient, stateRoot: URL, maximumConcurrency: Int?) throws {
        definitions = try FlowDefinitionLoader().load(directory: flowsDirectory)
        guard definitions["ev-charging"] != nil else {
            throw BenchError("no ev-charging flow in \(flowsDirectory.path) (found: \(definitions.keys.sorted().joined(separator: ", ")))")
        }
        var logger = Logger(label: "evflow-bench.flow")
        logger.logLevel = .warning
        self.logger = logger
        let configuration = EPaymentConfiguration(
            baseURL: baseURL, clientID: "bench-client", clientSecret: Secret("bench-secret"),
            subscriptionKey: Secret("bench-subscription-key"), merchantSerialNumber: "123456")
        payments = EPaymentClient(configuration: configuration, httpClient: http, logger: logger)
        self.stateRoot = stateRoot
        self.maximumConcurrency = maximumConcurrency
    }

    /// Runs the closed loop at `concurrency` on a new runner and state folder (removed afterwards).
    func measure(concurrency: Int, warmup: Duration, window: Duration) async throws -> Measurement {
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let state = stateRoot.appendingPathComponent("evflow-\(concurrency)-\(run)")
        defer { try? FileManager.default.removeItem(at: state) }
        let runner = try FlowRunner(
            stateDirectory: state, definitions: definitions, payments: payments, logger: logger,
            maximumConcurrency: maximumConcurrency ?? 64)
        let before = runner.durableWork
        let worker = Task { await runner.work() }
        defer { worker.cancel() }
        let load = try await FlowLoad.run(concurrency: concurrency, warmup: warmup, window: window) { number, _ in
            try await Self.session(runner, id: "s\(run)-\(number)")
        }
        worker.cancel()
        await worker.value
        let after = runner.durableWork
        let flows = Double(max(1, load.total))
        return Measurement(
            load: load,
            durableWritesPerFlow: Double(after.durableWrites - before.durableWrites) / flows,
            fsyncsPerFlow: Double(after.fsyncs - before.fsyncs) / flows,
            instanceFileBytes: Self.meanFileSize(in: state.appendingPathComponent("instances"))
        )
    }

    /// One charging session, start to finish, as a backend with a webhook receiver runs it.
    static func session(_ runner: FlowRunner, id: String) async throws {
        // Each call returns once fsync'd: made on the runner's threads, a burst of them does not hold Swift's
        // cooperative threads (one per core) while the disk flushes.
        try await runner.onRunnerThreads {
            try runner.start(flow: "ev-charging", id: id, inputs: inputs)
            try runner.paymentUpdated(instanceID: id, event: "AUTHORIZED", eventID: "\(id)-authorized")
            try runner.signal(instanceID: id, name: "meterReading", data: ["energyWh": .integer(meterWh)], signalID: "\(id)-m1")
            try runner.signal(instanceID: id, name: "sessionEnded", data: ["energyWh": .integer(finalWh)], signalID: "\(id)-end")
        }
        let instance = try await runner.finished(id)
        guard instance.status == .succeeded else {
            throw BenchError("instance \(id) ended \(instance.status): \(instance.failure.map { "\($0.code): \($0.message)" } ?? "no failure recorded")")
        }
        guard instance.output?["captured"] == .money(Money(minorUnits: expectedCapture, currency: "NOK")),
              instance.payment?.captured == expectedCapture,
              instance.payment?.cancelled == maxAmount - expectedCapture else {
            throw BenchError("instance \(id) captured \(instance.output?["captured"]?.description ?? "nothing") (payment: \(instance.payment.map { "\($0)" } ?? "none")); expected \(expectedCapture) captured and \(maxAmount - expectedCapture) released")
        }
    }

    private static func meanFileSize(in directory: URL) -> Int? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return nil }
        let sizes = names.filter { $0.hasSuffix(".json") }.prefix(200).compactMap { name in
            (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path))?[.size] as? Int
        }
        return sizes.isEmpty ? nil : sizes.reduce(0, +) / sizes.count
    }
}
