import ArgumentParser
import FlowEngine

/// `evflow retry`: runs a failed instance again.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed instance again from the step that failed (or from --from-step).",
        discussion: """
            Without --from-step the failed step's visit is reopened with a fresh attempt budget and the same \
            idempotency key and request: a payment call that may have taken effect is confirmed with the \
            provider before it is sent again, so a retry never charges twice. --from-step starts a fresh visit \
            of any step of the instance's pinned definition (new idempotency key); it also moves an instance \
            that has not ended. The capture bound is still checked against the authorized amount.

            Exit codes: 0 the instance is running, waiting or succeeded afterwards, 1 it failed again, \
            2 no such step or nothing to retry, 3 no such instance, 4 locked.

            Examples:
              evflow retry session-4711
              evflow retry session-4711 --dry-run
              evflow retry session-4711 --from-step capture
            """)

    @OptionGroup var options: RunnerOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Option(name: .customLong("from-step"), help: ArgumentHelp("Start from this step instead of the failed one.", valueName: "step"))
    var fromStep: String?

    @Flag(name: .customLong("dry-run"), help: "Print the side effect the retry would cause next; change nothing.")
    var dryRun = false

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: !dryRun, definitions: false), logger: logger) { environment in
            if dryRun {
                print("\(id): next \(try environment.runner.retryPlan(id, fromStep: fromStep))")
                return
            }
            let instance = try await environment.runner.retry(id, fromStep: fromStep)
            print("retried \(InstanceSummary(instance).runLine)")
            if instance.status == .failed { throw ExitCode(CommandFailure.Status.failure.rawValue) }
        }
    }
}
