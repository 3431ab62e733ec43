import FlowEngine
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Kills the process with SIGKILL at one durable boundary, for the crash test: `EVFLOW_CRASH_AT=after:3` dies
/// right after the third instance save reached disk, `before:3` just before it (so the step's side effect may
/// have happened while its result was never recorded), `full:3` makes the third save fail as a full disk would
/// (the process lives on). Never set it in production.
final class CrashPointStore: InstanceStoreDecorator {
    static let variable = "EVFLOW_CRASH_AT"

    enum Moment: String { case before, after, full }

    let base: any InstanceStore
    let moment: Moment
    let saveNumber: Int
    private let saves = Mutex(0)

    /// Wraps `store` when the environment asks for a crash point; otherwise returns it unchanged.
    static func wrap(_ store: any InstanceStore, environment: [String: String] = ProcessInfo.processInfo.environment) -> any InstanceStore {
        guard let spec = environment[variable], let colon = spec.firstIndex(of: ":"),
              let moment = Moment(rawValue: String(spec[..<colon])), let number = Int(spec[spec.index(after: colon)...]) else {
            return store
        }
        return CrashPointStore(base: store, moment: moment, saveNumber: number)
    }

    init(base: any InstanceStore, moment: Moment, saveNumber: Int) {
        self.base = base
        self.moment = moment
        self.saveNumber = saveNumber
    }

    func save(_ instance: FlowInstance) throws(StoreError) {
        let number = saves.withLock { $0 += 1; return $0 }
        if number == saveNumber && moment == .before { kill(getpid(), SIGKILL) }
        if number == saveNumber && moment == .full {
            throw StoreError(.io, instanceID: instance.id, detail: "No space left on device (ENOSPC, injected by \(Self.variable)); free disk space")
        }
        try base.save(instance)
        if number == saveNumber && moment == .after { kill(getpid(), SIGKILL) }
    }
}
