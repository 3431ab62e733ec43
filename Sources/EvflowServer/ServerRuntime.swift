import FlowEngine
import Foundation
import Logging

/// The engine as `evflow serve` wires it: a runner whose store feeds the payment-reference index and the
/// metrics, over a state folder.
package struct ServerRuntime: Sendable {
    package let runner: FlowRunner
    /// The state folder, for listing.
    package let store: FileInstanceStore
    package let catalog: DefinitionCatalog
    package let references: PaymentReferenceIndex
    package let clock: any FlowClock

    /// - Parameters:
    ///   - store: the state folder.
    ///   - definitions: the flows folder's definitions, by name (instances always run on their pinned one).
    ///   - services: the provider client, station notifier, clock and logger.
    ///   - wrap: an extra store layer (the CLI's crash failpoints), applied innermost.
    package init(
        store: FileInstanceStore, definitions: [String: FlowDefinition], services: RuntimeServices,
        maximumConcurrency: Int = 64, wrap: (any InstanceStore) -> any InstanceStore = { $0 }
    ) throws {
        let references = PaymentReferenceIndex()
        let layered = IndexingInstanceStore(base: MetricsInstanceStore(base: wrap(store)), index: references)
        let catalog = DefinitionCatalog(definitions: definitions, store: layered)
        self.runner = FlowRunner(store: layered, catalog: catalog, services: services, maximumConcurrency: maximumConcurrency)
        self.store = store
        self.catalog = catalog
        self.references = references
        self.clock = services.clock
        try references.rebuild(from: store)
    }
}
