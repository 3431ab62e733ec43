import EvflowTestSupport
import CurlHTTP
import EPayment
import Foundation
import Synchronization
import Testing

@testable import FlowEngine

/// The composition root: one documented order of store layers, and configurations it refuses.
@Suite struct EvflowRuntimeTests {
    static let settings = EPaymentConfiguration(
        baseURL: "http://127.0.0.1:9", clientID: "runtime-test", clientSecret: Secret("secret"),
        subscriptionKey: Secret("key"), merchantSerialNumber: "123456")

    /// A save that fails (here the crash point's injected full disk) never reaches a hook, and the hooks see
    /// every save that did become durable, in the order they were configured.
    @Test func saveHooksSeeEveryDurableSaveInOrderAndNoFailedOne() async throws {
        try await StoreFixtures.withStore { base, _ in
            let seen = Mutex<[String]>([])
            var configuration = EvflowConfiguration(
                store: .opening({ base }, describedAs: "test store"), definitions: [:], payments: .settings(Self.settings))
            configuration.crashPoint = CrashPoint(moment: .full, saveNumber: 2)
            configuration.saveHooks = [{ instance in seen.withLock { $0.append("first \(instance.variables["n"].map { "\($0)" } ?? "")") } },
                                       { instance in seen.withLock { $0.append("second \(instance.variables["n"].map { "\($0)" } ?? "")") } }]
            try await withHTTPClient { http in
                let runtime = try EvflowRuntime(configuration, httpClient: http)
                var instance = InstanceSamples.instance("layers-1")
                #expect(try runtime.store.create(instance) == nil)
                for n in 1...3 {
                    instance.variables["n"] = .integer(Int64(n))
                    if n == 2 {
                        #expect(throws: StoreError.self) { try runtime.store.save(instance) }
                    } else {
                        try runtime.store.save(instance)
                    }
                }
                #expect(seen.withLock { $0 } == ["first 1", "second 1", "first 3", "second 3"])
                #expect(try base.load("layers-1").variables["n"] == .integer(3))
                #expect(runtime.location.description == "test store")
            }
        }
    }

    @Test func aStoreThatCannotBeOpenedIsTheFirstErrorReported() throws {
        let configuration = EvflowConfiguration(
            store: .opening({ throw StoreError(.io, instanceID: nil, detail: "never opened") }, describedAs: "unused"),
            definitions: [:], payments: .settings(Self.settings))
        // The store is opened first: a store that cannot be opened is the error an operator sees first.
        #expect(throws: StoreError.self) { try EvflowRuntime(configuration) }
    }

    @Test func stationEndpointsWithoutAnHTTPClientAreRefused() async throws {
        try await StoreFixtures.withStore { base, _ in
            var configuration = EvflowConfiguration(
                store: .opening({ base }, describedAs: "test store"), definitions: [:], payments: .settings(Self.settings))
            let error = try #require(throws: EvflowRuntimeError.self) { try EvflowRuntime(configuration) }
            #expect(error.description.contains("payment settings need an HTTP client"))
            configuration.stations = ["station": .init(url: "http://127.0.0.1:9/station", secret: Secret("s"))]
            try await withHTTPClient { http in
                // A ready client needs no HTTP client of the runtime's; the station endpoints still do.
                configuration.payments = .client(EPaymentClient(configuration: Self.settings, httpClient: http))
                let stations = try #require(throws: EvflowRuntimeError.self) { try EvflowRuntime(configuration) }
                #expect(stations.description.contains("station endpoints need an HTTP client"), "\(stations)")
                configuration.stations = [:]
                _ = try EvflowRuntime(configuration)
            }
        }
    }
}
