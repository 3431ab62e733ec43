import ArgumentParser
import FlowEngine
import Foundation
import Logging
import PostgresStore

/// The options every command that touches state shares: where state and definitions live, and how much to log
/// (``LoggingOptions``).
struct RunnerOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "The state folder: instances, inboxes, pinned definitions, locks (env EVFLOW_STATE_DIR; default ./state).",
        valueName: "path"))
    var stateDirectory: String?

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Where instances live: a PostgreSQL URL (postgres://user@host:port/db, password from the URL, PGPASSWORD or a 0600 file in EVFLOW_STORE_PASSWORD_FILE; ?sslmode=require for TLS) shared by many workers, or a state folder (env EVFLOW_STORE; default the state folder).",
        valueName: "location"))
    var store: String?

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

    /// `--store`, else `--state-dir`, else `EVFLOW_STORE`, else `EVFLOW_STATE_DIR`, else `./state`.
    var storeText: String {
        let environment = ProcessInfo.processInfo.environment
        return store ?? stateDirectory ?? environment["EVFLOW_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? stateURL.path
    }

    /// The store `--store` names, with the lease length from `EVFLOW_LEASE_SECONDS` (default 15) and the pool size
    /// from `EVFLOW_DB_CONNECTIONS` (default 16) for a database.
    /// - Throws: ``CommandFailure`` (usage) for both `--store` and `--state-dir`, or an unusable address.
    func storeLocation(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        if store != nil && stateDirectory != nil {
            throw CommandFailure(.usage, "--store and --state-dir both name the store: give one (--state-dir DIR is --store DIR)")
        }
        let options = try Self.postgresOptions(environment: environment)
        do {
            return try StoreLocation.named(storeText, options: options, environment: environment)
        } catch {
            throw CommandFailure(.usage, "--store: \(error)")
        }
    }

    /// A database store's options from the environment: the lease length (`EVFLOW_LEASE_SECONDS`, default 15) and
    /// the pool size (`EVFLOW_DB_CONNECTIONS`, default 16).
    /// - Throws: ``CommandFailure`` (usage) for a value out of range.
    static func postgresOptions(environment: [String: String]) throws -> PostgresInstanceStore.Options {
        var options = PostgresInstanceStore.Options()
        if let text = environment["EVFLOW_LEASE_SECONDS"], !text.isEmpty {
            guard let seconds = Double(text), seconds >= 1, seconds <= 3600 else {
                throw CommandFailure(.usage, "EVFLOW_LEASE_SECONDS must be a number of seconds from 1 to 3600, got '\(text.prefix(40))'")
            }
            options.leaseDuration = seconds
        }
        if let text = environment["EVFLOW_DB_CONNECTIONS"], !text.isEmpty {
            guard let count = Int(text), (1...1000).contains(count) else {
                throw CommandFailure(.usage, "EVFLOW_DB_CONNECTIONS must be a number of connections from 1 to 1000, got '\(text.prefix(40))'")
            }
            options.maximumConnections = count
        }
        return options
    }

    /// Sends log lines at `--log-level` and above to stderr; stdout stays for command output.
    func bootstrapLogging() -> Logger { logging.bootstrapLogging() }
}
