import CurlHTTP
import Foundation

extension EPaymentError {
    /// Classifies a non-success response. The one place that maps HTTP statuses to error classes.
    package static func from(
        response: HTTPResponse, operation: EPaymentOperation, reference: String? = nil, idempotencyKey: String? = nil,
        now: Date = Date()
    ) -> EPaymentError {
        // Decoded whatever the content type says: gateways send problems as text/plain or application/json too.
        var problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body))
        if problem?.status == 0 { problem?.status = response.status }
        // The access-token endpoint answers in Azure AD's shape (facts section 3), not problem+json.
        let tokenError = problem == nil ? try? JSONDecoder().decode(AccessTokenError.self, from: Data(response.body)) : nil
        let retryAfter = response.headers["Retry-After"].flatMap { parseRetryAfter($0, now: now) }
        let status = response.status
        let code: Code
        switch status {
        case 408, 429, 500...599:
            code = .retryable
        case 401, 403:
            code = .unauthorized
        case 404:
            code = .notFound
        case 409:
            code = .conflict
        case 400..<500:
            // The API reports idempotency conflicts as 400 domain errors too (epayment-facts.md section 14);
            // titles are not a stable contract, so this is best effort and 409 is the reliable signal.
            code = isIdempotencyConflict(problem) ? .conflict : .invalid
        default:
            code = .unexpectedResponse
        }
        let detail: String
        if problem != nil || tokenError != nil {
            detail = "the server answered \(status)"
        } else if response.body.isEmpty {
            detail = "the server answered \(status) with an empty body"
        } else {
            let text = response.bodyText
            let snippet = text.count > 300 ? String(text.prefix(300)) + "…" : text
            detail = "the server answered \(status) with a body that is not problem+json: \(snippet)"
        }
        var error = EPaymentError(
            code, operation: operation, reference: reference, idempotencyKey: idempotencyKey, httpStatus: status,
            problem: problem, retryAfter: retryAfter, detail: detail)
        error.accessTokenError = tokenError
        return error
    }

    static func isIdempotencyConflict(_ problem: Problem?) -> Bool {
        guard let title = problem?.title.lowercased() else { return false }
        return title.contains("idempotency") || title.contains("already exists")
    }

    /// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 section 10.2.3); `nil` when unparseable.
    package static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed), seconds >= 0 { return .seconds(seconds) }
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite { return .milliseconds(Int64(seconds * 1000)) }
        if let date = HTTPDate.date(from: trimmed) {
            return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
        }
        return nil
    }

    /// Classifies a transport failure: never sent is retryable; maybe sent may have been applied.
    static func from(
        transport error: HTTPClientError, operation: EPaymentOperation, reference: String?, idempotencyKey: String?
    ) -> EPaymentError {
        let code: Code = error.delivery == .notSent ? .retryable : .maybeApplied
        let detail = error.delivery == .notSent
            ? "no response, and the request was not sent"
            : "no complete response, and the request may have reached the server"
        return EPaymentError(
            code, operation: operation, reference: reference, idempotencyKey: idempotencyKey, transportError: error,
            detail: detail)
    }
}
