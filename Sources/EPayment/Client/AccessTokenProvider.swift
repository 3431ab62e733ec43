import CurlHTTP
import Foundation
import Logging

/// Fetches, caches and refreshes the access token (`POST /accesstoken/get`).
///
/// An actor so that concurrent callers share one token and one fetch: while a fetch is in flight, every
/// other caller waits for its result instead of starting another (100 concurrent calls, one token request).
/// The token is refreshed a margin before it expires, so a call never starts with a token about to lapse.
package actor AccessTokenProvider {
    private struct CachedToken {
        var token: Secret
        var refreshAt: Duration
    }

    private let configuration: EPaymentConfiguration
    private let http: HTTPClient
    private let clock: ClientClock
    private let refreshMargin: Duration
    private let logger: Logger
    private var cached: CachedToken?
    private var isFetching = false
    private var waiters: [CheckedContinuation<Secret, any Error>] = []
    /// How many token requests were sent, for tests and metrics.
    package private(set) var fetchCount = 0

    package init(
        configuration: EPaymentConfiguration, http: HTTPClient, clock: ClientClock,
        refreshMargin: Duration = .seconds(300), logger: Logger
    ) {
        self.configuration = configuration
        self.http = http
        self.clock = clock
        self.refreshMargin = refreshMargin
        self.logger = logger
    }

    /// A valid token: the cached one, or a fresh one when none is cached or the cached one is due for refresh.
    /// - Throws: ``EPaymentError`` with operation ``EPaymentOperation/accessToken``.
    package func token() async throws -> Secret {
        if let cached, clock.now() < cached.refreshAt {
            return cached.token
        }
        if isFetching {
            return try await withCheckedThrowingContinuation { waiters.append($0) }
        }
        isFetching = true
        let result: Result<Secret, any Error>
        do {
            let fetched = try await fetch()
            cached = fetched
            result = .success(fetched.token)
        } catch {
            result = .failure(error)
        }
        isFetching = false
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(with: result) }
        return try result.get()
    }

    /// Forgets `token` after the server refused it (401), so the next ``token()`` fetches a new one.
    /// A token other than the cached one (already replaced by a concurrent refresh) is ignored.
    package func invalidate(_ token: Secret) {
        if cached?.token == token { cached = nil }
    }

    private func fetch() async throws -> CachedToken {
        fetchCount += 1
        let started = clock.now()
        var headers = HTTPHeaders()
        headers["client_id"] = configuration.clientID
        headers["client_secret"] = configuration.clientSecret.revealed
        headers["Ocp-Apim-Subscription-Key"] = configuration.subscriptionKey.revealed
        headers["Merchant-Serial-Number"] = configuration.merchantSerialNumber
        headers["Vipps-System-Name"] = configuration.systemName
        headers["Vipps-System-Version"] = configuration.systemVersion
        headers["Accept"] = "application/json"
        let request = HTTPRequest(method: .post, url: configuration.baseURL + "/accesstoken/get", headers: headers, body: [])
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            // Fetching a token changes nothing on the server, so even a maybe-sent failure is simply retryable.
            throw EPaymentError(
                .retryable, operation: .accessToken, transportError: error,
                detail: "no response from \(OutboundURL.redacted(configuration.baseURL))/accesstoken/get")
        }
        guard (200..<300).contains(response.status) else {
            throw EPaymentError.from(response: response, operation: .accessToken)
        }
        do {
            let body = try JSONDecoder().decode(AccessTokenResponse.self, from: Data(response.body))
            let lifetime = Duration.seconds(body.expiresIn)
            let refreshAfter = max(lifetime - refreshMargin, lifetime / 2)
            logger.debug("fetched an access token", metadata: ["expires_in": "\(body.expiresIn)"])
            return CachedToken(token: Secret(body.accessToken), refreshAt: started + refreshAfter)
        } catch {
            throw EPaymentError(
                .unexpectedResponse, operation: .accessToken, httpStatus: response.status,
                detail: "the token response lacks access_token or a numeric expires_in (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.keyNotFound(let key, _) = error { return "missing \(key.stringValue)" }
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        if case DecodingError.typeMismatch(_, let context) = error {
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        }
        return "not JSON"
    }
}

/// The access token response. `expires_in` arrives as a string ("3599"); a number is accepted too.
struct AccessTokenResponse: Decodable {
    var accessToken: String
    var expiresIn: Int64

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try c.decode(String.self, forKey: .accessToken)
        if let text = try? c.decode(String.self, forKey: .expiresIn) {
            guard let seconds = Int64(text.trimmingCharacters(in: .whitespaces)), seconds > 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .expiresIn, in: c, debugDescription: "expires_in '\(text)' is not a positive number")
            }
            expiresIn = seconds
        } else {
            expiresIn = try c.decode(Int64.self, forKey: .expiresIn)
        }
    }
}
