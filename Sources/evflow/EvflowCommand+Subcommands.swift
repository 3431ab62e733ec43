import ArgumentParser

extension EvflowCommand {
    /// Every subcommand, in the order `--help` lists them. Add new commands here.
    static var allSubcommands: [any ParsableCommand.Type] {
        [StartCommand.self, SignalCommand.self, RunCommand.self, TestCommand.self, DemoCommand.self]
    }
}
