/// Told about every instance once its save is durable: how the CLI prints progress lines and the server keeps
/// its payment-reference index current, without either wrapping the store itself.
///
/// A hook runs on the saving thread while the instance's lock is held: keep it to an in-memory update.
package typealias SaveHook = @Sendable (FlowInstance) -> Void

/// An ``InstanceStore`` that calls its ``SaveHook``s after each successful save, in order.
struct SaveHookInstanceStore: InstanceStoreDecorator {
    let base: any InstanceStore
    let hooks: [SaveHook]

    func save(_ instance: FlowInstance) throws(StoreError) {
        try base.save(instance)
        for hook in hooks { hook(instance) }
    }
}
