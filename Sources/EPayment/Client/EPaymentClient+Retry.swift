import CurlHTTP
import Foundation
import Logging

extension EPaymentClient {
    /// Sends `call` until it succeeds or a failure is final, and returns the 2xx response.
    ///
    /// Retries only what is safe (see ``RequestRetryPolicy``), with the same key and body bytes every time; one extra
    /// attempt with a fresh token after the first 401. Gives up early rather than pass the deadline.
    func perform(_ call: Call, deadline: Duration?) async throws -> HTTPResponse {
        let start = clock.now()
        let budget = deadline ?? retryPolicy.defaultDeadline
        var attempts = 0
        var retries = 0
        var refreshedAfter401 = false
        var logger = self.logger
        logger[metadataKey: "operation"] = "\(call.operation)"
        if let reference = call.reference { logger[metadataKey: "reference"] = "\(reference)" }
        if let key = call.idempotencyKey { logger[metadataKey: "idempotency-key"] = "\(key)" }

        while true {
            attempts += 1
            var failure: EPaymentError
            do {
                let remaining = budget - (clock.now() - start)
                guard remaining > .zero else {
                    throw EPaymentError(
                        .retryable, operation: call.operation, reference: call.reference,
                        idempotencyKey: call.idempotencyKey, detail: "the deadline of \(budget) passed before sending")
                }
                let token = try await tokens.token()
                let response: HTTPResponse
                do {
                    response = try await http.execute(request(for: call, token: token, remaining: remaining))
                } catch let error as HTTPClientError {
                    var failure = EPaymentError.from(
                        transport: error, operation: call.operation, reference: call.reference,
                        idempotencyKey: call.idempotencyKey)
                    // A read changes nothing, so "maybe sent" is only a reason to ask again.
                    if call.method == .get && failure.code == .maybeApplied {
                        failure.code = .retryable
                        failure.detail = "no complete response to a read, which is safe to repeat"
                    }
                    throw failure
                }
                logger.debug("ePayment call answered", metadata: ["status": "\(response.status)", "attempt": "\(attempts)"])
                if (200..<300).contains(response.status) { return response }
                if response.status == 401 && !refreshedAfter401 {
                    // The token may have been revoked or expired early; one fresh token, then 401 is final.
                    refreshedAfter401 = true
                    await tokens.invalidate(token)
                    logger.info("ePayment refused the access token (401); retrying once with a new token")
                    continue
                }
                throw EPaymentError.from(
                    response: response, operation: call.operation, reference: call.reference,
                    idempotencyKey: call.idempotencyKey)
            } catch let error as EPaymentError {
                failure = error
            }
            failure.attempts = attempts
            if failure.reference == nil { failure.reference = call.reference }
            if failure.idempotencyKey == nil { failure.idempotencyKey = call.idempotencyKey }

            guard failure.isRetryable, retries + 1 < retryPolicy.maximumAttempts, !Task.isCancelled else {
                throw failure
            }
            // Without an Idempotency-Key the server cannot tell a repeat from a second request (registering a
            // webhook): a call that may have arrived is left to the caller, who can list what took effect.
            if failure.code == .maybeApplied && call.idempotencyKey == nil {
                failure.detail += "; not repeated: the call has no Idempotency-Key, so a second attempt could apply it twice"
                throw failure
            }
            let delay = failure.retryAfter ?? jitter(retryPolicy.backoffCeiling(forRetry: retries + 1))
            let elapsed = clock.now() - start
            guard elapsed + delay < budget else {
                failure.detail += "; not retried: waiting \(delay) would pass the deadline of \(budget)"
                throw failure
            }
            logger.warning(
                "ePayment call failed; retrying with the same idempotency key",
                metadata: [
                    "class": "\(failure.code)", "status": "\(failure.httpStatus.map(String.init) ?? "none")",
                    "attempt": "\(attempts)", "delay": "\(delay)", "traceId": "\(failure.traceId ?? "none")",
                ])
            try await clock.sleep(delay)
            retries += 1
        }
    }

    /// The HTTP request for one attempt: the spec's headers, the caller's key, the same body bytes.
    func request(for call: Call, token: Secret, remaining: Duration) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers["Authorization"] = "Bearer \(token.revealed)"
        headers["Ocp-Apim-Subscription-Key"] = configuration.subscriptionKey.revealed
        headers["Merchant-Serial-Number"] = configuration.merchantSerialNumber
        headers["Vipps-System-Name"] = configuration.systemName
        headers["Vipps-System-Version"] = configuration.systemVersion
        if let plugin = configuration.pluginName { headers["Vipps-System-Plugin-Name"] = plugin }
        if let version = configuration.pluginVersion { headers["Vipps-System-Plugin-Version"] = version }
        headers["Accept"] = "application/json, application/problem+json"
        if call.body != nil { headers["Content-Type"] = "application/json" }
        if let key = call.idempotencyKey { headers["Idempotency-Key"] = key }
        // The whole attempt must end by the caller's deadline.
        let timeout = min(http.configuration.timeout, remaining)
        return HTTPRequest(
            method: call.method, url: configuration.baseURL + call.path, headers: headers, body: call.body,
            timeout: timeout)
    }
}
