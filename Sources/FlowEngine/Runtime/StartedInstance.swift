/// What ``FlowRunner/start(flow:id:inputs:)`` did: created the instance, or found it already started with the same
/// inputs (a backend retrying a start whose answer it lost).
///
/// The runner knows which, from the store's create; a caller comparing timestamps could not tell a retry from a
/// start on a clock that stands still (the flow-test harness) or steps back.
public struct StartedInstance: Sendable {
    /// The instance as this call created it, or as stored when it already existed.
    public let instance: FlowInstance
    /// `true` when this call created the instance; `false` when the same id had been started with the same inputs.
    public let created: Bool

    package init(instance: FlowInstance, created: Bool) {
        self.instance = instance
        self.created = created
    }
}
