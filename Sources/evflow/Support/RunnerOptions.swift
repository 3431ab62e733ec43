import ArgumentParser
import Foundation
import Logging

/// The options every command that touches state shares: where state and definitions live, and how much to log
/// (``LoggingOptions``).
struct RunnerOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "The state folder: instances, inboxes, pinned definitions, locks (env EVFLOW_STATE_DIR; default ./state).",
        valueName: "path"))
    var stateDirectory: String?

    @Option(name: .customLong("flows-dir"), help: ArgumentHelp("The folder of flow definitions.", valueName: "path"))
    var flowsDirectory: String = "./flows"

    @OptionGroup var logging: LoggingOptions

    /// `--log-level`.
    var logLevel: String { logging.logLevel }

    /// The state folder: the option, else `EVFLOW_STATE_DIR`, else `./state`.
    var stateURL: URL {
        let environment = ProcessInfo.processInfo.environment["EVFLOW_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        return URL(filePath: stateDirectory ?? environment ?? "./state")
    }

    var flowsURL: URL { URL(filePath: flowsDirectory) }

    /// Sends log lines at `--log-level` and above to stderr; stdout stays for command output.
    func bootstrapLogging() -> Logger { logging.bootstrapLogging() }
}
