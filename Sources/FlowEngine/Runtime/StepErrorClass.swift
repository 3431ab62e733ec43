import CurlHTTP
import EPayment

extension StepRetryPolicy.ErrorClass {
    /// The retry class of a payment error, as step `retryOn` lists name them; `nil` when no retry can help
    /// (invalid request, refused by the provider's rules, authentication).
    static func of(_ error: EPaymentError) -> StepRetryPolicy.ErrorClass? {
        classes(of: error).first
    }

    /// Every class a payment error counts as, the most specific first; empty when no retry can help.
    ///
    /// A timed-out attempt is ``timeout`` and also what its error code says (``maybeApplied`` for a call that
    /// may have reached the provider, ``retryable`` for a read or a request never sent), so a policy listing
    /// either class retries it. A failed access-token fetch is ``retryable`` (``rateLimited`` for a 429) whatever
    /// went wrong on the way: the payment call itself was never sent.
    static func classes(of error: EPaymentError) -> [StepRetryPolicy.ErrorClass] {
        if error.httpStatus == 429 { return [.rateLimited] }
        if error.operation == .accessToken { return error.isRetryable ? [.retryable] : [] }
        let coded: StepRetryPolicy.ErrorClass?
        switch error.code {
        case .retryable: coded = .retryable
        case .maybeApplied: coded = .maybeApplied
        case .conflict: coded = .conflict
        default: coded = nil
        }
        if error.transportError?.code == .timeout { return [.timeout] + (coded.map { [$0] } ?? []) }
        return coded.map { [$0] } ?? []
    }

    /// The retry class of a transport failure of a station callback.
    static func of(_ error: HTTPClientError) -> StepRetryPolicy.ErrorClass {
        if error.code == .timeout { return .timeout }
        return error.delivery == .notSent ? .retryable : .maybeApplied
    }

    /// The retry class of a callback's HTTP status, `nil` for statuses a retry cannot fix.
    static func of(status: Int) -> StepRetryPolicy.ErrorClass? {
        if status == 429 { return .rateLimited }
        if status >= 500 || status == 408 { return .retryable }
        return nil
    }
}

extension StepRetryPolicy {
    /// The class under which this policy retries `error` (the first of its classes that `retryOn` lists), `nil`
    /// when it does not retry it. Attempts left are the caller's to check.
    func retryClass(of error: EPaymentError) -> ErrorClass? {
        ErrorClass.classes(of: error).first { retryOn.contains($0) }
    }
}
