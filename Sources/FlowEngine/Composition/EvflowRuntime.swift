import CurlHTTP
import EPayment
import Foundation
import Logging

/// evflow assembled from an ``EvflowConfiguration``: the one place where a store, its layers, the payment client,
/// the station notifier and the runner are put together. The CLI, `evflow serve`, the embedding API and the
/// flow-test bed all build through it, so every one of them runs the same stack.
///
/// The store's layers, innermost first:
/// 1. the store the ``StoreLocation`` opens (the state folder);
/// 2. the crash point, when configured: directly on the store, so "after save N" means N is durable and nothing
///    above has seen it yet;
/// 3. metrics, when enabled: counts what each save changed;
/// 4. the save hooks (progress lines, the server's payment-reference index), told once the save is durable.
///
/// Everything reads through the same stack, so operator commands and the worker see one store.
public struct EvflowRuntime: Sendable {
    /// Starts flows, takes signals and runs instances.
    public let runner: FlowRunner
    /// The whole layered store, for inspection and operator commands.
    package let store: any InstanceStore
    /// The flows folder's definitions and every pinned one.
    package let catalog: DefinitionCatalog
    package let services: RuntimeServices
    /// The store's location, for messages.
    package let location: StoreLocation

    /// Assembles the runtime.
    /// - Parameter httpClient: sends the payment and station calls when the configuration has settings rather
    ///   than a ready client, or station endpoints; the caller owns and shuts it down.
    /// - Throws: ``StoreError`` when the store cannot be opened, ``EvflowRuntimeError`` when the configuration
    ///   needs an HTTP client and none was given.
    public init(_ configuration: EvflowConfiguration, httpClient: HTTPClient? = nil) throws {
        let parts = try Parts(configuration, httpClient: httpClient)
        self.runner = FlowRunner(store: parts.store, catalog: parts.catalog, services: parts.services,
                                 maximumConcurrency: configuration.maximumConcurrency)
        self.store = parts.store
        self.catalog = parts.catalog
        self.services = parts.services
        self.location = configuration.store
    }

    /// Everything but the runner, so that ``FlowRunner``'s embedding initializer builds its one runner from the
    /// same assembly.
    struct Parts {
        let store: any InstanceStore
        let catalog: DefinitionCatalog
        let services: RuntimeServices

        init(_ configuration: EvflowConfiguration, httpClient: HTTPClient?) throws {
            let store = try EvflowRuntime.layeredStore(configuration)
            let payments: EPaymentClient
            switch configuration.payments {
            case .client(let client):
                payments = client
            case .settings(let settings):
                guard let httpClient else { throw EvflowRuntimeError("payment settings need an HTTP client: pass one, or use EvflowRuntime.run") }
                payments = EPaymentClient(configuration: settings, httpClient: httpClient, retryPolicy: RuntimeServices.paymentRequestRetryPolicy,
                                          logger: configuration.logger)
            }
            let notifier: StationNotifier
            if configuration.stations.isEmpty {
                notifier = .disabled
            } else {
                guard let httpClient else { throw EvflowRuntimeError("station endpoints need an HTTP client: pass one, or use EvflowRuntime.run") }
                notifier = StationNotifier(endpoints: configuration.stations, http: httpClient)
            }
            self.store = store
            self.catalog = DefinitionCatalog(definitions: configuration.definitions, store: store)
            var services = RuntimeServices(payments: payments, notifier: notifier, clock: configuration.clock,
                                           logger: configuration.logger, random: configuration.random)
            services.captureWindows = configuration.captureWindows
            self.services = services
        }
    }

    /// Runs `body` with a runtime whose HTTP client (``EvflowConfiguration/http``) lives as long as `body`.
    public static func run<Result>(_ configuration: EvflowConfiguration, _ body: (EvflowRuntime) async throws -> Result) async throws -> Result {
        try await withHTTPClient(configuration: configuration.http, logger: configuration.logger) { http in
            try await body(try EvflowRuntime(configuration, httpClient: http))
        }
    }

    /// Reads the store for operators: listings, stuck diagnoses, set-aside records.
    package var inspector: InstanceInspector { InstanceInspector(store: store, catalog: catalog, captureWindows: services.captureWindows) }

    /// The store with its layers, in the order documented on the type.
    static func layeredStore(_ configuration: EvflowConfiguration) throws -> any InstanceStore {
        var store = try configuration.store.open()
        if let point = configuration.crashPoint { store = CrashPointInstanceStore(base: store, point: point) }
        if configuration.metrics { store = MetricsInstanceStore(base: store) }
        if !configuration.saveHooks.isEmpty { store = SaveHookInstanceStore(base: store, hooks: configuration.saveHooks) }
        return store
    }
}

/// A configuration ``EvflowRuntime`` cannot assemble, with what to change.
public struct EvflowRuntimeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
