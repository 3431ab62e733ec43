/// What can go wrong with one operation, as probabilities per request.
///
/// At most one failure is injected per request, checked in this order: connection reset, 429, 5xx, response
/// lost. Latency is added to every affected request first. Use ``times`` for deterministic tests: with a rate
/// of 1 and `times: 1`, exactly the next request fails.
///
/// ```swift
/// // The next capture is applied, but the caller sees the connection close without a response.
/// simulator.setFault(FaultRule(responseLostRate: 1, times: 1), for: .capturePayment)
/// ```
public struct FaultRule: Sendable, Hashable, Codable {
    /// Added before the request is handled, in milliseconds.
    public var latencyMilliseconds: Int
    /// Probability (0...1) of answering 500 without doing anything.
    public var serverErrorRate: Double
    /// Probability (0...1) of answering 429 with `Retry-After` without doing anything.
    public var tooManyRequestsRate: Double
    /// The `Retry-After` seconds sent with an injected 429.
    public var retryAfterSeconds: Int
    /// Probability (0...1) of resetting the connection (TCP RST) before doing anything.
    public var connectionResetRate: Double
    /// Probability (0...1) of doing the work and then closing the connection without a response: the case that
    /// double-charges clients that retry without an idempotency key.
    public var responseLostRate: Double
    /// How many more requests this rule may affect; `nil` for no limit. Requests count whether or not they
    /// drew a failure.
    public var times: Int?

    public init(
        latencyMilliseconds: Int = 0,
        serverErrorRate: Double = 0,
        tooManyRequestsRate: Double = 0,
        retryAfterSeconds: Int = 1,
        connectionResetRate: Double = 0,
        responseLostRate: Double = 0,
        times: Int? = nil
    ) {
        self.latencyMilliseconds = latencyMilliseconds
        self.serverErrorRate = serverErrorRate
        self.tooManyRequestsRate = tooManyRequestsRate
        self.retryAfterSeconds = retryAfterSeconds
        self.connectionResetRate = connectionResetRate
        self.responseLostRate = responseLostRate
        self.times = times
    }

    private enum CodingKeys: String, CodingKey {
        case latencyMilliseconds, serverErrorRate, tooManyRequestsRate, retryAfterSeconds, connectionResetRate
        case responseLostRate, times
    }

    /// Decodes a rule in which every field is optional, so `{"responseLostRate": 1, "times": 1}` is enough.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            latencyMilliseconds: try container.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0,
            serverErrorRate: try container.decodeIfPresent(Double.self, forKey: .serverErrorRate) ?? 0,
            tooManyRequestsRate: try container.decodeIfPresent(Double.self, forKey: .tooManyRequestsRate) ?? 0,
            retryAfterSeconds: try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? 1,
            connectionResetRate: try container.decodeIfPresent(Double.self, forKey: .connectionResetRate) ?? 0,
            responseLostRate: try container.decodeIfPresent(Double.self, forKey: .responseLostRate) ?? 0,
            times: try container.decodeIfPresent(Int.self, forKey: .times)
        )
    }

    /// Problems with the rule's values, empty when it is usable.
    var problems: [String] {
        var problems: [String] = []
        for (name, rate) in [
            ("serverErrorRate", serverErrorRate), ("tooManyRequestsRate", tooManyRequestsRate),
            ("connectionResetRate", connectionResetRate), ("responseLostRate", responseLostRate),
        ] where !(0...1).contains(rate) {
            problems.append("\(name) must be between 0 and 1, got \(rate)")
        }
        if latencyMilliseconds < 0 { problems.append("latencyMilliseconds must not be negative") }
        if retryAfterSeconds < 0 { problems.append("retryAfterSeconds must not be negative") }
        if let times, times < 0 { problems.append("times must not be negative") }
        return problems
    }
}

/// The failure chosen for one request.
enum FaultDecision: Sendable, Hashable {
    case none
    case connectionReset
    case tooManyRequests(retryAfterSeconds: Int)
    case serverError
    case responseLost
}
