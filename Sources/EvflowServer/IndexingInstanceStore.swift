import FlowEngine

/// An ``InstanceStore`` that forwards to another and tells a ``PaymentReferenceIndex`` about every payment
/// reference it sees saved.
struct IndexingInstanceStore: InstanceStore {
    let base: any InstanceStore
    let index: PaymentReferenceIndex

    func create(_ instance: FlowInstance) throws(StoreError) -> FlowInstance? { try base.create(instance) }
    func load(_ id: String) throws(StoreError) -> FlowInstance { try base.load(id) }
    func save(_ instance: FlowInstance) throws(StoreError) {
        try base.save(instance)
        index.record(instance)
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
