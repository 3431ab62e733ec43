/// `notify`: POST `{event, instanceId, payload}` to the station backend's callback, signed with HMAC-SHA256 over
/// the body (secret from the environment), retried per the step's policy with a stable event id so the backend
/// can deduplicate. Output: `status` (the HTTP status).
package struct NotifyStep: Sendable, Equatable {
    /// The event name, for example `"charging.start"`.
    package var event: String
    /// The name of a configured callback endpoint (default `"station"`).
    package var endpoint: String
    /// Payload fields in document order. Phone numbers are rejected by the type checker.
    package var payload: [(name: String, value: Expression)]
    package var next: String

    package static func == (lhs: NotifyStep, rhs: NotifyStep) -> Bool {
        lhs.event == rhs.event && lhs.endpoint == rhs.endpoint && lhs.next == rhs.next
            && lhs.payload.map(\.name) == rhs.payload.map(\.name) && lhs.payload.map(\.value) == rhs.payload.map(\.value)
    }
}
