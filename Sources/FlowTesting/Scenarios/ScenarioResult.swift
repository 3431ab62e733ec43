import FlowEngine

/// What happened when one scenario ran: whether it passed, every expectation that did not hold (expected and
/// actual side by side), and how long it took on the wall clock and on the virtual one.
public struct ScenarioResult: Sendable, Codable {
    /// One expectation that did not hold, or a timeline event that could not be carried out.
    public struct Failure: Sendable, Codable, Hashable, CustomStringConvertible {
        /// The expectation's field (`captured`, `steps`) or the event's path (`$.timeline[2]`).
        public var expectation: String
        public var expected: String
        public var actual: String

        public init(expectation: String, expected: String, actual: String) {
            self.expectation = expectation
            self.expected = expected
            self.actual = actual
        }

        public var description: String { "\(expectation): expected \(expected), actual \(actual)" }
    }

    public var name: String
    public var file: String
    public var flow: String
    public var instanceID: String
    /// Every failed expectation; empty when the scenario passed.
    public var failures: [Failure]
    /// The instance's status at the end (`succeeded`, `failed`, `waiting`, ...), or `not started`.
    public var status: String
    /// Money on the instance's payment at the end, in minor units, from the provider's ledger.
    public var captured: Int64
    public var released: Int64
    public var refunded: Int64
    /// The step visits, in order.
    public var steps: [String]
    /// Events the station received, in order.
    public var notifications: [String]
    /// Timeline events the engine refused (for example a signal sent after the instance finished); informative.
    public var notes: [String]
    /// Wall-clock run time in seconds.
    public var seconds: Double
    /// Virtual time that passed, in seconds.
    public var virtualSeconds: Double

    /// Whether every expectation held.
    public var passed: Bool { failures.isEmpty }

    private enum CodingKeys: String, CodingKey {
        case name, file, flow, instanceID = "instanceId", passed, failures, status, captured, released, refunded, steps
        case notifications, notes, seconds, virtualSeconds
    }

    init(scenario: FlowScenario) {
        name = scenario.name
        file = scenario.file
        flow = scenario.flow
        instanceID = scenario.instanceID
        failures = []
        status = "not started"
        captured = 0
        released = 0
        refunded = 0
        steps = []
        notifications = []
        notes = []
        seconds = 0
        virtualSeconds = 0
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        file = try container.decode(String.self, forKey: .file)
        flow = try container.decode(String.self, forKey: .flow)
        instanceID = try container.decode(String.self, forKey: .instanceID)
        failures = try container.decode([Failure].self, forKey: .failures)
        status = try container.decode(String.self, forKey: .status)
        captured = try container.decode(Int64.self, forKey: .captured)
        released = try container.decode(Int64.self, forKey: .released)
        refunded = try container.decode(Int64.self, forKey: .refunded)
        steps = try container.decode([String].self, forKey: .steps)
        notifications = try container.decode([String].self, forKey: .notifications)
        notes = try container.decode([String].self, forKey: .notes)
        seconds = try container.decode(Double.self, forKey: .seconds)
        virtualSeconds = try container.decode(Double.self, forKey: .virtualSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(file, forKey: .file)
        try container.encode(flow, forKey: .flow)
        try container.encode(instanceID, forKey: .instanceID)
        try container.encode(passed, forKey: .passed)
        try container.encode(failures, forKey: .failures)
        try container.encode(status, forKey: .status)
        try container.encode(captured, forKey: .captured)
        try container.encode(released, forKey: .released)
        try container.encode(refunded, forKey: .refunded)
        try container.encode(steps, forKey: .steps)
        try container.encode(notifications, forKey: .notifications)
        try container.encode(notes, forKey: .notes)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(virtualSeconds, forKey: .virtualSeconds)
    }
}
