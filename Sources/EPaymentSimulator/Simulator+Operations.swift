import Synchronization
import Foundation

/// A validated create-payment request (see `CreatePaymentRequestValidator`).
struct CreatePaymentInput: Sendable {
    var msn: String
    var reference: String
    var amount: Money
    var userFlow: String
    var paymentMethodType: String
    var expiresAt: Date?
    var hasReceipt: Bool
    var metadata: [String: String]?
    var profileScopeRequested: Bool
    /// `qrFormat`, for `userFlow: QR`.
    var qrFormat: QRFormat?
    /// `customerInteraction`, when sent.
    var customerInteraction: String?

    struct QRFormat: Sendable {
        var format: String
        var size: Int?
    }

    /// The create response's `redirectUrl` (spec: `CreatePaymentResponse.redirectUrl`): none for PUSH_MESSAGE, the
    /// landing page for the redirect flows, and for QR a link to the QR image in the requested format (SVG by
    /// default) or, with `TEXT/TARGETURL`, the URL the QR code encodes. Each carries the payment's token, which the
    /// test-only approve endpoint accepts as the customer's.
    func redirectURL(base: String, token: String) -> String? {
        let landing = "\(base)/_sim/landing?token=\(token)"
        switch userFlow {
        case "PUSH_MESSAGE": return nil
        case "QR":
            switch qrFormat?.format {
            case "TEXT/TARGETURL": return landing
            case "IMAGE/PNG": return "\(base)/_sim/qr?format=png&size=\(qrFormat?.size ?? 1024)&token=\(token)"
            default: return "\(base)/_sim/qr?format=svg&token=\(token)"
            }
        default: return landing
        }
    }
}

/// The API operations behind the HTTP routes. Each runs atomically under the state lock.
extension Simulator {
    /// Draws the fault for one request of `operation` and counts it against the rule's `times`.
    func faultDecision(for operation: SimulatedOperation) -> (latencyMilliseconds: Int, decision: FaultDecision) {
        state.withLock { state in
            let key = state.faults.rules[operation.rawValue] != nil ? operation.rawValue : "*"
            guard var rule = state.faults.rules[key] else { return (0, .none) }
            if let times = rule.times {
                if times <= 0 {
                    state.faults.rules[key] = nil
                    return (0, .none)
                }
                rule.times = times - 1
                state.faults.rules[key] = rule.times == 0 ? nil : rule
            }
            let decision: FaultDecision =
                if state.draw(rule.connectionResetRate) { .connectionReset }
                else if state.draw(rule.tooManyRequestsRate) { .tooManyRequests(retryAfterSeconds: rule.retryAfterSeconds) }
                else if state.draw(rule.serverErrorRate) { .serverError }
                else if state.draw(rule.responseLostRate) { .responseLost }
                else { .none }
            return (rule.latencyMilliseconds, decision)
        }
    }

    /// Checks the bearer token: issued by this simulator and not expired (simulator clock).
    func authenticate(authorization: String?) -> Problem? {
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return .unauthorized("Missing or malformed Authorization header: expected 'Bearer <access token>'.")
        }
        let token = String(authorization.dropFirst("Bearer ".count))
        let now = clock.now
        let expiry = state.withLock { $0.tokens[token] }
        guard let expiry else { return .unauthorized("The access token is not one this simulator issued.") }
        guard expiry > now else { return .unauthorized("The access token expired; fetch a new one from /accesstoken/get.") }
        return nil
    }

    /// Counts the request against the documented per-reference limits when they are on.
    func checkRateLimit(_ operation: SimulatedOperation, msn: String, reference: String, subscriptionKey: String) -> Problem? {
        let now = clock.now
        return state.withLock { state in
            guard state.rateLimitsEnabled else { return nil }
            let (key, limit) =
                operation.isModification
                ? ("mod/\(msn)/\(reference)", configuration.modificationsPerMinute)
                : ("read/\(subscriptionKey)/\(reference)", configuration.readsPerMinute)
            guard let retryAfter = state.rateLimiter.admit(key, limit: limit, now: now) else { return nil }
            let kind = operation.isModification ? "modifications" : "reads"
            return .tooManyRequests(
                retryAfterSeconds: retryAfter,
                detail: "Rate limit of \(limit) \(kind) per minute for reference '\(reference)' exceeded."
            )
        }
    }

    /// The error body `operation` answers with: problem+json, except the access-token endpoint's Azure AD shape.
    func problemResponse(_ problem: Problem, for operation: SimulatedOperation) -> WireResponse {
        let traceId = state.withLock { $0.nextTraceId() }
        if operation == .accessToken {
            return WireResponse(
                status: problem.status, body: Wire.encode(problem.accessTokenError(traceId: traceId, at: clock.now)),
                headers: problem.headers)
        }
        let body = Wire.Problem(
            type: problem.type, title: problem.title, detail: problem.detail, status: problem.status,
            traceId: traceId, extraDetails: problem.extraDetails
        )
        return WireResponse(
            status: problem.status, body: Wire.encode(body), contentType: "application/problem+json",
            headers: problem.headers
        )
    }

    func createPayment(_ input: CreatePaymentInput, idempotencyKey: String, fingerprint: String) throws(Problem) -> WireResponse {
        let now = clock.now
        if let expiresAt = input.expiresAt {
            guard input.userFlow == "PUSH_MESSAGE" || input.userFlow == "QR" else {
                throw .domain(.expiresAtNotAllowed, detail: "expiresAt can only be combined with userFlow PUSH_MESSAGE or QR.")
            }
            let ahead = expiresAt.timeIntervalSince(now)
            guard ahead > 600, ahead < 60 * 24 * 3600 else {
                throw .domain(.expirationDateInvalid, detail: "expiresAt must be more than 10 minutes and less than 60 days in the future.")
            }
        }
        return try state.withLock { (state) throws(Problem) -> WireResponse in
            let scope = IdempotencyStore.Scope(msn: input.msn, operation: "createPayment", reference: nil, key: idempotencyKey)
            switch state.idempotency.lookup(scope, fingerprint: fingerprint) {
            case .replay(let response): return response
            case .conflict:
                throw .domain(
                    .idempotencyKeyAlreadyExists, status: 409,
                    detail: "Idempotency-Key '\(idempotencyKey)' was already used with a different request."
                )
            case .miss: break
            }
            let key = SimulatorState.key(msn: input.msn, reference: input.reference)
            guard state.payments[key] == nil else {
                throw .domain(.referenceAlreadyExists, status: 409, detail: "Reference '\(input.reference)' already exists.")
            }
            let token = String(format: "%016llx", state.random.next())
            let redirect = input.redirectURL(base: state.baseURL ?? "http://127.0.0.1", token: token)
            var payment = PaymentRecord(
                msn: input.msn, reference: input.reference, amount: input.amount, userFlow: input.userFlow,
                paymentMethodType: input.paymentMethodType, pspReference: UUID().uuidString.lowercased(),
                redirectUrl: redirect, approvalToken: token, metadata: input.metadata, createdAt: now,
                expiresAt: input.expiresAt ?? now.addingTimeInterval(configuration.paymentExpiry.seconds),
                autoApproveAt: configuration.autoApproveAfter.map { now.addingTimeInterval($0.seconds) },
                profileScopeRequested: input.profileScopeRequested, customerInteraction: input.customerInteraction
            )
            let created = LedgerEvent(
                name: "CREATED", amount: input.amount.value, pspReference: payment.pspReference, timestamp: now,
                idempotencyKey: idempotencyKey, success: true
            )
            payment.events.append(created)
            state.payments[key] = payment
            state.order.append(key)
            state.pending.insert(key)
            emit(payment, created)
            let response = WireResponse(
                status: 201, body: Wire.encode(Wire.CreatePaymentResponse(redirectUrl: redirect, reference: input.reference))
            )
            state.idempotency.record(scope, fingerprint: fingerprint, response: response)
            return response
        }
    }

    /// Reads a payment after applying due expiry or auto-approval.
    func read(msn: String, reference: String, _ render: (PaymentRecord) -> [UInt8]) throws(Problem) -> WireResponse {
        let now = clock.now
        return try state.withLock { (state) throws(Problem) -> WireResponse in
            let key = SimulatorState.key(msn: msn, reference: reference)
            state.advanceTime(key: key, now: now, emit: emit)
            guard let payment = state.payments[key] else { throw .notFound(reference: reference) }
            return WireResponse(status: 200, body: render(payment))
        }
    }

    /// Runs a capture, cancel or refund with idempotency: a replay returns the stored response, a different body
    /// under the same key is a conflict, and only successes are stored.
    func modify(
        _ operation: SimulatedOperation,
        msn: String,
        reference: String,
        idempotencyKey: String?,
        fingerprint: String,
        conflict: DomainError,
        change: (inout PaymentRecord, Date, String) throws(Problem) -> LedgerEvent?
    ) throws(Problem) -> WireResponse {
        let now = clock.now
        return try state.withLock { (state) throws(Problem) -> WireResponse in
            let key = SimulatorState.key(msn: msn, reference: reference)
            state.advanceTime(key: key, now: now, emit: emit)
            guard var payment = state.payments[key] else { throw .notFound(reference: reference) }
            let scope = idempotencyKey.map {
                IdempotencyStore.Scope(msn: msn, operation: operation.rawValue, reference: reference, key: $0)
            }
            if let scope {
                switch state.idempotency.lookup(scope, fingerprint: fingerprint) {
                case .replay(let response): return response
                case .conflict:
                    throw .domain(
                        conflict, status: 409,
                        detail: "Idempotency-Key '\(scope.key)' was already used for a different \(operation) request."
                    )
                case .miss: break
                }
            }
            let psp = state.nextPspReference()
            let event = try change(&payment, now, psp)
            assert(payment.invariantsHold, "money invariants broken for \(reference)")
            state.payments[key] = payment
            state.pending.remove(key)
            if let event { emit(payment, event) }
            let response = WireResponse(status: 200, body: Wire.encode(payment.wireModificationResponse))
            if let scope { state.idempotency.record(scope, fingerprint: fingerprint, response: response) }
            return response
        }
    }

    /// The test-only force-approve endpoint.
    func forceApprove(msn: String, reference: String, token: String?) throws(Problem) -> WireResponse {
        let now = clock.now
        return try state.withLock { (state) throws(Problem) -> WireResponse in
            let key = SimulatorState.key(msn: msn, reference: reference)
            state.advanceTime(key: key, now: now, emit: emit)
            guard var payment = state.payments[key] else { throw .notFound(reference: reference) }
            if let token, token != payment.approvalToken {
                throw .domain(.approveFailed, detail: "The token does not match the one in the payment's redirectUrl.")
            }
            let event = try payment.authorize(at: now, psp: state.nextPspReference())
            state.payments[key] = payment
            state.pending.remove(key)
            emit(payment, event)
            return WireResponse(status: 200, body: [])
        }
    }

    /// `POST /accesstoken/get`.
    func accessToken(clientId: String?, clientSecret: String?, subscriptionKey: String?) throws(Problem) -> WireResponse {
        guard let clientId, !clientId.isEmpty, let clientSecret, !clientSecret.isEmpty,
            let subscriptionKey, !subscriptionKey.isEmpty
        else {
            throw .accessTokenRefused(
                status: 400, error: "invalid_request", code: 900144,
                "The request must carry the headers client_id, client_secret and Ocp-Apim-Subscription-Key.")
        }
        if let expected = configuration.credentials {
            guard expected.clientId == clientId else {
                throw .accessTokenRefused(
                    status: 401, error: "unauthorized_client", code: 700016,
                    "Application with identifier '\(clientId.prefix(64))' was not found in the directory.")
            }
            guard expected.clientSecret == clientSecret else {
                throw .accessTokenRefused(
                    status: 401, error: "invalid_client", code: 7000215, "Invalid client secret provided.")
            }
            guard expected.subscriptionKey == subscriptionKey else {
                throw .accessTokenRefused(
                    status: 401, error: "invalid_client", code: 401,
                    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.")
            }
        }
        let now = clock.now
        let lifetime = Int(configuration.accessTokenLifetime.seconds)
        let expiry = now.addingTimeInterval(TimeInterval(lifetime))
        let token = state.withLock { $0.issueToken(expiresAt: expiry) }
        let body = Wire.AccessToken(
            token_type: "Bearer", expires_in: String(lifetime), ext_expires_in: "0",
            expires_on: String(Int(expiry.timeIntervalSince1970)), not_before: String(Int(now.timeIntervalSince1970)),
            resource: "00000002-0000-0000-c000-000000000000", access_token: token
        )
        return WireResponse(status: 200, body: Wire.encode(body))
    }
}
