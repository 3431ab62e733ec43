import CurlHTTP
import EPayment
import EPaymentSimulator
import FlowEngine
import Foundation
import Logging

/// Everything a flow test needs, wired over real sockets: the simulator on a virtual clock, a station backend
/// that records notifications, a store of its own (a state folder, or memory for `evflow test`), and a runner whose
/// clock is the simulator's.
///
/// Time moves only through ``advance(by:)``, which runs every timer that falls due on the way, so a 10-hour
/// charging session takes milliseconds.
///
/// ```swift
/// try await withFlowTestBed(flows: URL(filePath: "flows")) { bed in
///     try bed.start("ev-charging", id: "s1", inputs: [...])
///     try await bed.advance(by: .seconds(10))
///     try bed.approve("s1")
///     try await bed.signal("s1", "sessionEnded", ["energyWh": .integer(12_000)])
///     #expect(bed.ledger.payment(reference: try bed.reference(of: "s1"))?.aggregate.captured == 4788)
/// }
/// ```
public final class FlowTestBed: Sendable {
    /// The simulated payment provider: drive the customer and faults here, read money from its ledger.
    public let simulator: Simulator
    /// The station backend's stand-in; read the notifications it received.
    public let station: StationBackendStub
    /// The folder holding this test's instance files (on a bed whose store is memory, as `evflow test`'s are, a
    /// path that is never created).
    public let stateDirectory: URL
    /// The engine under test, assembled as production assembles it (``EvflowRuntime``).
    package let runtime: EvflowRuntime

    init(simulator: Simulator, station: StationBackendStub, stateDirectory: URL, runtime: EvflowRuntime) {
        self.simulator = simulator
        self.station = station
        self.stateDirectory = stateDirectory
        self.runtime = runtime
    }

    package var runner: FlowRunner { runtime.runner }
    /// The runtime's layered store.
    package var store: any InstanceStore { runtime.store }

    /// The virtual time now.
    public var now: Date { simulator.clock.now }

    /// The provider's ledger: every payment with its totals and events.
    public var ledger: Ledger { simulator.ledger() }

    /// Starts an instance and runs it until it waits.
    @discardableResult
    public func start(_ flow: String, id: String, inputs: [String: Value]) async throws -> FlowInstance {
        let instance = try runner.start(flow: flow, id: id, inputs: inputs).instance
        await runUntilIdle()
        return instance
    }

    /// Sends a signal and lets the instance react to it.
    @discardableResult
    public func signal(_ id: String, _ name: String, _ data: [String: Value], signalID: String? = nil) async throws -> Bool {
        let accepted = try runner.signal(instanceID: id, name: name, data: data, signalID: signalID)
        await runUntilIdle()
        return accepted
    }

    /// Sends an OCPP 1.6 MeterValues or 2.0.1 TransactionEvent message, as a station sent it, and lets the
    /// instance react (see ``FlowRunner/meterValues(instanceID:json:)``).
    @discardableResult
    public func meterValues(_ id: String, _ json: String) async throws -> MeterValuesReceipt {
        let receipt = try runner.meterValues(instanceID: id, json: json)
        await runUntilIdle()
        return receipt
    }

    /// Moves virtual time forward by `duration`, firing every timer that falls due on the way, in order.
    public func advance(by duration: Duration) async throws {
        let target = now.addingTimeInterval(duration.seconds)
        await runUntilIdle()
        while let next = runner.nextWake, next <= target {
            if next > now { try simulator.advanceClock(by: .seconds(next.timeIntervalSince(now))) }
            await runUntilIdle()
        }
        if target > now { try simulator.advanceClock(by: .seconds(target.timeIntervalSince(now))) }
        await runUntilIdle()
    }

    /// Runs everything due at the current virtual time until nothing more is.
    public func runUntilIdle() async {
        // A bounded loop (a definition that never parks must not hang the test). Not `for ... where`: that would
        // call runDue() on all 1000 turns, each listing the inbox, even when nothing is due.
        for _ in 0..<1000 {
            guard await runner.runDue() > 0 else { return }
            if let next = runner.nextWake, next > now { return }
        }
    }

    /// The customer approves the instance's payment in the app.
    public func approve(_ id: String) async throws {
        try simulator.approve(reference: try reference(of: id))
        await runUntilIdle()
    }

    /// The customer rejects the instance's payment in the app.
    public func reject(_ id: String) async throws {
        try simulator.reject(reference: try reference(of: id))
        await runUntilIdle()
    }

    /// The instance as stored now.
    public func instance(_ id: String) throws -> FlowInstance { try runner.instance(id) }

    /// The payment reference the instance created.
    public func reference(of id: String) throws -> String {
        guard let reference = try instance(id).payment?.reference else {
            throw FlowError(.unknownInstance, instanceID: id, detail: "instance \(id) has created no payment yet")
        }
        return reference
    }
}

/// Runs `body` with a fresh test bed for the definitions in `flows`, and tears everything down afterwards.
/// - Parameters:
///   - flows: the folder of definitions.
///   - simulatorConfiguration: rate limits are off by default here, since virtual time makes them meaningless.
///   - stateDirectory: where instance files go; by default a fresh temporary folder, deleted afterwards. A folder
///     given here is kept, so its instances can be inspected (`evflow show`) later.
///   - fsyncs: `false` keeps every write atomic but skips fsyncs (``StoreLocation/scratchDirectory(_:)``): on a
///     disk where an fsync costs milliseconds they were most of a 10-hour scenario's wall time. Keep the default
///     when a test counts fsyncs or kills the machine. (`evflow test` goes further: its scenarios run on memory.)
public func withFlowTestBed<Result: Sendable>(
    flows: URL,
    simulatorConfiguration: SimulatorConfiguration = SimulatorConfiguration(rateLimitsEnabled: false),
    stateDirectory: URL? = nil,
    fsyncs: Bool = true,
    _ body: @Sendable (FlowTestBed) async throws -> Result
) async throws -> Result {
    try await withFlowTestBed(definitions: try FlowDefinitionLoader().load(directory: flows), simulatorConfiguration: simulatorConfiguration,
                              stateDirectory: stateDirectory, fsyncs: fsyncs, body)
}

/// As ``withFlowTestBed(flows:simulatorConfiguration:stateDirectory:fsyncs:_:)``, for definitions already loaded:
/// how ``ScenarioRunner`` runs each scenario without reading and validating the flows folder again (3% of
/// `evflow test`'s time on 1,000 scenarios).
package func withFlowTestBed<Result: Sendable>(
    definitions: [String: FlowDefinition],
    simulatorConfiguration: SimulatorConfiguration = SimulatorConfiguration(rateLimitsEnabled: false),
    stateDirectory: URL? = nil,
    fsyncs: Bool = true,
    _ body: @Sendable (FlowTestBed) async throws -> Result
) async throws -> Result {
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-test-\(UUID().uuidString)")
    let stateDirectory = stateDirectory ?? temporary
    defer { try? FileManager.default.removeItem(at: temporary) }
    return try await withFlowTestBed(definitions: definitions, simulatorConfiguration: simulatorConfiguration,
                                     store: fsyncs ? .directory(stateDirectory) : .scratchDirectory(stateDirectory),
                                     stateDirectory: stateDirectory, body)
}

/// A test bed on the store at `store`; `stateDirectory` is what ``FlowTestBed/stateDirectory`` reports (for a
/// memory store, a folder that holds nothing). ``ScenarioRunner`` runs each scenario on ``StoreLocation/memory()``.
package func withFlowTestBed<Result: Sendable>(
    definitions: [String: FlowDefinition],
    simulatorConfiguration: SimulatorConfiguration = SimulatorConfiguration(rateLimitsEnabled: false),
    store: StoreLocation,
    stateDirectory: URL,
    _ body: @Sendable (FlowTestBed) async throws -> Result
) async throws -> Result {
    let quiet = Logger.quiet
    let station = StationBackendStub()
    return try await withSimulator(configuration: simulatorConfiguration, clock: .manual(), logger: quiet) { simulator in
        try await station.serve { stationURL in
            try await withHTTPClient { http in
                let configuration = EPaymentConfiguration(
                    baseURL: simulator.baseURL, clientID: "flow-test", clientSecret: Secret("flow-test-secret"),
                    subscriptionKey: Secret("flow-test-key"), merchantSerialNumber: "123456")
                var runtimeConfiguration = EvflowConfiguration(
                    store: store, definitions: definitions,
                    payments: .settings(configuration))
                runtimeConfiguration.stations = ["station": .init(url: stationURL, secret: Secret("station-secret"))]
                runtimeConfiguration.clock = SimulatorFlowClock(clock: simulator.clock)
                runtimeConfiguration.logger = quiet
                runtimeConfiguration.random = { $0.upperBound }
                let runtime = try EvflowRuntime(runtimeConfiguration, httpClient: http)
                let bed = FlowTestBed(simulator: simulator, station: station, stateDirectory: stateDirectory, runtime: runtime)
                return try await body(bed)
            }
        }
    }
}

extension Logger {
    /// A logger that prints only critical messages, so test output stays readable.
    static var quiet: Logger {
        var logger = Logger(label: "evflow.test")
        logger.logLevel = .critical
        return logger
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
