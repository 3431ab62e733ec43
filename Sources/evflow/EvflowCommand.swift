import ArgumentParser

/// The `evflow` command: operators find and fix charging sessions; flow authors validate and test definitions.
@main
struct EvflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evflow",
        abstract: "Durable EV-charging payment flows: run, inspect and repair them.",
        discussion: """
            State lives in --store (env EVFLOW_STORE): a state folder (--state-dir, env EVFLOW_STATE_DIR, default \
            ./state), or a PostgreSQL database shared by many workers (postgres://user@host:port/db; run \
            `evflow db migrate` once first); definitions in --flows-dir \
            (default ./flows). Payment provider settings come from EPAYMENT_BASE_URL, EPAYMENT_CLIENT_ID, \
            EPAYMENT_CLIENT_SECRET, EPAYMENT_SUBSCRIPTION_KEY and EPAYMENT_MSN (or EPAYMENT_CONFIG_FILE, mode 0600).

            Exit codes:
              0  success
              1  the operation failed (payment error, flow failed, test failed)
              2  bad usage or bad input (invalid definition, inputs or signal data)
              3  not found (no such instance or flow)
              4  state problem (corrupt or unreadable state file, lock held by another
                 runner, database schema not migrated or newer than this evflow)
              5  the store's database cannot be reached (down, refusing connections,
                 bad credentials)

            Examples:
              evflow validate flows/
              evflow start ev-charging --id session-4711 --input @session.json
              evflow signal session-4711 meterReading --data '{"energyWh": 5200}' \\
                --signal-id r-17
              evflow list --status stuck
              evflow show session-4711
            """,
        subcommands: EvflowCommand.allSubcommands
    )
}
