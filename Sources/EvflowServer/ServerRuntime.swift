import CurlHTTP
import FlowEngine
import Foundation

/// What `evflow serve`'s routes and worker use: the runtime the composition root (``EvflowRuntime``) assembled,
/// with metrics on, and the payment-reference index that a save hook keeps current.
package struct ServerRuntime: Sendable {
    package let runtime: EvflowRuntime
    package let references: PaymentReferenceIndex
    /// The capture deadlines of payments still holding money, for `/metrics`.
    package let captureDeadlines: CaptureDeadlineWatch

    package var runner: FlowRunner { runtime.runner }
    /// The layered store, for listing.
    package var store: any InstanceStore { runtime.store }
    package var catalog: DefinitionCatalog { runtime.catalog }
    package var clock: any FlowClock { runtime.services.clock }
    /// The deployment's capture windows (``EvflowConfiguration/captureWindows``), for the deadlines routes show.
    package var captureWindows: CaptureWindows { runtime.services.captureWindows }

    /// Adds the index's and the deadline watch's save hooks and metrics to `configuration`, assembles the runtime,
    /// then fills the index from every unfinished instance in the store and the watch from every instance.
    /// - Throws: ``StoreError`` or ``EvflowRuntimeError`` from ``EvflowRuntime/init(_:httpClient:)``.
    package init(_ configuration: EvflowConfiguration, httpClient: HTTPClient?) throws {
        var configuration = configuration
        let references = PaymentReferenceIndex()
        let captureDeadlines = CaptureDeadlineWatch(windows: configuration.captureWindows)
        configuration.metrics = true
        configuration.saveHooks.append { references.record($0) }
        configuration.saveHooks.append { captureDeadlines.record(id: $0.id, payment: $0.payment, startedAt: $0.createdAt) }
        self.runtime = try EvflowRuntime(configuration, httpClient: httpClient)
        self.references = references
        self.captureDeadlines = captureDeadlines
        // One read of the store's outlines fills both and the worker's schedule (the worker then starts from it
        // instead of reading them again).
        let outlines = try runtime.store.allOutlines()
        for (_, result) in outlines {
            guard case .success(let outline) = result else { continue }
            if !outline.status.isFinished { references.record(outline) }
            captureDeadlines.record(id: outline.id, payment: outline.payment, startedAt: outline.createdAt)
        }
        runtime.runner.recover(from: outlines)
    }
}
