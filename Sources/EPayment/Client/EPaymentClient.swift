import CurlHTTP
import Foundation
import Logging

/// The ePayment API client: every operation a charging flow needs, with access tokens, idempotency keys,
/// typed errors and safe retries built in.
///
/// Every POST takes an `idempotencyKey` from the caller (at most 50 characters), which the caller records
/// before the call so that a retry after a crash sends the same key. The client reuses that key and the
/// identical body for its own retries and never invents a new one.
///
/// ```swift
/// try await withHTTPClient { http in
///     let client = EPaymentClient(configuration: try .fromEnvironment(), httpClient: http)
///     let created = try await client.createPayment(
///         CreatePaymentRequest(amount: Amount(value: 50_000, currency: .nok), reference: "charge-4711-a",
///                              userFlow: .qr, paymentDescription: "EV charging, charger 12"),
///         idempotencyKey: "charge-4711-a-create")
///     print(created.redirectUrl ?? "")
/// }
/// ```
///
/// Methods throw ``EPaymentError`` (or `CancellationError` when the task is cancelled between attempts).
public struct EPaymentClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: EPaymentConfiguration
    /// How the client retries a failed request within one call (see ``RequestRetryPolicy``); a `FlowRunner`
    /// uses a copy with ``RequestRetryPolicy/noRetries`` (see ``retrying(_:)``).
    public private(set) var retryPolicy: RequestRetryPolicy
    let http: HTTPClient
    let tokens: AccessTokenProvider
    let clock: ClientClock
    let jitter: @Sendable (Duration) -> Duration
    let logger: Logger

    /// Creates a client that sends through `httpClient` (which the caller owns and shuts down).
    /// - Parameters:
    ///   - configuration: where and who; see ``EPaymentConfiguration/fromEnvironment(_:)``.
    ///   - httpClient: the shared libcurl client.
    ///   - retryPolicy: how failures are retried; ``RequestRetryPolicy/standard`` by default.
    ///   - logger: receives one line per attempt and retry; never a secret or token.
    public init(
        configuration: EPaymentConfiguration, httpClient: HTTPClient, retryPolicy: RequestRetryPolicy = .standard,
        logger: Logger = Logger(label: "evflow.epayment")
    ) {
        self.init(
            configuration: configuration, httpClient: httpClient, retryPolicy: retryPolicy, logger: logger,
            clock: ContinuousClock(), jitter: RequestRetryPolicy.systemJitter)
    }

    /// Creates a client with its own time source and jitter, so tests run backoff, deadlines and token expiry
    /// on a virtual clock with deterministic delays.
    /// - Parameters:
    ///   - clock: measures deadlines and token lifetimes, and sleeps between attempts.
    ///   - jitter: picks the delay for a backoff ceiling; ``RequestRetryPolicy/systemJitter`` draws uniformly in
    ///     `0...ceiling` (full jitter).
    public init<C: Clock>(
        configuration: EPaymentConfiguration, httpClient: HTTPClient, retryPolicy: RequestRetryPolicy = .standard,
        logger: Logger = Logger(label: "evflow.epayment"), clock: C,
        jitter: @escaping @Sendable (Duration) -> Duration
    ) where C.Duration == Duration {
        let clientClock = ClientClock(clock)
        self.configuration = configuration
        self.retryPolicy = retryPolicy
        self.http = httpClient
        self.clock = clientClock
        self.jitter = jitter
        self.logger = logger
        self.tokens = AccessTokenProvider(
            configuration: configuration, http: httpClient, clock: clientClock, logger: logger)
    }

    /// The same client (configuration, HTTP client, logger, clock and the one shared access-token cache) with
    /// another request retry policy: how a `FlowRunner` makes a client it is given send one attempt per call,
    /// leaving retries to its steps' durable policies.
    public func retrying(_ policy: RequestRetryPolicy) -> EPaymentClient {
        var copy = self
        copy.retryPolicy = policy
        return copy
    }

    /// How many access token requests this client has sent; for tests and diagnostics.
    package var accessTokenFetchCount: Int {
        get async { await tokens.fetchCount }
    }

    /// Creates a payment: reserves `request.amount` once the customer approves (`POST /epayment/v1/payments`).
    /// - Parameters:
    ///   - request: validated first: ``CreatePaymentRequest/reference`` must match `^[a-zA-Z0-9-]{8,64}$`.
    ///   - idempotencyKey: the caller's key for this creation, recorded before the call; at most 50 characters.
    ///   - deadline: how long the call may take, retries included; ``RequestRetryPolicy/defaultDeadline`` when `nil`.
    /// - Returns: the reference and, for redirect and QR flows, the URL to show the customer.
    public func createPayment(
        _ request: CreatePaymentRequest, idempotencyKey: String, deadline: Duration? = nil
    ) async throws -> CreatePaymentResponse {
        let call = try Call(
            operation: .createPayment, method: .post, path: "/epayment/v1/payments", reference: request.reference,
            idempotencyKey: idempotencyKey, body: request)
        return try await decode(CreatePaymentResponse.self, from: perform(call, deadline: deadline), call)
    }

    /// Reads a payment's state and totals (`GET /epayment/v1/payments/{reference}`). Safe to poll; the API allows
    /// 120 calls per minute per reference.
    public func getPayment(reference: String, deadline: Duration? = nil) async throws -> GetPaymentResponse {
        let call = try Call(
            operation: .getPayment, method: .get, path: "/epayment/v1/payments/\(reference)", reference: reference)
        return try await decode(GetPaymentResponse.self, from: perform(call, deadline: deadline), call)
    }

    /// Reads a payment's event log (`GET /epayment/v1/payments/{reference}/events`), oldest first: the record of
    /// which idempotency keys took effect, for reconciling after a lost response.
    public func getEventLog(reference: String, deadline: Duration? = nil) async throws -> [PaymentEvent] {
        let call = try Call(
            operation: .getPaymentEventLog, method: .get, path: "/epayment/v1/payments/\(reference)/events",
            reference: reference)
        return try await decode([PaymentEvent].self, from: perform(call, deadline: deadline), call)
    }

    /// Captures `amount` of an authorized payment (`POST .../capture`); may be called several times for partial
    /// captures, never above the authorized amount.
    /// - Parameter idempotencyKey: one key per capture; a retry of this capture reuses it with the same amount.
    public func capture(
        reference: String, amount: Amount, idempotencyKey: String, deadline: Duration? = nil
    ) async throws -> ModificationResponse {
        let call = try Call(
            operation: .capturePayment, method: .post, path: "/epayment/v1/payments/\(reference)/capture",
            reference: reference, idempotencyKey: idempotencyKey, body: ModificationRequest(modificationAmount: amount))
        return try await decode(ModificationResponse.self, from: perform(call, deadline: deadline), call)
    }

    /// Cancels a payment (`POST .../cancel`): before authorization it ends as ``PaymentState/terminated``; after,
    /// it releases everything not yet captured. Irreversible.
    /// - Parameter cancelTransactionOnly: when true, cancel only if not yet authorized, leaving an authorized
    ///   reservation intact.
    public func cancel(
        reference: String, cancelTransactionOnly: Bool = false, idempotencyKey: String, deadline: Duration? = nil
    ) async throws -> ModificationResponse {
        let call = try Call(
            operation: .cancelPayment, method: .post, path: "/epayment/v1/payments/\(reference)/cancel",
            reference: reference, idempotencyKey: idempotencyKey,
            body: CancelModificationRequest(cancelTransactionOnly: cancelTransactionOnly))
        return try await decode(ModificationResponse.self, from: perform(call, deadline: deadline), call)
    }

    /// Refunds `amount` of what was captured (`POST .../refund`); partial refunds may repeat up to the captured
    /// total.
    public func refund(
        reference: String, amount: Amount, idempotencyKey: String, deadline: Duration? = nil
    ) async throws -> ModificationResponse {
        let call = try Call(
            operation: .refundPayment, method: .post, path: "/epayment/v1/payments/\(reference)/refund",
            reference: reference, idempotencyKey: idempotencyKey, body: ModificationRequest(modificationAmount: amount))
        return try await decode(ModificationResponse.self, from: perform(call, deadline: deadline), call)
    }

    /// Approves a payment as the customer would, in the test environment only
    /// (`POST /epayment/v1/test/payments/{reference}/approve`); production refuses it.
    /// - Parameters:
    ///   - customer: the test user who approves.
    ///   - token: the `token` from the create response's `redirectUrl`, as an alternative to `customer`.
    public func forceApprove(
        reference: String, customer: Customer? = nil, token: String? = nil, idempotencyKey: String,
        deadline: Duration? = nil
    ) async throws {
        let call = try Call(
            operation: .forceApprove, method: .post, path: "/epayment/v1/test/payments/\(reference)/approve",
            reference: reference, idempotencyKey: idempotencyKey,
            body: ForceApproveRequest(customer: customer, token: token))
        _ = try await perform(call, deadline: deadline)
    }
}
