import FlowEngine
import Testing

/// One implementation of ``InstanceStore`` under ``InstanceStoreConformance``: how to open empty storage for it,
/// and the few things only that implementation knows (a second handle, how to damage and find a record).
///
/// ```swift
/// static let kinds: [InstanceStoreKind] = [.init(name: "file") { try FileStoreSubject.open() }]
/// @Test(arguments: kinds, InstanceStoreConformance.checks)
/// func storeKeepsTheContract(kind: InstanceStoreKind, check: InstanceStoreConformance.Check) throws { try check.run(on: kind) }
/// ```
package struct InstanceStoreKind: Sendable, CustomTestStringConvertible {
    /// Shown in test names: `file`, `postgres`.
    package var name: String
    /// Opens new, empty storage (a temporary folder, a fresh schema) and a store on it.
    package var open: @Sendable () throws -> InstanceStoreSubject

    package init(name: String, open: @escaping @Sendable () throws -> InstanceStoreSubject) {
        self.name = name
        self.open = open
    }

    package var testDescription: String { name }
}

/// A store on storage of its own, opened by an ``InstanceStoreKind`` for one check and removed after it.
package struct InstanceStoreSubject: Sendable {
    /// The store under test.
    package var store: any InstanceStore
    /// Opens another handle on the same storage, as a second runner (another process, another machine) would:
    /// what one handle made durable the other reads, and a lock one holds the other cannot take.
    package var openAnotherHandle: @Sendable () throws -> any InstanceStore
    /// Damages the stored record of an existing instance so that it no longer decodes, the way a disk or an
    /// operator's editor would (a file store overwrites the file's bytes; a database store would write a row
    /// that does not decode), and returns the stored bytes as they now are.
    package var damage: @Sendable (_ instanceID: String) throws -> [UInt8]
    /// The records of `instanceID` the store has set aside as corrupt, byte for byte, oldest first.
    package var setAside: @Sendable (_ instanceID: String) throws -> [[UInt8]]
    /// Deletes the storage.
    package var remove: @Sendable () -> Void

    package init(store: any InstanceStore, openAnotherHandle: @escaping @Sendable () throws -> any InstanceStore,
                 damage: @escaping @Sendable (_ instanceID: String) throws -> [UInt8],
                 setAside: @escaping @Sendable (_ instanceID: String) throws -> [[UInt8]],
                 remove: @escaping @Sendable () -> Void) {
        self.store = store
        self.openAnotherHandle = openAnotherHandle
        self.damage = damage
        self.setAside = setAside
        self.remove = remove
    }
}
