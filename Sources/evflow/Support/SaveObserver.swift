import FlowEngine
import Synchronization

/// Collects the instances a runner saved (through a save hook of the runtime), so `evflow run` can print a line
/// when one parks or finishes without re-reading every state file.
final class SaveObserver: Sendable {
    private let saved = Mutex<[String: FlowInstance]>([:])

    func record(_ instance: FlowInstance) { saved.withLock { $0[instance.id] = instance } }

    /// The last saved version of each instance saved since the previous call.
    func drain() -> [FlowInstance] {
        saved.withLock { saved in
            defer { saved = [:] }
            return saved.values.sorted { $0.id < $1.id }
        }
    }
}
