import ArgumentParser
import FlowEngine
import Foundation

/// `evflow resume`: runs a stuck instance (or all of them) now.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Run a stuck or waiting instance now (or every stuck one).",
        discussion: """
            Takes the instance's lock (waiting up to 10 s for a worker that is running it), treats its timers as \
            due and runs it until it waits or ends, printing where it got to. A payment call that was \
            interrupted is first confirmed with the provider, then repeated with the same idempotency key, so \
            resuming never charges twice. Finished instances are refused: use `retry` or `cancel`.

            --set corrects an input or variable first (repeatable, with --reason): inputs.<name>=<value> or \
            variables.<name>=<value>, the value read by the type the flow declares (money as 4.55 NOK or \
            {"value": 455, "currency": "NOK"}, never rounded; integers, durations like 6h). Refused (exit 2) for an \
            unknown name, a value of another type or currency, and once money that depends on the value has moved \
            (a reserve, capture, refund or receipt step that reads it, directly or through variables, already ran): \
            the message names the step and the money. Each change is recorded in the timeline with the old and new \
            value, who (--by, default $USER) and why; a phone number is never shown.

            --all-stuck resumes every instance `evflow list --status stuck` shows that can run (not failed or \
            corrupt ones), with progress on a terminal.

            Exit codes: 0 resumed, 1 an instance failed or could not be resumed, 3 no such instance, 4 locked.

            Examples:
              evflow resume session-4711
              evflow resume session-4711 --dry-run
              evflow resume session-4711 --set inputs.pricePerKWh="4.55 NOK" --reason "tariff was wrong, ticket 12" --dry-run
              evflow resume --all-stuck --grace 5m
            """)

    @OptionGroup var options: RunnerOptions
    @OptionGroup var inspection: InspectionOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String?

    @Flag(name: .customLong("all-stuck"), help: "Resume every stuck instance that can run.")
    var allStuck = false

    @Flag(name: .customLong("dry-run"), help: "Print the side effect each instance would cause next; change nothing.")
    var dryRun = false

    @Option(name: .customLong("set"), help: ArgumentHelp("Correct a value first: inputs.<name>=<value> or variables.<name>=<value> (repeatable; needs --reason).", valueName: "path=value"))
    var assignments: [String] = []

    @Option(help: ArgumentHelp("Why the values are corrected, for the timeline.", valueName: "text"))
    var reason: String?

    func validate() throws {
        if (id == nil) == !allStuck { throw ValidationError("give an instance id or --all-stuck (not both)") }
        if !assignments.isEmpty && allStuck { throw ValidationError("--set corrects one instance: give its id, not --all-stuck") }
        if !assignments.isEmpty && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--set needs --reason '<why>'")
        }
        if assignments.isEmpty && reason != nil { throw ValidationError("--reason goes with --set") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: !dryRun, definitions: false), logger: logger) { environment in
            let runner = environment.runner
            var ids: [String]
            if let id {
                ids = [id]
            } else {
                let inspector = environment.inspector
                let (all, _) = try inspector.summaries(StuckDiagnosis(grace: inspection.grace.seconds, now: Date()))
                let stuck = all.filter { $0.stuck != nil }
                for skipped in stuck where skipped.status == "failed" || skipped.status == "corrupt" || skipped.status == "succeeded" {
                    Output.note("skipped \(skipped.id) (\(skipped.status)): \(skipped.stuck ?? "")")
                }
                ids = stuck.filter { $0.status == "running" || $0.status == "waiting" }.map(\.id)
                if ids.isEmpty { Output.note("no stuck instance can be resumed") }
            }
            var failures = 0
            for (index, id) in ids.enumerated() {
                if allStuck { Output.progress("resume", index, of: ids.count, id) }
                do {
                    var corrections: [ValueCorrection] = []
                    if !assignments.isEmpty {
                        let definition = try environment.catalog.definition(for: try runner.instance(id).flow)
                        corrections = try assignments.map { try ValueCorrection.parse($0, for: definition, instanceID: id) }
                    }
                    if dryRun {
                        let plan = try corrections.isEmpty ? runner.resumePlan(id) : runner.resumePlan(id, setting: corrections, reason: reason, by: actor.name)
                        print("\(id): \(corrections.isEmpty ? "next " : "")\(plan)")
                    } else {
                        let instance = try await runner.resume(id, setting: corrections, reason: reason, by: actor.name)
                        print("resumed \(InstanceSummary(instance).runLine)")
                        if instance.status == .failed { failures += 1 }
                    }
                } catch {
                    if !allStuck { throw error }
                    failures += 1
                    Output.note("\(id): \(error)")
                }
            }
            if allStuck { Output.progress("resume", ids.count, of: ids.count, "done") }
            if failures > 0 { throw ExitCode(CommandFailure.Status.failure.rawValue) }
        }
    }
}
