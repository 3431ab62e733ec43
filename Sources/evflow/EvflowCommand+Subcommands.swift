import ArgumentParser

extension EvflowCommand {
    /// Every subcommand, in the order `--help` lists them. Add new commands here.
    static var allSubcommands: [any ParsableCommand.Type] {
        [ValidateCommand.self, StartCommand.self, SignalCommand.self, RunCommand.self, ServeCommand.self, ListCommand.self, ShowCommand.self,
         MeterValuesCommand.self,
         ResumeCommand.self, RetryCommand.self, CancelCommand.self, RefundCommand.self, MarkDoneCommand.self, ReconcileCommand.self, FsckCommand.self, GraphCommand.self,
         TestCommand.self, DemoCommand.self, WebhooksCommand.self, StoreCommand.self, DatabaseCommand.self]
    }
}
