import Foundation

/// A signal (meter reading, session end, payment update) as durably received, before or after the flow used it.
public struct ReceivedSignal: Codable, Sendable, Equatable {
    /// The sender's id for this signal; a second signal with the same id is a duplicate and is ignored.
    public var id: String
    /// The signal's name as declared in the definition, for example `meterReading`.
    public var name: String
    /// The signal's fields.
    public var data: [String: Value]
    /// When it was received.
    public var receivedAt: Date
    /// For a signal made from OCPP meter values: the reading and where it came from, so the instance can check
    /// it against earlier ones when it takes the signal in (``FlowInstance/absorbMeterReading(_:at:)``).
    package var meter: MeterReading?

    public init(id: String, name: String, data: [String: Value], receivedAt: Date) {
        self.id = id
        self.name = name
        self.data = data
        self.receivedAt = receivedAt
    }
}
