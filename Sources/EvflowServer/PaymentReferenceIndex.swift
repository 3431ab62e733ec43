import FlowEngine
import Synchronization

/// Which instance owns which ePayment reference, so a webhook about a payment reaches its instance.
///
/// Filled at startup from every unfinished instance in the state folder and kept current by a
/// save hook (``ServerRuntime``), which sees the reference as soon as the reserve step records its intent (before
/// the payment is created, so even the earliest webhook finds its instance). After a restart the startup scan
/// rebuilds it from the instance files, which are the durable truth.
package final class PaymentReferenceIndex: Sendable {
    private let owners = Mutex<[String: String]>([:])

    package init() {}

    /// The instance that created the payment `reference`, if known.
    package func instance(for reference: String) -> String? { owners.withLock { $0[reference] } }

    package func record(reference: String, instance: String) {
        owners.withLock { if $0[reference] == nil { $0[reference] = instance } }
    }

    package var count: Int { owners.withLock { $0.count } }

    /// Records every reference the instance knows: its payment's, and one recorded in a step's intent.
    package func record(_ instance: FlowInstance) {
        record(InstanceOutline(instance))
    }

    /// Indexes the payment an instance created, or is about to create (its current step's intent).
    package func record(_ outline: InstanceOutline) {
        if let reference = outline.payment?.reference { record(reference: reference, instance: outline.id) }
        if let reference = outline.currentRecord?.intent?.reservation?.reference {
            record(reference: reference, instance: outline.id)
        }
    }

    /// Indexes every unfinished instance in the store.
    /// - Returns: how many instances were read.
    @discardableResult
    package func rebuild(from store: any InstanceStore) throws -> Int {
        var read = 0
        for (_, result) in try store.allOutlines() {
            guard case .success(let outline) = result, !outline.status.isFinished else { continue }
            record(outline)
            read += 1
        }
        return read
    }
}
