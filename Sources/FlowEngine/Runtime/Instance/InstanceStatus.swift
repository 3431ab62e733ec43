/// Where an instance is in its life, as operators filter by it.
public struct InstanceStatus: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Has work to do now (or is being worked on).
    public static let running = InstanceStatus(rawValue: "running")
    /// Parked until a signal, a payment update or a timer.
    public static let waiting = InstanceStatus(rawValue: "waiting")
    /// Ended at a `succeed` step.
    public static let succeeded = InstanceStatus(rawValue: "succeeded")
    /// Ended at a `fail` step, or stopped by an error no transition handles.
    public static let failed = InstanceStatus(rawValue: "failed")

    /// Whether the instance has ended and will never run again.
    public var isFinished: Bool { self == .succeeded || self == .failed }

    public var description: String { rawValue }
}
