import ArgumentParser
import FlowEngine
import Foundation

/// `evflow mark-done`: accepts a capture or cancel done by hand as a step's outcome, after checking the provider.
struct MarkDoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-done",
        abstract: "Accept a capture or cancel made by hand (merchant portal) as a step's outcome, and run the flow on.",
        discussion: """
            For a capture or cancel step the instance failed or waits at (retrying, unconfirmed, stuck). Reads the \
            payment's event log at the provider and accepts the event with --psp-reference only if it is of the \
            step's kind (CAPTURED for a capture step, CANCELLED for a cancel step), succeeded, and moved exactly what \
            the step would have moved (for a capture: what is owed less what is already captured, within what is \
            authorized). Refused when the step's own call took effect (then `evflow resume`/`retry` records it by \
            its key), may still land, when the event is already recorded for another step, or while a worker holds \
            the instance. On acceptance the evidence (pspReference, amount, event time, who, reason) is kept in the \
            step record, the money ledger and the timeline, and the flow runs on from the step's success transition.

            Exit codes: 0 accepted (the instance ran on), 1 the provider could not be read, 2 refused (not such a step, \
            no such event, another kind or amount, its own call took effect or may still land), 3 no such instance, \
            4 state problem (locked by a worker for more than 10 s).

            Examples:
              evflow mark-done session-4711 --step capture --psp-reference 7f3c… --reason "captured in the portal, ticket 88" --dry-run
              evflow mark-done session-4711 --step capture --psp-reference 7f3c… --reason "ticket 88" --by alice
              evflow mark-done session-4711 --step releaseRemainder --psp-reference 91aa… --reason "released by hand" --json
            """)

    @OptionGroup var options: RunnerOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("The capture or cancel step done by hand.", valueName: "step"))
    var step: String

    @Option(name: .customLong("psp-reference"), help: ArgumentHelp("The provider event's pspReference (merchant portal, `GET …/events`).", valueName: "ref"))
    var pspReference: String

    @Option(help: ArgumentHelp("Why, for the timeline and ledger.", valueName: "text"))
    var reason: String

    @Flag(name: .customLong("dry-run"), help: "Read the event log and print what would be accepted, or why not; change nothing.")
    var dryRun = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
        if pspReference.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--psp-reference must name the provider's event") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: true, definitions: false), logger: logger) { environment in
            let runner = environment.runner
            if dryRun {
                let plan = try await runner.markDonePlan(id, step: step, pspReference: pspReference, reason: reason, by: actor.name)
                if json { try Output.printJSON(["id": id, "plan": plan.summary]) } else { print("\(id): would \(plan.summary)") }
                return
            }
            let instance = try await runner.markDone(id, step: step, pspReference: pspReference, reason: reason, by: actor.name)
            let evidence = instance.steps.last { $0.step == step }?.manualCompletion
            if json {
                try Output.printJSON(Document(id: id, step: step, evidence: evidence, status: instance.status.rawValue,
                                              currentStep: instance.currentStep, payment: instance.payment))
                return
            }
            print("\(id): step \(step) marked done by \(actor.name) with \(evidence.map { "\($0.event) of \($0.money) (pspReference \($0.pspReference))" } ?? "the event")")
            print("ran on: \(InstanceSummary(instance).runLine)")
        }
    }

    /// What `--json` prints.
    struct Document: Encodable {
        var id: String
        var step: String
        var evidence: ManualCompletion?
        var status: String
        var currentStep: String?
        var payment: PaymentSummary?
    }
}
