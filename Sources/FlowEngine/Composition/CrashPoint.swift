import Foundation

/// A durable boundary at which the process is made to fail, for the crash tests: `EVFLOW_CRASH_AT=after:3` dies
/// with SIGKILL right after the third instance save reached the store, `before:3` just before it (so the step's
/// side effect may have happened while its result was never recorded), `full:3` makes the third save fail as a
/// full disk would (the process lives on). Never set it in production.
package struct CrashPoint: Sendable, Equatable {
    package static let variable = "EVFLOW_CRASH_AT"

    /// `journaled`: SIGKILL once save N is durable in the store's journal, before its file is renamed into place
    /// (stores without a journal die right after the save, as `after`).
    package enum Moment: String, Sendable { case before, after, full, journaled }

    package var moment: Moment
    /// Which save, counting from 1 in this process.
    package var saveNumber: Int

    package init(moment: Moment, saveNumber: Int) {
        self.moment = moment
        self.saveNumber = saveNumber
    }

    /// The crash point `EVFLOW_CRASH_AT` asks for, or `nil` when it is unset or not of the form `moment:number`.
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> CrashPoint? {
        guard let spec = environment[variable], let colon = spec.firstIndex(of: ":"),
              let moment = Moment(rawValue: String(spec[..<colon])), let number = Int(spec[spec.index(after: colon)...]) else {
            return nil
        }
        return CrashPoint(moment: moment, saveNumber: number)
    }
}
