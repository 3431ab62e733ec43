import Foundation

/// An error response as the ePayment API sends it: `application/problem+json` with the spec's `Problem` fields.
///
/// Validation failures are 400 with one `extraDetails` entry per field; domain errors are 400 (or 409) with a
/// title from the ePayment FAQ and `extraDetails: [{name: "ErrorCode", reason: <code>}]` (facts sections 9, 15).
struct Problem: Error, Sendable, Hashable {
    struct ExtraDetail: Sendable, Hashable, Codable {
        var name: String
        var reason: String
    }

    var status: Int
    var title: String
    var detail: String
    var extraDetails: [ExtraDetail]?
    /// Extra response headers, for example `Retry-After` on 429.
    var headers: [String: String] = [:]
    /// For the access-token endpoint: the OAuth `error` and the Azure AD (`AADSTS`) code its body carries.
    var oauth: OAuthError? = nil

    struct OAuthError: Sendable, Hashable {
        var error: String
        var code: Int
    }

    /// The spec's `type` URI. The real API points at its error documentation; so do we.
    var type: String {
        "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors#\(status)"
    }
}

extension Problem {
    /// A 400 listing every invalid field of a request.
    static func validation(_ details: [ExtraDetail]) -> Problem {
        Problem(
            status: 400,
            title: "Bad Request",
            detail: "One or more validation errors occurred.",
            extraDetails: details
        )
    }

    /// A refusal of the access-token endpoint, rendered in Azure AD's shape (``accessTokenError(traceId:at:)``).
    static func accessTokenRefused(status: Int, error: String, code: Int, _ detail: String) -> Problem {
        Problem(status: status, title: error, detail: detail, extraDetails: nil, oauth: OAuthError(error: error, code: code))
    }

    /// This problem as the access-token endpoint sends it: `error`, `error_description` (prefixed `AADSTS<code>:`
    /// like Azure AD's), `error_codes`, `timestamp`, `trace_id`, `correlation_id`. Injected faults map to the OAuth
    /// codes `temporarily_unavailable` (429, 503) and `server_error`.
    func accessTokenError(traceId: String, at now: Date) -> Wire.AccessTokenError {
        let oauth = self.oauth ?? OAuthError(
            error: status == 429 || status == 503 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request",
            code: status)
        return Wire.AccessTokenError(
            error: oauth.error, error_description: "AADSTS\(oauth.code): \(detail)", error_codes: [oauth.code],
            timestamp: now.formatted(Date.ISO8601FormatStyle()).replacingOccurrences(of: "T", with: " "),
            trace_id: traceId, correlation_id: UUID().uuidString.lowercased())
    }

    static func unauthorized(_ detail: String) -> Problem {
        Problem(status: 401, title: "Unauthorized", detail: detail, extraDetails: nil)
    }

    static func notFound(reference: String) -> Problem {
        Problem(
            status: 404,
            title: "Reference not found",
            detail: "No payment with reference '\(reference)' exists for this merchant serial number.",
            extraDetails: nil
        )
    }

    static func tooManyRequests(retryAfterSeconds: Int, detail: String) -> Problem {
        Problem(
            status: 429,
            title: "Too Many Requests",
            detail: detail,
            extraDetails: nil,
            headers: ["Retry-After": String(retryAfterSeconds)]
        )
    }

    static func serverError(status: Int) -> Problem {
        Problem(
            status: status,
            title: status == 503 ? "Service Unavailable" : "Internal error",
            detail: "The simulator injected a server error (fault injection).",
            extraDetails: nil
        )
    }

    /// A domain error: FAQ title plus an `ErrorCode` extra detail.
    static func domain(_ error: DomainError, status: Int = 400, detail: String) -> Problem {
        Problem(
            status: status,
            title: error.title,
            detail: detail,
            extraDetails: [ExtraDetail(name: "ErrorCode", reason: String(error.code))]
        )
    }
}

/// The domain errors the simulator can report, with the titles of the ePayment FAQ (facts section 15).
///
/// Only 6080 ("Cannot capture before reservation") is a documented code; the other numbers are the
/// simulator's own, stable so tests can match on them. Clients must not parse titles (facts section 9).
enum DomainError: Int, Sendable, CaseIterable {
    case amountTooSmall = 6001
    case captureAmountTooHigh = 6081
    case captureBeforeReservation = 6080
    case captureCancelledPayment = 6082
    case capturePeriodExpired = 6083
    case captureIdempotencyConflict = 6084
    case cancelCapturedPayment = 6090
    case cancelNonReservedPayment = 6091
    case cancelPeriodExpired = 6092
    case cancelInvalidState = 6093
    case cancelIdempotencyConflict = 6094
    case paymentAlreadyRefunded = 6100
    case notEnoughRefundable = 6101
    case refundPeriodExpired = 6102
    case refundIdempotencyConflict = 6103
    case refundBeforeReservation = 6104
    case referenceAlreadyExists = 6010
    case idempotencyKeyAlreadyExists = 6011
    case paymentAlreadyReserved = 6020
    case approveFailed = 6021
    case expirationDateInvalid = 6030
    case expiresAtNotAllowed = 6031

    var code: Int { rawValue }

    var title: String {
        switch self {
        case .amountTooSmall: "Amount too small"
        case .captureAmountTooHigh: "Capture amount too high"
        case .captureBeforeReservation: "Cannot capture before reservation"
        case .captureCancelledPayment: "Cannot capture a cancelled payment"
        case .capturePeriodExpired: "Capture period expired"
        case .captureIdempotencyConflict: "Capture idempotency conflict"
        case .cancelCapturedPayment: "Cannot cancel a captured payment"
        case .cancelNonReservedPayment: "Cannot cancel a non-reserved payment"
        case .cancelPeriodExpired: "Cancel period expired"
        case .cancelInvalidState: "Payment cannot be cancelled. Invalid state"
        case .cancelIdempotencyConflict: "Cancel idempotency conflict"
        case .paymentAlreadyRefunded: "Payment already refunded"
        case .notEnoughRefundable: "Not enough refundable"
        case .refundPeriodExpired: "Refund period expired"
        case .refundIdempotencyConflict: "Refund idempotency conflict"
        case .refundBeforeReservation: "Attempted refund before reservation"
        case .referenceAlreadyExists: "Idempotency error: Reference already exists"
        case .idempotencyKeyAlreadyExists: "Idempotency error: Idempotency-Key already exists"
        case .paymentAlreadyReserved: "Payment is already reserved"
        case .approveFailed: "Approve failed"
        case .expirationDateInvalid: "Expiration date invalid"
        case .expiresAtNotAllowed: "ExpiresAt not allowed"
        }
    }
}
