import Foundation

/// One line of an instance's append-only timeline, as `evflow show` prints it.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// When it happened (on the engine's clock).
    public var at: Date
    /// The step it concerns, if any.
    public var step: String?
    /// What happened, as a short machine-readable word: `started`, `entered`, `intent`, `called`, `succeeded`,
    /// `failed`, `retry`, `signal`, `timer`, `deadline`, `notified`, `finished`, `recovered`, `operator`, `meter`
    /// (an OCPP meter value taken in: the reading and its rounding, a regression, a `seqNo` gap).
    public var event: String
    /// Details in words, never containing a secret or a phone number.
    public var detail: String?

    public init(at: Date, step: String?, event: String, detail: String? = nil) {
        self.at = at
        self.step = step
        self.event = event
        self.detail = detail
    }
}
