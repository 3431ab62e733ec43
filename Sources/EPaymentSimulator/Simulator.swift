import Foundation
import Logging
import Synchronization

/// A local ePayment provider: the payment ledger, the customer, the clock, rate limits and injected faults.
///
/// The HTTP server (``SimulatorServer``) serves it under the real API's paths; tests and demos drive the customer,
/// time and faults through this object and read the ``ledger()`` to assert what money moved.
///
/// ```swift
/// try await withSimulator(clock: .manual()) { sim in
///     // point the ePayment client at sim.baseURL, create a payment, then:
///     try sim.approve(reference: "order-12345")
///     try sim.advanceClock(by: .seconds(601))
///     #expect(sim.ledger().payment(reference: "order-12345")?.aggregate.captured == 1000)
/// }
/// ```
public final class Simulator: Sendable {
    /// The configuration the simulator was created with (runtime changes are not reflected here).
    public let configuration: SimulatorConfiguration
    /// The clock that decides expiry, auto-approval, token lifetime and event timestamps.
    public let clock: SimulatorClock
    let logger: Logger
    let state: Mutex<SimulatorState>
    let outbox: AsyncStream<WebhookEnvelope>
    let outboxContinuation: AsyncStream<WebhookEnvelope>.Continuation
    let deliveryLog: Mutex<[WebhookDeliveryRecord]>
    /// The Webhooks API's registrations; taken after `state` when both are needed (``emit(_:_:)``).
    let webhooks: Mutex<WebhookRegistry>

    /// Creates a simulator; nothing listens until it is served by ``SimulatorServer`` or ``withSimulator(configuration:clock:logger:_:)``.
    public init(
        configuration: SimulatorConfiguration = SimulatorConfiguration(),
        clock: SimulatorClock = .system(),
        logger: Logger = Logger(label: "evflow.epayment-sim")
    ) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.state = Mutex(SimulatorState(configuration: configuration))
        (self.outbox, self.outboxContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        self.deliveryLog = Mutex([])
        self.webhooks = Mutex(WebhookRegistry(configuration: configuration.webhooks))
    }

    deinit { outboxContinuation.finish() }

    /// The URL the server listens on, for example `http://127.0.0.1:49152`.
    ///
    /// Only valid while the server runs (inside ``withSimulator(configuration:clock:logger:_:)`` or after
    /// ``SimulatorServer/run(onReady:)`` reported ready); reading it earlier is a programming error.
    public var baseURL: String {
        guard let url = state.withLock({ $0.baseURL }) else {
            preconditionFailure("Simulator.baseURL read before the server was ready: \(SimulatorError.notRunning)")
        }
        return url
    }

    func setBaseURL(_ url: String?) { state.withLock { $0.baseURL = url } }

    // MARK: The customer

    /// The customer approves the payment in the app: CREATED becomes AUTHORIZED.
    /// - Parameters:
    ///   - reference: the payment's reference.
    ///   - msn: the merchant serial number, needed only when the reference exists under several.
    /// - Throws: ``SimulatorError`` when there is no such payment or it no longer awaits the customer.
    public func approve(reference: String, msn: String? = nil) throws {
        try customerAction(reference: reference, msn: msn, action: "approve") { payment, now, psp in
            try? payment.authorize(at: now, psp: psp)
        }
    }

    /// The customer rejects the payment in the app: CREATED becomes ABORTED.
    /// - Throws: ``SimulatorError`` when there is no such payment or it no longer awaits the customer.
    public func reject(reference: String, msn: String? = nil) throws {
        try customerAction(reference: reference, msn: msn, action: "reject") { payment, now, psp in
            payment.abort(at: now, psp: psp)
        }
    }

    private func customerAction(
        reference: String,
        msn: String?,
        action: String,
        _ body: (inout PaymentRecord, Date, String) -> LedgerEvent?
    ) throws {
        let now = clock.now
        try state.withLock { state in
            let key = try state.key(reference: reference, msn: msn)
            state.advanceTime(key: key, now: now, emit: emit)
            guard var payment = state.payments[key] else { throw SimulatorError.paymentNotFound(reference) }
            guard payment.state == .created else {
                throw SimulatorError.customerActionRefused(reference, state: payment.state.rawValue, action: action)
            }
            let psp = state.nextPspReference()
            if let event = body(&payment, now, psp) { emit(payment, event) }
            state.payments[key] = payment
            state.pending.remove(key)
        }
    }

    // MARK: Time

    /// Moves a manual clock forward and applies what became due: auto-approvals and expiries (with their webhooks).
    /// - Throws: ``SimulatorError`` when the clock is the system clock.
    public func advanceClock(by duration: Duration) throws {
        try clock.advance(by: duration)
        sweep()
    }

    /// Applies due auto-approvals and expiries to every payment still awaiting the customer.
    func sweep() {
        let now = clock.now
        state.withLock { state in
            for key in state.pending {
                state.advanceTime(key: key, now: now, emit: emit)
            }
        }
    }

    // MARK: Faults and limits

    /// The fault rules in force now.
    public var faults: FaultConfiguration { state.withLock { $0.faults } }

    /// Replaces every fault rule.
    public func setFaults(_ faults: FaultConfiguration) { state.withLock { $0.faults = faults } }

    /// Sets (or with `nil` removes) the rule for one operation, or for all operations without their own rule.
    public func setFault(_ rule: FaultRule?, for operation: SimulatedOperation?) {
        state.withLock { $0.faults.rules[operation?.rawValue ?? "*"] = rule }
    }

    /// Removes every fault rule.
    public func clearFaults() { setFaults(FaultConfiguration()) }

    /// Switches the documented rate limits on or off.
    public func setRateLimitsEnabled(_ enabled: Bool) { state.withLock { $0.rateLimitsEnabled = enabled } }

    /// Whether rate limits are enforced now.
    public var rateLimitsEnabled: Bool { state.withLock { $0.rateLimitsEnabled } }

    // MARK: Reading

    /// Every payment with its aggregate and events, in creation order.
    public func ledger() -> Ledger {
        sweep()
        return state.withLock { state in
            Ledger(payments: state.order.compactMap { state.payments[$0]?.snapshot() })
        }
    }

    /// One payment, or `nil` when the reference is unknown.
    public func payment(reference: String, msn: String? = nil) -> LedgerPayment? {
        ledger().payment(reference: reference, msn: msn)
    }

    /// Every response the API sent, when ``SimulatorConfiguration/recordsResponses`` is on.
    public func recordedResponses() -> [RecordedResponse] { state.withLock { $0.recorded } }

    /// Every API request so far, oldest first, when ``SimulatorConfiguration/recordsRequests`` is on.
    public func recordedRequests() -> [RecordedRequest] { state.withLock { $0.requests } }

    /// Every webhook delivery attempt so far, oldest first.
    public func webhookDeliveries() -> [WebhookDeliveryRecord] { deliveryLog.withLock { $0 } }

    /// Issues an access token as `POST /accesstoken/get` would, for callers that skip that call.
    public func issueAccessToken() -> String {
        let expiry = clock.now.addingTimeInterval(configuration.accessTokenLifetime.seconds)
        return state.withLock { $0.issueToken(expiresAt: expiry) }
    }

    // MARK: Internals shared with the HTTP layer

    /// Hands a state change to the webhook dispatcher, for the registrations that subscribe to its event type at
    /// this moment. Called with the state lock held, so order is kept.
    func emit(_ payment: PaymentRecord, _ event: LedgerEvent) {
        let eventType = WebhookRegistry.eventType(ofEventNamed: event.name)
        let targets = webhooks.withLock { $0.targets(eventType: eventType, msn: payment.msn) }
        guard !targets.isEmpty else { return }
        let body = Wire.encode(payment.wireWebhook(event))
        outboxContinuation.yield(WebhookEnvelope(reference: payment.reference, eventName: event.name, body: body, targets: targets))
    }

    func record(_ request: RecordedRequest) {
        guard configuration.recordsRequests else { return }
        state.withLock { $0.requests.append(request) }
    }

    func record(_ response: RecordedResponse) {
        guard configuration.recordsResponses else { return }
        state.withLock { $0.recorded.append(response) }
    }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
