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

    package init(name: String, make: @escaping @Sendable () throws -> Storage) {
        self.name = name
        self.make = make
    }

    /// A state folder of its own per session.
    package static let stateFolder = ChildStore(name: "state folder") {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-crash-\(UUID().uuidString)")
        return Storage(environment: ["EVFLOW_STATE_DIR": state.path], open: { try FileInstanceStore(stateDirectory: state) },
                       remove: { try? FileManager.default.removeItem(at: state) })
    }
}
