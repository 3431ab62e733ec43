import Foundation

/// A store that wraps another to add behaviour around some operations (metrics, progress lines, indexes, test
/// failpoints). Every requirement forwards to ``base`` by default, so a decorator implements only what it changes.
package protocol InstanceStoreDecorator: InstanceStore {
    /// The store every call ends up in.
    var base: any InstanceStore { get }
}

extension InstanceStoreDecorator {
    package func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance? {
        try base.create(instance, arrival: arrival)
    }
    package func load(_ id: String) throws(StoreError) -> FlowInstance { try base.load(id) }
    package func loadOutline(_ id: String) throws(StoreError) -> InstanceOutline { try base.loadOutline(id) }
    package func save(_ instance: FlowInstance) throws(StoreError) { try base.save(instance) }
    package func instanceIDs() throws(StoreError) -> [String] { try base.instanceIDs() }
    package func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
        try base.allOutlines()
    }
    package func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? { try base.lock(id) }
    package func meterBindingLock(_ id: String) throws(StoreError) -> any InstanceLock { try base.meterBindingLock(id) }
    package func deliver(_ signal: ReceivedSignal, to id: String, arrival: Arrival) throws(StoreError) -> Bool {
        try base.deliver(signal, to: id, arrival: arrival)
    }
    package func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] { try base.inbox(of: id) }
    package func removeFromInbox(_ signalIDs: [String], of id: String) throws(StoreError) { try base.removeFromInbox(signalIDs, of: id) }
    package func instancesWithPendingSignals() throws(StoreError) -> [String] { try base.instancesWithPendingSignals() }
    package func awaitDurability() throws(StoreError) { try base.awaitDurability() }
    package func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError) {
        try base.saveDefinition(bytes, contentHash: contentHash)
    }
    package func loadDefinition(contentHash: String) throws(StoreError) -> [UInt8]? { try base.loadDefinition(contentHash: contentHash) }
    package func lockHolder(_ id: String) -> LockHolder? { base.lockHolder(id) }
    package func lockHolders(_ ids: [String]) -> [String: LockHolder] { base.lockHolders(ids) }
    package func setAsideRecords() -> [SetAsideRecord] { base.setAsideRecords() }
    package var statistics: StoreStatistics { base.statistics }
    package func checkConsistency(repair: Bool, progress: (_ done: Int, _ total: Int) -> Void) throws(StoreError) -> StoreCheck {
        try base.checkConsistency(repair: repair, progress: progress)
    }
    package func claimableInstances(dueBy date: Date, limit: Int) throws(StoreError) -> [String] {
        try base.claimableInstances(dueBy: date, limit: limit)
    }
    package func subscribeToWakeUps(_ wake: @escaping @Sendable (_ instanceID: String) -> Void) -> (any WakeUpSubscription)? {
        base.subscribeToWakeUps(wake)
    }
    package var leaseStatistics: LeaseStatistics? { base.leaseStatistics }
    package func instanceID(paymentReference reference: String) throws(StoreError) -> String? {
        try base.instanceID(paymentReference: reference)
    }
}
