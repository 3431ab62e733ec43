import FlowEngine
import Foundation

/// Where the `evflow` child processes of a crash test keep their state: what to put in their environment, how the
/// test reads an instance back, and how the storage is removed. The crash tests run on each kind
/// (``CrashCampaign``): a state folder in FlowEngineTests, a PostgreSQL schema in PostgresStoreTests.
package struct ChildStore: Sendable {
    /// One session's storage.
    package struct Storage: Sendable {
        /// `EVFLOW_STATE_DIR` or `EVFLOW_STORE` for the children.
        package var environment: [String: String]
        /// Opens a store on it, to check what the children left.
        package var open: @Sendable () throws -> any InstanceStore
        package var remove: @Sendable () -> Void

        package init(environment: [String: String], open: @escaping @Sendable () throws -> any InstanceStore, remove: @escaping @Sendable () -> Void) {
            self.environment = environment
            self.open = open
            self.remove = remove
        }
    }

    package var name: String
    /// New, empty storage for one session.
    package var make: @Sendable () throws -> Storage
    /// For a store with a group-commit journal (the state folder): opens the storage again and returns the files
    /// that opening replayed from the journal, so the crash tests can also kill a worker between a save's journal
    /// sync and its file's rename (`EVFLOW_CRASH_AT=journaled:N`). `nil` for stores without one.
    package var journalReplayed: (@Sendable (Storage) throws -> [String]?)?

    package init(name: String, journalReplayed: (@Sendable (Storage) throws -> [String]?)? = nil, make: @escaping @Sendable () throws -> Storage) {
        self.name = name
        self.journalReplayed = journalReplayed
        self.make = make
    }

    /// A state folder of its own per session.
    package static let stateFolder = ChildStore(name: "state folder", journalReplayed: { storage in
        try FileInstanceStore(stateDirectory: URL(filePath: storage.environment["EVFLOW_STATE_DIR"] ?? "")).journalReplay?.applied
    }) {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-crash-\(UUID().uuidString)")
        return Storage(environment: ["EVFLOW_STATE_DIR": state.path], open: { try FileInstanceStore(stateDirectory: state) },
                       remove: { try? FileManager.default.removeItem(at: state) })
    }
}
