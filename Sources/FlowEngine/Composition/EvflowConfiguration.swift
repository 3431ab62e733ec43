import CurlHTTP
import EPayment
import Foundation
import Logging

/// Everything ``EvflowRuntime`` needs to assemble evflow: where instances live, which flows exist, how to reach
/// the payment provider and the station backend, where time comes from, and optional layers (metrics, crash
/// points). The CLI, `evflow serve`, an embedding backend and the flow-test bed each fill one in; nothing else
/// builds a runner.
///
/// ```swift
/// var configuration = EvflowConfiguration(
///     store: .directory(URL(filePath: "/var/lib/evflow")),
///     definitions: try FlowDefinitionLoader().load(directory: URL(filePath: "flows")),
///     payments: .settings(try EPaymentConfiguration.fromEnvironment()))
/// configuration.metrics = true  // after bootstrapping a swift-metrics backend
/// try await EvflowRuntime.run(configuration) { runtime in
///     try runtime.runner.start(flow: "ev-charging", id: "session-4711", inputs: inputs)
///     await runtime.runner.work(while: { !Task.isCancelled })
/// }
/// ```
public struct EvflowConfiguration: Sendable {
    /// How the runtime reaches the payment provider.
    public enum Payments: Sendable {
        /// Settings the runtime builds its own client from, on its HTTP client.
        case settings(EPaymentConfiguration)
        /// A client the caller built and owns (with its HTTP client).
        case client(EPaymentClient)
    }

    public var store: StoreLocation
    /// The flows new instances start from, by name (instances always run on the definition they were pinned to).
    public var definitions: [String: FlowDefinition]
    public var payments: Payments
    /// Where `notify` steps send their signed callbacks, by endpoint name (`station`). Empty: notify steps are
    /// recorded as skipped.
    package var stations: [String: StationNotifier.Endpoint] = [:]
    /// The outbound HTTP client's settings, when the runtime creates the client (``EvflowRuntime/run(_:_:)``).
    public var http: HTTPClient.Configuration = HTTPClient.Configuration()
    /// Where the engine reads the time: timers, deadlines, timestamps. A flow test passes a virtual clock.
    public var clock: any FlowClock = SystemFlowClock()
    /// Instances run at once (threads in the runner's pool).
    public var maximumConcurrency: Int = 64
    /// Counts starts, endings, step durations and money moved through swift-metrics. Bootstrap a metrics backend
    /// first (only executables do that: `evflow serve` exports them on `/metrics`).
    public var metrics: Bool = false
    public var logger: Logger = Logger(label: "evflow")
    /// How long after authorization the provider lets a payment be captured, by currency (NOK 180 days, DKK and EUR
    /// 14 days by default): `show` prints each payment's deadline, `list --status stuck` and `/metrics` flag one
    /// that still holds money within 48 hours of it, and a definition's deadline can fire ahead of it. Shorten it
    /// where the money is held for less (card payments, a sales unit's own terms); the CLI and `evflow serve` read
    /// `EVFLOW_CAPTURE_WINDOWS` (`NOK=180d,DKK=14d,EUR=14d`).
    public var captureWindows: CaptureWindows = .provider
    /// The crash tests' failpoint (`EVFLOW_CRASH_AT`); never set in production.
    package var crashPoint: CrashPoint?
    /// Called after every durable save, outermost (see ``EvflowRuntime`` for the order).
    package var saveHooks: [SaveHook] = []
    /// Picks a number in a range, for retry jitter; a flow test makes it deterministic.
    package var random: @Sendable (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }

    public init(store: StoreLocation, definitions: [String: FlowDefinition], payments: Payments) {
        self.store = store
        self.definitions = definitions
        self.payments = payments
    }
}
