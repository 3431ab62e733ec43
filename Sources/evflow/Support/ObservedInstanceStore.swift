import FlowEngine
import Synchronization

/// Collects the instances a runner saved, so `evflow run` can print a line when one parks or finishes
/// without re-reading every state file.
final class SaveObserver: Sendable {
    private let saved = Mutex<[String: FlowInstance]>([:])

    func record(_ instance: FlowInstance) { saved.withLock { $0[instance.id] = instance } }

    /// The last saved version of each instance saved since the previous call.
    func drain() -> [FlowInstance] {
        saved.withLock { saved in
            defer { saved = [:] }
            return saved.values.sorted { $0.id < $1.id }
        }
    }
}

/// An ``InstanceStore`` that forwards to another and tells a ``SaveObserver`` about every save.
struct ObservedInstanceStore: InstanceStore {
    let base: any InstanceStore
    let observer: SaveObserver

    func create(_ instance: FlowInstance) throws(StoreError) -> FlowInstance? { try base.create(instance) }
    func load(_ id: String) throws(StoreError) -> FlowInstance { try base.load(id) }
    func save(_ instance: FlowInstance) throws(StoreError) {
        try base.save(instance)
        observer.record(instance)
    }
    func instanceIDs() throws(StoreError) -> [String] { try base.instanceIDs() }
    func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? { try base.lock(id) }
    func deliver(_ signal: ReceivedSignal, to id: String) throws(StoreError) -> Bool { try base.deliver(signal, to: id) }
    func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] { try base.inbox(of: id) }
    func removeFromInbox(_ signalIDs: [String], of id: String) throws(StoreError) { try base.removeFromInbox(signalIDs, of: id) }
    func instancesWithPendingSignals() throws(StoreError) -> [String] { try base.instancesWithPendingSignals() }
    func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError) { try base.saveDefinition(bytes, contentHash: contentHash) }
    func loadDefinition(contentHash: String) throws(StoreError) -> [UInt8]? { try base.loadDefinition(contentHash: contentHash) }
    var statistics: StoreStatistics { base.statistics }
}
