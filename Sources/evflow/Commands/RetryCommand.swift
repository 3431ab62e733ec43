import ArgumentParser
import FlowEngine
import Foundation

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
            that has not ended.

            Money is never moved twice: a fresh visit of a capture (or refund) step moves only what the flow's \
            amount says is still owed after what this instance already captured (refunded), and --from-step \
            onto a capture, cancel or refund step whose money already moved is refused unless \
            --rerun-completed --reason says why (the reason goes into the timeline; the bound still holds). \
            --dry-run says what the retry would move, or why it would be refused.

            Exit codes: 0 the instance is running, waiting or succeeded afterwards, 1 it failed again, \
            2 no such step, nothing to retry, a completed money step without --rerun-completed, or --from-step \
            while a payment call's outcome is not settled (`evflow resume` settles it), \
            3 no such instance, 4 locked or its outcome could not be saved (it is confirmed on the next run).

            Examples:
              evflow retry session-4711
              evflow retry session-4711 --dry-run
              evflow retry session-4711 --from-step capture --dry-run
              evflow retry session-4711 --from-step capture --rerun-completed --reason "price corrected, ticket 812"
            """)

    @OptionGroup var options: RunnerOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Option(name: .customLong("from-step"), help: ArgumentHelp("Start from this step instead of the failed one.", valueName: "step"))
    var fromStep: String?

    @Flag(name: .customLong("rerun-completed"), help: "Run a capture, cancel or refund step again although its money already moved (needs --reason).")
    var rerunCompleted = false

    @Option(help: ArgumentHelp("Why a completed money step must run again (recorded in the timeline).", valueName: "text"))
    var reason: String?

    @Flag(name: .customLong("dry-run"), help: "Print the side effect the retry would cause next; change nothing.")
    var dryRun = false

    func validate() throws {
        if rerunCompleted && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--rerun-completed needs --reason '<why>' (it is recorded in the instance's timeline)")
        }
        if rerunCompleted && fromStep == nil { throw ValidationError("--rerun-completed applies to --from-step") }
        if reason != nil && !rerunCompleted { throw ValidationError("--reason goes with --rerun-completed") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: !dryRun, definitions: false), logger: logger) { environment in
            let override = rerunCompleted ? reason : nil
            if dryRun {
                do {
                    print("\(id): next \(try environment.runner.retryPlan(id, fromStep: fromStep, override: override))")
                } catch let error as FlowError where error.code == .alreadyApplied || error.code == .unconfirmed {
                    print("\(id): refused: \(error.detail)")
                    throw ExitCode(CommandFailure.Status.usage.rawValue)
                }
                return
            }
            let instance = try await environment.runner.retry(id, fromStep: fromStep, override: override, by: actor.name)
            print("retried \(InstanceSummary(instance).runLine)")
            if instance.status == .failed { throw ExitCode(CommandFailure.Status.failure.rawValue) }
        }
    }
}
