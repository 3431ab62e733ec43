import ArgumentParser
import FlowEngine
import Foundation

/// `evflow cancel`: ends an instance and releases the customer's reservation.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "End an instance and release the money still reserved.",
        discussion: """
            Records the reason under the instance's lock and runs it: the reservation's remainder is released \
            with the provider (a payment not yet approved is cancelled), then the instance ends failed with \
            operator.cancelled. Money already captured stays captured (use a refund flow for that). For an \
            instance that already ended but still holds money, only the release is done. Repeating the command \
            is harmless: the release uses the same idempotency key every time.

            Exit codes: 0 cancelled and nothing held, 1 the release failed (the instance keeps retrying it), \
            3 no such instance, 4 locked by a worker for more than 10 s.

            Examples:
              evflow cancel session-4711 --reason "charger fault, customer called support"
              evflow cancel session-4711 --reason test --dry-run
            """)

    @OptionGroup var options: RunnerOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("Why, for the instance's history and failure message.", valueName: "text"))
    var reason: String

    @Flag(name: .customLong("dry-run"), help: "Print what would be released; change nothing.")
    var dryRun = false

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: !dryRun, definitions: false), logger: logger) { environment in
            if dryRun {
                print("\(id): would \(try environment.runner.cancellationPlan(id, reason: reason))")
                return
            }
            let instance = try await environment.runner.cancel(id, reason: reason, by: actor.name)
            let summary = InstanceSummary(instance)
            let held = instance.payment.map { $0.state == "CREATED" ? $0.reserved : $0.held } ?? 0
            if instance.status.isFinished && held == 0 {
                print("cancelled \(summary.runLine)")
            } else {
                let error = instance.history.last(where: { $0.event == "retry" })?.detail ?? "see `evflow show \(id)`"
                throw CommandFailure(.failure, "\(id): the release has not succeeded yet (\(summary.money(held)) still held); the worker retries it: \(error)")
            }
        }
    }
}
