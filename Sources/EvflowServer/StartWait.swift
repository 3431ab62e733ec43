import FlowEngine

/// `"wait": "payment"` (and `"waitSeconds"`) on a start, from the body or the query string (`?wait=payment&waitSeconds=5`):
/// whether the start answers only once the payment exists, and for how long at most.
struct StartWait: Sendable {
    /// How long a start waits when the caller names no bound: long enough for a create to the provider.
    static let defaultSeconds: Int64 = 5

    var milestone: StartMilestone
    var timeout: Duration

    /// `nil` when the caller asked for no wait. The body's fields win over the query's.
    /// - Throws: ``APIProblem`` 400 naming the field for an unknown milestone or a bound out of range.
    static func parse(body: [String: PlainJSON], query: (wait: String?, waitSeconds: String?)) throws -> StartWait? {
        let maximum = FlowRunner.maximumStartWait.components.seconds
        let wait: String?
        switch body["wait"] {
        case nil, .null?: wait = query.wait
        case .string(let text)?: wait = text
        default: throw APIProblem.badRequest("'wait' must be a string: \"payment\"")
        }
        let seconds: Int64?
        switch body["waitSeconds"] {
        case nil, .null?:
            if let text = query.waitSeconds {
                guard let value = Int64(text) else { throw APIProblem.badRequest("query parameter 'waitSeconds' must be an integer from 1 to \(maximum) (got '\(text.prefix(20))')") }
                seconds = value
            } else {
                seconds = nil
            }
        case .integer(let value)?: seconds = value
        default: throw APIProblem.badRequest("'waitSeconds' must be an integer from 1 to \(maximum)")
        }
        if let seconds, !(1...maximum).contains(seconds) {
            throw APIProblem.badRequest("'waitSeconds' must be from 1 to \(maximum) seconds (got \(seconds)); poll GET /v1/instances/{id} for longer waits")
        }
        guard let wait else {
            if seconds != nil { throw APIProblem.badRequest("'waitSeconds' needs 'wait': \"payment\"") }
            return nil
        }
        guard wait == StartMilestone.payment.description else {
            throw APIProblem.badRequest("'wait' must be \"payment\" (got '\(wait.prefix(40))'): answer once the payment exists")
        }
        return StartWait(milestone: .payment, timeout: .seconds(seconds ?? defaultSeconds))
    }
}
