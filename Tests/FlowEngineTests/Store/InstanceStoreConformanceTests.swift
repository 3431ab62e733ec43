import EPayment
import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Every store kind keeps the ``InstanceStore`` contract (``InstanceStoreConformance``): one test case per kind
/// and clause. A new store (PostgreSQL) adds one entry to ``kinds``.
struct InstanceStoreConformanceTests {
    static let kinds: [InstanceStoreKind] = [.file, .layeredFile, .memory]

    @Test(arguments: kinds, InstanceStoreConformance.checks)
    func storeKeepsTheContract(kind: InstanceStoreKind, check: InstanceStoreConformance.Check) throws {
        try check.run(on: kind)
    }
}

extension InstanceStoreKind {
    /// ``FileInstanceStore`` on a temporary state folder; a second handle is a second store on the same folder
    /// (locks are per open file description, so it conflicts exactly as another process's would); damage writes
    /// bytes that are not JSON into the instance file; set-aside records are the files moved to `corrupt/`.
    static let file = InstanceStoreKind(name: "file") {
        let base = try TemporaryFolder.make("evflow-store-conformance")
        let directory = base.appending(path: "state")
        let store = try FileInstanceStore(stateDirectory: directory)
        let layout = store.layout
        return InstanceStoreSubject(
            store: store,
            openAnotherHandle: { try FileInstanceStore(stateDirectory: directory) },
            damage: { id in
                let bytes = Array(#"{"id": "\#(id)", "flow": {"name": "ev-charging", "version": "th"#.utf8)
                try Data(bytes).write(to: URL(filePath: layout.instanceFile(id)))
                return bytes
            },
            setAside: { id in
                StoreFixtures.entries(layout.corrupt).filter { $0.hasPrefix("\(id)-") }.compactMap { StoreFixtures.bytes(layout.corrupt + "/" + $0) }
            },
            remove: { TemporaryFolder.remove(base) })
    }

    /// ``MemoryInstanceStore``, what `evflow test` runs each scenario on: a second handle shares the storage;
    /// damage puts bytes that are not an instance in place of the record.
    static let memory = InstanceStoreKind(name: "memory") {
        let store = MemoryInstanceStore()
        return InstanceStoreSubject(
            store: store,
            openAnotherHandle: { store.openAnotherHandle() },
            damage: { id in
                let bytes = Array(#"{"id": "\#(id)", "flow": {"name": "ev-charging", "version": "th"#.utf8)
                store.damage(id, with: bytes)
                return bytes
            },
            setAside: { id in store.setAsideBytes(of: id) },
            remove: {})
    }

    /// The file store under every layer ``EvflowRuntime`` stacks on it (crash point far away, metrics, a save
    /// hook): the layers must forward every clause unchanged.
    static let layeredFile = InstanceStoreKind(name: "file, layered as the runtime layers it") {
        let subject = try InstanceStoreKind.file.open()
        let settings = EPaymentConfiguration(baseURL: "http://127.0.0.1:9", clientID: "unused", clientSecret: Secret("unused"),
                                             subscriptionKey: Secret("unused"), merchantSerialNumber: "123456")
        var configuration = EvflowConfiguration(store: .opening({ subject.store }, describedAs: "conformance"), definitions: [:],
                                                payments: .settings(settings))
        configuration.crashPoint = CrashPoint(moment: .full, saveNumber: Int.max)
        configuration.metrics = true
        configuration.saveHooks = [{ _ in }]
        var layered = subject
        layered.store = try EvflowRuntime.layeredStore(configuration)
        return layered
    }
}
