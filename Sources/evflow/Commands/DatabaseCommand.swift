import ArgumentParser
import FlowEngine
import Foundation
import PostgresStore

/// `evflow db`: the PostgreSQL store's schema.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the PostgreSQL store's schema (evflow db migrate).",
        subcommands: [DatabaseMigrateCommand.self])
}

/// `evflow db migrate`: creates or updates evflow's tables in a PostgreSQL database.
struct DatabaseMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update evflow's tables in the PostgreSQL database --store names.",
        discussion: """
            Idempotent: a database already at this evflow's schema version is left as it is. Runs in one \
            transaction under an advisory lock, so two migrators never race. Workers refuse a database that is \
            not migrated ("run evflow db migrate") or that a newer evflow migrated.

            The password comes from the URL, PGPASSWORD, or the 0600 file EVFLOW_STORE_PASSWORD_FILE names; it \
            is never printed.

            Exit codes: 0 migrated (or already current), 2 bad usage (not a postgres:// URL), 4 the database is \
            at a newer schema version than this evflow knows, 5 the database cannot be reached.

            Examples:
              evflow db migrate --store postgres://evflow@db.internal:5432/evflow
              EVFLOW_STORE=postgres://evflow@127.0.0.1/evflow?sslmode=require evflow db migrate --json
            """)

    @Option(name: .customLong("store"), help: ArgumentHelp("The database: postgres://user@host:port/db (env EVFLOW_STORE).", valueName: "url"))
    var store: String?

    @Flag(help: "Print the outcome as JSON: {\"store\", \"fromVersion\", \"toVersion\"}.")
    var json = false

    struct Outcome: Encodable {
        var store: String
        var fromVersion: Int
        var toVersion: Int
    }

    func run() throws {
        let text = store ?? ProcessInfo.processInfo.environment["EVFLOW_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text, PostgresAddress.looksLikeURL(text) else {
            throw CommandFailure(.usage, "evflow db migrate needs a database: --store postgres://user@host:port/db (or EVFLOW_STORE); a state folder needs no migration")
        }
        let address: PostgresAddress
        do {
            address = try PostgresAddress(text)
        } catch {
            throw CommandFailure(.usage, "--store: \(error)")
        }
        let outcome: (from: Int, to: Int)
        do {
            outcome = try PostgresInstanceStore.migrate(address)
        } catch {
            throw CommandFailure(CommandFailure.status(for: error), "cannot migrate \(address.redacted): \(error)")
        }
        if json {
            try Output.printJSON(Outcome(store: address.redacted, fromVersion: outcome.from, toVersion: outcome.to))
        } else if outcome.from == outcome.to {
            Output.line("\(address.redacted) is at schema version \(outcome.to) already; nothing to do")
        } else {
            Output.line("migrated \(address.redacted) from schema version \(outcome.from) to \(outcome.to)")
        }
    }
}
