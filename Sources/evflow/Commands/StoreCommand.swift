import ArgumentParser

/// `evflow store`: operations on a whole store rather than on instances.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Operate on a whole store: copy a state folder into another store.",
        discussion: """
            Examples:
              evflow store copy --from ./state --to postgres://evflow@db.internal:5432/evflow
              evflow store copy --from ./state --to ./state-copy --dry-run --json
            """,
        subcommands: [StoreCopyCommand.self])
}
