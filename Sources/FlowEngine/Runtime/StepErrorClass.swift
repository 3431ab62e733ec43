import CurlHTTP
import EPayment

extension RetryPolicy.ErrorClass {
    /// The retry class of a payment error, as step `retryOn` lists name them; `nil` when no retry can help
    /// (invalid request, refused by the provider's rules, authentication).
    static func of(_ error: EPaymentError) -> RetryPolicy.ErrorClass? {
        if error.httpStatus == 429 { return .rateLimited }
        if error.transportError?.code == .timeout { return .timeout }
        switch error.code {
        case .retryable: return .retryable
        case .maybeApplied: return .maybeApplied
        case .conflict: return .conflict
        default: return nil
        }
    }

    /// The retry class of a transport failure of a station callback.
    static func of(_ error: HTTPClientError) -> RetryPolicy.ErrorClass {
        if error.code == .timeout { return .timeout }
        return error.delivery == .notSent ? .retryable : .maybeApplied
    }

    /// The retry class of a callback's HTTP status, `nil` for statuses a retry cannot fix.
    static func of(status: Int) -> RetryPolicy.ErrorClass? {
        if status == 429 { return .rateLimited }
        if status >= 500 || status == 408 { return .retryable }
        return nil
    }
}
