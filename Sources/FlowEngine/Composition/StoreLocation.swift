import Foundation

/// Where a runtime keeps its instances, and how to open that store.
///
/// Today's stores: a state folder of JSON files (``directory(_:)``), the embedded default. A store kept in
/// another target (the PostgreSQL store) adds a location of its own through ``opening(_:describedAs:)``, so the
/// engine never links what it does not use. Flow tests also have a folder without fsyncs
/// (``scratchDirectory(_:)``) and memory (``memory()``), neither for money.
public struct StoreLocation: Sendable, CustomStringConvertible {
    let open: @Sendable () throws -> any InstanceStore
    /// The folder path or database address, for messages (never a password).
    public let description: String

    /// A state folder, created (mode 0700) when missing. Every write is fsync'd before it counts.
    public static func directory(_ url: URL) -> StoreLocation {
        StoreLocation(open: { try FileInstanceStore(stateDirectory: url) }, description: url.path)
    }

    /// A throwaway state folder for flow tests: every write stays atomic, but nothing is fsync'd (see
    /// ``FileInstanceStore/scratch(stateDirectory:)``). Never for money that must survive a power cut.
    package static func scratchDirectory(_ url: URL) -> StoreLocation {
        StoreLocation(open: { try FileInstanceStore.scratch(stateDirectory: url) }, description: url.path)
    }

    /// Fresh, empty storage in this process's memory, gone with the runtime: each scenario of `evflow test`
    /// (see ``MemoryInstanceStore``). Never for money: nothing survives the process.
    package static func memory() -> StoreLocation {
        StoreLocation(open: { MemoryInstanceStore() }, description: "memory")
    }

    /// A store that another target knows how to open.
    package static func opening(_ open: @escaping @Sendable () throws -> any InstanceStore, describedAs description: String) -> StoreLocation {
        StoreLocation(open: open, description: description)
    }
}
