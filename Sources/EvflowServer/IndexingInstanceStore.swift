import FlowEngine

/// An ``InstanceStore`` that forwards to another and tells a ``PaymentReferenceIndex`` about every payment
/// reference it sees saved.
struct IndexingInstanceStore: InstanceStoreDecorator {
    let base: any InstanceStore
    let index: PaymentReferenceIndex
    func save(_ instance: FlowInstance) throws(StoreError) {
        try base.save(instance)
        index.record(instance)
    }
}
