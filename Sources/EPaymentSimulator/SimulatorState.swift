import Foundation

/// Everything mutable in a simulator, kept behind one lock so each API call is atomic, as a payment provider's
/// database transaction would be.
struct SimulatorState: Sendable {
    var payments: [String: PaymentRecord] = [:]
    /// Payment keys in creation order, for the ledger export.
    var order: [String] = []
    /// Keys of payments still awaiting the customer (CREATED), which time may change.
    var pending: Set<String> = []
    var idempotency = IdempotencyStore()
    var rateLimiter = RateLimiter()
    var rateLimitsEnabled: Bool
    var faults: FaultConfiguration
    var random: SeededGenerator
    /// Issued access tokens and when each expires.
    var tokens: [String: Date] = [:]
    var pspCounter: UInt64 = 0
    var traceCounter: UInt64 = 0
    var recorded: [RecordedResponse] = []
    var requests: [RecordedRequest] = []
    var baseURL: String?

    init(configuration: SimulatorConfiguration) {
        rateLimitsEnabled = configuration.rateLimitsEnabled
        faults = configuration.faults
        random = SeededGenerator(seed: configuration.seed)
    }

    static func key(msn: String, reference: String) -> String { "\(msn)/\(reference)" }

    /// Finds the key for `reference`, using `msn` when given and otherwise requiring the reference to be unique.
    func key(reference: String, msn: String?) throws -> String {
        if let msn {
            let key = Self.key(msn: msn, reference: reference)
            guard payments[key] != nil else { throw SimulatorError.paymentNotFound(reference) }
            return key
        }
        let matches = payments.values.filter { $0.reference == reference }
        guard let first = matches.first else { throw SimulatorError.paymentNotFound(reference) }
        guard matches.count == 1 else { throw SimulatorError.ambiguousReference(reference) }
        return Self.key(msn: first.msn, reference: reference)
    }

    /// A new, distinct pspReference for an event, numeric like the real ones (core concepts example).
    mutating func nextPspReference() -> String {
        pspCounter += 1
        return String(10_000_000_000 + pspCounter)
    }

    mutating func nextTraceId() -> String {
        traceCounter += 1
        return String(format: "sim-%08llx-%04llx", traceCounter, random.next() & 0xFFFF)
    }

    /// Applies due auto-approval or expiry to one payment.
    mutating func advanceTime(key: String, now: Date, emit: (PaymentRecord, LedgerEvent) -> Void) {
        guard var payment = payments[key], payment.state == .created else {
            pending.remove(key)
            return
        }
        var counter = pspCounter
        let event = payment.advanceTime(to: now) {
            counter += 1
            return String(10_000_000_000 + counter)
        }
        pspCounter = counter
        payments[key] = payment
        if let event { emit(payment, event) }
        if payment.state != .created { pending.remove(key) }
    }

    mutating func issueToken(expiresAt: Date) -> String {
        // Shaped like the real JWT (three base64url parts) so clients that peek at it are not surprised.
        func part(_ text: String) -> String {
            Data(text.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = part(#"{"typ":"JWT","alg":"none"}"#)
        let payload = part(#"{"iss":"epayment-sim","exp":\#(Int(expiresAt.timeIntervalSince1970))}"#)
        let signature = String(format: "%016llx%016llx", random.next(), random.next())
        let token = "\(header).\(payload).\(signature)"
        tokens[token] = expiresAt
        return token
    }

    mutating func draw(_ probability: Double) -> Bool {
        guard probability > 0 else { return false }
        guard probability < 1 else { return true }
        return Double.random(in: 0..<1, using: &random) < probability
    }
}

/// A webhook to deliver: one event, already encoded, for every registration subscribed to it when it happened.
struct WebhookEnvelope: Sendable {
    var reference: String
    var eventName: String
    var body: [UInt8]
    var targets: [WebhookRegistry.Target]
}

/// One API response as sent, for spec conformance checks (``SimulatorConfiguration/recordsResponses``).
public struct RecordedResponse: Sendable, Hashable, Codable {
    /// The spec's operationId (``SimulatedOperation/rawValue``).
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The spec's path template, for example `/v1/payments/{Reference}/capture`.
    public var pathTemplate: String
    /// The HTTP status.
    public var status: Int
    /// The response body as text (empty when there was none).
    public var body: String

    /// Creates a record, for example of a webhook body to check alongside the API's responses.
    public init(operation: String, method: String, pathTemplate: String, status: Int, body: String) {
        self.operation = operation
        self.method = method
        self.pathTemplate = pathTemplate
        self.status = status
        self.body = body
    }
}

/// One API request as it reached the simulator (``SimulatorConfiguration/recordsRequests``).
public struct RecordedRequest: Sendable, Hashable, Codable {
    /// The spec's operationId (``SimulatedOperation/rawValue``).
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The request path, for example `/epayment/v1/payments/ev-4711/capture`.
    public var path: String
    /// The `Idempotency-Key` header, when the request carried one.
    public var idempotencyKey: String?
    /// The fault injected into this request (`connectionReset`, `tooManyRequests`, `serverError`,
    /// `responseLost`), `nil` when none was.
    public var fault: String?
    /// The status answered; `nil` when no response was sent (a reset, a lost response).
    public var status: Int?
    /// When the request arrived, by the simulator's clock.
    public var receivedAt: Date
}

/// One attempt to deliver a webhook.
public struct WebhookDeliveryRecord: Sendable, Hashable, Codable {
    /// The registration delivered to (its id from the Webhooks API).
    public var webhookId: String
    /// The receiver.
    public var url: String
    /// The payment reference the event concerns.
    public var reference: String
    /// The event name, for example `CAPTURED`.
    public var eventName: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// The receiver's status, when it answered.
    public var status: Int?
    /// Why the attempt failed, when it did.
    public var error: String?
    /// Whether the receiver acknowledged it (2xx).
    public var delivered: Bool
}
