import CurlHTTP
import FlowEngine
import Foundation

/// What `evflow serve`'s routes and worker use: the runtime the composition root (``EvflowRuntime``) assembled,
/// with metrics on, and the payment-reference index that a save hook keeps current.
package struct ServerRuntime: Sendable {
    package let runtime: EvflowRuntime
    package let references: PaymentReferenceIndex

    package var runner: FlowRunner { runtime.runner }
    /// The layered store, for listing.
    package var store: any InstanceStore { runtime.store }
    package var catalog: DefinitionCatalog { runtime.catalog }
    package var clock: any FlowClock { runtime.services.clock }

    /// Adds the index's save hook and metrics to `configuration`, assembles the runtime, then fills the index
    /// from every unfinished instance in the store.
    /// - Throws: ``StoreError`` or ``EvflowRuntimeError`` from ``EvflowRuntime/init(_:httpClient:)``.
    package init(_ configuration: EvflowConfiguration, httpClient: HTTPClient?) throws {
        var configuration = configuration
        let references = PaymentReferenceIndex()
        configuration.metrics = true
        configuration.saveHooks.append { references.record($0) }
        self.runtime = try EvflowRuntime(configuration, httpClient: httpClient)
        self.references = references
        try references.rebuild(from: runtime.store)
    }
}
