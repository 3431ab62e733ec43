import FlowEngine

/// `?wait=finished` (and `waitSeconds`) on `GET /v1/instances/{id}`: answer once the instance has finished, or
/// when the bound passes, instead of at once. A charging backend that wants the receipt holds one request open
/// where it would otherwise poll every few milliseconds; the answer is the instance either way, and its `status`
/// says whether it finished.
struct FinishWait: Sendable {
    /// How long a read waits when the caller names no bound.
    static let defaultSeconds: Int64 = 10

    var timeout: Duration

    /// `nil` when the caller asked for no wait.
    /// - Throws: ``APIProblem`` 400 naming the parameter for an unknown `wait` or a bound out of range.
    static func parse(wait: String?, waitSeconds: String?) throws -> FinishWait? {
        let maximum = FlowRunner.maximumStartWait.components.seconds
        var seconds: Int64?
        if let waitSeconds {
            guard let value = Int64(waitSeconds), (1...maximum).contains(value) else {
                throw APIProblem.badRequest("query parameter 'waitSeconds' must be an integer from 1 to \(maximum) (got '\(waitSeconds.prefix(20))'); read again for longer waits")
            }
            seconds = value
        }
        guard let wait else {
            if seconds != nil { throw APIProblem.badRequest("query parameter 'waitSeconds' needs 'wait=finished'") }
            return nil
        }
        guard wait == "finished" else {
            throw APIProblem.badRequest("query parameter 'wait' must be \"finished\" (got '\(wait.prefix(40))'): answer once the instance has finished")
        }
        return FinishWait(timeout: .seconds(seconds ?? defaultSeconds))
    }
}
